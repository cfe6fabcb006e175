"""Probe fan-out: 50 FQDNs over ONE SSH connection (8 channels in flight) vs 50 separate connections.

Both run against a real asyncssh DemoSshServer on 127.0.0.1 whose demo VM waits ``--delay-ms`` before answering each
exec request (a stand-in for the round trip to a VM in Azure). Each FQDN is the same batched probe command line
(getent + host + curl /healthstatus) either way; only the transport differs.

    .venv/bin/python bench/probe_fanout.py [--fqdns 50] [--delay-ms 20]

"Rounds" are measured on the server: the longest chain of exec requests where each started after the previous one
ended, i.e. how many sequential waits the client paid for.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time

import asyncssh

from plinktui.emulator.sshd import DemoSshServer, generate_host_key
from plinktui.emulator.vmshell import HttpAnswer, Resolution, StaticVmView
from plinktui.probes.ssh import SshProbeSession, probe_fqdns
from plinktui.probes.verdict import ProbeTarget


def rounds(log: list[tuple[str, float, float]]) -> int:
    """Longest chain of non-overlapping execs (each starts after the previous ended)."""
    spans = sorted((s, e) for _, s, e in log)
    best = [1] * len(spans)
    for i, (s, _) in enumerate(spans):
        for j in range(i):
            if spans[j][1] <= s:
                best[i] = max(best[i], best[j] + 1)
    return max(best, default=0)


def demo_vm(n: int) -> StaticVmView:
    answers, http = {}, {}
    for i in range(n):
        fqdn = f"kv{i:03d}.vault.azure.net"
        answers[fqdn] = Resolution(fqdn, [fqdn, f"kv{i:03d}.privatelink.vaultcore.azure.net"], [f"10.1.{i // 200}.{i % 200 + 4}"])
        http[fqdn] = HttpAnswer(200, [("x-ms-keyvault-network-info", "addr=10.0.1.4;act_addr_fam=InterNetwork;")], "null")
    return StaticVmView(name="vm-probe", private_ip="10.0.1.4", answers=answers, http=http)


async def main(n: int, delay_ms: float) -> None:
    vm = demo_vm(n)
    targets = [ProbeTarget(fqdn, res.addresses) for fqdn, res in vm.answers.items()]
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    priv, pub = generate_host_key("root@vm-probe")
    async with DemoSshServer(command_delay=delay_ms / 1000) as server:
        port = await server.add_vm("vm", priv, [client_key.export_public_key().decode()], lambda: vm,
                                   admin_username="azureuser")

        def session() -> SshProbeSession:
            return SshProbeSession("127.0.0.1", port, username="azureuser", client_keys=[client_key],
                                   pinned_host_key=pub)

        # warm-up (imports, first key exchange) so neither side pays it
        async with session() as s:
            await probe_fqdns(s, targets[:1], vm.private_ip)

        server.stats.reset()
        t0 = time.perf_counter()
        async with session() as s:
            one = await probe_fqdns(s, targets, vm.private_ip)
        one_wall = time.perf_counter() - t0
        one_rounds, one_max, one_conns = rounds(server.stats.exec_log), server.stats.max_channels_open, \
            server.stats.connections

        server.stats.reset()
        t0 = time.perf_counter()
        many = []
        for t in targets:  # the naive loop: `for f in ...; do ssh vm probe $f; done`
            async with session() as s:
                many += await probe_fqdns(s, [t], vm.private_ip)
        many_wall = time.perf_counter() - t0
        many_rounds, many_conns = rounds(server.stats.exec_log), server.stats.connections

    assert all(v.verdict == "pass" for v in one + many), "every probe should pass on the healthy demo VM"
    print(f"probe fan-out: {n} FQDNs, {delay_ms:g} ms per command on the server")
    print(f"  one connection, 8 in flight : {one_wall * 1000:8.1f} ms  rounds={one_rounds}"
          f" (bound ceil(({n}+1)/8)={math.ceil((n + 1) / 8)})  max channels={one_max}  connections={one_conns}")
    print(f"  {n} separate connections     : {many_wall * 1000:8.1f} ms  rounds={many_rounds}"
          f"  connections={many_conns}")
    print(f"  speed-up: {many_wall / one_wall:.1f}x")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fqdns", type=int, default=50)
    ap.add_argument("--delay-ms", type=float, default=20.0)
    args = ap.parse_args()
    asyncio.run(main(args.fqdns, args.delay_ms))

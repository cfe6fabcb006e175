"""The demo VM SSH server (real asyncssh on 127.0.0.1) and the SSH probe session against it.

The VM is a small dataclass implementing the emulator's VmView protocol — the emulator's own interface, not a
fake of any SDK.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

import asyncssh
import pytest

from plinktui.emulator.sshd import DemoSshServer, generate_host_key
from plinktui.emulator.vmshell import HttpAnswer, Resolution
from plinktui.probes.ssh import HostKeyMismatch, SshProbeError, SshProbeSession, fingerprint, probe_fqdns
from plinktui.probes.verdict import ProbeTarget

FQDN = "fabrikam.vault.azure.net"
PL = "fabrikam.privatelink.vaultcore.azure.net"


@dataclass
class TinyVm:
    """A VmView: a private zone answering <name>.vault.azure.net -> 10.1.2.<n>, healthstatus over the private path."""

    name: str = "vm-probe"
    private_ip: str = "10.0.1.4"
    public_ip: str | None = "20.30.40.50"
    dns_servers: list[str] = field(default_factory=lambda: ["168.63.129.16"])
    etc_hosts: list[tuple[str, list[str]]] = field(default_factory=list)
    host_key_public: str = ""
    records: dict[str, str] = field(default_factory=lambda: {FQDN: "10.1.2.3"})

    def resolve(self, name: str) -> Resolution:
        name = name.rstrip(".").lower()
        ip = self.records.get(name)
        if ip is None:
            return Resolution(name, [name], [], nxdomain=True)
        vault = name.split(".")[0]
        return Resolution(name, [name, f"{vault}.privatelink.vaultcore.azure.net"], [ip])

    def https_get(self, fqdn: str, path: str) -> HttpAnswer | None:
        if fqdn.lower() not in self.records:
            return None
        return HttpAnswer(200, [("x-ms-keyvault-network-info", f"addr={self.private_ip};act_addr_fam=InterNetwork;")],
                          "null")


@pytest.fixture
def client_key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519")


@pytest.fixture
async def server():
    async with DemoSshServer() as srv:
        yield srv


async def add(server: DemoSshServer, client_key: asyncssh.SSHKey, vm: TinyVm, *, host_key: tuple[str, str] | None = None,
              port: int = 0, vm_id: str = "vm1") -> tuple[int, str]:
    priv, pub = host_key or generate_host_key(f"root@{vm.name}")
    vm.host_key_public = pub
    p = await server.add_vm(vm_id, priv, [client_key.export_public_key().decode()], lambda: vm,
                            admin_username="azureuser", private_ip=vm.private_ip, port=port)
    return p, pub


def session(port: int, key: asyncssh.SSHKey, **kw: object) -> SshProbeSession:
    return SshProbeSession("127.0.0.1", port, username="azureuser", client_keys=[key], connect_timeout=10,
                           command_timeout=10, **kw)  # type: ignore[arg-type]


async def test_pinned_key_probe_passes_and_state_changes_show(server, client_key) -> None:
    vm = TinyVm()
    port, pub = await add(server, client_key, vm)
    async with session(port, client_key, pinned_host_key=pub) as s:
        assert s.host_key_fingerprint == fingerprint(pub)
        [v] = await probe_fqdns(s, [ProbeTarget(FQDN, ["10.1.2.3"])], vm.private_ip, vm_name=vm.name)
        assert (v.verdict, v.resolved_ips, v.cname_chain, v.healthstatus_addr) == (
            "pass", ["10.1.2.3"], [FQDN, PL], "10.0.1.4")
        # the model changes between commands (a stale record): the next probe sees it
        vm.records[FQDN] = "10.1.2.99"
        [v] = await probe_fqdns(s, [(FQDN, ["10.1.2.3"])], vm.private_ip)
        assert v.verdict == "fail" and v.findings == ["PL021"]
        vm.etc_hosts.append(("10.1.2.3", [FQDN]))
        [v] = await probe_fqdns(s, [(FQDN, ["10.1.2.3"])], vm.private_ip)
        assert "PL024" in v.findings


async def test_unknown_command_is_127(server, client_key) -> None:
    port, pub = await add(server, client_key, TinyVm())
    async with session(port, client_key, pinned_host_key=pub) as s:
        r = await s.run("uname -a")
        assert (r.exit_status, r.stdout, r.stderr) == (127, "", "bash: line 1: uname: command not found\n")
        r = await s.run("cat /etc/ssh/ssh_host_ed25519_key.pub")
        assert r.stdout.strip() == pub


async def test_changed_host_key_is_refused_with_both_fingerprints(server, client_key) -> None:
    vm = TinyVm()
    port, old_pub = await add(server, client_key, vm)
    new_priv, new_pub = generate_host_key("root@imposter")
    await add(server, client_key, vm, host_key=(new_priv, new_pub), port=port)
    assert server.port_of("vm1") == port
    with pytest.raises(HostKeyMismatch) as err:
        async with session(port, client_key, pinned_host_key=old_pub):
            pass
    msg = str(err.value)
    assert fingerprint(old_pub) in msg and fingerprint(new_pub) in msg
    assert fingerprint(old_pub) != fingerprint(new_pub)


async def test_accept_new_pins_then_refuses_a_change(server, client_key, tmp_path) -> None:
    vm = TinyVm()
    port, pub = await add(server, client_key, vm)
    state = tmp_path / "state"
    async with session(port, client_key, accept_new=True, state_dir=state) as s:
        assert s.newly_trusted and s.host_key_fingerprint == fingerprint(pub)
    kh = state / "known_hosts"
    assert stat.S_IMODE(os.stat(kh).st_mode) == 0o600
    assert kh.read_text().startswith(f"[127.0.0.1]:{port} ssh-ed25519 ")
    # later sessions use the recorded key without asking again
    async with session(port, client_key, state_dir=state) as s:
        assert not s.newly_trusted
    await add(server, client_key, vm, port=port)  # the VM now shows another key
    with pytest.raises(HostKeyMismatch) as err:
        async with session(port, client_key, accept_new=True, state_dir=state):
            pass
    assert fingerprint(pub) in str(err.value)
    assert kh.read_text().count("\n") == 1  # the changed key was not recorded


async def test_known_hosts_file_and_no_policy(server, client_key, tmp_path) -> None:
    port, pub = await add(server, client_key, TinyVm())
    kh = tmp_path / "known_hosts"
    kh.write_text(f"[127.0.0.1]:{port} {pub}\n")
    async with session(port, client_key, known_hosts=kh) as s:
        assert (await s.run("hostname")).stdout == "vm-probe\n"
    other = tmp_path / "other_hosts"
    other.write_text(f"[127.0.0.1]:{port + 1} {pub}\n")
    with pytest.raises(SshProbeError, match="not pinned"):
        async with session(port, client_key, known_hosts=other):
            pass
    with pytest.raises(SshProbeError, match="not pinned"):
        async with session(port, client_key):
            pass


async def test_key_auth_only(server, client_key) -> None:
    port, pub = await add(server, client_key, TinyVm())
    stranger = asyncssh.generate_private_key("ssh-ed25519")
    with pytest.raises(SshProbeError, match="refused"):
        async with session(port, stranger, pinned_host_key=pub):
            pass
    with pytest.raises(asyncssh.PermissionDenied):
        await asyncssh.connect("127.0.0.1", port, username="azureuser", password="azureuser", client_keys=None,
                               known_hosts=([asyncssh.import_public_key(pub)], [], []), config=[], agent_path=None)
    assert server.stats.auth_failures >= 1


async def test_fifty_fqdns_over_one_connection_use_at_most_eight_channels(client_key) -> None:
    async with DemoSshServer(command_delay=0.02) as server:
        vm = TinyVm(records={f"kv{i:02d}.vault.azure.net": f"10.1.2.{i + 4}" for i in range(50)})
        port, pub = await add(server, client_key, vm)
        targets = [ProbeTarget(f"kv{i:02d}.vault.azure.net", [f"10.1.2.{i + 4}"]) for i in range(50)]
        async with session(port, client_key, pinned_host_key=pub) as s:
            verdicts = await probe_fqdns(s, targets, vm.private_ip)
            assert s.max_in_flight_seen == 8
            assert s.commands_run == 51  # one batched channel per FQDN + resolv.conf once
        assert [v.verdict for v in verdicts] == ["pass"] * 50
        assert server.stats.connections == 1
        assert server.stats.execs == 51
        assert 1 <= server.stats.max_channels_open <= 8


async def test_command_timeout(client_key) -> None:
    async with DemoSshServer(command_delay=2.0) as server:
        port, pub = await add(server, client_key, TinyVm())
        async with SshProbeSession("127.0.0.1", port, username="azureuser", client_keys=[client_key],
                                   pinned_host_key=pub, command_timeout=0.2) as s:
            r = await s.run("hostname")
            assert r.timed_out and r.exit_status is None
            [v] = await probe_fqdns(s, [("db.postgres.database.azure.com", ["10.1.2.3"])], "10.0.1.4")
            assert v.verdict == "unknown" and "timed out" in v.detail


async def test_jump_host_reaches_a_private_vm(server, client_key) -> None:
    jump_vm = TinyVm(name="jumpbox", private_ip="10.0.0.4")
    target_vm = TinyVm(name="vm-private", private_ip="10.0.1.5", public_ip=None)
    jport, jpub = await add(server, client_key, jump_vm, vm_id="jump")
    _, tpub = await add(server, client_key, target_vm, vm_id="target")
    async with session(jport, client_key, pinned_host_key=jpub) as jump:
        async with SshProbeSession("10.0.1.5", 22, username="azureuser", client_keys=[client_key],
                                   pinned_host_key=tpub, jump=jump) as s:
            assert (await s.run("hostname")).stdout == "vm-private\n"
        # anything that is not a demo VM's SSH port is refused by the jump host
        with pytest.raises(SshProbeError):
            async with SshProbeSession("10.0.9.9", 22, username="azureuser", client_keys=[client_key],
                                       pinned_host_key=tpub, jump=jump, connect_timeout=5):
                pass


async def test_interactive_shell_line_by_line(server, client_key) -> None:
    port, pub = await add(server, client_key, TinyVm())
    async with asyncssh.connect("127.0.0.1", port, username="azureuser", client_keys=[client_key],
                                known_hosts=([asyncssh.import_public_key(pub)], [], []), config=[],
                                agent_path=None) as conn:
        proc = await conn.create_process(stdin=asyncssh.PIPE)
        proc.stdin.write(f"host {FQDN}\nnope\nexit\n")
        out = await proc.stdout.read()
        err = await proc.stderr.read()
        await proc.wait_closed()
    assert "azureuser@vm-probe:~$ " in out
    assert f"{PL} has address 10.1.2.3" in out
    assert "nope: command not found" in err


async def test_remove_vm_closes_the_listener(server, client_key) -> None:
    port, pub = await add(server, client_key, TinyVm())
    await server.remove_vm("vm1")
    assert server.port_of("vm1") is None
    with pytest.raises(SshProbeError, match="cannot connect"):
        async with session(port, client_key, pinned_host_key=pub):
            pass


def test_server_binds_loopback_only() -> None:
    with pytest.raises(ValueError):
        DemoSshServer(host="0.0.0.0")


async def test_revoked_key_wins_over_accept_new_a_pin_and_an_earlier_acceptance(server, client_key, tmp_path) -> None:
    port, pub = await add(server, client_key, TinyVm())
    state = tmp_path / "state"
    kh = tmp_path / "known_hosts"
    kh.write_text(f"@revoked [127.0.0.1]:{port} {pub}\n")
    with pytest.raises(SshProbeError, match="@revoked"):
        async with session(port, client_key, known_hosts=kh, accept_new=True, state_dir=state):
            pass
    assert not (state / "known_hosts").exists()  # nothing was pinned on first use
    with pytest.raises(SshProbeError, match="@revoked"):
        async with session(port, client_key, known_hosts=kh, pinned_host_key=pub, state_dir=state):
            pass
    async with session(port, client_key, accept_new=True, state_dir=state) as s:  # accepted before the revocation
        assert s.newly_trusted
    with pytest.raises(SshProbeError, match="@revoked"):
        async with session(port, client_key, known_hosts=kh, state_dir=state):
            pass
    # a revocation written into plinktui's own file holds too
    (state / "known_hosts").write_text(f"@revoked [127.0.0.1]:{port} {pub}\n")
    with pytest.raises(SshProbeError, match="@revoked"):
        async with session(port, client_key, accept_new=True, state_dir=state):
            pass


@pytest.mark.parametrize("alias", ["vm\n* ssh-ed25519 AAAA", "*", "vm,evil", "vm evil", "!vm", "vm?", "[vm]:22", ""])
async def test_trust_on_first_use_never_writes_an_unchecked_alias(server, client_key, tmp_path, alias) -> None:
    port, _ = await add(server, client_key, TinyVm())
    state = tmp_path / "state"
    with pytest.raises(SshProbeError, match="not an IP address or a host name"):
        async with session(port, client_key, accept_new=True, state_dir=state, host_key_alias=alias or "\x1b"):
            pass
    assert not (state / "known_hosts").exists()


def test_known_hosts_names_are_ips_or_plain_host_names() -> None:
    from plinktui.probes.ssh import known_hosts_name

    for ok in ("10.0.1.4", "::1", "vm-probe", "vm1.internal.cloudapp.net", "20.30.40.50"):
        assert known_hosts_name(ok) == ok
    for bad in ("a b", "a\nb", "*.example", "10.0.0.0/8", "\x1b[2J", "a..b"):
        with pytest.raises(SshProbeError):
            known_hosts_name(bad)

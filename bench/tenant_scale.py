#!/usr/bin/env python3
"""Tenant scale: the audit's inventory through Resource Graph vs ARM lists vs a naive per-endpoint script, on an
emulated tenant of S subscriptions x N vault endpoints, 20 ms per request, ARM throttling on.

1. Seeds the tenant fast through the emulator's in-process bulk path (``plinktui.emulator.bulk``: the same handlers
   an HTTPS request reaches, without the wire), saves the state and stops.
2. Serves that state with ``plinktui emulator serve --subscriptions S --request-latency-ms 20 --throttle``.
3. Runs ``plinktui audit --all-subscriptions --probe none --format json`` with ``--inventory graph`` and with
   ``--inventory arm`` (each its own process: wall time and peak RSS of that process), then a naive
   script (per subscription, subscriptions in parallel: list endpoints, then per endpoint GET its NIC and list its
   zone groups, 8 endpoints in flight per subscription; official SDK clients, the SDK's retry policy on 429).

Prints requests, 429s, wall and peak memory per approach, and the goals: graph >= 10x fewer requests than ARM lists
and >= 100x fewer than naive, the graph audit < 60 s.

    python bench/tenant_scale.py [--subscriptions 50] [--endpoints 400] [--vnets 4] [--request-latency-ms 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from plinktui.emulator.bulk import apply, replicate  # noqa: E402
from plinktui.emulator.server import Emulator, EmulatorConfig  # noqa: E402

ZONE = "privatelink.vaultcore.azure.net"
API = {"resources": "2025-04-01", "network": "2026-03-01", "keyvault": "2026-05-15", "privatedns": "2024-06-01"}


def shape(s: int) -> int:
    """Which landing-zone shape subscription ``s`` has: 0 healthy, or the index of its planted defect."""
    return s if s in (3, 5, 7) else 0


def zone_writes(sub: str, s: int, tenant: str, per_sub: int, vnets: int) -> list[tuple[str, str, Any, str]]:
    """One landing zone: a group, the vault zone, VNets linked to it, vault endpoints with zone groups. Planted
    defects by shape: 3 has a VNet without a zone link, 5 has endpoints without a zone group, 7 leaves public access
    on for three vaults."""
    out: list[tuple[str, str, Any, str]] = []
    rg = f"/subscriptions/{sub}/resourceGroups/rg-lz{s:02d}"
    net = rg + "/providers/Microsoft.Network"
    zone = f"{net}/privateDnsZones/{ZONE}"
    out.append(("PUT", rg, {"location": "westus2"}, API["resources"]))
    out.append(("PUT", zone, {"location": "global"}, API["privatedns"]))
    for v in range(vnets):
        vnet = f"{net}/virtualNetworks/vnet-{v}"
        out.append(("PUT", vnet, {"location": "westus2", "properties": {
            "addressSpace": {"addressPrefixes": [f"10.{v}.0.0/16"]},
            "subnets": [{"name": "snet-pe", "properties": {"addressPrefix": f"10.{v}.0.0/20"}}]}}, API["network"]))
        if not (s == 3 and v == 1):
            out.append(("PUT", f"{zone}/virtualNetworkLinks/link-{v}", {"location": "global", "properties": {
                "virtualNetwork": {"id": vnet}, "registrationEnabled": False}}, API["privatedns"]))
    for i in range(per_sub):
        kv = f"{rg}/providers/Microsoft.KeyVault/vaults/kvt{s:02d}x{i:04d}"
        public = s == 7 and i < 3
        out.append(("PUT", kv, {"location": "eastus2", "properties": {
            "tenantId": tenant, "sku": {"family": "A", "name": "standard"}, "enableRbacAuthorization": True,
            "publicNetworkAccess": "Enabled" if public else "Disabled",
            "networkAcls": {"defaultAction": "Allow" if public else "Deny", "bypass": "None"}}}, API["keyvault"]))
        pe = f"{net}/privateEndpoints/pe-{i:04d}"
        out.append(("PUT", pe, {"location": "westus2", "properties": {
            "subnet": {"id": f"{net}/virtualNetworks/vnet-{i % vnets}/subnets/snet-pe"},
            "privateLinkServiceConnections": [{"name": "c", "properties": {
                "privateLinkServiceId": kv, "groupIds": ["vault"]}}]}}, API["network"]))
        if not (s == 5 and i % 50 == 0):
            out.append(("PUT", pe + "/privateDnsZoneGroups/default", {"properties": {"privateDnsZoneConfigs": [
                {"name": "kv", "properties": {"privateDnsZoneId": zone}}]}}, API["network"]))
    return out


async def seed(state: pathlib.Path, subscriptions: int, per_sub: int, vnets: int) -> tuple[float, int]:
    """Each distinct landing-zone shape through the emulator's handlers (bulk.apply, a fresh emulator each, so the
    emulator's per-write scans stay small), every other subscription as a copy of the healthy one (bulk.replicate)."""
    t0 = time.monotonic()
    final = Emulator(EmulatorConfig(subscriptions=subscriptions), state_path=state, cert_dir=state.parent)
    subs, tenant = final.tenancy.ids, final.config.tenant_id
    records = 0
    for s in sorted({shape(i) for i in range(subscriptions)}):
        scratch = Emulator(EmulatorConfig(subscriptions=subscriptions), cert_dir=state.parent)
        await apply(scratch, zone_writes(subs[s], s, tenant, per_sub, vnets))
        for i in range(subscriptions):
            if shape(i) != s:
                continue
            renames = {} if i == s else {"rg-lz00": f"rg-lz{i:02d}", "kvt00x": f"kvt{i:02d}x"}
            records += replicate(scratch.store, final.store, subs[s], subs[i], renames)
    final.store.flush()
    return time.monotonic() - t0, records


def serve(exe: str, state: pathlib.Path, subscriptions: int, latency_ms: float, page_size: int,
          env: dict[str, str]) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    p = subprocess.Popen([exe, "emulator", "serve", "--state", str(state), "--subscriptions", str(subscriptions),
                          "--request-latency-ms", str(latency_ms), "--page-size", str(page_size), "--throttle"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
                         start_new_session=True)
    assert p.stdout is not None
    banner = json.loads(p.stdout.readline())
    return p, banner


def _hwm_mib(pid: int) -> float | None:
    """The process's peak resident set so far (``VmHWM``), or None once it is gone."""
    try:
        for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def audit(exe: str, banner: dict[str, Any], inventory: str, env: dict[str, str], tmp: str) -> dict[str, Any]:
    """One audit process: its JSON report, wall seconds and peak RSS (MiB: ``VmHWM`` of that process, read while it
    runs; ``wait4``'s ru_maxrss would include the bench's own memory, inherited through fork before exec)."""
    out_path, err_path = pathlib.Path(tmp) / f"{inventory}.json", pathlib.Path(tmp) / f"{inventory}.err"
    t0 = time.monotonic()
    peak = 0.0
    with open(out_path, "w") as out, open(err_path, "w") as err:
        p = subprocess.Popen([exe, "audit", "--arm-endpoint", banner["endpoint"], "--ca-cert", banner["ca_cert"],
                              "--all-subscriptions", "--inventory", inventory, "--probe", "none", "--format", "json",
                              "--timeout", "3600"], stdout=out, stderr=err, env=env)
        while p.poll() is None:
            peak = max(peak, _hwm_mib(p.pid) or 0.0)
            time.sleep(0.05)
    wall = time.monotonic() - t0
    text = out_path.read_text()
    if not text.strip():
        raise SystemExit(f"audit --inventory {inventory} printed nothing: {err_path.read_text().strip()[-300:]}")
    return {"report": json.loads(text), "wall": wall, "peak_mib": peak}


async def naive(banner: dict[str, Any], concurrency: int, subs: list[str] | None = None) -> tuple[int, int, float, int]:
    """Per subscription (subscriptions in parallel): list the endpoints, then for each endpoint GET its NIC and list
    its zone groups, ``concurrency`` endpoints at a time (1 = one after another)."""
    from plinktui.cloud import Gateway, resolve_target

    target = await resolve_target(arm_endpoint=banner["endpoint"], ca_cert=banner["ca_cert"])
    t0 = time.monotonic()
    async with Gateway(target, total_timeout=3600) as gw:
        async def one(sub: str) -> int:
            g = gw.for_subscription(sub)
            sem = asyncio.Semaphore(concurrency)

            async def per_endpoint(pe: Any) -> None:
                async with sem:
                    rg = pe.id.split("/")[4]
                    for nic in pe.properties.network_interfaces or []:
                        await g.network.network_interfaces.get(rg, nic.id.rsplit("/", 1)[-1])
                    async for _ in g.network.private_dns_zone_groups.list(private_endpoint_name=pe.name,
                                                                         resource_group_name=rg):
                        pass

            endpoints = [pe async for pe in g.network.private_endpoints.list_by_subscription()]
            await asyncio.gather(*(per_endpoint(pe) for pe in endpoints))
            return len(endpoints)

        counts = await asyncio.gather(*(one(s) for s in (subs or banner["subscription_ids"])))
        return gw.stats.requests, gw.stats.throttled, time.monotonic() - t0, sum(counts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subscriptions", type=int, default=50)
    ap.add_argument("--endpoints", type=int, default=400, help="vault endpoints per subscription")
    ap.add_argument("--vnets", type=int, default=4, help="VNets per subscription")
    ap.add_argument("--request-latency-ms", type=float, default=20.0)
    ap.add_argument("--page-size", type=int, default=100)
    ap.add_argument("--skip-naive", action="store_true", help="skip the naive script (it is the slow one)")
    ap.add_argument("--naive-concurrency", type=int, default=8,
                    help="endpoints in flight per subscription in the naive script (default 8, like the audit's)")
    a = ap.parse_args()
    exe = shutil.which("plinktui") or str(pathlib.Path(sys.executable).with_name("plinktui"))
    with tempfile.TemporaryDirectory(prefix="plinktui-tenant-") as tmp:
        state = pathlib.Path(tmp) / "state.json"
        seed_s, records = asyncio.run(seed(state, a.subscriptions, a.endpoints, a.vnets))
        env = dict(os.environ, HOME=tmp, XDG_STATE_HOME=f"{tmp}/state", XDG_CONFIG_HOME=f"{tmp}/config")
        proc, banner = serve(exe, state, a.subscriptions, a.request_latency_ms, a.page_size, env)
        try:
            rows = {}
            for inv in ("graph", "arm"):
                r = audit(exe, banner, inv, env, tmp)
                st = r["report"]["stats"]
                rows[inv] = (st["arm_requests"], st.get("throttled_429", 0), r["wall"], r["peak_mib"],
                             len(r["report"]["endpoints"]), st.get("requests_by_api", {}),
                             {(f["check_id"], f["resource_id"].lower()) for f in r["report"]["findings"]})
                time.sleep(11)  # let the buckets and the Resource Graph window refill between runs
            naive_row = None if a.skip_naive else asyncio.run(naive(banner, a.naive_concurrency))
            # The same script on ONE subscription at full speed: fast enough to empty that subscription's read
            # bucket (250, +25/s), so ARM's throttling shows (429s, retried by the SDK after Retry-After).
            time.sleep(11)
            burst_row = None if a.skip_naive else asyncio.run(naive(banner, 32, banner["subscription_ids"][:1]))
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
    total = a.subscriptions * a.endpoints
    print(f"tenant: {a.subscriptions} subscriptions x {a.endpoints} endpoints = {total:,}; {records:,} resources seeded "
          f"in {seed_s:.1f} s (bulk path); {a.request_latency_ms:g} ms per request; page size {a.page_size}; "
          f"ARM throttling and Resource Graph quota on")
    print(f"{'approach':<22}{'requests':>10}{'429s':>7}{'wall s':>9}{'peak MiB':>10}{'endpoints':>11}")
    for inv, label in (("graph", "audit --inventory graph"), ("arm", "audit --inventory arm")):
        req, t429, wall, peak, eps, _, _ = rows[inv]
        print(f"{label:<22}{req:>10,}{t429:>7}{wall:>9.1f}{peak:>10.0f}{eps:>11,}")
    if naive_row:
        print(f"{'naive per-endpoint':<22}{naive_row[0]:>10,}{naive_row[1]:>7}{naive_row[2]:>9.1f}{'-':>10}"
              f"{naive_row[3]:>11,}")
    if burst_row:
        print(f"{'naive, 1 sub, 32 at once':<22}{burst_row[0]:>10,}{burst_row[1]:>7}{burst_row[2]:>9.1f}{'-':>10}"
              f"{burst_row[3]:>11,}")
    print(f"graph requests by API: {rows['graph'][5]}")
    print(f"arm requests by API:   {rows['arm'][5]}")
    same = rows["graph"][6] == rows["arm"][6]
    if not same:
        print(f"graph-only findings: {sorted(rows['graph'][6] - rows['arm'][6])[:5]}")
        print(f"arm-only findings:   {sorted(rows['arm'][6] - rows['graph'][6])[:5]}")
    g, r = rows["graph"][0], rows["arm"][0]
    goals = [f"graph vs ARM lists {r / max(g, 1):.1f}x fewer requests (goal >= 10x)",
             f"graph audit {rows['graph'][2]:.1f} s (goal < 60 s)",
             f"findings identical: {same} ({len(rows['graph'][6])} findings)"]
    if naive_row:
        goals.insert(1, f"graph vs naive {naive_row[0] / max(g, 1):.0f}x fewer requests (goal >= 100x)")
    print("; ".join(goals))
    return 0


if __name__ == "__main__":
    sys.exit(main())

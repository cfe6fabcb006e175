#!/usr/bin/env python3
"""Audit at scale: plinktui's list-based collector against a naive per-endpoint script, same emulator, same run.

Seeds N vault endpoints over V spoke VNets (zone group -> A records in one central zone) in a hub-and-spoke: a hub VNet
with a DNS Private Resolver (inbound and outbound endpoint, a forwarding ruleset with one on-premises rule linked to
the hub) and the zone linked to the hub; every spoke uses the inbound endpoint as its DNS server and is peered with
the hub both ways. All of it goes into an in-process emulator through the official SDK clients, then switches on a per-request latency (default 20 ms, like a real ARM round trip) and audits
the subscription two ways:

- plinktui: ``audits.collector.collect`` (subscription-wide lists, per-zone record/link lists, bounded concurrency);
- naive: list the endpoints, then GET each endpoint's NIC and list each endpoint's zone groups, one after another.

Prints requests and wall time for both and the ratios. Goal: >= 20x fewer requests, >= 10x less wall time.

    python bench/audit_scale.py [--endpoints 2000] [--vnets 40] [--latency-ms 20] [--page-size 100]
"""

from __future__ import annotations

import argparse
import asyncio
import pathlib
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from audits import checks, resolution  # noqa: E402
from audits.collector import collect  # noqa: E402
from plinktui.cloud import Gateway, resolve_target  # noqa: E402
from plinktui.emulator.server import Emulator, EmulatorConfig  # noqa: E402

RG = "rg-scale"
ZONE = "privatelink.vaultcore.azure.net"


async def seed(gw: Gateway, n: int, vnets: int, parallel: int = 32) -> None:
    """Create the topology through the SDK (LROs complete at once: latency scale 0 while seeding)."""
    sub = gw.subscription_id
    net, kv = gw.network, gw.keyvault
    await gw.resources.resource_groups.create_or_update(RG, {"location": "westus2"})
    await gw.result(gw.privatedns.private_zones.begin_create_or_update(RG, ZONE, {"location": "global"}))
    sem = asyncio.Semaphore(parallel)

    async def bounded(coro):
        async with sem:
            return await coro

    async def make_vnet(v: int) -> None:
        body = {"location": "westus2", "properties": {
            "addressSpace": {"addressPrefixes": [f"10.{100 + v}.0.0/16"]},
            "subnets": [{"name": "snet-pe", "properties": {"addressPrefix": f"10.{100 + v}.0.0/20"}}]}}
        body["properties"]["dhcpOptions"] = {"dnsServers": [INBOUND_IP]}
        vnet = await gw.result(net.virtual_networks.begin_create_or_update(RG, f"vnet-{v:02d}", body))
        for local, remote, name in ((f"vnet-{v:02d}", hub, "to-hub"), ("vnet-hub", vnet.id, f"to-vnet-{v:02d}")):
            await gw.result(net.virtual_network_peerings.begin_create_or_update(RG, local, name, {"properties": {
                "remoteVirtualNetwork": {"id": remote}, "allowVirtualNetworkAccess": True}}))

    hub = await _hub(gw)
    await asyncio.gather(*(bounded(make_vnet(v)) for v in range(vnets)))
    tenant = gw.target.tenant_id or "00000000-0000-0000-0000-000000000000"
    zone_id = f"/subscriptions/{sub}/resourceGroups/{RG}/providers/Microsoft.Network/privateDnsZones/{ZONE}"

    async def make_endpoint(i: int) -> None:
        v = i % vnets
        name = f"kvscale{i:05d}"
        vault = await gw.result(kv.vaults.begin_create_or_update(RG, name, {"location": "eastus2", "properties": {
            "tenantId": tenant, "sku": {"family": "A", "name": "standard"}, "accessPolicies": [],
            "enableRbacAuthorization": True, "publicNetworkAccess": "Disabled",
            "networkAcls": {"defaultAction": "Deny", "bypass": "None"}}}))
        subnet = f"/subscriptions/{sub}/resourceGroups/{RG}/providers/Microsoft.Network/virtualNetworks/vnet-{v:02d}" \
                 "/subnets/snet-pe"
        pe = f"pe-{i:05d}"
        await gw.result(net.private_endpoints.begin_create_or_update(RG, pe, {"location": "westus2", "properties": {
            "subnet": {"id": subnet}, "privateLinkServiceConnections": [{"name": "c", "properties": {
                "privateLinkServiceId": vault.id, "groupIds": ["vault"]}}]}}))
        await gw.result(net.private_dns_zone_groups.begin_create_or_update(RG, pe, "default", {"properties": {
            "privateDnsZoneConfigs": [{"name": "kv", "properties": {"privateDnsZoneId": zone_id}}]}}))

    await asyncio.gather(*(bounded(make_endpoint(i)) for i in range(n)))


INBOUND_IP = "10.99.0.4"


async def _hub(gw: Gateway) -> str:
    """The hub: VNet, resolver with inbound/outbound endpoints, a ruleset linked to it, the zone linked to it."""
    net, dr = gw.network, gw.dnsresolver
    delegated = [{"name": "dnsresolvers", "properties": {"serviceName": "Microsoft.Network/dnsResolvers"}}]
    hub = await gw.result(net.virtual_networks.begin_create_or_update(RG, "vnet-hub", {
        "location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.99.0.0/16"]}, "subnets": [
            {"name": "snet-dns-in", "properties": {"addressPrefix": "10.99.0.0/28", "delegations": delegated}},
            {"name": "snet-dns-out", "properties": {"addressPrefix": "10.99.0.16/28", "delegations": delegated}}]}}))
    await gw.result(dr.dns_resolvers.begin_create_or_update(RG, "dnspr-hub", {
        "location": "westus2", "properties": {"virtualNetwork": {"id": hub.id}}}))
    await gw.result(dr.inbound_endpoints.begin_create_or_update(RG, "dnspr-hub", "in", {
        "location": "westus2", "properties": {"ipConfigurations": [{
            "subnet": {"id": hub.id + "/subnets/snet-dns-in"}, "privateIpAllocationMethod": "Static",
            "privateIpAddress": INBOUND_IP}]}}))
    out = await gw.result(dr.outbound_endpoints.begin_create_or_update(RG, "dnspr-hub", "out", {
        "location": "westus2", "properties": {"subnet": {"id": hub.id + "/subnets/snet-dns-out"}}}))
    await gw.result(dr.dns_forwarding_rulesets.begin_create_or_update(RG, "rs-onprem", {
        "location": "westus2", "properties": {"dnsResolverOutboundEndpoints": [{"id": out.id}]}}))
    await dr.forwarding_rules.create_or_update(RG, "rs-onprem", "corp", {"properties": {
        "domainName": "corp.example.com.", "targetDnsServers": [{"ipAddress": "192.0.2.53", "port": 53}]}})
    await gw.result(dr.virtual_network_links.begin_create_or_update(RG, "rs-onprem", "link-hub", {
        "properties": {"virtualNetwork": {"id": hub.id}}}))
    await gw.result(gw.privatedns.virtual_network_links.begin_create_or_update(RG, ZONE, "link-hub", {
        "location": "global", "properties": {"virtualNetwork": {"id": hub.id}, "registrationEnabled": False}}))
    return str(hub.id)


async def naive(gw: Gateway) -> tuple[int, float, int]:
    """List endpoints, then per endpoint GET its NIC and list its zone groups, sequentially."""
    r0, t0 = gw.stats.requests, time.monotonic()
    net = gw.network
    count = 0
    async for pe in net.private_endpoints.list_by_subscription():
        count += 1
        rg = pe.id.split("/")[4]
        for nic in pe.properties.network_interfaces or []:
            await net.network_interfaces.get(rg, nic.id.rsplit("/", 1)[-1])
        async for _ in net.private_dns_zone_groups.list(private_endpoint_name=pe.name, resource_group_name=rg):
            pass
    return gw.stats.requests - r0, time.monotonic() - t0, count


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--endpoints", type=int, default=2000)
    ap.add_argument("--vnets", type=int, default=40)
    ap.add_argument("--latency-ms", type=float, default=20.0)
    ap.add_argument("--page-size", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=8)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="plinktui-bench-") as tmp:
        emu = Emulator(EmulatorConfig(page_size=a.page_size), state_path=None, cert_dir=tmp)
        await emu.start()
        try:
            target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
            t0 = time.monotonic()
            async with Gateway(target, total_timeout=3600) as gw:
                await seed(gw, a.endpoints, a.vnets)
            seed_s = time.monotonic() - t0
            emu.config.request_latency_ms = a.latency_ms
            w0 = emu.stats.writes
            async with Gateway(target, total_timeout=3600) as gw:
                inv, st = await collect(gw, concurrency=a.concurrency, total_timeout=3600)
                c0 = time.monotonic()
                paths = resolution.compute(inv)
                findings = checks.run_all(inv, paths=paths)
                check_s = time.monotonic() - c0
            plink_writes = emu.stats.writes - w0
            async with Gateway(target, total_timeout=3600) as gw:
                n_req, n_wall, n_eps = await naive(gw)
        finally:
            await emu.stop()
    print(f"seeded {a.endpoints} endpoints over {a.vnets} VNets in {seed_s:.1f}s; "
          f"request latency {a.latency_ms:g} ms, page size {a.page_size}")
    print(f"plinktui: {st.arm_requests:6d} requests  {st.seconds:7.2f} s  ({len(inv.endpoints)} endpoints, "
          f"{st.zone_group_fetches} zone-group fetches, {len(findings)} findings, {plink_writes} writes)")
    print(f"          {sum(len(v.peerings) for v in inv.vnets)} peerings, {len(inv.resolvers)} resolver(s), "
          f"{len(inv.rulesets)} ruleset(s); {len(paths)} resolution paths "
          f"({sum(p.verdict == 'private' for p in paths)} private), paths + checks in {check_s:.2f} s")
    print(f"naive   : {n_req:6d} requests  {n_wall:7.2f} s  ({n_eps} endpoints)")
    req_x = n_req / max(st.arm_requests, 1)
    wall_x = n_wall / max(st.seconds, 1e-9)
    print(f"ratio   : {req_x:.1f}x fewer requests, {wall_x:.1f}x less wall time "
          f"(goal >= 20x and >= 10x: {'met' if req_x >= 20 and wall_x >= 10 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

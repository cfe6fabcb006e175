"""The Resource Graph inventory is the ARM-list inventory by another road: over random multi-subscription topologies
(hub zones, spoke zones, missing links and zone groups, public vaults, manual connections, deleted targets, stale
records), the graph queries return the same items the subscription-wide lists return, and the audit's findings are
identical. Plus: ``--inventory auto``, ``--management-group``, and the JSON ``stats``."""

from __future__ import annotations

import argparse
import asyncio
import json
import pathlib

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from audits import cli
from audits.collector import _arm_lists, _Limits, choose_inventory, collect, list_subscriptions
from audits.engine import run_audit
from audits.graph import GraphPacer, collect_lists
from plinktui.cloud import Gateway, resolve_target
from plinktui.emulator.bulk import apply
from plinktui.emulator.server import Emulator, EmulatorConfig

ZONE = "privatelink.vaultcore.azure.net"
API = {"resources": "2025-04-01", "network": "2026-03-01", "keyvault": "2026-05-15", "privatedns": "2024-06-01"}

endpoint = st.fixed_dictionaries({
    "vnet": st.integers(0, 2), "zone_group": st.booleans(), "public": st.booleans(), "manual": st.booleans(),
    "vault_elsewhere": st.booleans(), "hub_zone": st.booleans(), "delete_vault": st.sampled_from([False] * 5 + [True]),
    "stale": st.sampled_from([False] * 4 + [True]),
})
subscription = st.fixed_dictionaries({
    "vnets": st.integers(1, 3), "links": st.lists(st.booleans(), min_size=3, max_size=3),
    "hub_links": st.lists(st.booleans(), min_size=3, max_size=3), "own_zone": st.booleans(),
    "endpoints": st.lists(endpoint, max_size=5),
})
topology = st.lists(subscription, min_size=1, max_size=3)


def writes(subs: list[str], tenant: str, topo: list[dict]) -> tuple[list, list]:
    """The writes for a topology, then the follow-up changes (vault deletes, stale records)."""
    out, later = [], []
    hub_rg = f"/subscriptions/{subs[0]}/resourceGroups/rg-hub"
    hub_zone = f"{hub_rg}/providers/Microsoft.Network/privateDnsZones/{ZONE}"
    out += [("PUT", hub_rg, {"location": "westus2"}, API["resources"]),
            ("PUT", hub_zone, {"location": "global"}, API["privatedns"])]
    out += [("PUT", f"/subscriptions/{subs[s]}/resourceGroups/rg-{s}", {"location": "westus2"}, API["resources"])
            for s in range(len(topo))]
    for s, spec in enumerate(topo):
        sub = subs[s]
        rg = f"/subscriptions/{sub}/resourceGroups/rg-{s}"
        net = rg + "/providers/Microsoft.Network"
        own_zone = f"{net}/privateDnsZones/{ZONE}"
        if spec["own_zone"]:
            out.append(("PUT", own_zone, {"location": "global"}, API["privatedns"]))
        for v in range(spec["vnets"]):
            vnet = f"{net}/virtualNetworks/vnet-{v}"
            out.append(("PUT", vnet, {"location": "westus2", "properties": {
                "addressSpace": {"addressPrefixes": [f"10.{s * 3 + v}.0.0/16"]},
                "subnets": [{"name": "snet", "properties": {"addressPrefix": f"10.{s * 3 + v}.0.0/24"}}]}},
                API["network"]))
            if spec["hub_links"][v]:
                out.append(("PUT", f"{hub_zone}/virtualNetworkLinks/s{s}v{v}", {"location": "global", "properties": {
                    "virtualNetwork": {"id": vnet}, "registrationEnabled": False}}, API["privatedns"]))
            if spec["own_zone"] and spec["links"][v] and not spec["hub_links"][v]:  # Azure: one same-named zone
                out.append(("PUT", f"{own_zone}/virtualNetworkLinks/v{v}", {"location": "global", "properties": {
                    "virtualNetwork": {"id": vnet}, "registrationEnabled": False}}, API["privatedns"]))
        for i, ep in enumerate(spec["endpoints"]):
            vault_rg = f"/subscriptions/{subs[(s + 1) % len(topo)]}/resourceGroups/rg-{(s + 1) % len(topo)}" \
                if ep["vault_elsewhere"] else rg
            kv = f"{vault_rg}/providers/Microsoft.KeyVault/vaults/kvp{s}x{i}"
            out.append(("PUT", kv, {"location": "eastus2", "properties": {
                "tenantId": tenant, "sku": {"family": "A", "name": "standard"}, "enableRbacAuthorization": True,
                "publicNetworkAccess": "Enabled" if ep["public"] else "Disabled",
                "networkAcls": {"defaultAction": "Allow" if ep["public"] else "Deny", "bypass": "None"}}},
                API["keyvault"]))
            pe = f"{net}/privateEndpoints/pe-{i}"
            conn = "manualPrivateLinkServiceConnections" if ep["manual"] else "privateLinkServiceConnections"
            out.append(("PUT", pe, {"location": "westus2", "properties": {
                "subnet": {"id": f"{net}/virtualNetworks/vnet-{ep['vnet'] % spec['vnets']}/subnets/snet"},
                conn: [{"name": "c", "properties": {"privateLinkServiceId": kv, "groupIds": ["vault"]}}]}},
                API["network"]))
            zone = hub_zone if (ep["hub_zone"] or not spec["own_zone"]) else own_zone
            if ep["zone_group"] and not ep["manual"]:
                out.append(("PUT", pe + "/privateDnsZoneGroups/default", {"properties": {"privateDnsZoneConfigs": [
                    {"name": "kv", "properties": {"privateDnsZoneId": zone}}]}}, API["network"]))
                if ep["stale"]:
                    later.append(("PUT", f"{zone}/A/kvp{s}x{i}", {"properties": {
                        "ttl": 10, "aRecords": [{"ipv4Address": "10.250.0.9"}]}}, API["privatedns"]))
            if ep["delete_vault"]:
                later.append(("DELETE", kv, None, API["keyvault"]))
    return out, later


def _same_items(arm: dict[str, list[dict]], graph: dict[str, list[dict]]) -> None:
    for name in arm:
        a = {x["id"].lower(): x for x in arm[name]}
        g = {x["id"].lower(): x for x in graph[name]}
        assert a.keys() == g.keys(), name
        for rid, item in a.items():
            other = g[rid]
            for field in ("name", "location", "tags"):
                assert (item.get(field) or None) == (other.get(field) or None), (name, rid, field)
            pa, pg = dict(item.get("properties") or {}), dict(other.get("properties") or {})
            if name == "virtual_machines":
                power = [s["code"] for s in pa.pop("instanceView", {}).get("statuses", [])
                         if s["code"].startswith("PowerState/")]
                assert [s["code"] for s in pg.pop("instanceView", {}).get("statuses", [])] == power
                pg.pop("extended", None)
            assert pa == pg, (name, rid)


async def _scenario(tmp: pathlib.Path, topo: list[dict]) -> None:
    emu = Emulator(EmulatorConfig(subscriptions=3, page_size=4), state_path=None, cert_dir=tmp)
    await emu.start()
    try:
        first, later = writes(emu.tenancy.ids, emu.config.tenant_id, topo)
        await apply(emu, first)
        await apply(emu, later)
        target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
        async with Gateway(target, total_timeout=60) as gw:
            subs = await list_subscriptions(gw)
            gws = [gw.for_subscription(s) for s in subs]
            arm_lists, _ = await _arm_lists(gws, _Limits(8))
            graph_lists, _links, _ = await collect_lists(gw, GraphPacer(), subs)
            _same_items(arm_lists, graph_lists)
            results = {}
            for inventory in ("arm", "graph"):
                r = await run_audit(gw, all_subscriptions=True, inventory=inventory)
                results[inventory] = r
        fa = [(f.check_id, f.resource_id.lower(), f.title) for f in results["arm"].findings]
        fg = [(f.check_id, f.resource_id.lower(), f.title) for f in results["graph"].findings]
        assert fa == fg
        assert [e.id for e in results["arm"].inventory.endpoints] == [e.id for e in results["graph"].inventory.endpoints]
        assert results["graph"].stats["inventory"] == "graph" and results["arm"].stats["inventory"] == "arm"
    finally:
        await emu.stop()


# No shrinking: each example starts an emulator, and a failing topology is small enough to read as generated.
@settings(max_examples=30, deadline=None, phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(topo=topology)
def test_graph_and_arm_inventories_give_identical_findings(tmp_path, topo):
    asyncio.run(_scenario(tmp_path, topo))


def test_auto_picks_graph_beyond_two_subscriptions_or_for_tenant_wide_scopes():
    assert choose_inventory("auto", subscriptions=1, all_subscriptions=False, management_group=None) == "arm"
    assert choose_inventory("auto", subscriptions=2, all_subscriptions=False, management_group=None) == "arm"
    assert choose_inventory("auto", subscriptions=3, all_subscriptions=False, management_group=None) == "graph"
    assert choose_inventory("auto", subscriptions=1, all_subscriptions=True, management_group=None) == "graph"
    assert choose_inventory("auto", subscriptions=0, all_subscriptions=False, management_group="mg") == "graph"
    assert choose_inventory("arm", subscriptions=9, all_subscriptions=True, management_group=None) == "arm"


async def test_management_group_scope_and_json_stats(emu_factory, capsys):
    emu = await emu_factory(subscriptions=3)
    first, later = writes(emu.tenancy.ids, emu.config.tenant_id, [
        {"vnets": 1, "links": [True] * 3, "hub_links": [True, False, False], "own_zone": False,
         "endpoints": [{"vnet": 0, "zone_group": True, "public": True, "manual": False, "vault_elsewhere": False,
                        "hub_zone": True, "delete_vault": False, "stale": False}]},
        {"vnets": 1, "links": [True] * 3, "hub_links": [False] * 3, "own_zone": False,
         "endpoints": [{"vnet": 0, "zone_group": False, "public": False, "manual": False, "vault_elsewhere": True,
                        "hub_zone": True, "delete_vault": False, "stale": False}]}])
    await apply(emu, first + later)
    p = argparse.ArgumentParser()
    cli.add_arguments(p)
    rc = await cli.run(p.parse_args(["--arm-endpoint", emu.endpoint, "--ca-cert", emu.ca_cert, "--management-group",
                                     emu.config.tenant_id, "--probe", "none", "--format", "json"]))
    out = json.loads(capsys.readouterr().out)
    assert rc == 1
    assert sorted(out["scope"]["subscriptions"]) == sorted(emu.tenancy.ids)
    stats = out["stats"]
    assert stats["inventory"] == "graph" and stats["throttled_429"] == 0 and stats["arm_writes"] == 0
    assert stats["requests_by_api"]["Microsoft.ResourceGraph"] == 3  # the group's subscriptions + 2 queries
    assert sum(stats["requests_by_api"].values()) == stats["arm_requests"]
    assert {f["check_id"] for f in out["findings"]} >= {"PL002", "PL007"}
    rc = await cli.run(p.parse_args(["--arm-endpoint", emu.endpoint, "--ca-cert", emu.ca_cert, "--management-group",
                                     "no-such-group", "--probe", "none", "--format", "json"]))
    err = capsys.readouterr().err
    assert rc == 2 and "ARM error 400" in err and "no-such-group" in err and "\n" == err[-1] and err.count("\n") == 1


async def test_graph_inventory_survives_throttling_with_its_counts(emu_factory):
    emu = await emu_factory(subscriptions=3, throttle=True)
    first, _ = writes(emu.tenancy.ids, emu.config.tenant_id, [
        {"vnets": 2, "links": [True] * 3, "hub_links": [True, True, False], "own_zone": True,
         "endpoints": [{"vnet": i % 2, "zone_group": True, "public": False, "manual": False,
                        "vault_elsewhere": False, "hub_zone": i % 2 == 0, "delete_vault": False, "stale": False}
                       for i in range(4)]}] * 3)
    await apply(emu, first)
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    async with Gateway(target, total_timeout=60) as gw:
        inv, stats = await collect(gw, all_subscriptions=True, inventory="graph")
    assert len(inv.endpoints) == 12 and stats.inventory == "graph"
    assert gw.stats.by_api["Microsoft.ResourceGraph"] == 2 and gw.stats.throttled == 0

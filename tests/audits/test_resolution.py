"""PL026-PL032 on a hub-and-spoke landing zone built through the official SDK clients (two subscriptions): each check
fires on its planted defect, names the right resource, and its fix (sent as the REST call the ``az`` command makes)
clears it on the next audit; the healthy spoke has a proven private path in the JSON ``resolution``."""

from __future__ import annotations

import json
import shlex

import pytest

from audits.engine import ProbeOptions, run_audit
from audits.report import render_json, render_table
from plinktui.cloud import Gateway, resolve_target
from tests.arm_examples import call, settle
from tests.hubspoke_world import INBOUND_IP, RG_HUB, ZONE, HubSpoke

NET_API, DNS_API, RES_API = "2026-03-01", "2024-06-01", "2025-05-01"


@pytest.fixture
async def lz(emu_factory):
    emu = await emu_factory(subscriptions=2)
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    async with Gateway(target, total_timeout=120) as gw:
        w = HubSpoke(gw, emu.identity()["subscription_ids"])
        w.emu = emu  # type: ignore[attr-defined]
        yield w


async def _healthy(w: HubSpoke, *, link_hub: bool = True) -> tuple[str, str]:
    await w.hub_side(link_hub=link_hub)
    a = await w.spoke("vnet-spoke-a", 101)
    await w.peer_both(a)
    return a, await w.vault_endpoint("kvhubspoke01", a)


async def _audit(w: HubSpoke, subs: list[str] | None = None, probe: ProbeOptions | None = None):
    return await run_audit(w.gw, subscriptions=subs or w.subs, probe=probe or ProbeOptions(mode="none"))


def _only(result, check_id: str):
    found = [f for f in result.findings if f.check_id == check_id]
    assert len(found) == 1, [(f.check_id, f.detail) for f in result.findings]
    return found[0]


def _argv(command: str, flag: str) -> str:
    words = shlex.split(command.split(" && ")[0])
    return words[words.index(flag) + 1]


async def _rest(w: HubSpoke, method: str, path: str, body, api: str) -> None:
    emu = w.emu  # type: ignore[attr-defined]
    r = await call(emu, method, path, body, api_version=api)
    r = await settle(emu, r)
    assert r.status < 300, r.body
    for _ in range(200):  # an LRO PUT answers 201 at once; wait until the resource reads Succeeded
        got = await call(emu, "GET", path, api_version=api)
        if method == "DELETE" or (got.body or {}).get("properties", {}).get("provisioningState") == "Succeeded":
            return
    raise AssertionError(f"{path} never settled")


async def test_healthy_spoke_has_a_private_path_and_no_finding(lz: HubSpoke) -> None:
    a, pe = await _healthy(lz)
    result = await _audit(lz)
    assert [f.check_id for f in result.findings if f.severity == "error"] == []
    doc = json.loads(render_json(result))
    (path,) = [p for p in doc["resolution"] if p["vnet"] == "vnet-spoke-a"]
    ip = await lz.pe_ip(pe)
    assert path["verdict"] == "private" and path["expected"] == [ip] and path["server"] == INBOUND_IP
    assert any("inbound endpoint in-hub" in s and "peered Connected" in s for s in path["steps"])
    assert any(f"zone {ZONE}" in s and "linked to vnet-hub" in s for s in path["steps"])
    hub_path = [p for p in doc["resolution"] if p["vnet"] == "vnet-hub"]
    assert hub_path and hub_path[0]["verdict"] == "private"  # the hub is peered Connected: it can reach the endpoint
    assert doc["stats"]["resolvers"] == 1 and doc["stats"]["peerings"] == 2
    assert "Resolution: VNet x endpoint" in render_table(result)
    from screens.audit import path_rows  # the TUI audit pane's VNet x endpoint tab

    rows = {(r[0], r[1]): (r[2], r[3], str(r[4])) for r in path_rows(result)}
    assert rows[("vnet-spoke-a", "pe-kvhubspoke01")] == (INBOUND_IP, ip, "private")


async def test_pl026_hub_not_linked_to_the_central_zone_and_its_fix(lz: HubSpoke) -> None:
    await _healthy(lz, link_hub=False)
    f = _only(await _audit(lz), "PL026")
    assert f.resource_id == lz.zone_id and "vnet-hub" in f.detail and f.severity == "error"
    assert _argv(f.remediation.command, "--virtual-network") == lz.hub
    # az network private-dns link vnet create == PUT .../virtualNetworkLinks/<name>
    name = _argv(f.remediation.command, "--name")
    await _rest(lz, "PUT", f"{lz.zone_id}/virtualNetworkLinks/{name}", {"location": "global", "properties": {
        "virtualNetwork": {"id": lz.hub}, "registrationEnabled": False}}, DNS_API)
    assert not [x for x in (await _audit(lz)).findings if x.check_id == "PL026"]


async def test_pl027_no_peering_to_the_resolver_vnet_and_its_fix(lz: HubSpoke) -> None:
    await _healthy(lz)
    b = await lz.spoke("vnet-spoke-b", 102)
    f = _only(await _audit(lz), "PL027")
    assert f.resource_id == b and "vnet-hub" in f.detail
    # two `az network vnet peering create` == two PUTs
    for cmd in f.remediation.command.split(" && "):
        words = shlex.split(cmd)
        sub, rg, vnet = (words[words.index(k) + 1] for k in ("--subscription", "--resource-group", "--vnet-name"))
        await _rest(lz, "PUT", f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/"
                              f"virtualNetworks/{vnet}/virtualNetworkPeerings/{words[words.index('--name') + 1]}",
                    {"properties": {"remoteVirtualNetwork": {"id": words[words.index("--remote-vnet") + 1]},
                                    "allowVirtualNetworkAccess": True}}, NET_API)
    assert not [x for x in (await _audit(lz)).findings if x.check_id in ("PL027", "PL031")]


async def test_pl031_one_sided_peering_and_its_fix(lz: HubSpoke) -> None:
    await _healthy(lz)
    b = await lz.spoke("vnet-spoke-b", 102)
    await lz.peer(b, lz.hub, "to-hub")
    f = _only(await _audit(lz), "PL031")
    assert f.resource_id == b and "Initiated" in f.detail and "vnet-spoke-b" in f.detail
    words = shlex.split(f.remediation.command)
    assert words[:4] == ["az", "network", "vnet", "peering"] and words[words.index("--vnet-name") + 1] == "vnet-hub"
    await _rest(lz, "PUT", f"{lz.hub}/virtualNetworkPeerings/{words[words.index('--name') + 1]}",
                {"properties": {"remoteVirtualNetwork": {"id": b}, "allowVirtualNetworkAccess": True}}, NET_API)
    assert not [x for x in (await _audit(lz)).findings if x.check_id == "PL031"]


async def test_pl028_rule_sends_the_privatelink_name_elsewhere_and_its_fix(lz: HubSpoke) -> None:
    await _healthy(lz)
    rs = await lz.ruleset("rs-onprem", [lz.hub], {"privatelink.vaultcore.azure.net.": ["10.100.1.200"],
                                                  "vaultcore.azure.net.": ["192.0.2.53"]})
    del rs
    await lz.conn.dnsresolver.forwarding_rules.update(RG_HUB, "rs-onprem", "rule0", {"properties": {
        "forwardingRuleState": "Disabled"}})
    await lz.conn.dnsresolver.forwarding_rules.create_or_update(RG_HUB, "rs-onprem", "hijack", {"properties": {
        "domainName": "kvhubspoke01.privatelink.vaultcore.azure.net.", "targetDnsServers": [
            {"ipAddress": "192.0.2.53"}]}})
    result = await _audit(lz)
    f = next(x for x in result.findings if x.check_id == "PL028")
    assert f.resource_id.endswith("/forwardingRules/hijack") and "192.0.2.53" in f.detail
    # az dns-resolver forwarding-rule update --forwarding-rule-state Disabled == PATCH the rule
    await _rest(lz, "PATCH", f.resource_id, {"properties": {"forwardingRuleState": "Disabled"}}, RES_API)
    assert not [x for x in (await _audit(lz)).findings if x.check_id == "PL028"]


async def test_pl029_zone_link_on_a_spoke_that_uses_custom_dns_and_its_fix(lz: HubSpoke) -> None:
    a, _ = await _healthy(lz)
    await lz.link_zone(a, "link-spoke-a")
    f = _only(await _audit(lz), "PL029")
    assert f.severity == "info" and f.resource_id.endswith("/virtualNetworkLinks/link-spoke-a")
    assert "az network private-dns link vnet delete" in f.remediation.command
    await _rest(lz, "DELETE", f.resource_id, None, DNS_API)
    assert not [x for x in (await _audit(lz)).findings if x.check_id == "PL029"]


async def test_pl030_forwarding_loop_and_its_fix(lz: HubSpoke) -> None:
    await _healthy(lz)
    await lz.ruleset("rs-loop", [lz.hub], {"vault.azure.net.": [INBOUND_IP]})
    result = await _audit(lz)
    f = next(x for x in result.findings if x.check_id == "PL030")
    assert f.resource_id.endswith("/rs-loop/forwardingRules/rule0") and "loop" in f.detail
    doc = json.loads(render_json(result))
    assert {p["verdict"] for p in doc["resolution"] if p["vnet"] == "vnet-spoke-a"} == {"servfail"}
    await _rest(lz, "PATCH", f.resource_id, {"properties": {"forwardingRuleState": "Disabled"}}, RES_API)
    again = await _audit(lz)
    assert not [x for x in again.findings if x.check_id == "PL030"]
    assert {p.verdict for p in again.resolution} == {"private"}


async def test_pl032_probe_disagrees_with_the_computed_path_and_its_fix(lz: HubSpoke, tmp_path) -> None:
    import asyncssh

    key = asyncssh.generate_private_key("ssh-ed25519")
    key_path = tmp_path / "id_ed25519"
    key_path.write_bytes(key.export_private_key())
    key_path.chmod(0o600)
    await lz.hub_side()
    a = await lz.spoke("vnet-spoke-a", 101, dns=[])  # Azure DNS, and the central zone linked to the spoke itself
    await lz.link_zone(a, "link-spoke-a")
    await lz.vault_endpoint("kvhubspoke01", a)
    await lz.vm("vm-spoke-a", a, key.export_public_key().decode().strip())
    # default pinning: the host key comes through Run Command, sent to the VM's own subscription (not the gateway's)
    probe = ProbeOptions(mode="ssh", ssh_key=str(key_path), state_dir=str(tmp_path / "state"))
    # auditing the landing zone alone: the zone is out of sight, the path says public, the VM sees private
    narrow = await _audit(lz, [lz.subs[1]], probe)
    f = _only(narrow, "PL032")
    assert "vm-spoke-a" in f.detail and "public" in f.detail and f.severity == "warning"
    assert "--all-subscriptions" in f.remediation.command
    wide = await _audit(lz, lz.subs, probe)  # the fix: audit the subscriptions that hold the zone too
    assert not [x for x in wide.findings if x.check_id == "PL032"]
    proof = [json.dumps(p) for p in json.loads(render_json(wide))["probes"]]
    assert any('"vnet": "vnet-spoke-a"' in p and '"verdict": "pass"' in p for p in proof)


async def test_graph_and_arm_inventories_give_the_same_paths_and_findings(lz: HubSpoke) -> None:
    await _healthy(lz)
    b = await lz.spoke("vnet-spoke-b", 102)
    await lz.peer(b, lz.hub, "to-hub")
    await lz.vault_endpoint("kvhubspoke02", b)
    await lz.ruleset("rs-onprem", [lz.hub], {"corp.example.com.": ["192.0.2.53"]})
    arm = await run_audit(lz.gw, subscriptions=lz.subs, probe=ProbeOptions(mode="none"), inventory="arm")
    graph = await run_audit(lz.gw, subscriptions=lz.subs, probe=ProbeOptions(mode="none"), inventory="graph")
    assert graph.stats["inventory"] == "graph" and arm.stats["inventory"] == "arm"
    assert [p.as_dict(graph.inventory) for p in graph.resolution] == [p.as_dict(arm.inventory) for p in arm.resolution]
    assert [f.as_dict() for f in graph.findings] == [f.as_dict() for f in arm.findings]
    assert {p.verdict for p in arm.resolution if p.vnet_id == b} == {"timeout"}
    assert [f.check_id for f in arm.findings if f.severity == "error"] == ["PL031"]

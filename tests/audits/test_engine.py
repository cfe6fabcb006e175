"""A broken subscription built through the official SDK clients against the in-process emulator: one healthy vault
endpoint plus one planted instance of each defect; the audit detects each, says nothing about the healthy endpoint,
and sends zero writes."""

from __future__ import annotations

import json

from azure.core.exceptions import HttpResponseError

from audits import checks
from audits.collector import collect
from audits.engine import ProbeOptions, run_audit
from audits.report import render_json
from plinktui.cloud import Gateway, resolve_target
from tests.audit_world import RG, ZONE, World, keypair


async def build_broken(gw: Gateway, pubkey: str | None = None, emu=None) -> dict[str, str]:
    """Returns check id -> a resource id the finding must name (the planted defect).

    With ``pubkey``, demo VMs in the healthy VNet and in four broken ones give the probes something to find
    (PL020 public answer + PL023 public path, PL021 wrong private IP, PL022 NXDOMAIN, PL024 /etc/hosts).
    """
    w = World(gw)
    await w.base()
    planted: dict[str, str] = {}
    ok_vnet = await w.vnet("vnet-ok")
    planted["healthy"] = await w.endpoint("pe-ok", ok_vnet, await w.vault("kvbrokenok"))

    v = await w.vnet("vnet-pending")
    planted["PL001"] = await w.endpoint("pe-pending", v, await w.vault("kvbrokenpend"), manual=True)
    v = await w.vnet("vnet-nodns")
    planted["PL002"] = await w.endpoint("pe-nodns", v, await w.vault("kvbrokennodns"), zone_group=False)
    v = await w.vnet("vnet-nolink", link=False)
    await w.endpoint("pe-nolink", v, await w.vault("kvbrokennolink"))
    planted["PL003"] = w.zone_id
    v = await w.vnet("vnet-stale")
    await w.endpoint("pe-stale", v, await w.vault("kvbrokenstale"))
    await w.set_record("kvbrokenstale", ["10.250.0.9"])
    planted["PL004"] = f"{w.zone_id}/A/kvbrokenstale"
    await gw.result(gw.privatedns.private_zones.begin_create_or_update(RG, "privatelink.vault.azure.net",
                                                                      {"location": "global"}))
    planted["PL006"] = f"{w.net_prefix}/privateDnsZones/privatelink.vault.azure.net"
    v = await w.vnet("vnet-public")
    pub = await w.vault("kvbrokenpublic", public=True)
    await w.endpoint("pe-public", v, pub)
    planted["PL007"] = pub
    v = await w.vnet("vnet-dup")
    dup = await w.vault("kvbrokendup")
    await w.endpoint("pe-dup1", v, dup)
    planted["PL008"] = await w.endpoint("pe-dup2", v, dup)
    v = await w.vnet("vnet-gone")
    gone = await w.vault("kvbrokengone")
    planted["PL009"] = await w.endpoint("pe-gone", v, gone)
    await gw.keyvault.vaults.delete(RG, "kvbrokengone")
    v = await w.vnet("vnet-customdns", dns=["10.200.0.53"])
    await w.endpoint("pe-customdns", v, await w.vault("kvbrokendns"))
    planted["PL010"] = v
    v = await w.vnet("vnet-rr")
    await w.endpoint("pe-rr", v, await w.vault("kvbrokenrr"))
    await w.set_record("kvbrokenrr", [await w.nic_ip("pe-rr"), "10.250.0.7"])
    planted["PL011"] = f"{w.zone_id}/A/kvbrokenrr"
    v = await w.vnet("vnet-ttl")
    await w.endpoint("pe-ttl", v, await w.vault("kvbrokenttl"))
    await w.set_record("kvbrokenttl", [await w.nic_ip("pe-ttl")], ttl=3600)
    planted["PL012"] = f"{w.zone_id}/A/kvbrokenttl"
    v = await w.vnet("vnet-reg", register=True)
    await w.endpoint("pe-reg", v, await w.vault("kvbrokenreg"))
    planted["PL014"] = f"{w.zone_id}/virtualNetworkLinks/link-vnet-reg"
    v = await w.vnet("vnet-rbac")
    planted["PL015"] = await w.vault("kvbrokenpolicy", rbac=False)
    await w.endpoint("pe-policy", v, planted["PL015"])
    v = await w.vnet("vnet-fallback", policy="NxDomainRedirect")
    await w.endpoint("pe-fallback", v, await w.vault("kvbrokenfallback"))
    planted["PL025"] = f"{w.zone_id}/virtualNetworkLinks/link-vnet-fallback"

    # PL013: a Private Link Service (behind a Standard LB) that every subscription may see.
    pls_vnet = await w.vnet("vnet-pls", link=False)
    subnet = f"{pls_vnet}/subnets/snet-pe"
    await gw.result(gw.network.virtual_networks.begin_create_or_update(RG, "vnet-pls", {
        "location": "westus2", "properties": {"addressSpace": {"addressPrefixes": [f"10.{w.n}.0.0/16"]}, "subnets": [
            {"name": "snet-pe", "properties": {"addressPrefix": f"10.{w.n}.1.0/24",
                                               "privateLinkServiceNetworkPolicies": "Disabled"}}]}}))
    lb = await gw.result(gw.network.load_balancers.begin_create_or_update(RG, "lb-pls", {
        "location": "westus2", "sku": {"name": "Standard"}, "properties": {"frontendIPConfigurations": [
            {"name": "fe", "properties": {"subnet": {"id": subnet}}}]}}))
    pls = await gw.result(gw.network.private_link_services.begin_create_or_update(RG, "pls-open", {
        "location": "westus2", "properties": {
            "loadBalancerFrontendIpConfigurations": [{"id": lb.properties.frontend_ip_configurations[0].id}],
            "ipConfigurations": [{"name": "nat", "properties": {"subnet": {"id": subnet}, "primary": True}}],
            "visibility": {"subscriptions": ["*"]}}}))
    planted["PL013"] = pls.id

    # PL019: a zone link whose VNet was deleted afterwards.
    await w.vnet("vnet-deleted")
    await gw.result(gw.network.virtual_networks.begin_delete(RG, "vnet-deleted"))
    planted["PL019"] = f"{w.zone_id}/virtualNetworkLinks/link-vnet-deleted"

    # PL016: an endpoint whose creation ended Failed (the emulator's own LRO fault).
    if emu is not None:
        from plinktui.emulator.faults import FaultRule

        v = await w.vnet("vnet-failed")
        emu.faults.set([FaultRule("lro_failed", method="PUT", path="privateEndpoints/pe-failed")])
        try:
            await w.endpoint("pe-failed", v, await w.vault("kvbrokenfailed"), zone_group=False)
        except HttpResponseError:
            pass  # the SDK reports the failed LRO; the endpoint stays behind in state Failed
        finally:
            emu.faults.set([])
        planted["PL016"] = f"{w.net_prefix}/privateEndpoints/pe-failed"

    if pubkey:
        await w.vm("vm-ok", ok_vnet, pubkey)
        await w.vm("vm-nolink", f"{w.net_prefix}/virtualNetworks/vnet-nolink", pubkey)
        planted["PL020"] = f"{w.net_prefix}/privateEndpoints/pe-nolink"
        planted["PL023"] = planted["PL020"]
        await w.vm("vm-stale", f"{w.net_prefix}/virtualNetworks/vnet-stale", pubkey)
        planted["PL021"] = f"{w.net_prefix}/privateEndpoints/pe-stale"
        await w.vm("vm-nodns", f"{w.net_prefix}/virtualNetworks/vnet-nodns", pubkey)
        planted["PL022"] = planted["PL002"]
        hosts_vm = await w.vm("vm-hosts", f"{w.net_prefix}/virtualNetworks/vnet-ttl", pubkey)
        assert emu is not None
        await _control(emu, "/_emulator/vms/etc-hosts",
                       {"vm_id": hosts_vm, "entries": [["10.123.4.5", ["kvbrokenttl.vault.azure.net"]]]})
        planted["PL024"] = f"{w.net_prefix}/privateEndpoints/pe-ttl"
    return planted


async def _control(emu, path: str, body: dict) -> None:
    """POST to the emulator's control endpoint (test-world setup, not ARM; never counted as an ARM request)."""
    import ssl

    import aiohttp

    ctx = ssl.create_default_context(cafile=emu.ca_cert)
    async with aiohttp.ClientSession() as s, s.post(emu.endpoint + path, json=body, ssl=ctx) as r:
        assert r.status == 200, await r.text()




def _tally(result, planted: dict[str, str]) -> tuple[set[str], dict[str, list[str]]]:
    by_id: dict[str, set[str]] = {}
    for f in result.findings:
        by_id.setdefault(f.check_id, set()).add(f.resource_id.lower())
    detected = {cid for cid, rid in planted.items() if cid != "healthy" and rid.lower() in by_id.get(cid, set())}
    return detected, {k: sorted(v) for k, v in by_id.items()}


async def test_broken_subscription_each_defect_detected_healthy_silent_zero_writes(emu, gw, tmp_path):
    key_path, pubkey = keypair(tmp_path)
    planted = await build_broken(gw, pubkey, emu)
    healthy = planted["healthy"].lower()

    # 1) inventory-only audit: every inventory defect, nothing on the healthy endpoint, zero writes.
    w0 = emu.stats.writes
    result = await run_audit(gw, probe=ProbeOptions(mode="none"))
    assert emu.stats.writes == w0, "the audit must not write"
    inventory_planted = {k: v for k, v in planted.items() if not k.startswith("PL02") or k == "PL025"}
    detected, by_id = _tally(result, inventory_planted)
    missing = sorted(set(inventory_planted) - {"healthy"} - detected)
    assert not missing, {m: by_id.get(m) for m in missing}
    assert not [f for f in result.findings if healthy in [f.resource_id.lower(), *map(str.lower, f.related)]]
    doc = json.loads(render_json(result))
    assert doc["stats"]["arm_requests"] > 0 and doc["stats"]["arm_writes"] == 0
    assert {e["name"] for e in doc["endpoints"]} >= {"pe-ok", "pe-nodns", "pe-dup2"}

    # 2) with probes over real SSH to the demo VMs (host keys trusted on first use: still zero ARM writes).
    opts = ProbeOptions(mode="ssh", ssh_key=key_path, accept_new_host_key=True, state_dir=str(tmp_path / "state"))
    w1 = emu.stats.writes
    probed = await run_audit(gw, probe=opts)
    assert emu.stats.writes == w1
    detected2, by_id2 = _tally(probed, planted)
    missing2 = sorted(set(planted) - {"healthy"} - detected2)
    print(f"detected/planted: {len(detected2)}/{len(planted) - 1} ({', '.join(sorted(detected2))})")
    assert not missing2, ({m: by_id2.get(m) for m in missing2}, probed.notes)
    ok = [v for v in probed.probes if v.vm == "vm-ok"]
    assert ok and all(v.verdict == "pass" for v in ok), ok
    assert not [f for f in probed.findings if healthy in [f.resource_id.lower(), *map(str.lower, f.related)]]

    # 3) the default pinning: host key read through Run Command, probing every endpoint from one VM.
    pinned = await run_audit(gw, probe=ProbeOptions(mode="ssh", ssh_key=key_path, probe_vm="vm-ok",
                                                    state_dir=str(tmp_path / "state2")))
    assert {v.vm for v in pinned.probes} == {"vm-ok"} and len(pinned.probes) >= 15, pinned.notes
    assert [v.verdict for v in pinned.probes if v.fqdn == "kvbrokenok.vault.azure.net"] == ["pass"]


async def test_no_privatelink_zone_anywhere_is_pl005(emu_factory):
    emu2 = await emu_factory(page_size=5)
    target = await resolve_target(arm_endpoint=emu2.endpoint, ca_cert=emu2.ca_cert)
    async with Gateway(target, total_timeout=60) as gw2:
        w = World(gw2)
        await gw2.resources.resource_groups.create_or_update(RG, {"location": "westus2"})
        v = await w.vnet("vnet-nozone", link=False)
        pe = await w.endpoint("pe-nozone", v, await w.vault("kvnozone001"), zone_group=False)
        result = await run_audit(gw2, probe=ProbeOptions(mode="none"))
    assert ("PL005", pe.lower()) in {(f.check_id, f.resource_id.lower()) for f in result.findings}
    assert "PL002" not in {f.check_id for f in result.findings}


async def test_collector_requests_grow_with_pages_not_endpoints(emu, gw):
    w = World(gw)
    await w.base()
    v = await w.vnet("vnet-a")
    for i in range(12):
        await w.endpoint(f"pe-{i}", v, await w.vault(f"kvpages{i:03d}"))
    async with Gateway(gw.target, total_timeout=60) as fresh:
        inv, stats = await collect(fresh)
    assert len(inv.endpoints) == 12 and stats.zone_group_fetches == 0
    # page size 5: 12 endpoints / NICs / vaults / records -> 3 pages each; everything else one page.
    assert stats.arm_requests <= 9 + 3 * 4 + 2
    assert checks.run_all(inv) == []


def _cli_args(emu, *extra: str):
    import argparse

    from audits import cli

    p = argparse.ArgumentParser()
    cli.add_arguments(p)
    return p.parse_args(["--arm-endpoint", emu.endpoint, "--ca-cert", emu.ca_cert, "--probe", "none", *extra])


async def test_cli_exit_1_with_findings_then_0_once_fixed(emu, gw, tmp_path, capsys):
    from audits import cli

    w = World(gw)
    await w.base()
    v = await w.vnet("vnet-cli", link=False)
    await w.endpoint("pe-cli", v, await w.vault("kvcli0001"))
    out = tmp_path / "audit.json"
    assert await cli.run(_cli_args(emu, "--format", "json", "--output", str(out))) == 1
    doc = json.loads(out.read_text())
    assert [f["check_id"] for f in doc["findings"]] == ["PL003"] and doc["schema"] == "plinktui.audit/v1"
    await gw.result(gw.privatedns.virtual_network_links.begin_create_or_update(RG, ZONE, "link-cli", {
        "location": "global", "properties": {"virtualNetwork": {"id": v}, "registrationEnabled": False}}))
    assert await cli.run(_cli_args(emu, "--json")) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []
    assert await cli.run(_cli_args(emu, "--format", "sarif")) == 0
    assert json.loads(capsys.readouterr().out)["version"] == "2.1.0"


async def test_cli_wrong_ca_is_exit_2_with_one_line(emu, emu_factory, capsys):
    from audits import cli

    other = await emu_factory(state=False)
    args = _cli_args(emu, "--json")
    args.ca_cert = other.ca_cert
    assert await cli.run(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "TLS" in err[0] and "Traceback" not in err[0]


async def test_json_pages_match_the_sdk_pagers_and_zone_groups_only_when_unexplained(emu, gw):
    from audits.collector import SUBSCRIPTION_LISTS, _drain, _Limits, _run_list

    w = World(gw)
    await w.base()
    v = await w.vnet("vnet-eq")
    for i in range(7):
        await w.endpoint(f"pe-eq{i}", v, await w.vault(f"kveq{i:04d}"), zone_group=i != 3)
    for call in SUBSCRIPTION_LISTS:
        fast = await _run_list(gw, _Limits(4), call)
        sdk = await _drain(call.sdk(gw))
        assert sorted(x["id"] for x in fast) == sorted(x["id"] for x in sdk), call.api
    inv, stats = await collect(gw)
    assert stats.zone_group_fetches == 1
    (lonely,) = [e for e in inv.endpoints if e.name == "pe-eq3"]
    assert lonely.zone_groups == [] and all(e.zone_groups is None for e in inv.endpoints if e is not lonely)
    assert [f.check_id for f in checks.run_all(inv)] == ["PL002"]


def test_every_list_url_is_exactly_what_the_sdk_builder_sends():
    """The audit's lists skip the SDK models, not the SDK's request: URL, api-version and query match the builders."""
    import importlib

    from audits.collector import SUBSCRIPTION_LISTS, resolver_list_call, zone_group_list_call, zone_list_call

    modules = {"network": "azure.mgmt.network.operations._operations",
               "privatedns": "azure.mgmt.privatedns.operations._operations",
               "keyvault": "azure.mgmt.keyvault.operations._operations",
               "compute": "azure.mgmt.compute.operations._operations"}
    calls = [*SUBSCRIPTION_LISTS, zone_list_call("record_sets", "rg-dns", "privatelink.vaultcore.azure.net"),
             zone_list_call("virtual_network_links", "rg-dns", "privatelink.vaultcore.azure.net"),
             zone_group_list_call("pe-x", "rg-app"),
             *(resolver_list_call(api, "rg-hub", "parent-x")
               for api in ("inbound_endpoints", "forwarding_rules", "ruleset_links"))]
    for call in calls:
        builder = getattr(importlib.import_module(call.module or modules[call.client]), call.builder)
        if call.api == "private_dns_zone_groups":
            request = builder(private_endpoint_name="pe-x", resource_group_name="rg-app", subscription_id="sub-1")
        else:
            request = builder(*call.args, subscription_id="sub-1", **dict(call.kwargs))
        assert request.method == "GET"
        assert request.url == call.url("sub-1"), call.api

"""Integration: the real async SDK clients drive the in-process emulator through plan -> preflight -> apply ->
resume -> teardown, via the same entry points the CLI uses."""

from __future__ import annotations

import asyncio
import json
import pathlib

import pytest

from plinktui import provision_cli
from plinktui.cloud import Gateway, resolve_target
from plinktui.journal import Journal
from tests.cli_runs import cli, parse, plan_file, summary


async def test_full_apply_is_correct_and_teardown_leaves_nothing(emu, gw, tmp_path, capsys) -> None:
    rc, lines = await cli(emu, "setup", ["--plan", str(plan_file(tmp_path))], capsys)
    s = summary(lines)
    assert rc == 0, s
    assert s["connection"] == "Approved" and s["endpoint_ip"].startswith("10.70.1.")
    assert s["vault_fqdn"] == "kvtestpar0001.vault.azure.net"
    run_id = s["run_id"]
    kinds = {(ln.get("key"), ln["kind"]) for ln in lines}
    assert ("pe", "waiting") in kinds and ("vm", "succeeded") in kinds

    rec = (await gw.privatedns.record_sets.get("rg-par", "privatelink.vaultcore.azure.net", "A",
                                               "kvtestpar0001")).as_dict()
    assert [a["ipv4Address"] for a in rec["properties"]["aRecords"]] == [s["endpoint_ip"]]
    for res in (await gw.network.private_endpoints.get("rg-par", "pe-par"),
                await gw.network.virtual_networks.get("rg-par", "vnet-par"),
                await gw.compute.virtual_machines.get("rg-par", "vm-par"),
                await gw.keyvault.vaults.get("rg-par", "kvtestpar0001")):
        assert res.as_dict()["tags"]["plinktui-run"] == run_id
    nsg = (await gw.network.network_security_groups.get("rg-par", "vm-par-nsg")).as_dict()
    rule = nsg["properties"]["securityRules"][0]["properties"]
    assert rule["sourceAddressPrefix"] == "203.0.113.7/32"

    j = Journal.open(run_id)
    assert j.state == "succeeded" and all(e["status"] in ("succeeded", "reused") for e in j.resources.values())
    keys = [pathlib.Path(k) for k in j.data["generated_keys"]]
    assert keys and oct(keys[0].stat().st_mode & 0o777) == "0o600"
    assert "PRIVATE" not in j.path.read_text()

    rc, lines = await cli(emu, "teardown", [run_id, "--purge"], capsys)
    t = summary(lines)
    assert rc == 0 and t["purged"], t
    left = [r async for r in gw.resources.resources.list_by_resource_group("rg-par")] \
        if await gw.resources.resource_groups.check_existence("rg-par") else []
    assert left == []
    avail = (await gw.keyvault.vaults.check_name_availability({"name": "kvtestpar0001",
                                                               "type": "Microsoft.KeyVault/vaults"})).as_dict()
    assert avail["nameAvailable"] is True
    assert not any(k.exists() for k in keys)
    assert Journal.open(run_id).state == "torn_down"


async def test_resume_after_cancel_creates_no_duplicates(emu_factory, tmp_path, capsys) -> None:
    emu = await emu_factory(latency_scale=0.01)
    from plinktui import plan as plan_mod
    from plinktui import preflight
    from plinktui.dag import build_graph
    from plinktui.engine import Context, apply

    plan = plan_mod.load(plan_file(tmp_path, name="crash", vault="kvtestcrash01"))
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    async with Gateway(target, total_timeout=60) as gw:
        pf = await preflight.run(gw, plan)
        assert pf.ok, pf.problems
        journal = Journal.create(plan.name, plan.to_dict(), target={"arm_endpoint": emu.endpoint,
                                                                    "subscription_id": gw.subscription_id})
        journal.data["target"]["ca_cert"] = emu.ca_cert
        journal.save()
        seen = asyncio.Event()

        async def emit(ev) -> None:
            if ev.key == "pe" and ev.kind == "waiting":
                seen.set()

        ctx = Context(gw=gw, plan=plan, graph=build_graph(plan, pf.facts), journal=journal, emit=emit,
                      tenant_id=pf.tenant_id, public_key="ssh-ed25519 " + "A" * 68 + " t", poll_interval=0.02)
        task = asyncio.create_task(apply(ctx))
        await asyncio.wait_for(seen.wait(), 30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert Journal.open(journal.run_id).state == "cancelled"
        assert Journal.open(journal.run_id).resources["pe"]["status"] == "creating"

    rc, lines = await cli(emu, "setup", ["--resume", journal.run_id], capsys)
    assert rc == 0, summary(lines)
    async with Gateway(target, total_timeout=60) as gw:
        pes = [p async for p in gw.network.private_endpoints.list_by_subscription()]
        vms = [v async for v in gw.compute.virtual_machines.list_all()]
        nics = [n async for n in gw.network.network_interfaces.list_all()]
    assert len(pes) == 1 and len(vms) == 1 and len(nics) == 2  # the endpoint's NIC and the VM's
    assert Journal.open(journal.run_id).state == "succeeded"


async def _writes(emu) -> int:
    return emu.stats.writes


async def _seed_vnet(gw, rg: str = "rg-net", region: str = "westus2") -> None:
    await gw.resources.resource_groups.create_or_update(rg, {"location": region})
    await gw.result(gw.network.virtual_networks.begin_create_or_update(rg, "vnet-shared", {
        "location": region, "properties": {"addressSpace": {"addressPrefixes": ["10.80.0.0/16"]},
                                           "subnets": [{"name": "default", "properties": {
                                               "addressPrefix": "10.80.1.0/24"}}]}}))


async def _seed_vault(gw, name: str, rg: str = "rg-other", delete: bool = False) -> None:
    await gw.resources.resource_groups.create_or_update(rg, {"location": "eastus2"})
    await gw.result(gw.keyvault.vaults.begin_create_or_update(rg, name, {"location": "eastus2", "properties": {
        "tenantId": gw.target.tenant_id, "sku": {"family": "A", "name": "standard"}, "accessPolicies": []}}))
    if delete:
        await gw.keyvault.vaults.delete(rg, name)


EXISTING_VNET = {'vnet = "vnet-bad"': 'vnet = "/subscriptions/SUB/resourceGroups/rg-net/providers/'
                                      'Microsoft.Network/virtualNetworks/vnet-shared"',
                 'address_space = ["10.70.0.0/16"]\n': ""}


@pytest.mark.parametrize(("case", "needle"), [
    ("overlapping subnet", "overlaps existing subnet 'default'"),
    ("vault name with --", "consecutive hyphens"),
    ("endpoint region", "a private endpoint goes in its VNet's region"),
    ("reserved admin", "reserves"),
    ("taken vault name", "is not available"),
    ("soft-deleted vault name", "soft-deleted"),
])
async def test_invalid_plans_write_nothing(case, needle, emu, gw, tmp_path, capsys) -> None:
    vault, admin, replace = "kvtestbad0001", "azureuser", None
    sub = gw.subscription_id
    existing = {k: v.replace("SUB", sub) for k, v in EXISTING_VNET.items()}
    if case == "overlapping subnet":
        await _seed_vnet(gw)
        replace = {**existing, 'subnet_prefix = "10.70.1.0/24"': 'subnet_prefix = "10.80.1.0/25"'}
    elif case == "vault name with --":
        vault = "kv--bad"
    elif case == "endpoint region":
        await _seed_vnet(gw, region="westus2")
        replace = {**existing, 'region = "westus2"': 'region = "eastus"', 'subnet_prefix = "10.70.1.0/24"':
                   'subnet_prefix = "10.80.2.0/24"'}
    elif case == "reserved admin":
        admin = "admin"
    elif case == "taken vault name":
        await _seed_vault(gw, vault)
    elif case == "soft-deleted vault name":
        await _seed_vault(gw, vault, delete=True)
    before = await _writes(emu)
    rc, lines = await cli(emu, "setup", ["--plan", str(plan_file(tmp_path, name="bad", vault=vault, admin=admin,
                                                                 replace=replace))], capsys)
    err = summary(lines)
    assert rc == 2 and err["kind"] == "error"
    assert needle in json.dumps(err), err
    assert await _writes(emu) == before
    assert Journal.list_runs() == []


async def test_reader_only_preflight_lists_missing_actions(emu_factory, tmp_path, capsys) -> None:
    emu = await emu_factory(reader_only=True)
    rc, lines = await cli(emu, "setup", ["--plan", str(plan_file(tmp_path, name="reader"))], capsys)
    err = summary(lines)
    assert rc == 2
    assert "Microsoft.Network/privateEndpoints/write" in err["missing_actions"]
    assert "Microsoft.KeyVault/vaults/write" in err["missing_actions"]
    assert emu.stats.writes == 0


async def test_someone_elses_resource_stops_the_run(emu, gw, tmp_path, capsys) -> None:
    from plinktui import plan as plan_mod
    from plinktui.dag import build_graph
    from plinktui.engine import Context, NodeError, apply_node

    await gw.resources.resource_groups.create_or_update("rg-own", {"location": "westus2"})
    await gw.result(gw.network.network_security_groups.begin_create_or_update(
        "rg-own", "vm-own-nsg", {"location": "westus2", "tags": {"team": "other"}}))
    before = emu.stats.writes
    f = plan_file(tmp_path, name="own", vault="kvtestown0001")
    rc, lines = await cli(emu, "setup", ["--plan", str(f)], capsys)
    err = summary(lines)
    assert rc == 2 and "NSG vm-own-nsg already exists" in json.dumps(err)
    assert emu.stats.writes == before

    # The same rule at apply time (a resource that appeared after preflight, or on resume): stop, never adopt.
    plan = plan_mod.load(f)
    journal = Journal.create(plan.name, plan.to_dict(), target={})
    graph = build_graph(plan)
    ctx = Context(gw=gw, plan=plan, graph=graph, journal=journal)
    with pytest.raises(NodeError, match="belongs to someone else") as e:
        await apply_node(ctx, graph["nsg"])
    assert e.value.error_class == "user"
    nsg = (await gw.network.network_security_groups.get("rg-own", "vm-own-nsg")).as_dict()
    assert nsg["tags"] == {"team": "other"}
    assert emu.stats.writes == before


async def test_existing_vnet_is_reused_and_survives_teardown(emu, gw, tmp_path, capsys) -> None:
    await _seed_vnet(gw)
    sub = gw.subscription_id
    replace = {'vnet = "vnet-reuse"': f'vnet = "/subscriptions/{sub}/resourceGroups/rg-net/providers/'
                                      f'Microsoft.Network/virtualNetworks/vnet-shared"',
               'address_space = ["10.70.0.0/16"]\n': "", 'subnet_prefix = "10.70.1.0/24"':
               'subnet_prefix = "10.80.9.0/24"'}
    rc, lines = await cli(emu, "setup", ["--plan", str(plan_file(tmp_path, name="reuse", vault="kvtestreuse01",
                                                                 replace=replace))], capsys)
    s = summary(lines)
    assert rc == 0, s
    assert s["endpoint_ip"].startswith("10.80.9.")
    rc, lines = await cli(emu, "teardown", [s["run_id"], "--purge"], capsys)
    assert rc == 0, summary(lines)
    vnet = (await gw.network.virtual_networks.get("rg-net", "vnet-shared")).as_dict()
    assert [x["name"] for x in vnet["properties"]["subnets"]] == ["default"]


async def test_without_a_tty_yes_is_required(emu, tmp_path, capsys) -> None:
    args = parse("setup", ["--plan", str(plan_file(tmp_path, name="noyes")), "--arm-endpoint", emu.endpoint,
                           "--ca-cert", emu.ca_cert])
    assert await provision_cli.run_setup(args) == 2
    assert "add --yes" in capsys.readouterr().err
    assert emu.stats.writes == 0 and Journal.list_runs() == []


async def test_plain_renderer_one_line_per_event() -> None:
    import io

    from plinktui.engine import Event

    out = io.StringIO()
    r = provision_cli.Renderer("plain", out=out)
    await r.event(Event("queued", key="pe", rtype="Microsoft.Network/privateEndpoints", name="pe-x"))
    await r.event(Event("failed", key="pe", rtype="Microsoft.Network/privateEndpoints", name="pe-x", elapsed=1.5,
                        error="AuthorizationFailed: no", error_class="user", fix="ask for a role"))
    lines = out.getvalue().splitlines()
    assert len(lines) == 1  # queued is summarised by the plan line, not repeated per node
    assert "privateEndpoints" in lines[0] and "error (user)" in lines[0] and "fix: ask for a role" in lines[0]


async def test_static_ip_custom_nic_and_private_link_service(emu, gw, tmp_path, capsys) -> None:
    sub = gw.subscription_id
    f = plan_file(tmp_path, name="pls", vault="kvtestpls0001", replace={
        'name = "pe-pls"': 'name = "pe-pls"\nstatic_ip = "10.70.1.10"\nnic_name = "pe-pls-nic"',
        "[test_vm]": f'[private_link_service]\nenabled = true\nsubnet = "snet-pls"\nsubnet_prefix = "10.70.2.0/28"\n'
                     f'auto_approval = ["{sub}"]\n[test_vm]'})
    rc, lines = await cli(emu, "setup", ["--plan", str(f)], capsys)
    s = summary(lines)
    assert rc == 0, s
    assert s["endpoint_ip"] == "10.70.1.10" and s["endpoint_nic"] == "pe-pls-nic"
    pls = (await gw.network.private_link_services.get("rg-pls", "pls-pls")).as_dict()
    assert pls["properties"]["loadBalancerFrontendIpConfigurations"][0]["id"].endswith("/frontendIPConfigurations/fe")
    vnet = (await gw.network.virtual_networks.get("rg-pls", "vnet-pls")).as_dict()
    assert sorted(x["name"] for x in vnet["properties"]["subnets"]) == ["snet-endpoints", "snet-pls"]
    rc, lines = await cli(emu, "teardown", [s["run_id"], "--purge"], capsys)
    assert rc == 0 and "pls" in summary(lines)["deleted"] and "lb" in summary(lines)["deleted"]


async def test_manual_approval_stops_at_verification_with_public_access_untouched(emu, gw, tmp_path, capsys) -> None:
    f = plan_file(tmp_path, name="man", vault="kvtestman0001", vault_extra="",
                  replace={'name = "pe-man"': 'name = "pe-man"\nmanual_approval = true'})
    rc, lines = await cli(emu, "setup", ["--plan", str(f)], capsys)
    s = summary(lines)
    assert rc == 0 and s["connection"] == "Pending", s
    assert any(ln["kind"] == "info" and "approve it" in ln.get("message", "") for ln in lines)
    vault = (await gw.keyvault.vaults.get("rg-man", "kvtestman0001")).as_dict()
    assert vault["properties"]["publicNetworkAccess"] == "Enabled"  # never switched off without a verified path
    assert Journal.open(s["run_id"]).resources["verify"]["status"] == "skipped"

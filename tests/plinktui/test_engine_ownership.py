"""Ownership in shared subscriptions: a shared VNet with someone else's subnets and a central zone already linked to it.

plinktui uses what exists (listed as existing), never adopts it and never deletes it: a foreign subnet named by a
plan (with or without its prefix) survives setup, ``--resume`` and teardown; a tampered journal cannot make teardown
remove a foreign subnet or a key file outside plinktui's key directory; the zone already linked to the VNet is found
in another resource group, or another subscription, and reused (no second zone, no second link).
"""

from __future__ import annotations

import pathlib
from typing import Any

import pytest

from plinktui import sshkeys
from plinktui.journal import Journal
from tests.cli_runs import cli

ZONE = "privatelink.vaultcore.azure.net"
SHARED_SPACE = "10.40.0.0/16"
APP_PREFIX, PE_PREFIX = "10.40.1.0/24", "10.40.2.0/24"


async def _world(gw: Any) -> dict[str, str]:
    """rg-shared-net/vnet-shared (snet-app with someone's NIC in it, snet-endpoints) and a central zone linked to it."""
    sub = gw.subscription_id
    for rg in ("rg-shared-net", "rg-central-dns", "rg-app"):
        await gw.resources.resource_groups.create_or_update(rg, {"location": "westus2"})
    net = gw.network
    vnet = await (await net.virtual_networks.begin_create_or_update("rg-shared-net", "vnet-shared", {
        "location": "westus2", "properties": {"addressSpace": {"addressPrefixes": [SHARED_SPACE]}, "subnets": [
            {"name": "snet-app", "properties": {"addressPrefix": APP_PREFIX}},
            {"name": "snet-endpoints", "properties": {"addressPrefix": PE_PREFIX}}]}})).result()
    await (await net.network_interfaces.begin_create_or_update("rg-app", "nic-payroll", {
        "location": "westus2", "properties": {"ipConfigurations": [{"name": "ip", "properties": {
            "subnet": {"id": f"{vnet.id}/subnets/snet-app"}, "privateIPAllocationMethod": "Dynamic"}}]}})).result()
    dns = gw.privatedns
    zone = await (await dns.private_zones.begin_create_or_update("rg-central-dns", ZONE, {"location": "global"})).result()
    await (await dns.virtual_network_links.begin_create_or_update("rg-central-dns", ZONE, "link-shared", {
        "location": "global", "properties": {"virtualNetwork": {"id": vnet.id},
                                             "registrationEnabled": False}})).result()
    return {"sub": sub, "vnet": vnet.id, "zone": zone.id}


def _plan(tmp_path: pathlib.Path, name: str, vnet: str, *, subnet: str = "snet-endpoints", prefix: str | None = None,
          dns: str = "") -> str:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'''
[plan]
name = "{name}"
resource_group = "rg-{name}"
[network]
region = "westus2"
vnet = "{vnet}"
subnet = "{subnet}"
{f'subnet_prefix = "{prefix}"' if prefix else ""}
[vault]
region = "eastus2"
name = "kv{name}x01"
public_network_access = "Disabled"
[private_endpoint]
name = "pe-{name}"
[dns]
{dns}
''')
    return str(path)


async def _subnets(gw: Any) -> dict[str, str]:
    vnet = await gw.network.virtual_networks.get("rg-shared-net", "vnet-shared")
    return {s.name: s.address_prefix for s in vnet.subnets}


async def _zones(gw: Any) -> list[str]:
    return [z.id for z in [z async for z in gw.privatedns.private_zones.list()] if z.name == ZONE]


async def _links(gw: Any, w: dict[str, str]) -> list[str]:
    return [lk.name async for lk in gw.privatedns.virtual_network_links.list("rg-central-dns", ZONE)]


@pytest.mark.parametrize("prefix", [PE_PREFIX, None], ids=["with-its-prefix", "without-prefix"])
async def test_foreign_subnet_named_by_a_plan_survives_setup_resume_and_teardown(emu, gw, tmp_path, capsys,
                                                                                  prefix) -> None:
    w = await _world(gw)
    rc, lines = await cli(emu, "setup", ["--plan", _plan(tmp_path, "brown", w["vnet"], prefix=prefix)], capsys)
    summary = lines[-1]
    assert rc == 0 and summary["failed"] == {}, summary
    run_id = summary["run_id"]
    plan_ev = next(x for x in lines if x["kind"] == "plan")
    modes = {n["key"]: n["mode"] for n in plan_ev["nodes"]}
    assert modes["subnet"] == "reuse" and modes["vnet"] == "reuse"
    infos = [x["message"] for x in lines if x["kind"] == "info"]
    assert any(m.startswith("existing subnet snet-endpoints in VNet vnet-shared: used") for m in infos), infos
    # The central zone, linked to the VNet from another group, is the one used: no second zone, no second link.
    assert plan_ev["zone"]["id"] == w["zone"] and plan_ev["zone"]["existing_link"] == "link-shared"
    assert await _zones(gw) == [w["zone"]] and await _links(gw, w) == ["link-shared"]
    rec = await gw.privatedns.record_sets.get("rg-central-dns", ZONE, "A", "kvbrownx01")
    assert rec.a_records[0].ipv4_address.startswith("10.40.2.")
    entry = Journal.open(run_id).resources["subnet"]
    assert entry["status"] == "reused" and entry["owned"] is False

    rc, lines = await cli(emu, "setup", ["--resume", run_id], capsys)
    assert rc == 0 and lines[-1]["failed"] == {}, lines[-1]
    assert Journal.open(run_id).resources["subnet"]["owned"] is False

    rc, lines = await cli(emu, "teardown", [run_id, "--purge"], capsys)
    summary = lines[-1]
    assert rc == 0 and summary["failed"] == {}, summary
    assert "subnet" not in summary["deleted"] and "subnet" in summary["kept"]
    assert {"zone", "link"} <= set(summary["kept"]) and "pe" in summary["deleted"]
    assert await _subnets(gw) == {"snet-app": APP_PREFIX, "snet-endpoints": PE_PREFIX}
    assert await _zones(gw) == [w["zone"]] and await _links(gw, w) == ["link-shared"]
    names = [r.name async for r in gw.privatedns.record_sets.list("rg-central-dns", ZONE)]
    assert "kvbrownx01" not in names  # the zone group's record went with the zone group


async def test_a_prefix_that_differs_from_the_existing_subnet_is_an_error_before_any_write(emu, gw, tmp_path,
                                                                                        capsys) -> None:
    w = await _world(gw)
    rc, lines = await cli(emu, "setup", ["--plan", _plan(tmp_path, "brownx", w["vnet"], prefix="10.40.2.0/25")], capsys)
    assert rc == 2 and lines[-1]["kind"] == "error", lines
    assert any("subnet snet-endpoints already exists with 10.40.2.0/24, not 10.40.2.0/25" in p
               for p in lines[-1]["problems"]), lines[-1]
    assert not await gw.resources.resource_groups.check_existence("rg-brownx")
    assert Journal.list_runs() == []


async def _own_subnet_run(emu: Any, gw: Any, tmp_path: pathlib.Path, capsys: Any) -> tuple[str, dict[str, str]]:
    w = await _world(gw)
    rc, lines = await cli(emu, "setup", ["--plan", _plan(tmp_path, "ownsub", w["vnet"], subnet="snet-kv",
                                                                  prefix="10.40.3.0/24")], capsys)
    assert rc == 0, lines[-1]
    run_id = lines[-1]["run_id"]
    entry = Journal.open(run_id).resources["subnet"]
    assert entry["owned"] is True and entry["absent_at"] and entry["put_accepted"] is True and entry["seal"]
    return run_id, w


async def test_a_subnet_the_run_created_is_deleted_by_teardown(emu, gw, tmp_path, capsys) -> None:
    run_id, _ = await _own_subnet_run(emu, gw, tmp_path, capsys)
    assert "snet-kv" in await _subnets(gw)
    rc, lines = await cli(emu, "teardown", [run_id, "--purge"], capsys)
    assert rc == 0 and "subnet" in lines[-1]["deleted"], lines[-1]
    assert await _subnets(gw) == {"snet-app": APP_PREFIX, "snet-endpoints": PE_PREFIX}


def _tamper(run_id: str, change: Any) -> None:
    journal = Journal.open(run_id)
    change(journal.data)
    journal.save()


@pytest.mark.parametrize("foreign", ["snet-app", "snet-endpoints"], ids=["holding-a-nic", "empty"])
async def test_a_journal_tampered_to_name_a_foreign_subnet_deletes_nothing_foreign(emu, gw, tmp_path, capsys,
                                                                                  foreign) -> None:
    run_id, w = await _own_subnet_run(emu, gw, tmp_path, capsys)
    prefix = {"snet-app": APP_PREFIX, "snet-endpoints": PE_PREFIX}[foreign]

    def retarget(data: dict[str, Any]) -> None:  # keeps the proof fields, points everything at the foreign subnet
        data["plan"]["network"].update(subnet=foreign, subnet_prefix=prefix)
        data["resources"]["subnet"].update(name=foreign, id=f"{w['vnet']}/subnets/{foreign}")
    _tamper(run_id, retarget)
    rc, lines = await cli(emu, "teardown", [run_id, "--purge"], capsys)
    summary = lines[-1]
    assert rc == 0 and summary["failed"] == {}, summary
    assert "subnet" in summary["kept"] and "no proof" in summary["kept_reasons"]["subnet"], summary
    assert (await _subnets(gw))[foreign] == prefix
    assert "snet-kv" in await _subnets(gw)  # the run's own subnet is not in the tampered journal any more


async def test_a_subnet_the_run_created_is_kept_when_someone_else_put_something_in_it(emu, gw, tmp_path,
                                                                                      capsys) -> None:
    run_id, w = await _own_subnet_run(emu, gw, tmp_path, capsys)
    await (await gw.network.network_interfaces.begin_create_or_update("rg-app", "nic-latecomer", {
        "location": "westus2", "properties": {"ipConfigurations": [{"name": "ip", "properties": {
            "subnet": {"id": f"{w['vnet']}/subnets/snet-kv"}, "privateIPAllocationMethod": "Dynamic"}}]}})).result()
    rc, lines = await cli(emu, "teardown", [run_id, "--purge"], capsys)
    summary = lines[-1]
    assert rc == 0 and summary["failed"] == {} and "pe" in summary["deleted"], summary
    assert summary["kept_reasons"]["subnet"] == "it still holds 1 thing(s) this run did not put there (nic-latecomer)"
    assert "snet-kv" in await _subnets(gw)


async def test_a_failed_or_unproven_subnet_entry_is_never_owned(emu, gw, tmp_path, capsys) -> None:
    """The old bug's journal: the refused subnet written as failed (and even owned); resume and teardown keep it."""
    run_id, w = await _own_subnet_run(emu, gw, tmp_path, capsys)

    def forged(data: dict[str, Any]) -> None:
        data["plan"]["network"].update(subnet="snet-endpoints", subnet_prefix=PE_PREFIX)
        data["resources"]["subnet"] = {"status": "failed", "owned": True, "name": "snet-endpoints",
                                       "rtype": "Microsoft.Network/virtualNetworks/subnets",
                                       "id": f"{w['vnet']}/subnets/snet-endpoints"}
    _tamper(run_id, forged)
    rc, lines = await cli(emu, "setup", ["--resume", run_id], capsys)
    assert rc == 0, lines[-1]
    assert Journal.open(run_id).resources["subnet"]["status"] == "reused"  # used, not adopted
    _tamper(run_id, forged)  # and straight to teardown with the forged entry
    rc, lines = await cli(emu, "teardown", [run_id, "--purge"], capsys)
    summary = lines[-1]
    assert rc == 0 and "subnet" in summary["kept"], summary
    assert "no proof" in summary["kept_reasons"]["subnet"]
    assert "snet-endpoints" in await _subnets(gw)


async def test_teardown_removes_only_this_runs_key_from_plinktuis_key_dir(emu, gw, tmp_path, capsys) -> None:
    run_id, _ = await _own_subnet_run(emu, gw, tmp_path, capsys)
    ssh = pathlib.Path.home() / ".ssh"
    ssh.mkdir(parents=True, exist_ok=True)
    users_key = ssh / "id_ed25519"
    users_key.write_text("not plinktui's")
    other = sshkeys.generate("another-run")  # in plinktui's key dir, but another run's
    mine = sshkeys.generate(run_id)
    sneaky = sshkeys.keys_dir() / ".." / ".." / ".." / ".ssh" / "id_ed25519"
    _tamper(run_id, lambda d: d.update(generated_keys=[str(users_key), str(other.private_path), str(sneaky),
                                                       str(mine.private_path)]))
    rc, lines = await cli(emu, "teardown", [run_id, "--purge"], capsys)
    summary = lines[-1]
    assert rc == 0 and summary["keys_removed"] == 2, summary
    assert users_key.read_text() == "not plinktui's" and other.private_path.exists() and other.public_path.exists()
    assert not mine.private_path.exists() and not mine.public_path.exists()
    reasons = [v for k, v in summary["kept_reasons"].items() if k.startswith("key")]
    assert len(reasons) == 3 and all("not this run's key in plinktui's key directory" in r for r in reasons)


async def test_explicit_zone_id_in_another_group_is_used_and_linked(emu, gw, tmp_path, capsys) -> None:
    w = await _world(gw)
    await gw.resources.resource_groups.create_or_update("rg-dns-spare", {"location": "westus2"})
    # a VNet that no zone is linked to yet, and a zone named explicitly in another group
    net = gw.network
    vnet = await (await net.virtual_networks.begin_create_or_update("rg-shared-net", "vnet-two", {
        "location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.41.0.0/16"]}, "subnets": [
            {"name": "snet-endpoints", "properties": {"addressPrefix": "10.41.2.0/24"}}]}})).result()
    spare = await (await gw.privatedns.private_zones.begin_create_or_update("rg-dns-spare", ZONE, {
        "location": "global"})).result()
    rc, lines = await cli(emu, "setup", ["--plan", _plan(tmp_path, "named", vnet.id,
                                                                  dns=f'zone_id = "{spare.id}"')], capsys)
    assert rc == 0, lines[-1]
    plan_ev = next(x for x in lines if x["kind"] == "plan")
    assert plan_ev["zone"]["id"] == spare.id and "zone_id names it" in plan_ev["zone"]["reason"]
    links = [lk async for lk in gw.privatedns.virtual_network_links.list("rg-dns-spare", ZONE)]
    assert [lk.virtual_network.id for lk in links] == [vnet.id]
    rc, lines = await cli(emu, "teardown", [lines[-1]["run_id"], "--purge"], capsys)
    assert rc == 0 and "link" in lines[-1]["deleted"] and "zone" in lines[-1]["kept"], lines[-1]
    assert (await gw.privatedns.private_zones.get("rg-dns-spare", ZONE)).id == spare.id
    assert sorted(await _zones(gw)) == sorted([w["zone"], spare.id])


async def test_zone_choices_that_azure_would_refuse_stop_in_preflight(emu, gw, tmp_path, capsys) -> None:
    w = await _world(gw)
    await gw.resources.resource_groups.create_or_update("rg-other-dns", {"location": "westus2"})
    other = await (await gw.privatedns.private_zones.begin_create_or_update("rg-other-dns", ZONE, {
        "location": "global"})).result()
    for name, dns, needle in (
            ("always", 'create_zone = "always"', "is already linked to the VNet"),
            ("second", f'zone_id = "{other.id}"', "already linked to another zone of that name")):
        rc, lines = await cli(emu, "setup", ["--plan", _plan(tmp_path, name, w["vnet"], dns=dns)], capsys)
        assert rc == 2 and any(needle in p for p in lines[-1]["problems"]), lines[-1]
        assert not await gw.resources.resource_groups.check_existence(f"rg-{name}")
    assert sorted(await _zones(gw)) == sorted([w["zone"], other.id]) and await _links(gw, w) == ["link-shared"]


async def test_a_zone_another_run_relies_on_is_kept_by_teardown(emu, gw, tmp_path, capsys) -> None:
    """Run A creates and links the zone; run B finds it linked and uses it; tearing A down keeps the zone, its link
    and the resource group holding them (B's name keeps resolving), says why, and exits 0."""
    await _world(gw)
    vnet = await (await gw.network.virtual_networks.begin_create_or_update("rg-shared-net", "vnet-two", {
        "location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.41.0.0/16"]}, "subnets": [
            {"name": "snet-endpoints", "properties": {"addressPrefix": "10.41.2.0/24"}}]}})).result()
    rc, a = await cli(emu, "setup", ["--plan", _plan(tmp_path, "runa", vnet.id)], capsys)
    assert rc == 0, a[-1]
    zone_a = next(x for x in a if x["kind"] == "plan")["zone"]["id"]
    rc, b = await cli(emu, "setup", ["--plan", _plan(tmp_path, "runb", vnet.id)], capsys)
    assert rc == 0 and next(x for x in b if x["kind"] == "plan")["zone"]["id"] == zone_a, b[-1]

    rc, lines = await cli(emu, "teardown", [a[-1]["run_id"], "--purge"], capsys)
    summary = lines[-1]
    assert rc == 0 and summary["failed"] == {}, summary
    assert {"zone", "link", "rg"} <= set(summary["kept"]) and "pe" in summary["deleted"], summary
    assert "record(s) this run did not put there (kvrunbx01)" in summary["kept_reasons"]["zone"]
    rec = await gw.privatedns.record_sets.get("rg-runa", ZONE, "A", "kvrunbx01")
    assert rec.a_records[0].ipv4_address.startswith("10.41.2.")
    assert [lk.name async for lk in gw.privatedns.virtual_network_links.list("rg-runa", ZONE)] == ["link-vnet-two"]


async def test_subnet_clients_follow_the_vnets_subscription(emu) -> None:
    """engine.py read and created subnets with the session subscription's client, not the VNet's."""
    from plinktui import plan as plan_mod
    from plinktui.cloud import Gateway, resolve_target
    from plinktui.dag import build_graph
    from plinktui.engine import Context, read

    other = "11111111-2222-3333-4444-555555555555"
    vnet = f"/subscriptions/{other}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub"
    plan = plan_mod.loads(f'''
[plan]
name = "xsub"
[network]
region = "westus2"
vnet = "{vnet}"
subnet = "snet-new"
subnet_prefix = "10.9.1.0/24"
[vault]
region = "eastus2"
name = "kvxsub0001"
public_network_access = "Disabled"
''')
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    async with Gateway(target, total_timeout=60) as gw:
        ctx = Context(gw=gw, plan=plan, graph=build_graph(plan), journal=None)  # type: ignore[arg-type]
        assert ctx.vnet_net._config.subscription_id == other
        assert gw.network._config.subscription_id == gw.subscription_id != other
        assert ctx.subnet_id.startswith(f"/subscriptions/{other}/")
        # A decoy of the same names in the session's subscription: the session's client would find it; the VNet's
        # subscription (which this one-subscription emulator does not have) holds nothing.
        await gw.resources.resource_groups.create_or_update("rg-net", {"location": "westus2"})
        await (await gw.network.virtual_networks.begin_create_or_update("rg-net", "vnet-hub", {
            "location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.9.0.0/16"]}, "subnets": [
                {"name": "snet-new", "properties": {"addressPrefix": "10.9.1.0/24"}}]}})).result()
        assert await gw.network.subnets.get("rg-net", "vnet-hub", "snet-new") is not None
        assert await read(ctx, ctx.graph["subnet"]) is None


async def test_an_existing_private_link_service_subnet_named_with_its_prefix_is_used_never_deleted(
        emu, gw, tmp_path, capsys) -> None:
    w = await _world(gw)
    await (await gw.network.subnets.begin_create_or_update("rg-shared-net", "vnet-shared", "snet-pls", {
        "properties": {"addressPrefix": "10.40.9.0/28", "privateLinkServiceNetworkPolicies": "Disabled"}})).result()
    path = _plan(tmp_path, "plsbrown", w["vnet"], prefix=PE_PREFIX)
    plan_file = pathlib.Path(path)
    plan_file.write_text(plan_file.read_text() + '[private_link_service]\nenabled = true\nsubnet = "snet-pls"\n'
                         'subnet_prefix = "10.40.9.0/28"\n')
    rc, lines = await cli(emu, "setup", ["--plan", path], capsys)
    assert rc == 0, lines[-1]
    modes = {n["key"]: n["mode"] for n in next(x for x in lines if x["kind"] == "plan")["nodes"]}
    assert modes["pls_subnet"] == "reuse" and modes["pls"] == "create", modes
    rc, lines = await cli(emu, "teardown", [lines[-1]["run_id"], "--purge"], capsys)
    assert rc == 0 and "pls" in lines[-1]["deleted"] and "pls_subnet" in lines[-1]["kept"], lines[-1]
    assert (await _subnets(gw))["snet-pls"] == "10.40.9.0/28"


async def test_zone_search_lists_subscriptions_and_finds_the_linked_zone_in_another_group(gw, tmp_path) -> None:
    from plinktui import plan as plan_mod
    from plinktui.dnszone import choose_zone

    w = await _world(gw)
    await gw.resources.resource_groups.create_or_update("rg-brownz", {"location": "westus2"})
    own = (await gw.result(gw.privatedns.private_zones.begin_create_or_update("rg-brownz", ZONE,
                                                                             {"location": "global"}))).id
    plan = plan_mod.load(_plan(tmp_path, "brownz", w["vnet"]))
    choice = await choose_zone(gw, plan, w["vnet"])
    assert choice.subscriptions_searched == 1 and choice.problems == []
    # the plan's own group has a zone too, but the one linked to the VNet wins: Azure allows only one
    assert choice.zone_id == w["zone"] and choice.link_name == "link-shared" and choice.exists
    assert sorted(choice.seen) == sorted([w["zone"], own])


async def test_a_missing_zone_resource_group_matters_only_when_the_zone_would_be_created_there(gw, tmp_path) -> None:
    from plinktui import plan as plan_mod
    from plinktui import preflight

    w = await _world(gw)
    two = await (await gw.network.virtual_networks.begin_create_or_update("rg-shared-net", "vnet-two", {
        "location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.41.0.0/16"]}, "subnets": [
            {"name": "snet-endpoints", "properties": {"addressPrefix": "10.41.2.0/24"}}]}})).result()
    dns = 'zone_resource_group = "rg-nope"'
    linked = await preflight.run(gw, plan_mod.load(_plan(tmp_path, "zrga", w["vnet"], dns=dns)))
    assert linked.ok and linked.facts.zone_id == w["zone"], [str(p) for p in linked.errors]
    unlinked = await preflight.run(gw, plan_mod.load(_plan(tmp_path, "zrgb", two.id, dns=dns)))
    assert [str(p) for p in unlinked.errors if p.field == "dns.zone_resource_group"] == [
        "dns.zone_resource_group: resource group rg-nope does not exist (fix: create it, or leave "
        "zone_resource_group out to use the plan's resource group)"]


async def test_a_central_zone_in_another_subscription_is_found_reused_and_kept(emu_factory, tmp_path, capsys) -> None:
    """A landing zone: the VNet is in the application subscription, the zone linked to it in the platform one."""
    from plinktui.cloud import Gateway, resolve_target

    emu = await emu_factory(subscriptions=2, page_size=5)
    app_sub, platform_sub = emu.identity()["subscription_ids"]
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    async with Gateway(target, total_timeout=60) as gw:
        assert gw.subscription_id == app_sub
        await gw.resources.resource_groups.create_or_update("rg-shared-net", {"location": "westus2"})
        vnet = await (await gw.network.virtual_networks.begin_create_or_update("rg-shared-net", "vnet-shared", {
            "location": "westus2", "properties": {"addressSpace": {"addressPrefixes": [SHARED_SPACE]}, "subnets": [
                {"name": "snet-endpoints", "properties": {"addressPrefix": PE_PREFIX}}]}})).result()
        platform = gw.at(platform_sub)
        await platform.resources.resource_groups.create_or_update("rg-central-dns", {"location": "westus2"})
        zone = await (await platform.privatedns.private_zones.begin_create_or_update(
            "rg-central-dns", ZONE, {"location": "global"})).result()
        await (await platform.privatedns.virtual_network_links.begin_create_or_update(
            "rg-central-dns", ZONE, "link-platform", {"location": "global", "properties": {
                "virtualNetwork": {"id": vnet.id}, "registrationEnabled": False}})).result()

        rc, lines = await cli(emu, "setup", ["--plan", _plan(tmp_path, "landing", vnet.id)], capsys)
        assert rc == 0 and lines[-1]["failed"] == {}, lines[-1]
        plan_ev = next(x for x in lines if x["kind"] == "plan")
        assert plan_ev["zone"]["id"] == zone.id and plan_ev["zone"]["existing_link"] == "link-platform"
        assert "zone" not in {n["key"] for n in plan_ev["nodes"] if n["mode"] == "create"}
        assert await _zones(gw) == []  # no second zone in the application subscription
        rec = await platform.privatedns.record_sets.get("rg-central-dns", ZONE, "A", "kvlandingx01")
        assert rec.a_records[0].ipv4_address == lines[-1]["endpoint_ip"]

        rc, lines = await cli(emu, "teardown", [lines[-1]["run_id"], "--purge"], capsys)
        assert rc == 0 and lines[-1]["failed"] == {} and "pe" in lines[-1]["deleted"], lines[-1]
        assert [z.id async for z in platform.privatedns.private_zones.list()] == [zone.id]
        assert [lk.name async for lk in platform.privatedns.virtual_network_links.list("rg-central-dns", ZONE)] == [
            "link-platform"]

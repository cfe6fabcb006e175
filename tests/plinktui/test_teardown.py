"""Teardown after an interrupted run leaves nothing tagged with the run; reverse order; generated keys removed."""

from __future__ import annotations

import asyncio

import pytest

from plinktui import plan as plan_mod
from plinktui import preflight, sshkeys
from plinktui.cloud import Gateway, resolve_target
from plinktui.dag import build_graph
from plinktui.engine import Context, apply
from plinktui.journal import Journal
from plinktui.teardown import reverse_graph
from tests.cli_runs import cli, plan_file, summary
from tests.factories import plan_toml

WALKTHROUGH = plan_toml("par", test_vm=True)


def test_reverse_graph_deletes_dependents_first() -> None:
    g = build_graph(plan_mod.loads(WALKTHROUGH))
    rev = reverse_graph(g)
    order = rev.topo_order()
    assert order.index("vm") < order.index("nic") < order.index("nsg")
    assert order.index("zone_group") < order.index("pe") < order.index("vault")
    assert order.index("link") < order.index("zone") and order[-1] == "rg"


def test_generated_keys_are_0600_and_removed(tmp_path) -> None:
    pair = sshkeys.generate("run1", directory=tmp_path)
    assert oct(pair.private_path.stat().st_mode & 0o777) == "0o600"
    assert pair.public_key.startswith("ssh-ed25519 ")
    assert sshkeys.generate("run1", directory=tmp_path).public_key == pair.public_key  # resume reuses it
    removed, kept = sshkeys.remove([str(pair.private_path)], "run1", directory=tmp_path)
    assert len(removed) == 2 and not pair.private_path.exists() and kept == []


async def test_teardown_after_interrupted_run_leaves_nothing(emu_factory, tmp_path, capsys) -> None:
    emu = await emu_factory(latency_scale=0.01)
    plan = plan_mod.load(plan_file(tmp_path, name="half", vault="kvtesthalf001"))
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    async with Gateway(target, total_timeout=60) as gw:
        pf = await preflight.run(gw, plan)
        journal = Journal.create(plan.name, plan.to_dict(), target={"arm_endpoint": emu.endpoint,
                                                                    "subscription_id": gw.subscription_id})
        journal.data["target"]["ca_cert"] = emu.ca_cert
        journal.save()
        started = asyncio.Event()

        async def emit(ev) -> None:
            if ev.key == "vm" and ev.kind == "waiting":
                started.set()

        ctx = Context(gw=gw, plan=plan, graph=build_graph(plan, pf.facts), journal=journal, emit=emit,
                      tenant_id=pf.tenant_id, public_key="ssh-ed25519 " + "A" * 68 + " t", poll_interval=0.02)
        task = asyncio.create_task(apply(ctx))
        await asyncio.wait_for(started.wait(), 30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    rc, lines = await cli(emu, "teardown", [journal.run_id, "--purge"], capsys)
    assert rc == 0, summary(lines)
    async with Gateway(target, total_timeout=60) as gw:
        tagged = []
        for pager in (gw.network.virtual_networks.list_all(), gw.network.private_endpoints.list_by_subscription(),
                      gw.network.network_interfaces.list_all(), gw.network.public_ip_addresses.list_all(),
                      gw.network.network_security_groups.list_all(), gw.compute.virtual_machines.list_all()):
            tagged += [r.name async for r in pager if (r.tags or {}).get("plinktui-run") == journal.run_id]
        assert tagged == []
        assert not await gw.resources.resource_groups.check_existence("rg-half")
        avail = (await gw.keyvault.vaults.check_name_availability(
            {"name": "kvtesthalf001", "type": "Microsoft.KeyVault/vaults"})).as_dict()
        assert avail["nameAvailable"] is True


async def test_a_torn_down_run_cannot_be_resumed(emu, tmp_path, capsys) -> None:
    rc, lines = await cli(emu, "setup", ["--plan", str(plan_file(tmp_path, name="gone", vault="kvtestgone001"))],
                          capsys)
    run_id = summary(lines)["run_id"]
    rc, lines = await cli(emu, "teardown", [run_id], capsys)
    assert rc == 0
    writes = emu.stats.writes
    rc, lines = await cli(emu, "setup", ["--resume", run_id], capsys)
    assert rc == 2 and "was torn down" in summary(lines)["message"]
    assert emu.stats.writes == writes


async def test_teardown_needs_journal_and_tag_and_lists_leftovers(emu, gw, tmp_path, capsys) -> None:
    rc, lines = await cli(emu, "setup", ["--plan", str(plan_file(tmp_path, name="both", vault="kvtestboth001"))],
                          capsys)
    run_id = summary(lines)["run_id"]
    j = Journal.open(run_id)
    del j.resources["nsg"]  # the journal no longer says the NSG is ours: teardown must leave it
    j.resources["pip"]["owned"] = True
    j.save()
    pip = (await gw.network.public_ip_addresses.get("rg-both", "vm-both-pip")).as_dict()
    pip["tags"] = {"team": "other"}  # ...and the tag no longer says the public IP is ours: leave it too
    await gw.result(gw.network.public_ip_addresses.begin_create_or_update("rg-both", "vm-both-pip", pip))
    rc, lines = await cli(emu, "teardown", [run_id, "--purge"], capsys)
    t = summary(lines)
    assert rc == 1 and "networkSecurityGroups vm-both-nsg" in t["failed"]["left"], t
    assert "pip" in t["kept"]
    assert (await gw.network.network_security_groups.get("rg-both", "vm-both-nsg")).name == "vm-both-nsg"
    assert (await gw.network.public_ip_addresses.get("rg-both", "vm-both-pip")).name == "vm-both-pip"
    assert await gw.resources.resource_groups.check_existence("rg-both")  # not empty: kept

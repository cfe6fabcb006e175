"""The resource-kind registry: a kind is one module; dag, engine, teardown and the screens pick a new one up.

The throwaway kind below (a second, tagged NSG) is registered only inside the test; nothing else in the code base
names it, yet the graph places it, the CLI run creates it through the SDK on the emulator, the Review label shows
it and teardown deletes it by its ownership rule.
"""

from __future__ import annotations

from typing import Any

from plinktui import plan as plan_mod
from plinktui.dag import build_graph
from plinktui.journal import Journal
from plinktui.kinds import LABELS, Kind, Placement, kind, kinds, registered
from plinktui.kinds.base import in_plan_group
from tests.cli_runs import cli, plan_file, summary

_get, _delete = in_plan_group("network", "network_security_groups")


async def _put(c: Any, n: Any) -> Any:
    return await c.gw.network.network_security_groups.begin_create_or_update(
        c.rg, n.name, {"location": c.plan.network.region, "tags": c.tags, "properties": {"securityRules": []}},
        **c.lro_kw)


EXTRA = Kind(key="extra_nsg", arm_type="Microsoft.Network/networkSecurityGroups", label="extra NSG", latency=7,
             rank=85, place=lambda plan, facts, g: Placement(f"nsg-extra-{plan.name}", ("rg",)), get=_get, put=_put,
             rid=lambda c, n: c.rid("Microsoft.Network/networkSecurityGroups", n.name), delete=_delete)


def test_every_node_of_a_plan_has_a_registered_kind(tmp_path) -> None:
    plan = plan_mod.load(plan_file(tmp_path))
    g = build_graph(plan)
    assert [n.key for n in g] == [k.key for k in kinds() if k.key in g]
    for n in g:
        assert n.rtype == kind(n.key).arm_type and LABELS[n.key] == kind(n.key).label
    assert "extra_nsg" not in LABELS


def test_a_registered_kind_is_placed_in_the_graph_and_leaves_with_its_registration(tmp_path) -> None:
    plan = plan_mod.load(plan_file(tmp_path))
    with registered(EXTRA):
        g = build_graph(plan)
        node = g["extra_nsg"]
        assert (node.rtype, node.name, node.deps, node.weight) == (
            "Microsoft.Network/networkSecurityGroups", f"nsg-extra-{plan.name}", ("rg",), 7)
        assert LABELS["extra_nsg"] == "extra NSG"
    assert "extra_nsg" not in build_graph(plan) and "extra_nsg" not in LABELS


async def test_engine_and_teardown_run_a_registered_kind(emu, gw, tmp_path, capsys) -> None:
    with registered(EXTRA):
        rc, lines = await cli(emu, "setup", ["--plan", str(plan_file(tmp_path, name="xk", vault="kvtestxk00001"))],
                              capsys)
        s = summary(lines)
        assert rc == 0, s
        assert ("extra_nsg", "succeeded") in {(ln.get("key"), ln["kind"]) for ln in lines}
        nsg = (await gw.network.network_security_groups.get("rg-xk", "nsg-extra-xk")).as_dict()
        assert nsg["tags"]["plinktui-run"] == s["run_id"]
        entry = Journal.open(s["run_id"]).resources["extra_nsg"]
        assert entry["status"] == "succeeded" and entry["owned"] is True

        rc, lines = await cli(emu, "teardown", [s["run_id"], "--purge"], capsys)
        assert rc == 0, summary(lines)
        assert "extra_nsg" in summary(lines)["deleted"]
    assert not await gw.resources.resource_groups.check_existence("rg-xk")


def test_preflight_asks_for_the_actions_a_registered_kind_declares(tmp_path) -> None:
    from dataclasses import replace

    from plinktui.preflight import required_actions

    plan = plan_mod.load(plan_file(tmp_path))
    assert "Microsoft.Network/natGateways/write" not in required_actions(plan)
    with registered(replace(EXTRA, actions=lambda plan, facts: ("Microsoft.Network/natGateways/write",))):
        assert "Microsoft.Network/natGateways/write" in required_actions(plan)
    assert "Microsoft.Network/natGateways/write" not in required_actions(plan)

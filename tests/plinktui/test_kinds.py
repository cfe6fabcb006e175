"""The resource-kind registry: a kind is one module; dag, engine, teardown and the screens pick a new one up.

The throwaway kind below (a second, tagged NSG) is registered only inside the test; nothing else in the code base
names it, yet the graph places it, the CLI run creates it through the SDK on the emulator, the Review label shows
it, teardown deletes it by its ownership rule, and ``plinktui export`` declares it (its template hook) in a template
that deploys on the emulator.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from plinktui import plan as plan_mod
from plinktui.armtemplate import TemplateContext, param
from plinktui.dag import Node, build_graph
from plinktui.export import ExportError, build_template
from plinktui.journal import Journal
from plinktui.kinds import LABELS, Kind, Placement, kind, kinds, registered
from plinktui.kinds.base import in_plan_group
from tests.arm_examples import call, deploy
from tests.cli_runs import cli, plan_file, summary

_get, _delete = in_plan_group("network", "network_security_groups")


async def _put(c: Any, n: Any) -> Any:
    return await c.gw.network.network_security_groups.begin_create_or_update(
        c.rg, n.name, {"location": c.plan.network.region, "tags": c.tags, "properties": {"securityRules": []}},
        **c.lro_kw)


def _template(t: TemplateContext, n: Node) -> list[dict[str, Any]]:
    name = t.param("extraNsgName", n.name)
    return [t.resource(n, name, location=f"[{param('location')}]", tags=t.tags, properties={"securityRules": []})]


EXTRA = Kind(key="extra_nsg", arm_type="Microsoft.Network/networkSecurityGroups", label="extra NSG", latency=7,
             rank=85, place=lambda plan, facts, g: Placement(f"nsg-extra-{plan.name}", ("rg",)), get=_get, put=_put,
             rid=lambda c, n: c.rid("Microsoft.Network/networkSecurityGroups", n.name), delete=_delete,
             template=_template)
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGw4b3D2bJ3+1mK0Gk2YfX8b1rPZ2Yk0oQ5w5r3o2s2e plink@test"


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


async def test_preflight_checks_the_free_name_a_registered_kind_declares(gw, tmp_path) -> None:
    from plinktui.kinds import FreeName
    from plinktui.preflight import PreflightContext, names

    plan = plan_mod.load(plan_file(tmp_path, name="xf", vault="kvtestxf00001"))
    await gw.resources.resource_groups.create_or_update("rg-xf", {"location": "westus2"})
    await gw.result(gw.network.network_security_groups.begin_create_or_update(
        "rg-xf", "nsg-extra-xf", {"location": "westus2"}))  # someone else's, under the name the kind would use
    assert "extra_nsg_name" not in [c.name for c in names.checks()]
    free = FreeName("plan.name", "extra NSG", lambda plan: f"nsg-extra-{plan.name}", client="network",
                    collection="network_security_groups")
    with registered(replace(EXTRA, free_name=free)):
        [check] = [c for c in names.checks() if c.name == "extra_nsg_name"]
        pf = PreflightContext(gw, plan)
        await check.run(pf)
    assert [str(p) for p in pf.result.problems] == [
        "plan.name: extra NSG nsg-extra-xf already exists (fix: choose another name)"]


async def test_export_declares_a_registered_kind_and_the_template_deploys(emu, tmp_path) -> None:
    plan = plan_mod.load(plan_file(tmp_path, name="xe", vault="kvtestxe00001"))
    before = build_template(plan)
    after_pe = replace(EXTRA, place=lambda plan, facts, g: Placement(f"nsg-extra-{plan.name}", ("rg", "pe")))
    with registered(after_pe):
        template = build_template(plan)
    assert build_template(plan) == before  # gone with its registration
    added = [r for r in template["resources"] if r not in before["resources"]]
    assert added == [{
        "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2026-03-01",
        "name": "[parameters('extraNsgName')]", "location": "[parameters('location')]",
        "tags": {"plinktui-plan": "xe"}, "properties": {"securityRules": []},
        "dependsOn": ["[resourceId('Microsoft.Network/privateEndpoints', parameters('privateEndpointName'))]"]}]
    assert template["parameters"]["extraNsgName"] == {"type": "string", "defaultValue": "nsg-extra-xe"}
    assert {k: v for k, v in template["parameters"].items() if k != "extraNsgName"} == before["parameters"]

    base = f"/subscriptions/{emu.config.subscription_id}/resourceGroups/rg-xe"
    assert (await call(emu, "PUT", base, {"location": "westus2"}, "2025-04-01")).status < 300
    _, got = await deploy(emu, "rg-xe", "xe", template, {"adminPublicKey": {"value": KEY}})
    assert got.body["properties"]["provisioningState"] == "Succeeded", got.body["properties"].get("error")
    nsg = await call(emu, "GET", f"{base}/providers/Microsoft.Network/networkSecurityGroups/nsg-extra-xe", None,
                     "2026-03-01")
    assert nsg.status == 200 and nsg.body["tags"] == {"plinktui-plan": "xe"}


def test_export_refuses_a_created_kind_without_a_template_hook_by_name(tmp_path) -> None:
    plan = plan_mod.load(plan_file(tmp_path))
    with registered(replace(EXTRA, template=None)), pytest.raises(ExportError, match=r"extra NSG \(extra_nsg,"):
        build_template(plan)
    reused = replace(EXTRA, template=None, place=lambda plan, facts, g: Placement("nsg-theirs", mode="reuse"))
    with registered(reused):
        assert "extraNsgName" not in build_template(plan)["parameters"]  # reused: referenced, never declared

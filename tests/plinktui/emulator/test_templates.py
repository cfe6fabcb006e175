"""The template language subset (plinktui.emulator.templates): parsing, functions, planning (pure, no server)."""

from __future__ import annotations

from typing import Any

import pytest

from plinktui.emulator.templates.expressions import Call, Index, Literal, Member, TemplateError, parse
from plinktui.emulator.templates.functions import Scope, expand, run, unique_string
from plinktui.emulator.templates.planner import bind_parameters, check_functions, plan

SUB = "00000000-0000-0000-0000-00000000000a"


def scope(**params: Any) -> Scope:
    refs: dict[str, Any] = {}
    s = Scope(SUB, "tenant-1", "rg-t", "westus2", "dep1", dict(params), {},
              reference=lambda rid, api, full: refs.get(rid, {"seen": rid, "full": full}))
    return s


def test_parse_calls_strings_members_and_indexes() -> None:
    node = parse("[concat('it''s', parameters('a').b[0])]")
    assert isinstance(node, Call) and node.name == "concat"
    assert node.args[0] == Literal("it's")
    inner = node.args[1]
    assert isinstance(inner, Index) and isinstance(inner.target, Member) and inner.target.name == "b"


@pytest.mark.parametrize("bad", ["[concat('a'", "[concat('a')) ]", "[foo(1,)]", "[a b]", "['unterminated]"])
def test_malformed_expressions_are_invalid_template(bad: str) -> None:
    with pytest.raises(TemplateError):
        parse(bad)


def test_escaped_bracket_is_a_literal() -> None:
    assert expand("[[not an expression]", scope()) == "[not an expression]"
    assert expand("plain", scope()) == "plain"


def test_functions_evaluate() -> None:
    s = scope(name="vnet1", n=3, obj={"Inner": {"x": 7}})
    s.variables = {"prefix": "[concat('pre-', parameters('name'))]", "arr": ["a", "b"]}
    assert run("[variables('prefix')]", s) == "pre-vnet1"
    assert run("[format('{0}-{1:D3}', parameters('name'), 7)]", s) == "vnet1-007"
    assert run("[parameters('obj').inner.X]", s) == 7  # member access is case-insensitive
    assert run("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's')]", s) == (
        f"/subscriptions/{SUB}/resourceGroups/rg-t/providers/Microsoft.Network/virtualNetworks/v/subnets/s")
    assert run("[resourceId('other-rg', 'Microsoft.Network/virtualNetworks', 'v')]", s).endswith(
        "/resourceGroups/other-rg/providers/Microsoft.Network/virtualNetworks/v")
    assert run("[resourceGroup().location]", s) == "westus2"
    assert run("[subscription().subscriptionId]", s) == SUB
    assert run("[concat(variables('arr'), createArray('c'))]", s) == ["a", "b", "c"]
    assert run("[if(equals(parameters('n'), 3), 'three', parameters('absent'))]", s) == "three"  # if is lazy
    assert run("[toLower(uniqueString(resourceGroup().id))]", s) == unique_string(f"/subscriptions/{SUB}/resourceGroups/rg-t")
    assert len(run("[uniqueString('a', 'b')]", s)) == 13
    assert run("[reference(resourceId('Microsoft.KeyVault/vaults', 'kv'), '2023-07-01', 'Full')]", s)["full"] is True


def test_unknown_function_is_named() -> None:
    with pytest.raises(TemplateError, match="'listKeys'"):
        run("[listKeys(resourceId('Microsoft.Storage/storageAccounts', 'sa'), '2023-01-01')]", scope())
    with pytest.raises(TemplateError, match="'listKeys'.*'pickZones'|'pickZones'.*'listKeys'"):
        check_functions({"resources": [{"name": "[listKeys('x')]", "location": "[pickZones('a')]"}]})


def test_parameters_bind_defaults_and_refuse_unknown_or_missing() -> None:
    template = {"parameters": {"name": {"type": "string", "defaultValue": "[concat('v-', resourceGroup().name)]"},
                               "sku": {"type": "string", "allowedValues": ["Basic", "Standard"]}}}
    s = scope()
    assert bind_parameters(template, {"sku": {"value": "Standard"}}, s) == {"name": "v-rg-t", "sku": "Standard"}
    with pytest.raises(TemplateError, match="'sku' is not provided"):
        bind_parameters(template, {}, scope())
    with pytest.raises(TemplateError, match="not part of the allowed"):
        bind_parameters(template, {"sku": {"value": "Premium"}}, scope())
    with pytest.raises(TemplateError, match="'extra'"):
        bind_parameters(template, {"sku": {"value": "Basic"}, "extra": {"value": 1}}, scope())


def _res(rtype: str, name: str, **more: Any) -> dict[str, Any]:
    return {"type": rtype, "name": name, "apiVersion": "2024-01-01", **more}


def test_plan_orders_by_depends_on_nested_children_copy_loops_and_references() -> None:
    template = {"resources": [
        _res("Microsoft.Network/privateEndpoints", "pe", dependsOn=["[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's')]"],
             properties={"vault": "[reference('kv').vaultUri]"}),
        _res("Microsoft.KeyVault/vaults", "kv"),
        _res("Microsoft.Network/virtualNetworks", "v", resources=[_res("subnets", "s")]),
        _res("Microsoft.Network/publicIPAddresses", "[concat('pip', copyIndex(1))]", copy={"name": "pips", "count": 3}),
        _res("Microsoft.Network/networkInterfaces", "nic", dependsOn=["pips", "Microsoft.Network/virtualNetworks/v"]),
    ]}
    s = scope()
    order = [p.name for p in plan(template, s)]
    assert order.index("v") < order.index("v/s") < order.index("pe")
    assert order.index("kv") < order.index("pe")  # reference('kv') is an implicit dependency
    assert [n for n in order if n.startswith("pip")] == ["pip1", "pip2", "pip3"]
    assert all(order.index(f"pip{i}") < order.index("nic") for i in (1, 2, 3))
    pe = next(p for p in plan(template, scope()) if p.name == "pe")
    assert pe.id.endswith("/providers/Microsoft.Network/privateEndpoints/pe")


def test_plan_refuses_cycles_and_unknown_dependencies() -> None:
    cyc = {"resources": [_res("Microsoft.Network/virtualNetworks", "a", dependsOn=["b"]),
                         _res("Microsoft.Network/virtualNetworks", "b", dependsOn=["a"])]}
    with pytest.raises(TemplateError, match="Circular dependency"):
        plan(cyc, scope())
    with pytest.raises(TemplateError, match="'nothing' is not defined"):
        plan({"resources": [_res("Microsoft.Network/virtualNetworks", "a", dependsOn=["nothing"])]}, scope())


def test_property_copy_loop_and_condition() -> None:
    s = scope(n=2)
    value = expand({"copy": [{"name": "subnets", "count": "[parameters('n')]",
                              "input": {"name": "[concat('s', copyIndex('subnets'))]"}}]}, s)
    assert value == {"subnets": [{"name": "s0"}, {"name": "s1"}]}
    kept = plan({"resources": [_res("Microsoft.Network/virtualNetworks", "a", condition=False),
                               _res("Microsoft.Network/virtualNetworks", "b", condition="[equals(1, 1)]")]}, scope())
    assert [p.name for p in kept] == ["b"]

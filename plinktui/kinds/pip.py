"""The test VM's public IP (Standard, static)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.armtemplate import param
from plinktui.kinds.base import FreeName, Placement, group_kind, register
from plinktui.kinds.vm import vm_named, vm_parameters

if TYPE_CHECKING:
    from plinktui.armtemplate import TemplateContext
    from plinktui.dag import Facts, Graph, Node
    from plinktui.engine import Context
    from plinktui.plan import Plan


def _place(plan: Plan, facts: Facts, g: Graph) -> Placement | None:
    return Placement(plan.test_vm.pip_name, ("rg",)) if plan.test_vm.enabled else None


SKU = {"name": "Standard"}
PROPERTIES = {"publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4"}


async def _put(c: Context, n: Node) -> Any:
    return await c.gw.network.public_ip_addresses.begin_create_or_update(c.rg, n.name, {
        "location": c.plan.network.region, "tags": c.tags, "sku": dict(SKU), "properties": dict(PROPERTIES)},
        **c.lro_kw)


def _template(t: TemplateContext, n: Node) -> list[dict[str, Any]]:
    vm_parameters(t)
    return [t.resource(n, vm_named("-pip"), location=f"[{param('location')}]", tags=t.tags, sku=dict(SKU),
                       properties=dict(PROPERTIES))]



KIND = register(group_kind(
    key="pip", arm_type="Microsoft.Network/publicIPAddresses", label="public IP", latency=3, rank=90,
    collection="public_ip_addresses", place=_place, put=_put, template=_template,
    free_name=FreeName("test_vm.name", "public IP",
                       lambda plan: plan.test_vm.pip_name if plan.test_vm.enabled else None),
    actions=lambda plan, facts: ("Microsoft.Network/publicIPAddresses/write",
                                 "Microsoft.Network/publicIPAddresses/join/action") if plan.test_vm.enabled else ()))

"""The Standard load balancer in front of the Private Link Service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.armtemplate import param
from plinktui.kinds.base import Placement, group_kind, register

if TYPE_CHECKING:
    from plinktui.armtemplate import TemplateContext
    from plinktui.dag import Facts, Graph, Node
    from plinktui.engine import Context
    from plinktui.plan import Plan


def _place(plan: Plan, facts: Facts, g: Graph) -> Placement | None:
    if not plan.private_link_service.enabled:
        return None
    return Placement(f"lb-{plan.name}", ("rg", "vnet" if plan.network.new_vnet else "pls_subnet"))


def lb_fields(subnet_id: str) -> dict[str, Any]:
    """The load balancer's sku and properties: one dynamic frontend ``fe`` in the PLS subnet, one backend pool."""
    return {"sku": {"name": "Standard", "tier": "Regional"}, "properties": {
        "frontendIPConfigurations": [{"name": "fe", "properties": {
            "subnet": {"id": subnet_id}, "privateIPAllocationMethod": "Dynamic"}}],
        "backendAddressPools": [{"name": "be"}]}}


def pls_subnet_ref(t: TemplateContext) -> str:
    """``[variables('plsSubnetId')]``, declaring it (and the PLS subnet's name parameter)."""
    t.param("plsSubnetName", t.plan.private_link_service.subnet)
    return t.subnet_ref("plsSubnetId", "plsSubnetName")


async def _put(c: Context, n: Node) -> Any:
    return await c.gw.network.load_balancers.begin_create_or_update(c.rg, n.name, {
        "location": c.plan.network.region, "tags": c.tags, **lb_fields(c.pls_subnet_id)}, **c.lro_kw)


def _template(t: TemplateContext, n: Node) -> list[dict[str, Any]]:
    subnet = pls_subnet_ref(t)
    t.param("loadBalancerName", n.name)
    return [t.resource(n, param("loadBalancerName"), location=f"[{param('location')}]", tags=t.tags,
                       **lb_fields(subnet))]



KIND = register(group_kind(
    key="lb", arm_type="Microsoft.Network/loadBalancers", label="Standard LB", latency=5, rank=140,
    collection="load_balancers", place=_place, put=_put, template=_template,
    actions=lambda plan, facts: ("Microsoft.Network/loadBalancers/write",) if plan.private_link_service.enabled else ()))

"""The Standard load balancer in front of the Private Link Service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.kinds.base import Placement, group_kind, register

if TYPE_CHECKING:
    from plinktui.dag import Facts, Graph, Node
    from plinktui.engine import Context
    from plinktui.plan import Plan


def _place(plan: Plan, facts: Facts, g: Graph) -> Placement | None:
    if not plan.private_link_service.enabled:
        return None
    return Placement(f"lb-{plan.name}", ("rg", "vnet" if plan.network.new_vnet else "pls_subnet"))


async def _put(c: Context, n: Node) -> Any:
    return await c.gw.network.load_balancers.begin_create_or_update(c.rg, n.name, {
        "location": c.plan.network.region, "tags": c.tags, "sku": {"name": "Standard", "tier": "Regional"},
        "properties": {"frontendIPConfigurations": [{"name": "fe", "properties": {
            "subnet": {"id": c.pls_subnet_id}, "privateIPAllocationMethod": "Dynamic"}}],
            "backendAddressPools": [{"name": "be"}]}}, **c.lro_kw)



KIND = register(group_kind(
    key="lb", arm_type="Microsoft.Network/loadBalancers", label="Standard LB", latency=5, rank=140,
    collection="load_balancers", place=_place, put=_put,
    actions=lambda plan, facts: ("Microsoft.Network/loadBalancers/write",) if plan.private_link_service.enabled else ()))

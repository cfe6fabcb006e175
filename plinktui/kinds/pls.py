"""The Private Link Service behind the load balancer (visibility and auto-approval as the plan says)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.kinds.base import Placement, group_kind, register

if TYPE_CHECKING:
    from plinktui.dag import Facts, Graph, Node
    from plinktui.engine import Context
    from plinktui.plan import Plan


def _place(plan: Plan, facts: Facts, g: Graph) -> Placement | None:
    return Placement(f"pls-{plan.name}", ("lb",)) if plan.private_link_service.enabled else None


async def _put(c: Context, n: Node) -> Any:
    spec = c.plan.private_link_service
    body: dict[str, Any] = {"location": c.plan.network.region, "tags": c.tags, "properties": {
        "loadBalancerFrontendIpConfigurations": [
            {"id": c.rid("Microsoft.Network/loadBalancers", f"lb-{c.plan.name}") + "/frontendIPConfigurations/fe"}],
        "ipConfigurations": [{"name": "nat", "properties": {
            "subnet": {"id": c.pls_subnet_id}, "privateIPAllocationMethod": "Dynamic", "primary": True}}]}}
    if spec.visibility:
        body["properties"]["visibility"] = {"subscriptions": spec.visibility}
    if spec.auto_approval:
        body["properties"]["autoApproval"] = {"subscriptions": spec.auto_approval}
    return await c.gw.network.private_link_services.begin_create_or_update(c.rg, n.name, body, **c.lro_kw)



KIND = register(group_kind(
    key="pls", arm_type="Microsoft.Network/privateLinkServices", label="Private Link Service", latency=30, rank=150,
    collection="private_link_services", place=_place, put=_put,
    actions=lambda plan, facts: ("Microsoft.Network/privateLinkServices/write",) if plan.private_link_service.enabled else ()))

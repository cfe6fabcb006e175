"""The Private Link Service behind the load balancer (visibility and auto-approval as the plan says)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.armtemplate import param, resource_id
from plinktui.kinds.base import Placement, group_kind, register
from plinktui.kinds.lb import pls_subnet_ref

if TYPE_CHECKING:
    from plinktui.armtemplate import TemplateContext
    from plinktui.dag import Facts, Graph, Node
    from plinktui.engine import Context
    from plinktui.plan import Plan


def _place(plan: Plan, facts: Facts, g: Graph) -> Placement | None:
    return Placement(f"pls-{plan.name}", ("lb",)) if plan.private_link_service.enabled else None


def pls_properties(plan: Plan, frontend_id: str, subnet_id: str) -> dict[str, Any]:
    """The service's properties: the load balancer frontend, one NAT IP in the PLS subnet, visibility and
    auto-approval as the plan says."""
    spec = plan.private_link_service
    out: dict[str, Any] = {
        "loadBalancerFrontendIpConfigurations": [{"id": frontend_id}],
        "ipConfigurations": [{"name": "nat", "properties": {
            "subnet": {"id": subnet_id}, "privateIPAllocationMethod": "Dynamic", "primary": True}}]}
    if spec.visibility:
        out["visibility"] = {"subscriptions": list(spec.visibility)}
    if spec.auto_approval:
        out["autoApproval"] = {"subscriptions": list(spec.auto_approval)}
    return out


async def _put(c: Context, n: Node) -> Any:
    frontend = c.rid("Microsoft.Network/loadBalancers", f"lb-{c.plan.name}") + "/frontendIPConfigurations/fe"
    body = {"location": c.plan.network.region, "tags": c.tags,
            "properties": pls_properties(c.plan, frontend, c.pls_subnet_id)}
    return await c.gw.network.private_link_services.begin_create_or_update(c.rg, n.name, body, **c.lro_kw)


def _template(t: TemplateContext, n: Node) -> list[dict[str, Any]]:
    subnet = pls_subnet_ref(t)
    t.param("privateLinkServiceName", n.name)
    frontend = resource_id("Microsoft.Network/loadBalancers/frontendIPConfigurations", param("loadBalancerName"),
                           "'fe'")
    return [t.resource(n, param("privateLinkServiceName"), location=f"[{param('location')}]", tags=t.tags,
                       properties=pls_properties(t.plan, f"[{frontend}]", subnet))]



KIND = register(group_kind(
    key="pls", arm_type="Microsoft.Network/privateLinkServices", label="Private Link Service", latency=30, rank=150,
    collection="private_link_services", place=_place, put=_put, template=_template,
    actions=lambda plan, facts: ("Microsoft.Network/privateLinkServices/write",) if plan.private_link_service.enabled else ()))

"""The virtual network: created with its subnet(s) inline when new (one LRO), else an existing one reused."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.armtemplate import param
from plinktui.kinds.base import Kind, Placement, register, wait_lro
from plinktui.kinds.subnet import refuse_vnet_elsewhere

if TYPE_CHECKING:
    from plinktui.armtemplate import TemplateContext
    from plinktui.dag import Facts, Graph, Node
    from plinktui.engine import Context
    from plinktui.plan import Plan


def inline_pls_subnet(plan: Plan) -> bool:
    """The Private Link Service's subnet is created inside the VNet's PUT."""
    return plan.private_link_service.enabled and bool(plan.private_link_service.subnet_prefix)


def vnet_properties(plan: Plan, address_space: Any, subnet: tuple[Any, Any], pls_subnet: tuple[Any, Any]) -> dict[str, Any]:
    """The VNet's properties: its address space and, inline, the endpoint subnet and (with a Private Link Service)
    the service's subnet, each given as (name, prefix)."""
    subnets = [{"name": subnet[0], "properties": {
        "addressPrefix": subnet[1], "privateEndpointNetworkPolicies": plan.network.private_endpoint_network_policies}}]
    if inline_pls_subnet(plan):
        subnets.append({"name": pls_subnet[0], "properties": {
            "addressPrefix": pls_subnet[1], "privateLinkServiceNetworkPolicies": "Disabled"}})
    return {"addressSpace": {"addressPrefixes": address_space}, "subnets": subnets}


def vnet_body(ctx: Context) -> dict[str, Any]:
    """VNet with its subnet(s) inline (one LRO when both are new)."""
    net, pls = ctx.plan.network, ctx.plan.private_link_service
    return {"location": net.region, "tags": ctx.tags, "properties": vnet_properties(
        ctx.plan, list(net.address_space), (net.subnet, net.subnet_prefix), (pls.subnet, pls.subnet_prefix))}


def _place(plan: Plan, facts: Facts, g: Graph) -> Placement:
    net = plan.network
    return Placement(net.vnet_name, ("rg",)) if net.new_vnet else Placement(net.vnet_name, mode="reuse")


async def _get(c: Context, n: Node) -> Any:
    sub, rg = c.vnet_scope
    return await c.gw.at(sub).network.virtual_networks.get(rg, c.plan.network.vnet_name)


async def _put(c: Context, n: Node) -> Any:
    return await c.gw.network.virtual_networks.begin_create_or_update(c.rg, n.name, vnet_body(c), **c.lro_kw)


async def _delete(c: Context, n: Node) -> None:
    await wait_lro(c, await c.gw.network.virtual_networks.begin_delete(c.rg, n.name, **c.lro_kw))


def _template(t: TemplateContext, n: Node) -> list[dict[str, Any]]:
    refuse_vnet_elsewhere(t)
    net, pls = t.plan.network, t.plan.private_link_service
    prefixes = t.param("vnetAddressPrefixes", list(net.address_space), type="array")
    subnet = (f"[{param('subnetName')}]", f"[{t.param('subnetPrefix', net.subnet_prefix)}]")
    pls_subnet = ("", "")
    if inline_pls_subnet(t.plan):
        pls_subnet = (f"[{t.param('plsSubnetName', pls.subnet)}]", f"[{t.param('plsSubnetPrefix', pls.subnet_prefix)}]")
    return [t.resource(n, param("vnetName"), rid=t.vnet_id, location=f"[{param('location')}]", tags=t.tags,
                       properties=vnet_properties(t.plan, f"[{prefixes}]", subnet, pls_subnet))]


KIND = register(Kind(
    key="vnet", arm_type="Microsoft.Network/virtualNetworks", label="virtual network", latency=4, rank=10,
    place=_place, get=_get, put=_put, rid=lambda c, n: c.vnet_id, delete=_delete, scope=lambda c: c.vnet_scope,
    template=_template, actions=lambda plan, facts: ("Microsoft.Network/virtualNetworks/read", "Microsoft.Network/virtualNetworks/join/action")
        + (("Microsoft.Network/virtualNetworks/write",) if plan.network.new_vnet else ())))

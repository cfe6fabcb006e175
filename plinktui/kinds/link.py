"""The zone's link to the VNet (an existing link from the zone to this VNet is reused under its own name).

In a hub-and-spoke whose VNet resolves through a peered hub's resolver, the link goes to the hub VNet (the node's
``target``); without permission on the hub the plan has no link node and the run ends with the command for the hub's
owner (``Facts.hub_link_command``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.armtemplate import param
from plinktui.kinds.base import Kind, Placement, register, wait_lro
from plinktui.kinds.zone import keep_zone_or_link, refuse_zone_elsewhere

if TYPE_CHECKING:
    from plinktui.armtemplate import TemplateContext
    from plinktui.dag import Facts, Graph, Node
    from plinktui.engine import Context
    from plinktui.plan import Plan


def hub_blocked(facts: Facts) -> bool:
    """The zone must be linked to a hub the caller may not write to: no link node; the hub's owner links it."""
    return bool(facts.hub_link_command) and not facts.existing_link


def _place(plan: Plan, facts: Facts, g: Graph) -> Placement | None:
    if facts.existing_link:
        return Placement(facts.existing_link, mode="reuse")
    if hub_blocked(facts):
        return None
    return Placement(plan.dns.link_name, ("zone", "vnet"), target=facts.dns_hub_vnet_id)


async def _get(c: Context, n: Node) -> Any:
    return await c.dns.virtual_network_links.get(c.zone_scope[1], c.plan.dns.zone, n.name)


async def _put(c: Context, n: Node) -> Any:
    return await c.dns.virtual_network_links.begin_create_or_update(
        c.zone_scope[1], c.plan.dns.zone, n.name, {"location": "global", "tags": c.tags, "properties": {
            "virtualNetwork": {"id": n.target or c.vnet_id}, "registrationEnabled": False}}, **c.lro_kw)


async def _delete(c: Context, n: Node) -> None:
    await wait_lro(c, await c.dns.virtual_network_links.begin_delete(c.zone_scope[1], c.plan.dns.zone, n.name,
                                                                     **c.lro_kw))


def _template(t: TemplateContext, n: Node) -> list[dict[str, Any]]:
    refuse_zone_elsewhere(t)
    t.param("vnetLinkName", t.plan.dns.link_name)
    return [t.resource(n, param("privateDnsZoneName"), param("vnetLinkName"), location="global", tags=t.tags,
                       properties={"virtualNetwork": {"id": f"[{t.vnet_id}]"}, "registrationEnabled": False})]


KIND = register(Kind(
    key="link", arm_type="Microsoft.Network/privateDnsZones/virtualNetworkLinks", label="VNet link", latency=30,
    rank=50, place=_place, get=_get, put=_put, rid=lambda c, n: f"{c.zone_id}/virtualNetworkLinks/{n.name}",
    delete=_delete, scope=lambda c: c.zone_scope, keep=keep_zone_or_link, template=_template,
    actions=lambda plan, facts: ("Microsoft.Network/privateDnsZones/virtualNetworkLinks/write",)))

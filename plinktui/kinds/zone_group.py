"""The endpoint's DNS zone group (an untaggable child: ours by proof, or as a child of the run's own endpoint)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.armtemplate import param
from plinktui.kinds.base import TAG_RUN, Kind, Placement, as_json, is_not_found, register, wait_lro

if TYPE_CHECKING:
    from plinktui.armtemplate import TemplateContext
    from plinktui.dag import Facts, Graph, Node
    from plinktui.engine import Context
    from plinktui.plan import Plan

ZONE_GROUP_NAME = "default"


def _place(plan: Plan, facts: Facts, g: Graph) -> Placement:
    return Placement(ZONE_GROUP_NAME, ("pe", "zone"))


async def _get(c: Context, n: Node) -> Any:
    return await c.gw.network.private_dns_zone_groups.get(c.rg, c.plan.private_endpoint.name, n.name)


async def _put(c: Context, n: Node) -> Any:
    return await c.gw.network.private_dns_zone_groups.begin_create_or_update(
        c.rg, c.plan.private_endpoint.name, n.name, {"properties": {"privateDnsZoneConfigs": [
            {"name": c.plan.dns.zone.replace(".", "-"), "properties": {"privateDnsZoneId": c.zone_id}}]}}, **c.lro_kw)


async def _delete(c: Context, n: Node) -> None:
    await wait_lro(c, await c.gw.network.private_dns_zone_groups.begin_delete(
        c.rg, c.plan.private_endpoint.name, n.name, **c.lro_kw))


def _owner(c: Context, n: Node, cur: dict[str, Any]) -> str | None:
    if c.journal.proven_owned(n.key):
        return c.run_id
    pe = c.journal.resources.get("pe", {})
    if pe.get("owned") and pe.get("status") == "succeeded":
        return c.run_id  # a child of the endpoint this run created (its tag was checked moments ago)
    return None


async def _keep(c: Context, n: Node, entry: dict[str, Any], cur: dict[str, Any]) -> str | None:
    try:
        pe = as_json(await c.gw.network.private_endpoints.get(c.rg, c.plan.private_endpoint.name))
    except Exception as exc:  # noqa: BLE001
        if is_not_found(exc):
            return None  # gone with its endpoint
        raise
    if (pe.get("tags") or {}).get(TAG_RUN) != c.run_id:
        return "its private endpoint's tag does not name this run"
    return None


def _template(t: TemplateContext, n: Node) -> list[dict[str, Any]]:
    zone_id = t.variable("privateDnsZoneId", f"[{t.zone_id}]")
    return [t.resource(n, param("privateEndpointName"), repr(ZONE_GROUP_NAME), properties={"privateDnsZoneConfigs": [
        {"name": t.plan.dns.zone.replace(".", "-"), "properties": {"privateDnsZoneId": zone_id}}]})]


KIND = register(Kind(
    key="zone_group", arm_type="Microsoft.Network/privateEndpoints/privateDnsZoneGroups", label="DNS zone group",
    latency=5, rank=70, place=_place, get=_get, put=_put,
    rid=lambda c, n: c.rid("Microsoft.Network/privateEndpoints", c.plan.private_endpoint.name)
    + f"/privateDnsZoneGroups/{n.name}", delete=_delete, taggable=False, owner=_owner, keep=_keep, template=_template,
    actions=lambda plan, facts: ("Microsoft.Network/privateEndpoints/privateDnsZoneGroups/write",)))

"""The private DNS zone: found, named by ``dns.zone_id``, or created (possibly in another resource group)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.armtemplate import param
from plinktui.kinds.base import Kind, Placement, as_json, is_not_found, keep_unless_tagged, register, wait_lro

if TYPE_CHECKING:
    from plinktui.armtemplate import TemplateContext
    from plinktui.dag import Facts, Graph, Node
    from plinktui.engine import Context
    from plinktui.plan import Plan


def _place(plan: Plan, facts: Facts, g: Graph) -> Placement:
    deps = ("rg",) if plan.zone_resource_group == plan.resource_group and not plan.dns.zone_id else ()
    reuse = (facts.zone_exists and plan.dns.create_zone != "always") or plan.dns.create_zone == "never" or \
        plan.dns.zone_id
    return Placement(plan.dns.zone, mode="reuse") if reuse else Placement(plan.dns.zone, deps)


async def why_keep_zone(ctx: Context) -> str | None:
    """For this run's own zone or link: why to keep it when other names now rely on it (else None).

    Another run (or a person) may have found this zone linked to the VNet and pointed its endpoint at it; deleting
    the zone, or its link, would silently send that endpoint's name back to the public address.
    """
    sub, rg = ctx.zone_scope
    try:
        others = [as_json(r) async for r in ctx.dns.record_sets.list(rg, ctx.plan.dns.zone)]
    except Exception as exc:  # noqa: BLE001
        if is_not_found(exc):
            return None
        raise
    mine = ctx.plan.vault.vault_name.lower()
    names = sorted({str(r.get("name")) for r in others
                    if not str(r.get("type", "")).lower().endswith("/soa") and str(r.get("name", "")).lower()
                    not in ("@", mine)})
    if names:
        return (f"the zone holds {len(names)} record(s) this run did not put there ({', '.join(names[:3])}); "
                "left so they keep resolving")
    return None


async def keep_zone_or_link(c: Context, n: Node, entry: dict[str, Any], cur: dict[str, Any]) -> str | None:
    """Teardown's rule for the zone and its link: tagged with this run, and no one else's records in the zone."""
    return await keep_unless_tagged(c, n, entry, cur) or await why_keep_zone(c)


async def _get(c: Context, n: Node) -> Any:
    return await c.dns.private_zones.get(c.zone_scope[1], c.plan.dns.zone)


async def _put(c: Context, n: Node) -> Any:
    return await c.dns.private_zones.begin_create_or_update(
        c.zone_scope[1], c.plan.dns.zone, {"location": "global", "tags": c.tags}, **c.lro_kw)


async def _delete(c: Context, n: Node) -> None:
    await wait_lro(c, await c.dns.private_zones.begin_delete(c.zone_scope[1], c.plan.dns.zone, **c.lro_kw))


def refuse_zone_elsewhere(t: TemplateContext) -> None:
    """A template cannot declare the zone (or its link) in another resource group than the plan's."""
    zrg, rg = t.plan.zone_resource_group, t.plan.resource_group
    t.refuse_outside(zrg, f"the plan's DNS zone lives in resource group {zrg!r}, not {rg!r}: a resource-group-scope "
                          "template declares resources in one group. Create the zone and its link there first (or "
                          "set dns.zone_resource_group to the plan's group), then export again.")


def _template(t: TemplateContext, n: Node) -> list[dict[str, Any]]:
    refuse_zone_elsewhere(t)
    return [t.resource(n, param("privateDnsZoneName"), rid=t.zone_id, location="global", tags=t.tags)]


KIND = register(Kind(
    key="zone", arm_type="Microsoft.Network/privateDnsZones", label="private DNS zone", latency=30, rank=40,
    place=_place, get=_get, put=_put, rid=lambda c, n: c.zone_id, delete=_delete, scope=lambda c: c.zone_scope,
    keep=keep_zone_or_link, template=_template,
    actions=lambda plan, facts: ("Microsoft.Network/privateDnsZones/join/action", "Microsoft.Network/privateDnsZones/read")
        + (("Microsoft.Network/privateDnsZones/write",) if plan.dns.create_zone != "never" else ())))

"""The run's resource group: created when missing; an existing one is used as it is (never adopted)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.events import ErrorClass, NodeError
from plinktui.kinds.base import Kind, Placement, as_json, keep_unless_tagged, register, wait_lro

if TYPE_CHECKING:
    from plinktui.armtemplate import TemplateContext
    from plinktui.dag import Facts, Graph, Node
    from plinktui.engine import Context
    from plinktui.plan import Plan


def _place(plan: Plan, facts: Facts, g: Graph) -> Placement:
    return Placement(plan.resource_group)


async def _get(c: Context, n: Node) -> Any:
    return await c.gw.resources.resource_groups.get(c.rg)


async def _put(c: Context, n: Node) -> Any:
    return await c.gw.resources.resource_groups.create_or_update(c.rg, {"location": c.plan.network.region, "tags": c.tags})


async def _leftovers(c: Context) -> list[str]:
    return [as_json(r).get("name", "?") async for r in c.gw.resources.resources.list_by_resource_group(c.rg)]


async def _keep(c: Context, n: Node, entry: dict[str, Any], cur: dict[str, Any]) -> str | None:
    why = await keep_unless_tagged(c, n, entry, cur)
    if why is None:
        left = await _leftovers(c)
        if left:
            why = f"it still holds {len(left)} resource(s) this run did not create or kept ({', '.join(left[:3])})"
    return why


async def _delete(c: Context, n: Node) -> None:
    left = await _leftovers(c)
    if left:
        raise NodeError(f"resource group {c.rg} still holds {len(left)} resource(s) plinktui did not create "
                        f"({', '.join(left[:3])}); left in place", ErrorClass.USER,
                        "delete them yourself, then: az group delete --name " + c.rg)
    await wait_lro(c, await c.gw.resources.resource_groups.begin_delete(c.rg, **c.lro_kw))


def _template(t: TemplateContext, n: Node) -> list[dict[str, Any]]:
    """Nothing: a resource-group-scope template is deployed into the group (``az deployment group create -g``)."""
    return []


KIND = register(Kind(
    key="rg", arm_type="Microsoft.Resources/resourceGroups", label="resource group", latency=0, rank=0,
    place=_place, get=_get, put=_put, rid=lambda c, n: f"/subscriptions/{c.sub}/resourceGroups/{c.rg}",
    delete=_delete, keep=_keep, foreign_reused=True, template=_template,
    actions=lambda plan, facts: ("Microsoft.Resources/subscriptions/resourceGroups/read",)
        + (() if facts.rg_exists else ("Microsoft.Resources/subscriptions/resourceGroups/write",))))

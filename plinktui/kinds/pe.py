"""The private endpoint to the vault (automatic or manual approval, optional static IP and NIC name)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.armtemplate import param
from plinktui.kinds.base import FreeName, Placement, group_kind, register, subnet_key
from plinktui.kinds.vault import VAULT_CONN_GROUP, vault_member_name

if TYPE_CHECKING:
    from plinktui.armtemplate import TemplateContext
    from plinktui.dag import Facts, Graph, Node
    from plinktui.engine import Context
    from plinktui.plan import Plan


TEMPLATE_MEMBER = "default"
"""A vault's private link resource lists one required member, ``default`` (its privateLinkResources answer); a
template cannot ask, so an exported static IP names it."""


def endpoint_properties(plan: Plan, name: str, vault_id: str, subnet_id: str, request: str,
                        member: str | None) -> dict[str, Any]:
    """The endpoint's properties: one connection to the vault (``request`` when approval is manual), its subnet,
    its NIC name, and the static IP for ``member`` when the plan gives one."""
    pe = plan.private_endpoint
    conn: dict[str, Any] = {"name": name, "properties": {"privateLinkServiceId": vault_id,
                                                         "groupIds": [VAULT_CONN_GROUP]}}
    if pe.manual_approval:
        conn["properties"]["requestMessage"] = request
    out: dict[str, Any] = {
        "subnet": {"id": subnet_id},
        ("manualPrivateLinkServiceConnections" if pe.manual_approval else "privateLinkServiceConnections"): [conn]}
    if pe.nic_name:
        out["customNetworkInterfaceName"] = pe.nic_name
    if pe.static_ip:
        out["ipConfigurations"] = [{"name": "ipconfig-vault", "properties": {
            "groupId": VAULT_CONN_GROUP, "memberName": member, "privateIPAddress": pe.static_ip}}]
    return out


async def pe_body(ctx: Context) -> dict[str, Any]:
    """The endpoint's PUT body."""
    pe = ctx.plan.private_endpoint
    member = await vault_member_name(ctx) if pe.static_ip else None
    return {"location": ctx.plan.network.region, "tags": ctx.tags, "properties": endpoint_properties(
        ctx.plan, pe.name, ctx.vault_id, ctx.subnet_id, f"plinktui run {ctx.run_id} asks for access", member)}


def _place(plan: Plan, facts: Facts, g: Graph) -> Placement:
    return Placement(plan.private_endpoint.name, ("rg", subnet_key(plan), "vault"))


async def _put(c: Context, n: Node) -> Any:
    return await c.gw.network.private_endpoints.begin_create_or_update(c.rg, n.name, await pe_body(c), **c.lro_kw)



def _template(t: TemplateContext, n: Node) -> list[dict[str, Any]]:
    subnet = t.subnet_ref()
    vault = t.variable("vaultId", f"[{t.vault_id}]")
    name = f"[{param('privateEndpointName')}]"
    return [t.resource(n, param("privateEndpointName"), location=f"[{param('location')}]", tags=t.tags,
                       properties=endpoint_properties(t.plan, name, vault, subnet,
                                                      f"plinktui plan {t.plan.name} asks for access",
                                                      TEMPLATE_MEMBER))]


KIND = register(group_kind(
    key="pe", arm_type="Microsoft.Network/privateEndpoints", label="private endpoint", latency=60, rank=60,
    collection="private_endpoints", place=_place, put=_put, template=_template,
    free_name=FreeName("private_endpoint.name", "private endpoint", lambda plan: plan.private_endpoint.name,
                       absent_too=("zone_group",)),
    actions=lambda plan, facts: ("Microsoft.Network/privateEndpoints/write", "Microsoft.Network/privateEndpoints/read")))

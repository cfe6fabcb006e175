"""The private endpoint to the vault (automatic or manual approval, optional static IP and NIC name)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.kinds.base import Placement, group_kind, register, subnet_key
from plinktui.kinds.vault import VAULT_CONN_GROUP, vault_member_name

if TYPE_CHECKING:
    from plinktui.dag import Facts, Graph, Node
    from plinktui.engine import Context
    from plinktui.plan import Plan


async def pe_body(ctx: Context) -> dict[str, Any]:
    """The endpoint's PUT body."""
    pe = ctx.plan.private_endpoint
    conn: dict[str, Any] = {"name": pe.name, "properties": {"privateLinkServiceId": ctx.vault_id,
                                                            "groupIds": [VAULT_CONN_GROUP]}}
    if pe.manual_approval:
        conn["properties"]["requestMessage"] = f"plinktui run {ctx.run_id} asks for access"
    body: dict[str, Any] = {"location": ctx.plan.network.region, "tags": ctx.tags, "properties": {
        "subnet": {"id": ctx.subnet_id},
        ("manualPrivateLinkServiceConnections" if pe.manual_approval else "privateLinkServiceConnections"): [conn]}}
    if pe.nic_name:
        body["properties"]["customNetworkInterfaceName"] = pe.nic_name
    if pe.static_ip:
        member = await vault_member_name(ctx)
        body["properties"]["ipConfigurations"] = [{"name": "ipconfig-vault", "properties": {
            "groupId": VAULT_CONN_GROUP, "memberName": member, "privateIPAddress": pe.static_ip}}]
    return body


def _place(plan: Plan, facts: Facts, g: Graph) -> Placement:
    return Placement(plan.private_endpoint.name, ("rg", subnet_key(plan), "vault"))


async def _put(c: Context, n: Node) -> Any:
    return await c.gw.network.private_endpoints.begin_create_or_update(c.rg, n.name, await pe_body(c), **c.lro_kw)



KIND = register(group_kind(
    key="pe", arm_type="Microsoft.Network/privateEndpoints", label="private endpoint", latency=60, rank=60,
    collection="private_endpoints", place=_place, put=_put,
    actions=lambda plan, facts: ("Microsoft.Network/privateEndpoints/write", "Microsoft.Network/privateEndpoints/read")))

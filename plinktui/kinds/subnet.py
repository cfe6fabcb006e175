"""The endpoint subnet, when the VNet exists and the subnet does not (an untaggable child: ownership by proof)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from plinktui.armtemplate import param
from plinktui.kinds.base import Kind, Placement, props, register, wait_lro

if TYPE_CHECKING:
    from plinktui.armtemplate import TemplateContext
    from plinktui.dag import Facts, Graph, Node
    from plinktui.engine import Context
    from plinktui.plan import Plan

# What a subnet can hold that a run did not put there (any of them keeps it from being deleted).
SUBNET_USERS = ("ipConfigurations", "privateEndpoints", "serviceAssociationLinks", "resourceNavigationLinks",
                "ipConfigurationProfiles", "applicationGatewayIPConfigurations")


def _place(plan: Plan, facts: Facts, g: Graph) -> Placement | None:
    net = plan.network
    if net.new_vnet:
        return None  # created inline in the VNet PUT
    if facts.subnet_exists or not net.new_subnet:
        return Placement(net.subnet, mode="reuse")  # someone else's subnet: used, never owned
    return Placement(net.subnet, ("vnet",))


async def get_subnet(c: Context, n: Node) -> Any:
    """GET a subnet of the plan's VNet (in the VNet's subscription and resource group)."""
    return await c.vnet_net.subnets.get(c.vnet_scope[1], c.plan.network.vnet_name, n.name)


async def put_subnet(c: Context, n: Node, properties: dict[str, Any]) -> Any:
    """PUT a subnet of the plan's VNet."""
    return await c.vnet_net.subnets.begin_create_or_update(c.vnet_scope[1], c.plan.network.vnet_name, n.name,
                                                           {"properties": properties}, **c.lro_kw)


async def delete_subnet(c: Context, n: Node) -> None:
    """DELETE a subnet of the plan's VNet and wait for it."""
    await wait_lro(c, await c.vnet_net.subnets.begin_delete(c.vnet_scope[1], c.plan.network.vnet_name, n.name,
                                                            **c.lro_kw))


def proof_owner(c: Context, n: Node, cur: dict[str, Any]) -> str | None:
    """An untaggable child is this run's only when the journal's write-ahead proof says so."""
    return c.run_id if c.journal.proven_owned(n.key) else None


def keep_subnet(prefix: Any) -> Any:
    """Teardown's rule for a subnet whose planned prefix ``prefix(ctx)`` gives: proof, same id, same prefix, empty."""

    async def keep(c: Context, n: Node, entry: dict[str, Any], cur: dict[str, Any]) -> str | None:
        if not c.journal.proven_owned(n.key) or not entry.get("owned"):
            return "the journal holds no proof that this run created it (absent before this run's PUT, PUT accepted)"
        if (cur.get("id") or "").lower() != (entry.get("id") or "").lower():
            return "it is not the subnet this run created (another id)"
        want = prefix(c)
        have = props(cur).get("addressPrefix") or (props(cur).get("addressPrefixes") or [None])[0]
        if not want or have != want:
            return f"its prefix {have} is not the {want} this run created"
        users = [u.get("id", "?") for k in SUBNET_USERS for u in props(cur).get(k) or []]
        if users:
            shown = ", ".join(re.sub(r"/(ipConfigurations|frontendIPConfigurations)/[^/]+$", "", str(u), flags=re.I)
                              .rsplit("/", 1)[-1] for u in users[:3])
            return f"it still holds {len(users)} thing(s) this run did not put there ({shown})"
        return None

    return keep


async def _put(c: Context, n: Node) -> Any:
    return await put_subnet(c, n, {"addressPrefix": c.plan.network.subnet_prefix,
                                   "privateEndpointNetworkPolicies": c.plan.network.private_endpoint_network_policies})


def refuse_vnet_elsewhere(t: TemplateContext) -> None:
    """A template cannot add a subnet to a VNet in another resource group than the plan's."""
    vnet_rg, rg = t.plan.network.vnet_scope("", t.plan.resource_group)[1], t.plan.resource_group
    t.refuse_outside(vnet_rg, f"the plan adds a subnet to a VNet in resource group {vnet_rg!r}, not {rg!r}: create "
                              "the subnet there first and name it in the plan without a prefix, then export again.")


def subnet_template(t: TemplateContext, n: Node, name_param: str, prefix_param: str, policies: dict[str, str],
                    rid: str | None = None) -> list[dict[str, Any]]:
    """A subnet added to the plan's (existing) VNet, named and sized by parameters."""
    refuse_vnet_elsewhere(t)
    return [t.resource(n, param("vnetName"), param(name_param), rid=rid,
                       properties={"addressPrefix": f"[{param(prefix_param)}]", **policies})]


def _template(t: TemplateContext, n: Node) -> list[dict[str, Any]]:
    t.param("subnetPrefix", t.plan.network.subnet_prefix)
    return subnet_template(t, n, "subnetName", "subnetPrefix", {
        "privateEndpointNetworkPolicies": t.plan.network.private_endpoint_network_policies}, rid=t.subnet_id())


KIND = register(Kind(
    key="subnet", arm_type="Microsoft.Network/virtualNetworks/subnets", label="subnet", latency=3, rank=20,
    place=_place, get=get_subnet, put=_put, rid=lambda c, n: c.subnet_id, delete=delete_subnet,
    scope=lambda c: c.vnet_scope, taggable=False, owner=proof_owner,
    keep=keep_subnet(lambda c: c.plan.network.subnet_prefix), template=_template,
    actions=lambda plan, facts: ("Microsoft.Network/virtualNetworks/subnets/join/action",) + (
        ("Microsoft.Network/virtualNetworks/subnets/write",) if not plan.network.new_vnet and plan.network.new_subnet
        else ())))

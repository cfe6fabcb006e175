"""The Private Link Service's subnet, when the VNet exists (an untaggable child: ownership by proof)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.kinds.base import Kind, Placement, register
from plinktui.kinds.subnet import delete_subnet, get_subnet, keep_subnet, proof_owner, put_subnet, subnet_template

if TYPE_CHECKING:
    from plinktui.armtemplate import TemplateContext
    from plinktui.dag import Facts, Graph, Node
    from plinktui.engine import Context
    from plinktui.plan import Plan


def _place(plan: Plan, facts: Facts, g: Graph) -> Placement | None:
    if not plan.private_link_service.enabled or plan.network.new_vnet:
        return None  # no service, or its subnet is created inline with the VNet
    if facts.pls_subnet_exists:
        return Placement(plan.private_link_service.subnet, mode="reuse")
    deps = ("vnet",) + (("subnet",) if "subnet" in g and g["subnet"].mode == "create" else ())
    return Placement(plan.private_link_service.subnet, deps)


async def _put(c: Context, n: Node) -> Any:
    return await put_subnet(c, n, {"addressPrefix": c.plan.private_link_service.subnet_prefix,
                                   "privateLinkServiceNetworkPolicies": "Disabled"})


def _template(t: TemplateContext, n: Node) -> list[dict[str, Any]]:
    spec = t.plan.private_link_service
    t.param("plsSubnetName", spec.subnet)
    t.param("plsSubnetPrefix", spec.subnet_prefix)
    return subnet_template(t, n, "plsSubnetName", "plsSubnetPrefix", {"privateLinkServiceNetworkPolicies": "Disabled"})


KIND = register(Kind(
    key="pls_subnet", arm_type="Microsoft.Network/virtualNetworks/subnets", label="subnet (PLS)", latency=3, rank=130,
    place=_place, get=get_subnet, put=_put, rid=lambda c, n: c.pls_subnet_id, delete=delete_subnet,
    scope=lambda c: c.vnet_scope, taggable=False, owner=proof_owner,
    keep=keep_subnet(lambda c: c.plan.private_link_service.subnet_prefix), template=_template))

"""The test VM's NIC, in the endpoint subnet, with the NSG and the public IP."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.armtemplate import param, resource_id
from plinktui.kinds.base import FreeName, Placement, group_kind, register, subnet_key
from plinktui.kinds.vm import vm_named, vm_parameters

if TYPE_CHECKING:
    from plinktui.armtemplate import TemplateContext
    from plinktui.dag import Facts, Graph, Node
    from plinktui.engine import Context
    from plinktui.plan import Plan


def _place(plan: Plan, facts: Facts, g: Graph) -> Placement | None:
    return Placement(plan.test_vm.nic_name, (subnet_key(plan), "nsg", "pip")) if plan.test_vm.enabled else None


NSG = "Microsoft.Network/networkSecurityGroups"
PIP = "Microsoft.Network/publicIPAddresses"


def nic_properties(nsg_id: str, subnet_id: str, pip_id: str) -> dict[str, Any]:
    """The NIC's properties: the NSG, one dynamic IP configuration in the subnet with the public IP."""
    return {"networkSecurityGroup": {"id": nsg_id}, "ipConfigurations": [{"name": "ipconfig1", "properties": {
        "subnet": {"id": subnet_id}, "privateIPAllocationMethod": "Dynamic", "primary": True,
        "publicIPAddress": {"id": pip_id}}}]}


async def _put(c: Context, n: Node) -> Any:
    vm = c.plan.test_vm
    return await c.gw.network.network_interfaces.begin_create_or_update(c.rg, n.name, {
        "location": c.plan.network.region, "tags": c.tags,
        "properties": nic_properties(c.rid(NSG, vm.nsg_name), c.subnet_id, c.rid(PIP, vm.pip_name))}, **c.lro_kw)


def _template(t: TemplateContext, n: Node) -> list[dict[str, Any]]:
    vm_parameters(t)
    return [t.resource(n, vm_named("-nic"), location=f"[{param('location')}]", tags=t.tags, properties=nic_properties(
        f"[{resource_id(NSG, vm_named('-nsg'))}]", t.subnet_ref(), f"[{resource_id(PIP, vm_named('-pip'))}]"))]



KIND = register(group_kind(
    key="nic", arm_type="Microsoft.Network/networkInterfaces", label="NIC", latency=2, rank=100,
    collection="network_interfaces", place=_place, put=_put, template=_template,
    free_name=FreeName("test_vm.name", "NIC", lambda plan: plan.test_vm.nic_name if plan.test_vm.enabled else None),
    actions=lambda plan, facts: ("Microsoft.Network/networkInterfaces/write",
                                 "Microsoft.Network/networkInterfaces/join/action") if plan.test_vm.enabled else ()))

"""The test VM's network security group: SSH only from the address the plan gives."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.armtemplate import param
from plinktui.kinds.base import FreeName, Placement, group_kind, register
from plinktui.kinds.vm import vm_named, vm_parameters

if TYPE_CHECKING:
    from plinktui.armtemplate import TemplateContext
    from plinktui.dag import Facts, Graph, Node
    from plinktui.engine import Context
    from plinktui.plan import Plan


def _place(plan: Plan, facts: Facts, g: Graph) -> Placement | None:
    return Placement(plan.test_vm.nsg_name, ("rg",)) if plan.test_vm.enabled else None


async def _put(c: Context, n: Node) -> Any:
    return await c.gw.network.network_security_groups.begin_create_or_update(c.rg, n.name, {
        "location": c.plan.network.region, "tags": c.tags, "properties": {"securityRules": [{
            "name": "allow-ssh-from-operator", "properties": {
                "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
                "sourceAddressPrefix": c.plan.test_vm.ssh_source, "sourcePortRange": "*",
                "destinationAddressPrefix": "*", "destinationPortRange": "22",
                "description": "SSH only from the address given in the plan (never *)"}}]}}, **c.lro_kw)


def _template(t: TemplateContext, n: Node) -> list[dict[str, Any]]:
    vm_parameters(t)
    return [t.resource(n, vm_named("-nsg"), location=f"[{param('location')}]", tags=t.tags, properties={
        "securityRules": [{"name": "allow-ssh-from-operator", "properties": {
            "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
            "sourceAddressPrefix": f"[{param('sshSourceAddressPrefix')}]", "sourcePortRange": "*",
            "destinationAddressPrefix": "*", "destinationPortRange": "22"}}]})]


KIND = register(group_kind(
    key="nsg", arm_type="Microsoft.Network/networkSecurityGroups", label="NSG", latency=3, rank=80,
    collection="network_security_groups", place=_place, put=_put, template=_template,
    free_name=FreeName("test_vm.name", "NSG", lambda plan: plan.test_vm.nsg_name if plan.test_vm.enabled else None),
    actions=lambda plan, facts: ("Microsoft.Network/networkSecurityGroups/write",
                                 "Microsoft.Network/networkSecurityGroups/join/action") if plan.test_vm.enabled else ()))

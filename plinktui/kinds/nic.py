"""The test VM's NIC, in the endpoint subnet, with the NSG and the public IP."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.kinds.base import Placement, group_kind, register, subnet_key

if TYPE_CHECKING:
    from plinktui.dag import Facts, Graph, Node
    from plinktui.engine import Context
    from plinktui.plan import Plan


def _place(plan: Plan, facts: Facts, g: Graph) -> Placement | None:
    return Placement(plan.test_vm.nic_name, (subnet_key(plan), "nsg", "pip")) if plan.test_vm.enabled else None


async def _put(c: Context, n: Node) -> Any:
    vm = c.plan.test_vm
    return await c.gw.network.network_interfaces.begin_create_or_update(c.rg, n.name, {
        "location": c.plan.network.region, "tags": c.tags, "properties": {
            "networkSecurityGroup": {"id": c.rid("Microsoft.Network/networkSecurityGroups", vm.nsg_name)},
            "ipConfigurations": [{"name": "ipconfig1", "properties": {
                "subnet": {"id": c.subnet_id}, "privateIPAllocationMethod": "Dynamic", "primary": True,
                "publicIPAddress": {"id": c.rid("Microsoft.Network/publicIPAddresses", vm.pip_name)}}}]}}, **c.lro_kw)



KIND = register(group_kind(
    key="nic", arm_type="Microsoft.Network/networkInterfaces", label="NIC", latency=2, rank=100,
    collection="network_interfaces", place=_place, put=_put,
    actions=lambda plan, facts: ("Microsoft.Network/networkInterfaces/write",
                                 "Microsoft.Network/networkInterfaces/join/action") if plan.test_vm.enabled else ()))

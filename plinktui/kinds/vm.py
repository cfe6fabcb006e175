"""The test VM (SSH key only); its OS disk goes with it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.events import ErrorClass, NodeError
from plinktui.kinds.base import Placement, group_kind, is_not_found, props, read, register, wait_lro

if TYPE_CHECKING:
    from plinktui.dag import Facts, Graph, Node
    from plinktui.engine import Context
    from plinktui.plan import Plan


def vm_body(ctx: Context) -> dict[str, Any]:
    """The VM's PUT body."""
    vm = ctx.plan.test_vm
    publisher, offer, sku, version = vm.image.split(":")
    admin = vm.admin_username
    return {"location": ctx.plan.network.region, "tags": ctx.tags, "properties": {
        "hardwareProfile": {"vmSize": vm.size},
        "storageProfile": {
            "imageReference": {"publisher": publisher, "offer": offer, "sku": sku, "version": version},
            "osDisk": {"name": f"{vm.name}-osdisk", "createOption": "FromImage", "deleteOption": "Delete",
                       "managedDisk": {"storageAccountType": "Standard_LRS"}}},
        "osProfile": {"computerName": vm.name[:64], "adminUsername": admin, "linuxConfiguration": {
            "disablePasswordAuthentication": True,
            "ssh": {"publicKeys": [{"path": f"/home/{admin}/.ssh/authorized_keys", "keyData": ctx.public_key}]}}},
        "networkProfile": {"networkInterfaces": [{
            "id": ctx.rid("Microsoft.Network/networkInterfaces", vm.nic_name),
            "properties": {"primary": True, "deleteOption": "Detach"}}]}}}


def _place(plan: Plan, facts: Facts, g: Graph) -> Placement | None:
    return Placement(plan.test_vm.name, ("nic",)) if plan.test_vm.enabled else None


async def _put(c: Context, n: Node) -> Any:
    if not c.public_key:
        raise NodeError("no SSH public key for the test VM", ErrorClass.USER, "set test_vm.ssh_public_key")
    return await c.gw.compute.virtual_machines.begin_create_or_update(c.rg, n.name, vm_body(c), **c.lro_kw)


async def _delete(c: Context, n: Node) -> None:
    vm = await read(c, n)
    disk = ((props(vm or {}).get("storageProfile") or {}).get("osDisk") or {}).get("name")
    await wait_lro(c, await c.gw.compute.virtual_machines.begin_delete(c.rg, n.name, **c.lro_kw))
    disk = disk or f"{n.name}-osdisk"
    try:  # the OS disk normally goes with the VM (deleteOption Delete); make sure
        await wait_lro(c, await c.gw.compute.disks.begin_delete(c.rg, disk, **c.lro_kw))
    except Exception as exc:  # noqa: BLE001
        if not is_not_found(exc) and getattr(exc, "status_code", None) not in (400, 405):
            raise



KIND = register(group_kind(
    key="vm", arm_type="Microsoft.Compute/virtualMachines", label="test VM", latency=60, rank=110,
    collection="virtual_machines", client="compute", place=_place, put=_put, delete=_delete,
    actions=lambda plan, facts: ("Microsoft.Compute/virtualMachines/write",
                                 "Microsoft.Compute/virtualMachines/runCommand/action") if plan.test_vm.enabled else ()))

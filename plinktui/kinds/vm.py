"""The test VM (SSH key only); its OS disk goes with it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.armtemplate import param, resource_id
from plinktui.events import ErrorClass, NodeError
from plinktui.kinds.base import FreeName, Placement, group_kind, is_not_found, props, read, register, wait_lro
from plinktui.plan import read_public_key

if TYPE_CHECKING:
    from plinktui.armtemplate import TemplateContext
    from plinktui.dag import Facts, Graph, Node
    from plinktui.engine import Context
    from plinktui.plan import Plan


def vm_properties(plan: Plan, *, size: str, disk: str, computer_name: str, admin: str, key_path: str, key: Any,
                  nic_id: str) -> dict[str, Any]:
    """The VM's properties: the plan's image, a managed OS disk that goes with it, SSH key sign-in only, one NIC."""
    publisher, offer, sku, version = plan.test_vm.image.split(":")
    return {
        "hardwareProfile": {"vmSize": size},
        "storageProfile": {
            "imageReference": {"publisher": publisher, "offer": offer, "sku": sku, "version": version},
            "osDisk": {"name": disk, "createOption": "FromImage", "deleteOption": "Delete",
                       "managedDisk": {"storageAccountType": "Standard_LRS"}}},
        "osProfile": {"computerName": computer_name, "adminUsername": admin, "linuxConfiguration": {
            "disablePasswordAuthentication": True, "ssh": {"publicKeys": [{"path": key_path, "keyData": key}]}}},
        "networkProfile": {"networkInterfaces": [{"id": nic_id, "properties": {"primary": True,
                                                                                "deleteOption": "Detach"}}]}}


def vm_body(ctx: Context) -> dict[str, Any]:
    """The VM's PUT body."""
    vm = ctx.plan.test_vm
    admin = vm.admin_username
    return {"location": ctx.plan.network.region, "tags": ctx.tags, "properties": vm_properties(
        ctx.plan, size=vm.size, disk=f"{vm.name}-osdisk", computer_name=vm.name[:64], admin=admin,
        key_path=f"/home/{admin}/.ssh/authorized_keys", key=ctx.public_key,
        nic_id=ctx.rid("Microsoft.Network/networkInterfaces", vm.nic_name))}


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


def vm_parameters(t: TemplateContext) -> None:
    """Declare the test VM's parameters (its NSG, public IP and NIC are named after ``vmName``)."""
    vm = t.plan.test_vm
    t.param("vmName", vm.name)
    t.param("vmSize", vm.size)
    t.param("adminUsername", vm.admin_username)
    key = read_public_key(t.plan)
    t.param("adminPublicKey", metadata={"description": "SSH public key (ssh-ed25519 or ssh-rsa) the test VM trusts."},
            **({"defaultValue": key} if key else {}))
    t.param("sshSourceAddressPrefix", vm.ssh_source,
            metadata={"description": "The only address allowed to SSH in (never *)."})


def vm_named(suffix: str) -> str:
    """The expression for a name the test VM's resources derive from ``vmName`` (``<vm>-nic``)."""
    return f"concat({param('vmName')}, '{suffix}')"


def _template(t: TemplateContext, n: Node) -> list[dict[str, Any]]:
    vm_parameters(t)
    name, admin = param("vmName"), param("adminUsername")
    return [t.resource(n, name, location=f"[{param('location')}]", tags=t.tags, properties=vm_properties(
        t.plan, size=f"[{param('vmSize')}]", disk=f"[{vm_named('-osdisk')}]", computer_name=f"[{name}]",
        admin=f"[{admin}]", key_path=f"[format('/home/{{0}}/.ssh/authorized_keys', {admin})]",
        key=f"[{param('adminPublicKey')}]",
        nic_id=f"[{resource_id('Microsoft.Network/networkInterfaces', vm_named('-nic'))}]"))]


KIND = register(group_kind(
    key="vm", arm_type="Microsoft.Compute/virtualMachines", label="test VM", latency=60, rank=110,
    collection="virtual_machines", client="compute", place=_place, put=_put, delete=_delete, template=_template,
    free_name=FreeName("test_vm.name", "VM", lambda plan: plan.test_vm.name if plan.test_vm.enabled else None),
    actions=lambda plan, facts: ("Microsoft.Compute/virtualMachines/write",
                                 "Microsoft.Compute/virtualMachines/runCommand/action") if plan.test_vm.enabled else ()))

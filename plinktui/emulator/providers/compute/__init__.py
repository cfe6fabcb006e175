"""Emulator provider: Microsoft.Compute virtual machines, their OS disks, Run Command, and demo VMs over real SSH.

A VM references NICs made by the network provider; creating it marks each NIC ``properties.virtualMachine`` and
makes a managed OS disk (``Microsoft.Compute/disks``). Deleting it honours ``deleteOption``: ``Delete`` on a NIC
reference removes the NIC (and its public IP when the IP's own or the ipconfig's ``deleteOption`` says ``Delete``),
``Delete`` on the OS disk removes the disk; anything else is detached and stays, as on Azure.

Demo VMs: every Linux VM gets an ed25519 host key once (private part only in the record's internal notes, never in
the ARM document). While the emulator runs, each VM that is provisioned, running, has a public IP and has SSH public
keys gets a loopback SSH listener (:class:`plinktui.emulator.sshd.DemoSshServer`); ``GET /_emulator/ssh`` maps public
IPs and VM ids to those ports. The listeners follow the model: they are reconciled after every change that matters
(create, delete, power actions, emulator start) and before the map is answered.

Run Command (``POST .../runCommand``, ``RunShellScript``) answers from the same shell as SSH
(:mod:`plinktui.emulator.vmshell`), in Azure's message format, and only on a running VM.

Laid out as moto lays out a service: ``models`` (types, validation errors, the VM's network from the store),
``responses`` (the VM and disk kinds and the action handlers), ``ssh`` (the demo listeners) and ``views`` (the VM as
its shell sees it); this module mounts the routes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from plinktui.emulator.providers.compute.models import VM_TYPE
from plinktui.emulator.providers.compute.responses import Disks, VirtualMachines, power_action
from plinktui.emulator.providers.compute.responses import run_command as run_command_on
from plinktui.emulator.providers.compute.ssh import SshManager
from plinktui.emulator.resource import Kind, Req, Resp, mount, paged_view

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator


# ----------------------------------------------------------------------------------------------------------------
# Registration


def register(emu: Emulator) -> None:
    """Mount virtual machines, disks, their actions, and the demo-VM control endpoints."""
    ssh = SshManager(emu)
    emu.compute_ssh = ssh  # type: ignore[attr-defined]
    vms = VirtualMachines(emu, ssh)
    disks = Disks()
    for kind, template in ((vms, vms.subscription_list), (disks, disks.subscription_list)):
        mount(emu, kind)
        # the subscription-wide list is mounted here: the generic one scopes by the template's prefix
        _mount_subscription_list(emu, kind, template)

    def action(verb: str) -> Any:
        async def handler(req: Req) -> Resp:
            return power_action(emu, vms, req, verb)

        return handler

    for verb in ("start", "powerOff", "deallocate", "restart"):
        emu.router.add("POST", vms.item + f"/{verb}", action(verb))

    async def run_command(req: Req) -> Resp:
        return run_command_on(emu, vms, req)

    async def instance_view(req: Req) -> Resp:
        rec = emu.find(vms.rid(req), vms)
        return Resp(200, vms.instance_view(rec))

    emu.router.add("POST", vms.item + "/runCommand", run_command)
    emu.router.add("GET", vms.item + "/instanceView", instance_view)

    @emu.control("GET", "/_emulator/ssh")
    async def ssh_map(request: web.Request) -> web.StreamResponse:
        emu.ops.settle_all()
        await ssh.reconcile()
        return web.json_response(ssh.ssh_map())

    @emu.control("POST", "/_emulator/vms/etc-hosts")
    async def etc_hosts(request: web.Request) -> web.StreamResponse:
        try:
            data = await request.json()
            vm_id = str(data["vm_id"])
            entries = [_hosts_entry(e) for e in data.get("entries") or []]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return web.json_response({"error": {"code": "InvalidRequest", "message": f"bad etc-hosts body: {exc}"}},
                                     status=400)
        rec = emu.store.get(vm_id)
        if rec is None or str(rec.doc.get("type", "")).lower() != VM_TYPE.lower():
            return web.json_response({"error": {"code": "NotFound", "message": f"no VM {vm_id}"}}, status=404)
        rec.internal["etc_hosts"] = entries
        emu.store.touch()
        return web.json_response({"vm_id": rec.id, "entries": entries})

    emu.on_start.append(ssh.start)
    emu.on_stop.append(ssh.stop)


def _mount_subscription_list(emu: Emulator, kind: Kind, template: str) -> None:
    """``GET /subscriptions/{sub}/providers/<type>``: every resource of the kind in the subscription."""

    async def list_all(req: Req) -> Resp:
        emu.check_scope(req)
        recs = emu.store.list(kind.type, f"/subscriptions/{req.sub}")
        return paged_view(req, kind, recs)

    emu.router.add("GET", template, list_all)


def _hosts_entry(entry: Any) -> list[Any]:
    """``[ip, [names]]`` from ``[ip, [names]]``, ``[ip, "a b"]`` or ``{"ip": ..., "names": [...]}``."""
    if isinstance(entry, dict):
        ip, names = entry["ip"], entry.get("names") or []
    else:
        ip, names = entry[0], entry[1]
    if isinstance(names, str):
        names = names.split()
    import ipaddress

    ipaddress.ip_address(str(ip))
    return [str(ip), [str(n) for n in names]]

"""Microsoft.Compute handlers: virtual machines and disks (validation, create, update, delete) and the VM actions
(power, Run Command)."""

from __future__ import annotations

import copy
import re
import uuid
from typing import TYPE_CHECKING, Any

from plinktui.emulator import errors
from plinktui.emulator.enums import canonical
from plinktui.emulator.providers.compute.models import (
    DISK_TYPE,
    POWER_DISPLAY,
    VM_TYPE,
    TargetedError,
    invalid_parameter,
    nic_refs,
    now_iso,
    operation_not_allowed,
    os_type,
)
from plinktui.emulator.providers.compute.ssh import SshManager
from plinktui.emulator.providers.compute.views import view_for
from plinktui.emulator.resource import Kind, Req, Resp, name_of, parse_id, ref
from plinktui.emulator.store import Record, new_etag
from plinktui.facts import RESERVED_ADMIN_NAMES

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator

_LINUX_USER = re.compile(r"^[a-z_][a-z0-9_.-]{0,63}$")
_LINUX_USER_BAD = re.compile(r'[A-Z\\/"\[\]:|<>+=;,?*@#()!]')
_VM_SIZE = re.compile(r"^(Standard|Basic)_[A-Za-z0-9_]+$")
_KEY_TYPES = ("ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521")


# ----------------------------------------------------------------------------------------------------------------
# Kinds


class VirtualMachines(Kind):
    """Microsoft.Compute/virtualMachines (Linux and, minimally, Windows)."""

    type = VM_TYPE
    item = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}"
    subscription_list = "/subscriptions/{sub}/providers/Microsoft.Compute/virtualMachines"
    latency = "vm"
    initial_state = "Creating"
    name_pattern = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_.\-]{0,62}[A-Za-z0-9_])?$")
    name_rule = ("1-64 characters: letters, digits, underscores, periods and hyphens, starting with a letter or digit "
                 "and not ending with a period or hyphen")

    def __init__(self, emu: Emulator, ssh: SshManager) -> None:
        self.emu = emu
        self.ssh = ssh

    # -- PUT -------------------------------------------------------------------------------------------------------

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        props = body.get("properties")
        if not isinstance(props, dict):
            raise invalid_parameter("Required parameter 'properties' is missing (null).", "properties")
        old = existing.props if existing else {}
        name = name_of(rid)
        location = str(body.get("location") or (existing.doc.get("location") if existing else "") or "")
        location = location.replace(" ", "").lower()
        out = copy.deepcopy(props)
        for computed in ("provisioningState", "instanceView", "vmId", "timeCreated"):
            out.pop(computed, None)

        hardware = out["hardwareProfile"] if "hardwareProfile" in out else old.get("hardwareProfile")
        if not isinstance(hardware, dict):
            raise invalid_parameter("Required parameter 'hardwareProfile' is missing (null).", "hardwareProfile")
        size = hardware.get("vmSize")
        if not size:
            raise invalid_parameter("Required parameter 'hardwareProfile.vmSize' is missing (null).", "vmSize")
        if not isinstance(size, str) or not _VM_SIZE.match(size):
            raise invalid_parameter(f"The value {size} provided for the VM size is not valid. Use a size such as "
                                    "Standard_B1s.", "vmSize")
        out["hardwareProfile"] = copy.deepcopy(hardware)

        ostype = os_type({"properties": {**old, **out}})
        out["storageProfile"] = self._storage(out.get("storageProfile") or old.get("storageProfile"), rid, name,
                                              ostype, (old.get("storageProfile") or {}) if existing else None)
        out["osProfile"] = self._os_profile(out.get("osProfile"), old.get("osProfile") if existing else None,
                                            name, ostype)
        out["networkProfile"] = self._network(out.get("networkProfile") or old.get("networkProfile"), rid,
                                              location)
        if "userData" in out:
            out.pop("userData")
        out["vmId"] = old.get("vmId") or str(uuid.uuid4())
        out["timeCreated"] = old.get("timeCreated") or now_iso()
        doc: dict[str, Any] = {"properties": out}
        for key in ("zones", "identity", "plan"):
            if key in body:
                doc[key] = copy.deepcopy(body[key])
        return doc

    def _storage(self, storage: Any, rid: str, name: str, ostype: str,
                 old: dict[str, Any] | None) -> dict[str, Any]:
        storage = copy.deepcopy(storage) if isinstance(storage, dict) else {}
        os_disk = storage.get("osDisk") if isinstance(storage.get("osDisk"), dict) else {}
        create = os_disk.get("createOption") or "FromImage"
        if create == "FromImage" and not storage.get("imageReference"):
            raise invalid_parameter("Required parameter 'storageProfile.imageReference' is missing (null).",
                                    "imageReference")
        old_disk = (old or {}).get("osDisk") or {}
        info = parse_id(rid)
        disk_name = os_disk.get("name") or old_disk.get("name") or f"{name}_OsDisk_1_{uuid.uuid4().hex}"
        disk_id = (f"/subscriptions/{info['subscription']}/resourceGroups/{info['resourceGroup']}/providers/"
                   f"{DISK_TYPE}/{disk_name}")
        managed = dict(os_disk.get("managedDisk") or {})
        managed.setdefault("storageAccountType", "Standard_LRS")
        managed["id"] = disk_id
        delete_option = canonical(os_disk.get("deleteOption") or old_disk.get("deleteOption") or "Detach",
                                  ("Delete", "Detach"), lambda v: invalid_parameter(
                                      f"The value '{v}' of parameter 'osDisk.deleteOption' is not valid. Allowed "
                                      "values are 'Delete' and 'Detach'.", "osDisk.deleteOption"))
        storage["osDisk"] = {**os_disk, "osType": ostype, "name": disk_name, "createOption": create,
                             "caching": os_disk.get("caching") or "ReadWrite", "managedDisk": managed,
                             "deleteOption": delete_option,
                             "diskSizeGB": os_disk.get("diskSizeGB") or old_disk.get("diskSizeGB") or 30}
        storage.setdefault("dataDisks", [])
        return storage

    def _os_profile(self, profile: Any, old: dict[str, Any] | None, name: str, ostype: str) -> dict[str, Any]:
        if profile is None and old is not None:
            return copy.deepcopy(old)
        if not isinstance(profile, dict):
            raise invalid_parameter("Required parameter 'osProfile' is missing (null).", "osProfile")
        profile = copy.deepcopy(profile)
        password = profile.pop("adminPassword", None)  # accepted, never stored, never returned (as Azure)
        admin = profile.get("adminUsername")
        if not admin:
            raise invalid_parameter("Required parameter 'adminUsername' is missing (null).", "adminUsername")
        admin = str(admin)
        if old is not None:
            for key in ("adminUsername", "computerName"):
                if key in profile and old.get(key) and profile[key] != old.get(key):
                    raise TargetedError(f"Changing property '{key}' is not allowed.", code="PropertyChangeNotAllowed",
                                         target=key)
        if admin.lower() in RESERVED_ADMIN_NAMES:
            raise invalid_parameter("The Admin Username specified is not allowed.", "adminUsername")
        computer = str(profile.get("computerName") or name)
        profile["computerName"] = computer
        if ostype == "Windows":
            if len(admin) > 20 or re.search(r'[\\/"\[\]:|<>+=;,?*@]', admin) or admin.endswith("."):
                raise invalid_parameter("Windows admin user name cannot be more than 20 characters long, end with a "
                                        'period(.), or contain the following characters: \\ / " [ ] : | < > + = ; , '
                                        "? * @.", "adminUsername")
            if len(computer) > 15:
                raise invalid_parameter("Windows computer name cannot be more than 15 characters long, be entirely "
                                        "numeric, or contain the following characters: ` ~ ! @ # $ % ^ & * ( ) = + _ "
                                        "[ ] { } \\ | ; : . ' \" , < > / ?.", "computerName")
            if old is None and not password:
                raise invalid_parameter("Required parameter 'adminPassword' is missing (null).", "adminPassword")
            profile.setdefault("windowsConfiguration", {"provisionVMAgent": True, "enableAutomaticUpdates": True})
        else:
            if _LINUX_USER_BAD.search(admin) or admin.startswith(("$", "-")) or not _LINUX_USER.match(admin):
                raise invalid_parameter("Linux admin user name cannot contain upper case character A-Z, special "
                                        'characters \\/"[]:|<>+=;,?*@#()! or start with $ or -', "adminUsername")
            linux = profile.get("linuxConfiguration")
            linux = dict(linux) if isinstance(linux, dict) else {}
            keys = (linux.get("ssh") or {}).get("publicKeys") or []
            disable = linux.get("disablePasswordAuthentication")
            if disable is None:
                disable = not password and bool(keys)
            if disable and not keys:
                raise invalid_parameter("Authentication using either SSH or by user name and password must be enabled "
                                        "in Linux profile.", "linuxConfiguration")
            if not disable and not password and old is None:
                raise invalid_parameter("Required parameter 'adminPassword' is missing (null).", "adminPassword")
            for key in keys:
                data = str((key or {}).get("keyData") or "").strip()
                if data.split(" ", 1)[0] not in _KEY_TYPES or len(data.split()) < 2:
                    raise invalid_parameter("The value of parameter linuxConfiguration.ssh.publicKeys.keyData is "
                                            "invalid.", "linuxConfiguration.ssh.publicKeys.keyData")
                path = (key or {}).get("path") or f"/home/{admin}/.ssh/authorized_keys"
                if path != f"/home/{admin}/.ssh/authorized_keys":
                    raise invalid_parameter(
                        "Destination path for SSH public keys is currently limited to its default value "
                        f"/home/{admin}/.ssh/authorized_keys  due to a known issue in Linux provisioning agent.",
                        "linuxConfiguration.ssh.publicKeys.path")
                key["path"] = path
            linux["disablePasswordAuthentication"] = bool(disable)
            linux.setdefault("provisionVMAgent", True)
            linux.setdefault("patchSettings", {"patchMode": "ImageDefault", "assessmentMode": "ImageDefault"})
            profile["linuxConfiguration"] = linux
        profile.setdefault("secrets", [])
        profile.setdefault("allowExtensionOperations", True)
        profile.setdefault("requireGuestProvisionSignal", True)
        return profile

    def _network(self, net: Any, rid: str, location: str) -> dict[str, Any]:
        if not isinstance(net, dict):
            raise invalid_parameter("Required parameter 'networkProfile' is missing (null).", "networkProfile")
        if net.get("networkInterfaceConfigurations") and not net.get("networkInterfaces"):
            raise invalid_parameter("networkProfile.networkInterfaceConfigurations is not modelled by the plinktui "
                                    "emulator: create the NIC first and reference it in networkInterfaces.",
                                    "networkInterfaceConfigurations")
        nics = net.get("networkInterfaces")
        if not isinstance(nics, list) or not nics:
            raise invalid_parameter("Required parameter 'networkProfile.networkInterfaces' is missing (null).",
                                    "networkInterfaces")
        out = []
        primaries = 0
        for entry in nics:
            nic_id = ref(entry)
            if not nic_id:
                raise invalid_parameter("Each network interface reference needs an 'id'.", "networkInterfaces")
            nic = self.emu.store.get(nic_id)
            if nic is None or str(nic.doc.get("location", "")).lower() != location:
                raise errors.InvalidResourceReference(
                    f"Resource {nic_id} referenced by resource {rid} was not found. Please make sure that the "
                    "referenced resource exists, and that both resources are in the same region.")
            owner = ref(nic.props.get("virtualMachine")) or ref(nic.props.get("privateEndpoint"))
            if owner and owner.lower() != rid.lower():
                raise TargetedError(
                    f"Network Interface {nic.id} is used by existing resource {owner}. In order to use it with a "
                    "different resource, please detach it first.", code="NicInUse")
            entry_props = dict((entry.get("properties") or {}) if isinstance(entry, dict) else {})
            if entry_props.get("deleteOption") is not None:
                entry_props["deleteOption"] = canonical(entry_props["deleteOption"], ("Delete", "Detach"), lambda v: (
                    invalid_parameter(f"The value '{v}' of parameter 'networkInterfaces.deleteOption' is not valid. "
                                      "Allowed values are 'Delete' and 'Detach'.", "deleteOption")))
            primaries += 1 if entry_props.get("primary") else 0
            item: dict[str, Any] = {"id": nic.id}
            if entry_props:
                item["properties"] = entry_props
            out.append(item)
        if len(out) > 1 and primaries != 1:
            raise invalid_parameter("Virtual machine must have exactly one network interface set as primary when it "
                                    "has more than one.", "networkInterfaces")
        result = {k: copy.deepcopy(v) for k, v in net.items() if k != "networkInterfaces"}
        result["networkInterfaces"] = out
        return result

    def after_put(self, req: Req, rec: Record, created: bool) -> None:
        body_props = (req.body or {}).get("properties") if isinstance(req.body, dict) else None
        if isinstance(body_props, dict) and "userData" in body_props:
            rec.internal["user_data"] = body_props.get("userData")
        if created:
            rec.internal["power"] = "starting"
        if os_type(rec.doc) == "Linux" and not rec.internal.get("host_key_private"):
            from plinktui.emulator.sshd import generate_host_key

            computer = (rec.props.get("osProfile") or {}).get("computerName") or name_of(rec.id)
            private, public = generate_host_key(f"root@{computer}")
            rec.internal["host_key_private"] = private
            rec.internal["host_key_public"] = public
        # NICs: attach the ones referenced now, detach the ones no longer referenced
        wanted = {(ref(n) or "").lower() for n in nic_refs(rec.doc)}
        for nic_id in list(rec.internal.get("nics") or []):
            if nic_id.lower() not in wanted:
                nic = self.emu.store.get(nic_id)
                if nic is not None and (ref(nic.props.get("virtualMachine")) or "").lower() == rec.id.lower():
                    nic.props.pop("virtualMachine", None)
                    nic.doc["etag"] = new_etag()
        for n in nic_refs(rec.doc):
            nic = self.emu.store.get(ref(n) or "")
            if nic is not None and (ref(nic.props.get("virtualMachine")) or "").lower() != rec.id.lower():
                nic.props["virtualMachine"] = {"id": rec.id}
                nic.doc["etag"] = new_etag()
        rec.internal["nics"] = [ref(n) for n in nic_refs(rec.doc)]
        self._ensure_disk(rec)
        self.emu.store.touch()
        self.ssh.kick()

    def _ensure_disk(self, rec: Record) -> None:
        os_disk = (rec.props.get("storageProfile") or {}).get("osDisk") or {}
        disk_id = (os_disk.get("managedDisk") or {}).get("id")
        if not disk_id:
            return
        disk = self.emu.store.get(disk_id)
        if disk is not None:
            if (disk.doc.get("managedBy") or "").lower() != rec.id.lower():
                disk.doc["managedBy"] = rec.id
                disk.props["diskState"] = "Attached"
            return
        image = (rec.props.get("storageProfile") or {}).get("imageReference") or {}
        sku = (os_disk.get("managedDisk") or {}).get("storageAccountType") or "Standard_LRS"
        image_id = (f"/Subscriptions/{parse_id(rec.id)['subscription']}/Providers/Microsoft.Compute/Locations/"
                    f"{rec.doc.get('location')}/Publishers/{image.get('publisher', '')}/ArtifactTypes/VMImage/Offers/"
                    f"{image.get('offer', '')}/Skus/{image.get('sku', '')}/Versions/{image.get('version', 'latest')}")
        self.emu.store.put({
            "id": disk_id, "name": name_of(disk_id), "type": DISK_TYPE, "location": rec.doc.get("location"),
            "managedBy": rec.id, "sku": {"name": sku, "tier": sku.split("_", 1)[0]},
            "properties": {
                "osType": os_type(rec.doc), "hyperVGeneration": "V2",
                "creationData": {"createOption": os_disk.get("createOption", "FromImage"),
                                 "imageReference": {"id": image_id}},
                "diskSizeGB": os_disk.get("diskSizeGB", 30), "diskIOPSReadWrite": 500, "diskMBpsReadWrite": 60,
                "encryption": {"type": "EncryptionAtRestWithPlatformKey"}, "networkAccessPolicy": "AllowAll",
                "publicNetworkAccess": "Enabled", "timeCreated": now_iso(), "provisioningState": "Succeeded",
                "diskState": "Attached", "diskSizeBytes": int(os_disk.get("diskSizeGB", 30)) * 1024 ** 3,
                "uniqueId": str(uuid.uuid4()), "tier": "P4" if sku.startswith("Premium") else None,
            },
        })
        disk = self.emu.store.get(disk_id)
        if disk is not None and disk.props.get("tier") is None:
            disk.props.pop("tier")

    def on_provisioned(self, rec: Record) -> None:
        if rec.internal.get("power") in (None, "starting"):
            rec.internal["power"] = "running"
        self.emu.store.touch()
        self.ssh.kick()

    def check_delete(self, req: Req, rec: Record) -> None:
        force = str(req.query.get("forceDeletion", "")).lower()
        if force not in ("", "true", "false"):
            raise invalid_parameter(f"The value '{force}' of parameter 'forceDeletion' is not valid.",
                                    "forceDeletion")

    def on_delete(self, rec: Record) -> None:
        store = self.emu.store
        for entry in nic_refs(rec.doc):
            nic = store.get(ref(entry) or "")
            if nic is None:
                continue
            if (entry.get("properties") or {}).get("deleteOption") == "Delete":
                pips = []
                for ipc in nic.props.get("ipConfigurations") or []:
                    pip_ref = (ipc.get("properties") or {}).get("publicIPAddress")
                    pip = store.get(ref(pip_ref) or "") if isinstance(pip_ref, dict) else None
                    if pip is None or not isinstance(pip_ref, dict):
                        continue
                    option = (pip_ref.get("properties") or {}).get("deleteOption") or pip.props.get("deleteOption")
                    if option == "Delete":
                        pips.append(pip)
                self._remove(nic)
                for pip in pips:
                    self._remove(pip)
            elif (ref(nic.props.get("virtualMachine")) or "").lower() == rec.id.lower():
                nic.props.pop("virtualMachine", None)
                nic.doc["etag"] = new_etag()
        os_disk = (rec.props.get("storageProfile") or {}).get("osDisk") or {}
        disk = store.get((os_disk.get("managedDisk") or {}).get("id") or "")
        if disk is not None:
            if os_disk.get("deleteOption") == "Delete":
                store.delete(disk.id)
            else:
                disk.doc.pop("managedBy", None)
                disk.props["diskState"] = "Unattached"
        rec.internal["power"] = "deleted"
        store.touch()
        self.ssh.kick()

    def _remove(self, other: Record) -> None:
        """Delete another provider's resource with its side effects (its Kind's on_delete)."""
        kind = self.emu.kinds.get(str(other.doc.get("type", "")).lower())
        if kind is not None:
            kind.on_delete(other)
        self.emu.store.delete(other.id)

    # -- GET -------------------------------------------------------------------------------------------------------

    def view(self, req: Req | None, rec: Record) -> dict[str, Any]:
        expand = ((req.query.get("$expand") or "") if req else "").lower()
        status_only = ((req.query.get("statusOnly") or "") if req else "").lower() == "true"
        if "instanceview" not in expand and "userdata" not in expand and not status_only:
            return rec.doc
        doc = copy.deepcopy(rec.doc)
        if "instanceview" in expand or status_only:
            doc["properties"]["instanceView"] = self.instance_view(rec)
        if "userdata" in expand and rec.internal.get("user_data") is not None:
            doc["properties"]["userData"] = rec.internal["user_data"]
        return doc

    def instance_view(self, rec: Record) -> dict[str, Any]:
        """The VM's instance view: provisioning and power statuses, agent, disk."""
        state = str(rec.props.get("provisioningState", "Succeeded"))
        power = str(rec.internal.get("power") or "running")
        when = rec.props.get("timeCreated")
        level = "Error" if state == "Failed" else "Info"
        statuses = [{"code": f"ProvisioningState/{state.lower()}", "level": level,
                     "displayStatus": f"Provisioning {state.lower()}", "time": when},
                    {"code": f"PowerState/{power}", "level": "Info", "displayStatus": POWER_DISPLAY.get(power, power)}]
        os_disk = (rec.props.get("storageProfile") or {}).get("osDisk") or {}
        image = (rec.props.get("storageProfile") or {}).get("imageReference") or {}
        linux = os_type(rec.doc) == "Linux"
        agent_ready = power == "running" and state == "Succeeded"
        return {
            "computerName": (rec.props.get("osProfile") or {}).get("computerName") or name_of(rec.id),
            "osName": "ubuntu" if linux else "Windows Server",
            "osVersion": _os_version(image) if linux else "10.0.20348",
            "hyperVGeneration": "V2",
            "vmAgent": {"vmAgentVersion": "2.13.1.1" if agent_ready else "Unknown", "statuses": [{
                "code": "ProvisioningState/succeeded" if agent_ready else "ProvisioningState/Unavailable",
                "level": "Info" if agent_ready else "Warning",
                "displayStatus": "Ready" if agent_ready else "Not Ready",
                "message": "Guest Agent is running" if agent_ready else "VM status blob is found but not yet "
                "populated.", "time": now_iso()}], "extensionHandlers": []},
            "disks": [{"name": os_disk.get("name"), "statuses": [{
                "code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded",
                "time": when}]}],
            "statuses": statuses,
        }


def _os_version(image: dict[str, Any]) -> str:
    offer = str(image.get("offer") or "")
    match = re.search(r"(\d\d)_(\d\d)", offer) or re.search(r"(\d\d)\.(\d\d)", str(image.get("sku") or ""))
    return f"{match.group(1)}.{match.group(2)}" if match else "24.04"


class Disks(Kind):
    """Microsoft.Compute/disks: the VMs' OS disks (read and delete; created only with a VM)."""

    type = DISK_TYPE
    item = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/disks/{name}"
    subscription_list = "/subscriptions/{sub}/providers/Microsoft.Compute/disks"
    latency = ""

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        raise TargetedError("The plinktui emulator creates managed disks only as the OS disks of virtual machines.",
                             code="OperationNotAllowed", status=409)

    def check_delete(self, req: Req, rec: Record) -> None:
        owner = rec.doc.get("managedBy")
        if owner:
            raise operation_not_allowed(f"Disk {rec.doc.get('name')} is attached to VM {owner}.")


# ----------------------------------------------------------------------------------------------------------------
# Actions: power, run command


def power_action(emu: Emulator, kind: VirtualMachines, req: Req, verb: str) -> Resp:
    emu.check_scope(req)
    rid = kind.rid(req)
    rec = emu.find(rid, kind)
    emu.check_write_allowed(req)
    name = name_of(rec.id)
    power = str(rec.internal.get("power") or "running")
    deallocated = power in ("deallocated", "deallocating")
    if verb in ("powerOff", "restart") and deallocated:
        raise operation_not_allowed(f"Operation '{verb}' is not allowed on VM '{name}' since the VM is either "
                                    "deallocated or marked to be deallocated.")
    if verb == "restart" and power not in ("running", "starting"):
        raise operation_not_allowed("The operation requires the VM to be running (or set to run).")
    transition, final = {"start": ("starting", "running"), "powerOff": ("stopping", "stopped"),
                         "deallocate": ("deallocating", "deallocated"), "restart": ("starting", "running")}[verb]
    vm_id = rec.id
    rec.internal["power"] = transition
    emu.store.touch()
    kind.ssh.kick()

    def done() -> None:
        cur = emu.store.get(vm_id)
        if cur is not None:
            cur.internal["power"] = final
            emu.store.touch()
            kind.ssh.kick()

    return emu.start_action(req, f"{vm_id}/{verb}", "vm", done, str(rec.doc.get("location", "global")))


def run_command(emu: Emulator, kind: VirtualMachines, req: Req) -> Resp:
    emu.check_scope(req)
    rec = emu.find(kind.rid(req), kind)
    emu.check_write_allowed(req)
    body = req.body
    if not isinstance(body, dict):
        raise errors.InvalidRequestContent("The request content was invalid and could not be deserialized: "
                                           "a JSON object is required.")
    command_id = body.get("commandId")
    if not command_id:
        raise invalid_parameter("Required parameter 'commandId' is missing (null).", "commandId")
    script = body.get("script") or []
    if not isinstance(script, list) or not all(isinstance(line, str) for line in script):
        raise invalid_parameter("The value of parameter 'script' is invalid: a list of strings is required.",
                                "script")
    ostype = os_type(rec.doc)
    allowed = {"Linux": ("RunShellScript", "ifconfig"), "Windows": ("RunPowerShellScript", "ipconfig")}[ostype]
    if command_id not in allowed:
        raise invalid_parameter(f"The command '{command_id}' is not available for {ostype} virtual machines. "
                                f"Available commands: {', '.join(allowed)}.", "commandId")
    name = name_of(rec.id)
    power = str(rec.internal.get("power") or "running")
    if power in ("deallocated", "deallocating"):
        raise operation_not_allowed(f"Operation 'runCommand' is not allowed on VM '{name}' since the VM is either "
                                    "deallocated or marked to be deallocated.")
    if power != "running" or rec.props.get("provisioningState") != "Succeeded":
        raise operation_not_allowed("The operation requires the VM to be running (or set to run).")
    op_key = f"{rec.id}/runCommand"
    if emu.ops.pending_for(op_key) is not None:
        raise errors.Conflict("Run command extension execution is in progress. Please wait for completion before "
                              "invoking a run command.")
    text = "\n".join(script) if command_id in ("RunShellScript", "RunPowerShellScript") else command_id
    vm_id = rec.id

    def run() -> dict[str, Any]:
        # the script runs when the operation completes: it sees the model as it is then, as on Azure
        from plinktui.emulator import vmshell

        view = view_for(emu, vm_id)
        if view is None:
            raise errors.ResourceNotFound(f"The virtual machine '{name}' was deleted while the command ran.")
        if ostype == "Windows":
            return {"value": _powershell_statuses(text)}
        return {"value": [vmshell.run_shell_script_status(text, view)]}

    return emu.start_action(req, op_key, "runcommand", run, str(rec.doc.get("location", "global")))


def _powershell_statuses(script: str) -> list[dict[str, str]]:
    """Windows Run Command's two statuses; the demo cloud has no PowerShell, so any command is unknown."""
    lines = [line.strip() for line in script.split("\n") if line.strip()]
    err = "".join(
        f"{line.split()[0]} : The term '{line.split()[0]}' is not recognized as the name of a cmdlet, function, "
        "script file, or operable program.\n" for line in lines)
    return [{"code": "ComponentStatus/StdOut/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded",
             "message": ""},
            {"code": "ComponentStatus/StdErr/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded",
             "message": err}]



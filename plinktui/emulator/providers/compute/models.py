"""Microsoft.Compute model: resource types, Azure's validation errors, and reading a VM's place in the network
(primary NIC, private and public IP, VNet, DNS servers) from the store."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from plinktui.emulator import errors
from plinktui.emulator.resource import ref
from plinktui.emulator.store import Record
from plinktui.facts import AZURE_DNS

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator


log = logging.getLogger("plinktui.emulator.compute")

VM_TYPE = "Microsoft.Compute/virtualMachines"
DISK_TYPE = "Microsoft.Compute/disks"
NIC_TYPE = "Microsoft.Network/networkInterfaces"
PIP_TYPE = "Microsoft.Network/publicIPAddresses"
VNET_TYPE = "Microsoft.Network/virtualNetworks"

POWER_DISPLAY = {
    "starting": "VM starting", "running": "VM running", "stopping": "VM stopping", "stopped": "VM stopped",
    "deallocating": "VM deallocating", "deallocated": "VM deallocated",
}


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "") + "0+00:00"


class TargetedError(errors.ArmError):
    """An ARM error whose envelope carries ``target`` like Compute's validation errors."""

    def __init__(self, message: str, *, code: str, target: str | None = None, status: int = 400) -> None:
        super().__init__(message, code=code, status=status)
        self.target = target

    def body(self) -> dict[str, Any]:
        out = super().body()
        if self.target:
            out["error"]["target"] = self.target
        return out


def invalid_parameter(message: str, target: str | None = None) -> errors.ArmError:
    """``InvalidParameter`` (400) with Compute's ``target``."""
    return TargetedError(message, code="InvalidParameter", target=target)


def operation_not_allowed(message: str) -> errors.ArmError:
    """``OperationNotAllowed`` (409): the VM's state does not allow the operation."""
    return TargetedError(message, code="OperationNotAllowed", status=409)


# ----------------------------------------------------------------------------------------------------------------
# Helpers over the store


def os_type(doc: dict[str, Any]) -> str:
    """``Linux`` or ``Windows`` from a VM document or PUT body."""
    props = doc.get("properties") or {}
    storage = props.get("storageProfile") or {}
    declared = (storage.get("osDisk") or {}).get("osType")
    if isinstance(declared, str) and declared:
        return "Windows" if declared.lower() == "windows" else "Linux"
    if (props.get("osProfile") or {}).get("windowsConfiguration"):
        return "Windows"
    publisher = str((storage.get("imageReference") or {}).get("publisher") or "").lower()
    return "Windows" if publisher.startswith("microsoftwindows") else "Linux"


def nic_refs(doc: dict[str, Any]) -> list[dict[str, Any]]:
    net = (doc.get("properties") or {}).get("networkProfile") or {}
    return [n for n in net.get("networkInterfaces") or [] if isinstance(n, dict) and ref(n)]


def primary_nic_id(doc: dict[str, Any]) -> str | None:
    """The VM's primary NIC id (the one marked primary, else the first)."""
    refs = nic_refs(doc)
    for n in refs:
        if (n.get("properties") or {}).get("primary"):
            return ref(n)
    return ref(refs[0]) if refs else None


def _primary_ipconfig(nic: Record) -> dict[str, Any]:
    configs = [c for c in nic.props.get("ipConfigurations") or [] if isinstance(c, dict)]
    for c in configs:
        if (c.get("properties") or {}).get("primary"):
            return c.get("properties") or {}
    return (configs[0].get("properties") or {}) if configs else {}


def ssh_public_keys(doc: dict[str, Any]) -> list[str]:
    """The OpenSSH public key lines in a VM's ``osProfile.linuxConfiguration.ssh.publicKeys``."""
    linux = ((doc.get("properties") or {}).get("osProfile") or {}).get("linuxConfiguration") or {}
    keys = (linux.get("ssh") or {}).get("publicKeys") or []
    return [str(k.get("keyData")).strip() for k in keys if isinstance(k, dict) and k.get("keyData")]


@dataclass
class VmNetwork:
    """Where a VM sits: its primary NIC's private IP, subnet and VNet, and its public IP (if any)."""

    private_ip: str | None = None
    subnet_id: str | None = None
    vnet_id: str | None = None
    public_ip: str | None = None
    public_ip_id: str | None = None
    dns_servers: list[str] = field(default_factory=list)


def vm_network(emu: Emulator, doc: dict[str, Any]) -> VmNetwork:
    """Read the VM's addressing from the NIC, public IP and VNet documents."""
    out = VmNetwork()
    nic_id = primary_nic_id(doc)
    nic = emu.store.get(nic_id) if nic_id else None
    if nic is None:
        return out
    ipc = _primary_ipconfig(nic)
    out.private_ip = ipc.get("privateIPAddress")
    out.subnet_id = ref(ipc.get("subnet"))
    if out.subnet_id and "/subnets/" in out.subnet_id.lower():
        cut = out.subnet_id.lower().rindex("/subnets/")
        out.vnet_id = out.subnet_id[:cut]
    out.public_ip_id = ref(ipc.get("publicIPAddress"))
    pip = emu.store.get(out.public_ip_id) if out.public_ip_id else None
    if pip is not None:
        out.public_ip = pip.props.get("ipAddress")
    vnet = emu.store.get(out.vnet_id) if out.vnet_id else None
    servers = ((vnet.props.get("dhcpOptions") or {}).get("dnsServers") if vnet else None) or []
    nic_servers = (nic.props.get("dnsSettings") or {}).get("dnsServers") or []
    out.dns_servers = [str(s) for s in (nic_servers or servers)] or [AZURE_DNS]
    return out



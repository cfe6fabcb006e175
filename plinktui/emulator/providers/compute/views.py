"""The VM as the shell sees it: :class:`plinktui.emulator.vmshell.VmView` answered from the emulator's model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from plinktui.emulator.providers.compute.models import vm_network
from plinktui.emulator.resource import name_of

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator
    from plinktui.emulator.vmshell import HttpAnswer, Resolution

# ----------------------------------------------------------------------------------------------------------------
# The VM as the shell sees it


@dataclass
class EmulatorVmView:
    """:class:`plinktui.emulator.vmshell.VmView` for one emulated VM: DNS and HTTP answered by the emulator's model."""

    emu: Emulator
    vm_id: str
    name: str
    private_ip: str
    public_ip: str | None
    dns_servers: list[str]
    etc_hosts: list[tuple[str, list[str]]]
    host_key_public: str
    vnet_id: str | None

    def resolve(self, name: str) -> Resolution:
        """Resolve ``name`` as Azure DNS (or the VNet's DNS servers) would for this VM's VNet."""
        from plinktui.emulator import dns

        return dns.resolve(self.emu, name, self.vnet_id)

    def https_get(self, fqdn: str, path: str) -> HttpAnswer | None:
        """GET ``https://fqdn/path`` from this VM (the service sees the private or the public source IP)."""
        from plinktui.emulator import dns

        return dns.https_get(self.emu, fqdn, path, vnet_id=self.vnet_id, source_private_ip=self.private_ip,
                             source_public_ip=self.public_ip)


def view_for(emu: Emulator, vm_id: str) -> EmulatorVmView | None:
    """The shell's view of a VM, from the current documents; None when the VM does not exist."""
    rec = emu.store.get(vm_id)
    if rec is None:
        return None
    net = vm_network(emu, rec.doc)
    hosts = []
    for entry in rec.internal.get("etc_hosts") or []:
        ip, names = entry[0], entry[1]
        hosts.append((str(ip), [str(n) for n in names]))
    computer = ((rec.props.get("osProfile") or {}).get("computerName")) or name_of(rec.id)
    return EmulatorVmView(emu=emu, vm_id=rec.id, name=str(computer), private_ip=net.private_ip or "",
                          public_ip=net.public_ip, dns_servers=net.dns_servers, etc_hosts=hosts,
                          host_key_public=str(rec.internal.get("host_key_public", "")), vnet_id=net.vnet_id)


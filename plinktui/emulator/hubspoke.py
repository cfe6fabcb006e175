"""The hub-and-spoke demo story's landing zone (``plinktui demo --story hub-spoke``), on a two-subscription emulator.

Connectivity subscription (the first): ``rg-connectivity`` with ``vnet-hub`` (10.100.0.0/16), a DNS Private Resolver
``dnspr-hub`` whose inbound endpoint answers on 10.100.0.4, and the central ``privatelink.vaultcore.azure.net`` zone
linked to the hub. Landing-zone subscription (the second): ``rg-landing-zone`` with two spokes whose DNS server is
the hub's inbound endpoint, each with a vault behind a private endpoint (zone group on the central zone) and a Linux
VM trusting the demo key. ``vnet-spoke-a`` is peered with the hub both ways; ``vnet-spoke-b`` only from its own side,
so its peering stays ``Initiated`` and every query from it times out: the broken spoke the story fixes.

Every resource is created through the emulator's own routes (``seed._put``), as an SDK client's PUT would.
"""

from __future__ import annotations

import pathlib
from typing import TYPE_CHECKING, Any

from plinktui.emulator.faults import Faults
from plinktui.emulator.seed import API_COMPUTE, API_NETWORK, API_RESOURCES, _put, demo_key, linux_vm_properties

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator

LOCATION = "westus2"
RG_CONN, RG_LZ = "rg-connectivity", "rg-landing-zone"
ZONE = "privatelink.vaultcore.azure.net"
INBOUND_IP = "10.100.0.4"
API_RESOLVER, API_DNS, API_KEYVAULT = "2025-05-01", "2024-06-01", "2026-05-15"
SPOKES = (("vnet-spoke-a", 101, "kvhubspokea01", True), ("vnet-spoke-b", 102, "kvhubspokeb01", False))
"""(VNet, second octet, vault, peered from the hub too)."""


def resources(conn: str, land: str, tenant: str, public_key: str) -> list[tuple[str, dict[str, Any], str]]:
    """(ARM path, PUT body, api-version) in creation order."""
    hub_rg, lz_rg = f"/subscriptions/{conn}/resourceGroups/{RG_CONN}", f"/subscriptions/{land}/resourceGroups/{RG_LZ}"
    hub_net, lz_net = f"{hub_rg}/providers/Microsoft.Network", f"{lz_rg}/providers/Microsoft.Network"
    hub = f"{hub_net}/virtualNetworks/vnet-hub"
    resolver, zone = f"{hub_net}/dnsResolvers/dnspr-hub", f"{hub_net}/privateDnsZones/{ZONE}"
    delegated = [{"name": "dnsresolvers", "properties": {"serviceName": "Microsoft.Network/dnsResolvers"}}]
    out: list[tuple[str, dict[str, Any], str]] = [
        (hub_rg, {"location": LOCATION}, API_RESOURCES),
        (lz_rg, {"location": LOCATION}, API_RESOURCES),
        (hub, {"location": LOCATION, "properties": {"addressSpace": {"addressPrefixes": ["10.100.0.0/16"]}, "subnets": [
            {"name": "snet-dns-in", "properties": {"addressPrefix": "10.100.0.0/28", "delegations": delegated}},
            {"name": "snet-dns-out", "properties": {"addressPrefix": "10.100.0.16/28", "delegations": delegated}}]}},
         API_NETWORK),
        (resolver, {"location": LOCATION, "properties": {"virtualNetwork": {"id": hub}}}, API_RESOLVER),
        (resolver + "/inboundEndpoints/in-hub", {"location": LOCATION, "properties": {"ipConfigurations": [{
            "subnet": {"id": hub + "/subnets/snet-dns-in"}, "privateIpAllocationMethod": "Static",
            "privateIpAddress": INBOUND_IP}]}}, API_RESOLVER),
        (resolver + "/outboundEndpoints/out-hub", {"location": LOCATION, "properties": {
            "subnet": {"id": hub + "/subnets/snet-dns-out"}}}, API_RESOLVER),
        (zone, {"location": "global"}, API_DNS),
        (zone + "/virtualNetworkLinks/link-hub", {"location": "global", "properties": {
            "virtualNetwork": {"id": hub}, "registrationEnabled": False}}, API_DNS),
    ]
    for vnet, octet, vault, both in SPOKES:
        spoke = f"{lz_net}/virtualNetworks/{vnet}"
        vault_id = f"{lz_rg}/providers/Microsoft.KeyVault/vaults/{vault}"
        pe = f"{lz_net}/privateEndpoints/pe-{vault}"
        vm = vnet.replace("vnet-", "vm-")
        pip, nic = f"{lz_net}/publicIPAddresses/{vm}-pip", f"{lz_net}/networkInterfaces/{vm}-nic"
        out += [
            (spoke, {"location": LOCATION, "properties": {
                "addressSpace": {"addressPrefixes": [f"10.{octet}.0.0/16"]},
                "dhcpOptions": {"dnsServers": [INBOUND_IP]},
                "subnets": [{"name": "snet-pe", "properties": {"addressPrefix": f"10.{octet}.1.0/24"}},
                            {"name": "snet-vm", "properties": {"addressPrefix": f"10.{octet}.2.0/24"}}]}}, API_NETWORK),
            (spoke + "/virtualNetworkPeerings/to-hub", {"properties": {
                "remoteVirtualNetwork": {"id": hub}, "allowVirtualNetworkAccess": True}}, API_NETWORK),
        ]
        if both:
            out.append((hub + f"/virtualNetworkPeerings/to-{vnet}", {"properties": {
                "remoteVirtualNetwork": {"id": spoke}, "allowVirtualNetworkAccess": True}}, API_NETWORK))
        out += [
            (vault_id, {"location": "eastus2", "properties": {
                "tenantId": tenant, "sku": {"family": "A", "name": "standard"}, "enableRbacAuthorization": True,
                "publicNetworkAccess": "Disabled", "networkAcls": {"defaultAction": "Deny", "bypass": "None"}}},
             API_KEYVAULT),
            (pe, {"location": LOCATION, "properties": {"subnet": {"id": spoke + "/subnets/snet-pe"},
                                                       "privateLinkServiceConnections": [{"name": "conn", "properties": {
                                                           "privateLinkServiceId": vault_id,
                                                           "groupIds": ["vault"]}}]}}, API_NETWORK),
            (pe + "/privateDnsZoneGroups/default", {"properties": {"privateDnsZoneConfigs": [
                {"name": "kv", "properties": {"privateDnsZoneId": zone}}]}}, API_NETWORK),
            (pip, {"location": LOCATION, "sku": {"name": "Standard", "tier": "Regional"},
                   "properties": {"publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4"}}, API_NETWORK),
            (nic, {"location": LOCATION, "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
                "privateIPAllocationMethod": "Dynamic", "subnet": {"id": spoke + "/subnets/snet-vm"},
                "publicIPAddress": {"id": pip}, "primary": True}}]}}, API_NETWORK),
            (f"{lz_rg}/providers/Microsoft.Compute/virtualMachines/{vm}",
             {"location": LOCATION, "properties": linux_vm_properties(vm, public_key, nic)}, API_COMPUTE),
        ]
    return out


def seed_hubspoke(emu: Emulator, demo_dir: str | pathlib.Path) -> pathlib.Path:
    """Create what is missing of the landing zone (idempotent); returns the demo private key the VMs trust.

    Raises:
        SeedError: the emulator refused a resource, or it has fewer than two subscriptions.
    """
    from plinktui.emulator.seed import SeedError

    ids = emu.tenancy.ids
    if len(ids) < 2:
        raise SeedError("the hub-spoke story needs an emulator with two subscriptions (--subscriptions 2)")
    private_path, public_line = demo_key(pathlib.Path(demo_dir))
    saved = emu.config.latency_scale, emu.faults, emu.config.reader_only
    emu.config.latency_scale, emu.faults, emu.config.reader_only = 0.0, Faults(0), False
    try:
        for path, body, api in resources(ids[0], ids[1], emu.config.tenant_id, public_line):
            _put(emu, path, body, api)
    finally:
        emu.config.latency_scale, emu.faults, emu.config.reader_only = saved
    return private_path

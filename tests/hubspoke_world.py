"""A hub-and-spoke landing zone built through the official SDK clients on a two-subscription emulator.

Connectivity subscription: ``vnet-hub`` 10.100.0.0/16 (``snet-dns-in`` 10.100.0.0/28 and ``snet-dns-out``
10.100.0.16/28 delegated to DNS resolvers, ``snet-vm``), resolver ``dnspr-hub`` with inbound endpoint 10.100.0.4 and an
outbound endpoint, the central ``privatelink.vaultcore.azure.net`` zone linked to the hub. Landing-zone subscription:
spokes whose DNS server is the inbound endpoint, a vault and its private endpoint in ``vnet-spoke-a`` (zone group on
the central zone). Each method is one SDK call or a few, so a test plants exactly the defect it needs.
"""

from __future__ import annotations

from typing import Any

from plinktui.cloud import Gateway
from plinktui.emulator.seed import linux_vm_properties

ZONE = "privatelink.vaultcore.azure.net"
INBOUND_IP = "10.100.0.4"
HUBSPOKE_CHECKS = ("PL026", "PL027", "PL028", "PL029", "PL030", "PL031", "PL032")
"""The checks a hub-and-spoke landing zone brings (tests/audits/test_resolution.py plants each)."""
RG_HUB, RG_APP = "rg-hub", "rg-app"


class HubSpoke:
    """Builds the landing zone step by step (each step is what a user's script would call)."""

    def __init__(self, gw: Gateway, subscriptions: list[str]) -> None:
        self.gw = gw
        self.conn = gw.for_subscription(subscriptions[0])
        self.land = gw.for_subscription(subscriptions[1])
        self.subs = subscriptions
        self.tenant = gw.target.tenant_id or "00000000-0000-0000-0000-000000000000"
        net = "/resourceGroups/{}/providers/Microsoft.Network"
        self.hub_net = f"/subscriptions/{subscriptions[0]}" + net.format(RG_HUB)
        self.app_net = f"/subscriptions/{subscriptions[1]}" + net.format(RG_APP)
        self.hub = f"{self.hub_net}/virtualNetworks/vnet-hub"
        self.zone_id = f"{self.hub_net}/privateDnsZones/{ZONE}"
        self.resolver = f"{self.hub_net}/dnsResolvers/dnspr-hub"

    def spoke_id(self, name: str) -> str:
        return f"{self.app_net}/virtualNetworks/{name}"

    async def hub_side(self, *, link_hub: bool = True) -> None:
        """Resource groups, hub VNet, resolver + inbound/outbound endpoints, the central zone (linked to the hub)."""
        await self.conn.resources.resource_groups.create_or_update(RG_HUB, {"location": "westus2"})
        await self.land.resources.resource_groups.create_or_update(RG_APP, {"location": "westus2"})
        delegated = [{"name": "dnsresolvers", "properties": {"serviceName": "Microsoft.Network/dnsResolvers"}}]
        await self.conn.result(self.conn.network.virtual_networks.begin_create_or_update(RG_HUB, "vnet-hub", {
            "location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.100.0.0/16"]}, "subnets": [
                {"name": "snet-dns-in", "properties": {"addressPrefix": "10.100.0.0/28", "delegations": delegated}},
                {"name": "snet-dns-out", "properties": {"addressPrefix": "10.100.0.16/28", "delegations": delegated}},
                {"name": "snet-vm", "properties": {"addressPrefix": "10.100.1.0/24"}}]}}))
        dr = self.conn.dnsresolver
        await self.conn.result(dr.dns_resolvers.begin_create_or_update(RG_HUB, "dnspr-hub", {
            "location": "westus2", "properties": {"virtualNetwork": {"id": self.hub}}}))
        await self.conn.result(dr.inbound_endpoints.begin_create_or_update(RG_HUB, "dnspr-hub", "in-hub", {
            "location": "westus2", "properties": {"ipConfigurations": [{
                "subnet": {"id": self.hub + "/subnets/snet-dns-in"}, "privateIpAllocationMethod": "Static",
                "privateIpAddress": INBOUND_IP}]}}))
        await self.conn.result(dr.outbound_endpoints.begin_create_or_update(RG_HUB, "dnspr-hub", "out-hub", {
            "location": "westus2", "properties": {"subnet": {"id": self.hub + "/subnets/snet-dns-out"}}}))
        await self.conn.result(self.conn.privatedns.private_zones.begin_create_or_update(
            RG_HUB, ZONE, {"location": "global"}))
        if link_hub:
            await self.link_zone(self.hub, "link-hub")

    async def link_zone(self, vnet_id: str, name: str) -> None:
        await self.conn.result(self.conn.privatedns.virtual_network_links.begin_create_or_update(
            RG_HUB, ZONE, name, {"location": "global", "properties": {"virtualNetwork": {"id": vnet_id},
                                                                    "registrationEnabled": False}}))

    async def spoke(self, name: str, octet: int, *, dns: list[str] | None = None) -> str:
        props: dict[str, Any] = {"addressSpace": {"addressPrefixes": [f"10.{octet}.0.0/16"]}, "subnets": [
            {"name": "snet-pe", "properties": {"addressPrefix": f"10.{octet}.1.0/24"}},
            {"name": "snet-vm", "properties": {"addressPrefix": f"10.{octet}.2.0/24"}}]}
        props["dhcpOptions"] = {"dnsServers": [INBOUND_IP] if dns is None else dns}
        v = await self.land.result(self.land.network.virtual_networks.begin_create_or_update(
            RG_APP, name, {"location": "westus2", "properties": props}))
        return str(v.id)

    async def peer(self, vnet_id: str, remote_id: str, name: str) -> None:
        """One side of a peering, created in the subscription of ``vnet_id``."""
        side = self.conn if vnet_id.lower() == self.hub.lower() else self.land
        rg = RG_HUB if side is self.conn else RG_APP
        await side.result(side.network.virtual_network_peerings.begin_create_or_update(
            rg, vnet_id.rsplit("/", 1)[-1], name, {"properties": {
                "remoteVirtualNetwork": {"id": remote_id}, "allowVirtualNetworkAccess": True,
                "allowForwardedTraffic": True}}))

    async def peer_both(self, spoke_id: str) -> None:
        short = spoke_id.rsplit("/", 1)[-1]
        await self.peer(spoke_id, self.hub, "to-hub")
        await self.peer(self.hub, spoke_id, f"to-{short}")

    async def vault_endpoint(self, vault: str, spoke_id: str, *, zone_group: bool = True) -> str:
        v = await self.land.result(self.land.keyvault.vaults.begin_create_or_update(RG_APP, vault, {
            "location": "eastus2", "properties": {
                "tenantId": self.tenant, "sku": {"family": "A", "name": "standard"}, "accessPolicies": [],
                "enableRbacAuthorization": True, "publicNetworkAccess": "Disabled",
                "networkAcls": {"defaultAction": "Deny", "bypass": "None"}}}))
        pe = await self.land.result(self.land.network.private_endpoints.begin_create_or_update(RG_APP, f"pe-{vault}", {
            "location": "westus2", "properties": {"subnet": {"id": f"{spoke_id}/subnets/snet-pe"},
                                                  "privateLinkServiceConnections": [{"name": "conn", "properties": {
                                                      "privateLinkServiceId": v.id, "groupIds": ["vault"]}}]}}))
        if zone_group:
            await self.land.result(self.land.network.private_dns_zone_groups.begin_create_or_update(
                RG_APP, f"pe-{vault}", "default", {"properties": {"privateDnsZoneConfigs": [
                    {"name": "kv", "properties": {"privateDnsZoneId": self.zone_id}}]}}))
        return str(pe.id)

    async def ruleset(self, name: str, vnet_ids: list[str], rules: dict[str, list[str]]) -> str:
        """A ruleset on the hub's outbound endpoint, linked to the given VNets, with ``domain -> targets`` rules."""
        dr = self.conn.dnsresolver
        rs = await self.conn.result(dr.dns_forwarding_rulesets.begin_create_or_update(RG_HUB, name, {
            "location": "westus2", "properties": {"dnsResolverOutboundEndpoints": [
                {"id": self.resolver + "/outboundEndpoints/out-hub"}]}}))
        for i, (domain, targets) in enumerate(rules.items()):
            await dr.forwarding_rules.create_or_update(RG_HUB, name, f"rule{i}", {"properties": {
                "domainName": domain, "targetDnsServers": [{"ipAddress": t, "port": 53} for t in targets]}})
        for vnet_id in vnet_ids:
            await self.conn.result(dr.virtual_network_links.begin_create_or_update(
                RG_HUB, name, f"link-{vnet_id.rsplit('/', 1)[-1]}", {"properties": {"virtualNetwork": {"id": vnet_id}}}))
        return str(rs.id)

    async def vm(self, name: str, vnet_id: str, pubkey: str) -> str:
        side = self.conn if vnet_id.lower() == self.hub.lower() else self.land
        rg = RG_HUB if side is self.conn else RG_APP
        net = side.network
        pip = await side.result(net.public_ip_addresses.begin_create_or_update(rg, f"{name}-pip", {
            "location": "westus2", "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static"}}))
        nic = await side.result(net.network_interfaces.begin_create_or_update(rg, f"{name}-nic", {
            "location": "westus2", "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
                "subnet": {"id": f"{vnet_id}/subnets/snet-vm"}, "publicIPAddress": {"id": pip.id}}}]}}))
        vm = await side.result(side.compute.virtual_machines.begin_create_or_update(rg, name, {
            "location": "westus2", "properties": linux_vm_properties(name, pubkey, nic.id)}))
        return str(vm.id)

    async def pe_ip(self, pe_id: str) -> str:
        pe = await self.land.network.private_endpoints.get(RG_APP, pe_id.rsplit("/", 1)[-1])
        nic = await self.land.network.network_interfaces.get(
            RG_APP, pe.properties.network_interfaces[0].id.rsplit("/", 1)[-1])
        return str(nic.properties.ip_configurations[0].properties.private_ip_address)

"""A broken subscription's builder: resources made through the official SDK clients, as a user's script would."""

from __future__ import annotations

from plinktui.cloud import Gateway
from plinktui.emulator.seed import linux_vm_properties

RG = "rg-broken"
ZONE = "privatelink.vaultcore.azure.net"


class World:
    """Builds resources through the SDK (the same calls a user's script would make)."""

    def __init__(self, gw: Gateway) -> None:
        self.gw = gw
        self.sub = gw.subscription_id
        self.tenant = gw.target.tenant_id or "00000000-0000-0000-0000-000000000000"
        self.net_prefix = f"/subscriptions/{self.sub}/resourceGroups/{RG}/providers/Microsoft.Network"
        self.zone_id = f"{self.net_prefix}/privateDnsZones/{ZONE}"
        self.n = 0

    async def base(self) -> None:
        await self.gw.resources.resource_groups.create_or_update(RG, {"location": "westus2"})
        await self.gw.result(self.gw.privatedns.private_zones.begin_create_or_update(RG, ZONE, {"location": "global"}))

    async def vnet(self, name: str, *, dns: list[str] | None = None, link: bool = True, register: bool = False,
                   policy: str | None = None) -> str:
        self.n += 1
        props: dict = {"addressSpace": {"addressPrefixes": [f"10.{self.n}.0.0/16"]},
                       "subnets": [{"name": "snet-pe", "properties": {"addressPrefix": f"10.{self.n}.1.0/24"}}]}
        if dns:
            props["dhcpOptions"] = {"dnsServers": dns}
        v = await self.gw.result(self.gw.network.virtual_networks.begin_create_or_update(
            RG, name, {"location": "westus2", "properties": props}))
        if link:
            lp = {"virtualNetwork": {"id": v.id}, "registrationEnabled": register}
            if policy:
                lp["resolutionPolicy"] = policy
            await self.gw.result(self.gw.privatedns.virtual_network_links.begin_create_or_update(
                RG, ZONE, f"link-{name}", {"location": "global", "properties": lp}))
        return v.id

    async def vault(self, name: str, *, public: bool = False, rbac: bool = True) -> str:
        v = await self.gw.result(self.gw.keyvault.vaults.begin_create_or_update(RG, name, {
            "location": "eastus2", "properties": {
                "tenantId": self.tenant, "sku": {"family": "A", "name": "standard"}, "accessPolicies": [],
                "enableRbacAuthorization": rbac, "publicNetworkAccess": "Enabled" if public else "Disabled",
                "networkAcls": {"defaultAction": "Allow" if public else "Deny", "bypass": "None"}}}))
        return v.id

    async def endpoint(self, name: str, vnet_id: str, vault_id: str, *, manual: bool = False,
                       zone_group: bool = True) -> str:
        k = "manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"
        pe = await self.gw.result(self.gw.network.private_endpoints.begin_create_or_update(RG, name, {
            "location": "westus2", "properties": {"subnet": {"id": f"{vnet_id}/subnets/snet-pe"}, k: [
                {"name": f"{name}-conn", "properties": {"privateLinkServiceId": vault_id, "groupIds": ["vault"],
                                                        "requestMessage": "please"}}]}}))
        if zone_group:
            await self.gw.result(self.gw.network.private_dns_zone_groups.begin_create_or_update(RG, name, "default", {
                "properties": {"privateDnsZoneConfigs": [{"name": "kv", "properties": {
                    "privateDnsZoneId": self.zone_id}}]}}))
        return pe.id

    async def vm(self, name: str, vnet_id: str, pubkey: str) -> str:
        net = self.gw.network
        pip = await self.gw.result(net.public_ip_addresses.begin_create_or_update(RG, f"{name}-pip", {
            "location": "westus2", "sku": {"name": "Standard"},
            "properties": {"publicIPAllocationMethod": "Static"}}))
        nic = await self.gw.result(net.network_interfaces.begin_create_or_update(RG, f"{name}-nic", {
            "location": "westus2", "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
                "subnet": {"id": f"{vnet_id}/subnets/snet-pe"}, "publicIPAddress": {"id": pip.id}}}]}}))
        vm = await self.gw.result(self.gw.compute.virtual_machines.begin_create_or_update(RG, name, {
            "location": "westus2", "properties": linux_vm_properties(name, pubkey, nic.id)}))
        return vm.id

    async def set_record(self, name: str, ips: list[str], ttl: int = 10) -> None:
        await self.gw.privatedns.record_sets.create_or_update(RG, ZONE, "A", name, {
            "properties": {"ttl": ttl, "aRecords": [{"ipv4Address": i} for i in ips]}})

    async def nic_ip(self, pe_name: str) -> str:
        pe = await self.gw.network.private_endpoints.get(RG, pe_name)
        nic_id = pe.properties.network_interfaces[0].id
        nic = await self.gw.network.network_interfaces.get(RG, nic_id.rsplit("/", 1)[-1])
        return nic.properties.ip_configurations[0].properties.private_ip_address


def keypair(tmp_path) -> tuple[str, str]:
    import asyncssh

    key = asyncssh.generate_private_key("ssh-ed25519")
    path = tmp_path / "id_ed25519"
    path.write_bytes(key.export_private_key())
    path.chmod(0o600)
    return str(path), key.export_public_key().decode().strip()

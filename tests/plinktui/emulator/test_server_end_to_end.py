"""Issue 2's end-to-end story through the official SDK clients and real SSH: a VNet in westus2, a vault in eastus2,
the private DNS zone with its link, a private endpoint with a zone group, and a VM with a public IP. The VM's host key
is pinned from Run Command; over SSH the vault name resolves to the endpoint NIC's IP (private chain) and healthstatus
sees the VM's private IP; deleting the VNet link brings back the public chain."""

from __future__ import annotations

import re

import asyncssh

from plinktui.cloud import Gateway
from plinktui.sshkeys import generate

RG = "rg-e2e"
VAULT = "kve2ewestdemo01"
ZONE = "privatelink.vaultcore.azure.net"
FQDN = f"{VAULT}.vault.azure.net"
PL = f"{VAULT}.privatelink.vaultcore.azure.net"


async def test_private_path_end_to_end(gw: Gateway, emu, tmp_path) -> None:
    # -- the cloud side, all through the SDK ------------------------------------------------------------------------
    await gw.resources.resource_groups.create_or_update(RG, {"location": "westus2"})
    vnet = await gw.result(gw.network.virtual_networks.begin_create_or_update(RG, "vnet-e2e", {
        "location": "westus2", "properties": {
            "addressSpace": {"addressPrefixes": ["10.50.0.0/16"]},
            "subnets": [{"name": "snet-vm", "properties": {"addressPrefix": "10.50.1.0/24"}},
                        {"name": "snet-pe", "properties": {"addressPrefix": "10.50.2.0/24"}}]}}))
    subnets = {s.name: s.id for s in vnet.subnets}
    vault = await gw.result(gw.keyvault.vaults.begin_create_or_update(RG, VAULT, {
        "location": "eastus2", "properties": {
            "tenantId": emu.config.tenant_id, "sku": {"family": "A", "name": "standard"},
            "enableRbacAuthorization": True, "publicNetworkAccess": "Disabled", "accessPolicies": [],
            "networkAcls": {"defaultAction": "Deny", "bypass": "None"}}}))
    assert vault.location == "eastus2"
    zone = await gw.result(gw.privatedns.private_zones.begin_create_or_update(RG, ZONE, {"location": "global"}))
    await gw.result(gw.privatedns.virtual_network_links.begin_create_or_update(RG, ZONE, "link-e2e", {
        "location": "global", "properties": {"virtualNetwork": {"id": vnet.id}, "registrationEnabled": False}}))
    pe = await gw.result(gw.network.private_endpoints.begin_create_or_update(RG, "pe-kv", {
        "location": "westus2", "properties": {"subnet": {"id": subnets["snet-pe"]}, "privateLinkServiceConnections": [
            {"name": "pe-kv-conn", "properties": {"privateLinkServiceId": vault.id, "groupIds": ["vault"]}}]}}))
    await gw.result(gw.network.private_dns_zone_groups.begin_create_or_update(RG, "pe-kv", "default", {
        "properties": {"privateDnsZoneConfigs": [{"name": "kv", "properties": {"privateDnsZoneId": zone.id}}]}}))
    pe_nic = await gw.network.network_interfaces.get(RG, pe.network_interfaces[0].id.rsplit("/", 1)[-1])
    pe_ip = pe_nic.ip_configurations[0].private_ip_address
    assert pe_ip == "10.50.2.4"

    pip = await gw.result(gw.network.public_ip_addresses.begin_create_or_update(RG, "vm-e2e-pip", {
        "location": "westus2", "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static"}}))
    nic = await gw.result(gw.network.network_interfaces.begin_create_or_update(RG, "vm-e2e-nic", {
        "location": "westus2", "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
            "subnet": {"id": subnets["snet-vm"]}, "publicIPAddress": {"id": pip.id}}}]}}))
    vm_ip = nic.ip_configurations[0].private_ip_address
    client = generate("e2e-client", directory=tmp_path)
    await gw.result(gw.compute.virtual_machines.begin_create_or_update(RG, "vm-e2e", {
        "location": "westus2", "properties": {
            "hardwareProfile": {"vmSize": "Standard_B1s"},
            "storageProfile": {"imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts",
                                                  "sku": "server", "version": "latest"},
                               "osDisk": {"createOption": "FromImage", "deleteOption": "Delete"}},
            "osProfile": {"computerName": "vm-e2e", "adminUsername": "azureuser", "linuxConfiguration": {
                "disablePasswordAuthentication": True, "ssh": {"publicKeys": [
                    {"path": "/home/azureuser/.ssh/authorized_keys", "keyData": client.public_key}]}}},
            "networkProfile": {"networkInterfaces": [{"id": nic.id, "properties": {"deleteOption": "Delete"}}]}}}))

    # -- pin the host key from Run Command, then real SSH --------------------------------------------------------
    rc = await gw.result(gw.compute.virtual_machines.begin_run_command(RG, "vm-e2e", {
        "commandId": "RunShellScript", "script": ["cat /etc/ssh/ssh_host_ed25519_key.pub"]}))
    message = rc.value[0].message
    assert message.startswith("Enable succeeded: \n[stdout]\nssh-ed25519 ")
    host_key = message.split("[stdout]\n", 1)[1].split("\n", 1)[0]
    host, port = await gw.ssh_address(pip.ip_address)
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[{host}]:{port} {host_key}\n")

    async with asyncssh.connect(host, port, username="azureuser", client_keys=[str(client.private_path)],
                                known_hosts=str(known_hosts), connect_timeout=10) as conn:
        private = await conn.run(f"host {FQDN}", check=False)
        assert private.exit_status == 0
        assert private.stdout == (f"{FQDN} is an alias for {PL}.\n"
                                  f"{PL} has address {pe_ip}\n")
        health = await conn.run(f"curl -s -i https://{FQDN}/healthstatus", check=False)
        assert health.stdout.startswith("HTTP/1.1 200 OK\r\n")
        assert f"x-ms-keyvault-network-info: addr={vm_ip};" in health.stdout

        # -- delete the VNet link: Azure DNS answers the public chain again -----------------------------------
        await gw.result(gw.privatedns.virtual_network_links.begin_delete(RG, ZONE, "link-e2e"))
        public = await conn.run(f"host {FQDN}", check=False)
        assert public.exit_status == 0
        lines = public.stdout.splitlines()
        assert lines[:3] == [f"{FQDN} is an alias for {PL}.",
                             f"{PL} is an alias for data-prod-eus2.vaultcore.azure.net.",
                             "data-prod-eus2.vaultcore.azure.net is an alias for "
                             "data-prod-eus2-region.vaultcore.azure.net."]
        assert lines[3] == ("data-prod-eus2-region.vaultcore.azure.net is an alias for "
                            "azkms-prod-eus2-b.eastus2.cloudapp.azure.com.")
        assert re.fullmatch(r"azkms-prod-eus2-b\.eastus2\.cloudapp\.azure\.com has address (\d+\.){3}\d+", lines[4])
        assert len(lines) == 5 and pe_ip not in public.stdout
        # public access is disabled, so the public path is refused by the vault
        refused = await conn.run(f"curl -s -i https://{FQDN}/healthstatus", check=False)
        assert refused.stdout.startswith("HTTP/1.1 403 Forbidden\r\n")
        assert "ForbiddenByConnection" in refused.stdout

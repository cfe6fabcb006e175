"""The probes end to end against the in-process emulator, through the official SDK clients: a VM in a VNet with a
vault private endpoint, SSH pinned from Run Command, the same verdicts over SSH and over Run Command, and the
verdict turning when the zone's VNet link goes away."""

from __future__ import annotations

import asyncssh
import pytest

from plinktui.probes.runcommand import fetch_host_key_via_run_command, probe_via_run_command
from plinktui.probes.ssh import SshProbeSession, fingerprint, probe_fqdns
from plinktui.probes.verdict import ProbeTarget

RG = "rg-probe"
REGION = "westus2"
ZONE = "privatelink.vaultcore.azure.net"
VAULT = "kvprobes7734"
FQDN = f"{VAULT}.vault.azure.net"


async def build(gw, tenant_id: str, pubkey: str) -> dict[str, str]:
    sub = gw.subscription_id
    net = f"/subscriptions/{sub}/resourceGroups/{RG}/providers/Microsoft.Network"
    await gw.resources.resource_groups.create_or_update(RG, {"location": REGION})
    await gw.result(gw.network.virtual_networks.begin_create_or_update(RG, "vnet-probe", {
        "location": REGION, "properties": {"addressSpace": {"addressPrefixes": ["10.40.0.0/16"]}, "subnets": [
            {"name": "snet-vm", "properties": {"addressPrefix": "10.40.1.0/24"}},
            {"name": "snet-pe", "properties": {"addressPrefix": "10.40.2.0/24"}}]}}))
    pip = await gw.result(gw.network.public_ip_addresses.begin_create_or_update(RG, "pip-vm", {
        "location": REGION, "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static"}}))
    await gw.result(gw.network.network_interfaces.begin_create_or_update(RG, "nic-vm", {
        "location": REGION, "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
            "subnet": {"id": f"{net}/virtualNetworks/vnet-probe/subnets/snet-vm"},
            "publicIPAddress": {"id": pip.id}}}]}}))
    await gw.result(gw.compute.virtual_machines.begin_create_or_update(RG, "vm-probe", {
        "location": REGION, "properties": {
            "hardwareProfile": {"vmSize": "Standard_B1s"},
            "storageProfile": {"imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts",
                                                  "sku": "server", "version": "latest"},
                               "osDisk": {"createOption": "FromImage", "deleteOption": "Delete"}},
            "osProfile": {"computerName": "vm-probe", "adminUsername": "azureuser", "linuxConfiguration": {
                "disablePasswordAuthentication": True,
                "ssh": {"publicKeys": [{"path": "/home/azureuser/.ssh/authorized_keys", "keyData": pubkey}]}}},
            "networkProfile": {"networkInterfaces": [{"id": f"{net}/networkInterfaces/nic-vm"}]}}}))
    vault = await gw.result(gw.keyvault.vaults.begin_create_or_update(RG, VAULT, {
        "location": "eastus2", "properties": {"tenantId": tenant_id, "sku": {"family": "A", "name": "standard"},
                                              "enableRbacAuthorization": True, "publicNetworkAccess": "Disabled",
                                              "networkAcls": {"defaultAction": "Deny", "bypass": "None"}}}))
    zone = await gw.result(gw.privatedns.private_zones.begin_create_or_update(RG, ZONE, {"location": "global"}))
    await gw.result(gw.privatedns.virtual_network_links.begin_create_or_update(RG, ZONE, "link-probe", {
        "location": "global", "properties": {"virtualNetwork": {"id": f"{net}/virtualNetworks/vnet-probe"},
                                             "registrationEnabled": False}}))
    pe = await gw.result(gw.network.private_endpoints.begin_create_or_update(RG, "pe-kv", {
        "location": REGION, "properties": {
            "subnet": {"id": f"{net}/virtualNetworks/vnet-probe/subnets/snet-pe"},
            "privateLinkServiceConnections": [{"name": "pe-kv-conn", "properties": {
                "privateLinkServiceId": vault.id, "groupIds": ["vault"]}}]}}))
    await gw.result(gw.network.private_dns_zone_groups.begin_create_or_update(RG, "pe-kv", "default", {
        "properties": {"privateDnsZoneConfigs": [{"name": "kv", "properties": {"privateDnsZoneId": zone.id}}]}}))
    nic = await gw.network.network_interfaces.get(RG, "nic-vm")
    pe_nic = await gw.network.network_interfaces.get(RG, pe.network_interfaces[0].id.rsplit("/", 1)[1])
    pip = await gw.network.public_ip_addresses.get(RG, "pip-vm")
    return {"vm_ip": nic.ip_configurations[0].private_ip_address, "pe_ip": pe_nic.ip_configurations[0].private_ip_address,
            "public_ip": pip.ip_address}


@pytest.fixture
def client_key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519")


async def test_probe_over_ssh_and_run_command_agree(emu, gw, client_key) -> None:
    ips = await build(gw, gw.target.tenant_id or emu.config.tenant_id, client_key.export_public_key().decode().strip())
    assert ips["pe_ip"].startswith("10.40.2.")
    pinned = await fetch_host_key_via_run_command(gw, RG, "vm-probe")
    assert pinned.startswith("ssh-ed25519 AAAA")
    host, port = await gw.ssh_address(ips["public_ip"])
    assert host == "127.0.0.1"
    target = ProbeTarget(FQDN, [ips["pe_ip"]])
    async with SshProbeSession(host, port, username="azureuser", client_keys=[client_key],
                               pinned_host_key=pinned, label="vm-probe") as s:
        assert s.host_key_fingerprint == fingerprint(pinned)
        [over_ssh] = await probe_fqdns(s, [target], ips["vm_ip"])
    assert over_ssh.verdict == "pass", over_ssh.detail
    assert over_ssh.cname_chain == [FQDN, f"{VAULT}.privatelink.vaultcore.azure.net"]
    assert over_ssh.resolved_ips == [ips["pe_ip"]] and over_ssh.healthstatus_addr == ips["vm_ip"]
    [over_rc] = await probe_via_run_command(gw, RG, "vm-probe", [target], ips["vm_ip"])
    assert (over_rc.verdict, over_rc.resolved_ips, over_rc.cname_chain, over_rc.healthstatus_addr) == (
        over_ssh.verdict, over_ssh.resolved_ips, over_ssh.cname_chain, over_ssh.healthstatus_addr)
    # the VM runs systemd-resolved (/etc/resolv.conf names 127.0.0.53): both paths read the upstream behind it
    assert over_ssh.nameservers == over_rc.nameservers == ["168.63.129.16"]
    assert "local stub" not in over_ssh.detail and "local stub" not in over_rc.detail

    # without the zone's VNet link Azure DNS answers the public chain: PL020, and the vault refuses the public path
    await gw.result(gw.privatedns.virtual_network_links.begin_delete(RG, ZONE, "link-probe"))
    async with SshProbeSession(host, port, username="azureuser", client_keys=[client_key],
                               pinned_host_key=pinned) as s:
        [broken] = await probe_fqdns(s, [target], ips["vm_ip"])
    assert broken.verdict == "fail" and "PL020" in broken.findings, broken.detail
    assert "PL023" in broken.findings
    assert f"{VAULT}.privatelink.vaultcore.azure.net" in broken.cname_chain

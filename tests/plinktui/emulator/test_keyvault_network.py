"""Key Vault + Private DNS + the network provider together, SDK calls only (no planted documents): manual approval
through the vault flips the PE, the zone group's record makes the private chain, deleting the link or the vault
changes what a VM in the VNet sees."""

from __future__ import annotations

from plinktui.cloud import Gateway
from tests.dns_world import ModelVm, make_link, make_rg, make_vault, make_zone

ZONE = "privatelink.vaultcore.azure.net"


async def _network(gw: Gateway, rg: str) -> tuple[str, str]:
    vnet = await gw.result(gw.network.virtual_networks.begin_create_or_update(rg, "vnet-w2", {
        "location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.42.0.0/16"]},
                                              "subnets": [{"name": "snet-pe", "properties": {
                                                  "addressPrefix": "10.42.1.0/24"}}]}}))
    return vnet.id, f"{vnet.id}/subnets/snet-pe"


def _conn_status(pe, manual: bool) -> str:
    conns = pe.manual_private_link_service_connections if manual else pe.private_link_service_connections
    return conns[0].private_link_service_connection_state.status


async def test_manual_approval_through_the_vault_and_private_dns(gw: Gateway, emu) -> None:
    await make_rg(gw, "rg-e2e")
    vnet_id, subnet_id = await _network(gw, "rg-e2e")
    vault = await make_vault(gw, "rg-e2e", "kve2e4711", location="eastus2", publicNetworkAccess="Disabled")
    pe = await gw.result(gw.network.private_endpoints.begin_create_or_update("rg-e2e", "pe-kv", {
        "location": "westus2", "properties": {"subnet": {"id": subnet_id}, "manualPrivateLinkServiceConnections": [{
            "name": "conn", "properties": {"privateLinkServiceId": vault.id, "groupIds": ["vault"],
                                           "requestMessage": "please approve"}}]}}))
    assert _conn_status(pe, manual=True) == "Pending"
    zone = await make_zone(gw, "rg-e2e")
    await make_link(gw, "rg-e2e", ZONE, "link-w2", vnet_id)
    await gw.result(gw.network.private_dns_zone_groups.begin_create_or_update("rg-e2e", "pe-kv", "default", {
        "properties": {"privateDnsZoneConfigs": [{"name": "kv", "properties": {"privateDnsZoneId": zone.id}}]}}))
    assert (await gw.privatedns.private_zones.get("rg-e2e", ZONE)).properties.number_of_record_sets == 2
    vm = ModelVm(emu, vnet_id, private_ip="10.42.1.10", public_ip="20.1.2.3")
    pending_view = vm.sh("host kve2e4711.vault.azure.net")
    assert "privatelink" not in pending_view and "data-prod-eus2" in pending_view  # no alias before approval

    conns = [c async for c in gw.keyvault.private_endpoint_connections.list_by_resource("rg-e2e", "kve2e4711")]
    assert len(conns) == 1 and conns[0].properties.private_endpoint.id == pe.id
    await gw.keyvault.private_endpoint_connections.put("rg-e2e", "kve2e4711", conns[0].name, {
        "properties": {"privateLinkServiceConnectionState": {"status": "Approved", "description": "approved"}}})
    pe = await gw.network.private_endpoints.get("rg-e2e", "pe-kv")
    assert _conn_status(pe, manual=True) == "Approved"  # both sides agree
    ip = pe.custom_dns_configs[0].ip_addresses[0]
    assert vm.sh("host kve2e4711.vault.azure.net") == (
        "kve2e4711.vault.azure.net is an alias for kve2e4711.privatelink.vaultcore.azure.net.\n"
        f"kve2e4711.privatelink.vaultcore.azure.net has address {ip}\n")
    health = vm.https_get("kve2e4711.vault.azure.net", "/healthstatus")
    assert health.status == 200 and dict(health.headers)["x-ms-keyvault-network-info"].startswith("addr=10.42.1.10;")

    await gw.result(gw.privatedns.virtual_network_links.begin_delete("rg-e2e", ZONE, "link-w2"))
    assert "azkms-prod-eus2-b.eastus2.cloudapp.azure.com has address" in vm.sh("host kve2e4711.vault.azure.net")
    assert vm.https_get("kve2e4711.vault.azure.net", "/healthstatus").status == 403  # public path, access disabled

    await gw.keyvault.vaults.delete("rg-e2e", "kve2e4711")
    pe = await gw.network.private_endpoints.get("rg-e2e", "pe-kv")
    assert _conn_status(pe, manual=True) == "Disconnected"
    assert "NXDOMAIN" in vm.sh("host kve2e4711.vault.azure.net")

"""Known divergences from real ARM, closed: each test replays what Azure answers (raw HTTPS, as any client sends it).

Evidence per item is listed in the README's emulator fidelity table (SDK examples, published error outputs)."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.arm_examples import call

NET = "2026-03-01"
KV = "2026-05-15"
DNS = "2024-06-01"


async def _world(emu: Any, rg: str = "rg-fid") -> str:
    base = f"/subscriptions/{emu.config.subscription_id}/resourceGroups/{rg}"
    assert (await call(emu, "PUT", base, {"location": "westus2"}, "2025-04-01")).status < 300
    return base


def _net(base: str, kind: str, name: str) -> str:
    return f"{base}/providers/Microsoft.Network/{kind}/{name}"


async def _until_succeeded(emu: Any, path: str, api: str) -> Any:
    for _ in range(300):
        got = await call(emu, "GET", path, None, api)
        if got.body["properties"].get("provisioningState") == "Succeeded":
            return got
        await asyncio.sleep(0.02)
    raise AssertionError(f"{path} never succeeded")


async def test_enum_values_are_case_insensitive_and_normalised(emu) -> None:
    base = await _world(emu)
    vnet = _net(base, "virtualNetworks", "vnet-fid")
    put = await call(emu, "PUT", vnet, {"location": "westus2", "properties": {
        "addressSpace": {"addressPrefixes": ["10.41.0.0/16"]}, "subnets": [{"name": "snet", "properties": {
            "addressPrefix": "10.41.1.0/24", "privateEndpointNetworkPolicies": "disabled",
            "privateLinkServiceNetworkPolicies": "DISABLED"}}]}}, NET)
    assert put.status < 300
    subnet = put.body["properties"]["subnets"][0]["properties"]
    assert subnet["privateEndpointNetworkPolicies"] == "Disabled"
    assert subnet["privateLinkServiceNetworkPolicies"] == "Disabled"
    nsg = await call(emu, "PUT", _net(base, "networkSecurityGroups", "nsg-fid"), {"location": "westus2", "properties": {
        "securityRules": [{"name": "ssh", "properties": {"priority": 100, "direction": "inbound", "access": "allow",
                                                         "protocol": "tcp", "sourceAddressPrefix": "203.0.113.7/32",
                                                         "sourcePortRange": "*", "destinationAddressPrefix": "*",
                                                         "destinationPortRange": "22"}}]}}, NET)
    rule = nsg.body["properties"]["securityRules"][0]["properties"]
    assert (rule["direction"], rule["access"], rule["protocol"]) == ("Inbound", "Allow", "Tcp")
    pip = await call(emu, "PUT", _net(base, "publicIPAddresses", "pip-fid"), {
        "location": "westus2", "sku": {"name": "standard"}, "properties": {"publicIPAllocationMethod": "static"}}, NET)
    assert pip.body["sku"]["name"] == "Standard" and pip.body["properties"]["publicIPAllocationMethod"] == "Static"
    vault = await call(emu, "PUT", f"{base}/providers/Microsoft.KeyVault/vaults/kvfidenum01", {
        "location": "eastus2", "properties": {"tenantId": emu.config.tenant_id, "sku": {"family": "A", "name": "Standard"},
                                              "accessPolicies": [], "publicNetworkAccess": "disabled",
                                              "networkAcls": {"defaultAction": "deny", "bypass": "azureservices"}}}, KV)
    vp = vault.body["properties"]
    assert (vp["publicNetworkAccess"], vp["networkAcls"]["defaultAction"], vp["networkAcls"]["bypass"]) == (
        "Disabled", "Deny", "AzureServices")
    zone = f"{base}/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net"
    await call(emu, "PUT", zone, {"location": "global"}, DNS)
    link = await call(emu, "PUT", zone + "/virtualNetworkLinks/l1", {"location": "global", "properties": {
        "virtualNetwork": {"id": vnet}, "resolutionPolicy": "nxdomainredirect"}}, DNS)
    assert link.body["properties"]["resolutionPolicy"] == "NxDomainRedirect"
    bad = await call(emu, "PUT", vnet + "/subnets/other", {"properties": {
        "addressPrefix": "10.41.2.0/24", "privateEndpointNetworkPolicies": "sometimes"}}, NET)
    assert bad.status == 400 and "sometimes" in bad.body["error"]["message"]


async def test_private_ip_address_is_ignored_unless_static(emu) -> None:
    base = await _world(emu)
    vnet = _net(base, "virtualNetworks", "vnet-ip")
    await call(emu, "PUT", vnet, {"location": "westus2", "properties": {
        "addressSpace": {"addressPrefixes": ["10.42.0.0/16"]}, "subnets": [
            {"name": "snet", "properties": {"addressPrefix": "10.42.1.0/24"}},
            {"name": "pls", "properties": {"addressPrefix": "10.42.2.0/24",
                                           "privateLinkServiceNetworkPolicies": "Disabled"}}]}}, NET)
    nic = await call(emu, "PUT", _net(base, "networkInterfaces", "nic-dyn"), {"location": "westus2", "properties": {
        "ipConfigurations": [{"name": "ip1", "properties": {
            "subnet": {"id": vnet + "/subnets/snet"}, "privateIPAllocationMethod": "Dynamic",
            "privateIPAddress": "192.168.77.77"}}]}}, NET)  # outside the subnet: ignored because Dynamic
    assert nic.status < 300
    assert nic.body["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"] == "10.42.1.4"
    lb = _net(base, "loadBalancers", "lb-ip")
    await call(emu, "PUT", lb, {"location": "westus2", "sku": {"name": "Standard"}, "properties": {
        "frontendIPConfigurations": [{"name": "fe", "properties": {"subnet": {"id": vnet + "/subnets/pls"}}}]}}, NET)
    pls = await call(emu, "PUT", _net(base, "privateLinkServices", "pls-ip"), {"location": "westus2", "properties": {
        "loadBalancerFrontendIpConfigurations": [{"id": lb + "/frontendIPConfigurations/fe"}],
        "ipConfigurations": [{"name": "nat", "properties": {
            "subnet": {"id": vnet + "/subnets/pls"}, "privateIPAllocationMethod": "Dynamic",
            "privateIPAddress": "10.99.0.9"}}]}}, NET)
    assert pls.status < 300, pls.body
    static = await call(emu, "PUT", _net(base, "networkInterfaces", "nic-static"), {"location": "westus2", "properties": {
        "ipConfigurations": [{"name": "ip1", "properties": {
            "subnet": {"id": vnet + "/subnets/snet"}, "privateIPAllocationMethod": "static",
            "privateIPAddress": "192.168.77.77"}}]}}, NET)
    assert static.status == 400  # Static: the address is checked against the subnet


async def test_vault_put_answers_200_registering_dns_then_get(emu_factory) -> None:
    emu = await emu_factory(latency_scale=0.02)  # 0.4 s of DNS registration
    base = await _world(emu)
    path = f"{base}/providers/Microsoft.KeyVault/vaults/KvFidDns01"
    put = await call(emu, "PUT", path, {"location": "eastus2", "properties": {
        "tenantId": emu.config.tenant_id, "sku": {"family": "A", "name": "standard"}, "accessPolicies": []}}, KV)
    assert put.status == 200
    assert "Azure-AsyncOperation" not in put.headers and "Location" not in put.headers
    assert put.body["properties"]["provisioningState"] == "RegisteringDns"
    assert put.body["properties"]["vaultUri"] == "https://KvFidDns01.vault.azure.net"  # the name's case, no slash
    assert put.headers["Retry-After"] == "1"  # the emulator's addition: clients poll GET when it is due
    polled = await call(emu, "GET", path, None, KV)
    assert polled.body["properties"]["provisioningState"] == "RegisteringDns" and polled.headers["Retry-After"] == "1"
    done = await _until_succeeded(emu, path, KV)
    assert done.body["properties"]["vaultUri"].endswith(".vault.azure.net/")


async def test_purge_protection_rules(emu) -> None:
    base = await _world(emu)
    body = {"location": "eastus2", "properties": {"tenantId": emu.config.tenant_id,
                                                  "sku": {"family": "A", "name": "standard"}, "accessPolicies": []}}
    off = await call(emu, "PUT", f"{base}/providers/Microsoft.KeyVault/vaults/kvfidoff01",
                     {**body, "properties": {**body["properties"], "enablePurgeProtection": False}}, KV)
    assert off.status == 400 and off.body["error"] == {
        "code": "BadRequest", "message": 'The property "enablePurgeProtection" cannot be set to false. Enabling the '
                                         "purge protection for a vault is an irreversible action."}
    on = f"{base}/providers/Microsoft.KeyVault/vaults/kvfidon01"
    await call(emu, "PUT", on, {**body, "properties": {**body["properties"], "enablePurgeProtection": True}}, KV)
    await call(emu, "DELETE", on, None, KV)
    purge = await call(emu, "POST", f"/subscriptions/{emu.config.subscription_id}/providers/Microsoft.KeyVault/"
                                    "locations/eastus2/deletedVaults/kvfidon01/purge", None, KV)
    assert purge.status == 405
    assert purge.body["error"] == {"code": "MethodNotAllowed", "message": "Operation 'DeletedVaultPurge' is not allowed."}


async def test_static_ip_with_a_wrong_member_name(emu) -> None:
    base = await _world(emu)
    vnet = _net(base, "virtualNetworks", "vnet-member")
    await call(emu, "PUT", vnet, {"location": "westus2", "properties": {
        "addressSpace": {"addressPrefixes": ["10.43.0.0/16"]}, "subnets": [
            {"name": "snet", "properties": {"addressPrefix": "10.43.1.0/24"}}]}}, NET)
    vault = f"{base}/providers/Microsoft.KeyVault/vaults/kvfidmember1"
    await call(emu, "PUT", vault, {"location": "eastus2", "properties": {
        "tenantId": emu.config.tenant_id, "sku": {"family": "A", "name": "standard"}, "accessPolicies": []}}, KV)
    pe = await call(emu, "PUT", _net(base, "privateEndpoints", "pe-member"), {"location": "westus2", "properties": {
        "subnet": {"id": vnet + "/subnets/snet"},
        "privateLinkServiceConnections": [{"name": "c", "properties": {"privateLinkServiceId": vault,
                                                                       "groupIds": ["vault"]}}],
        "ipConfigurations": [{"name": "ip", "properties": {"groupId": "vault", "memberName": "vault",
                                                           "privateIPAddress": "10.43.1.10"}}]}}, NET)
    assert pe.status == 400
    assert pe.body["error"]["code"] == "PrivateEndpointIpConfigurationMissingMemberNamesRequiredByFps"
    assert "GroupId: vault, MemberName: default" in pe.body["error"]["message"]


async def test_check_name_availability_message(emu) -> None:
    base = await _world(emu)
    await call(emu, "PUT", f"{base}/providers/Microsoft.KeyVault/vaults/kvfidtaken01", {"location": "eastus2",
               "properties": {"tenantId": emu.config.tenant_id, "sku": {"family": "A", "name": "standard"},
                              "accessPolicies": []}}, KV)
    res = await call(emu, "POST", f"/subscriptions/{emu.config.subscription_id}/providers/Microsoft.KeyVault/"
                                  "checkNameAvailability", {"name": "kvfidtaken01", "type": "Microsoft.KeyVault/vaults"},
                     KV)
    assert res.body == {"nameAvailable": False, "reason": "AlreadyExists",
                        "message": "The name 'kvfidtaken01' is already in use."}


async def test_private_dns_zone_put_is_202_with_its_operation_urls(emu_factory) -> None:
    emu = await emu_factory(latency_scale=0.02)
    base = await _world(emu)
    zone = f"{base}/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net"
    put = await call(emu, "PUT", zone, {"location": "global"}, DNS)
    assert put.status == 202 and put.body == {}
    assert "/privateDnsOperationStatuses/" in put.headers["Azure-AsyncOperation"]
    assert "/privateDnsOperationResults/" in put.headers["Location"]
    assert int(put.headers["Retry-After"]) >= 1
    for _ in range(300):
        status = await call(emu, "GET", put.headers["Azure-AsyncOperation"])
        if status.body["status"] != "InProgress":
            break
        await asyncio.sleep(0.02)
    assert status.body["status"] == "Succeeded"
    assert (await call(emu, "GET", zone, None, DNS)).body["properties"]["provisioningState"] == "Succeeded"


async def test_endpoints_carry_resource_guid_and_pls_targets_have_no_custom_dns(emu) -> None:
    base = await _world(emu)
    vnet = _net(base, "virtualNetworks", "vnet-guid")
    await call(emu, "PUT", vnet, {"location": "westus2", "properties": {
        "addressSpace": {"addressPrefixes": ["10.44.0.0/16"]}, "subnets": [
            {"name": "snet", "properties": {"addressPrefix": "10.44.1.0/24"}},
            {"name": "pls", "properties": {"addressPrefix": "10.44.2.0/24",
                                           "privateLinkServiceNetworkPolicies": "Disabled"}}]}}, NET)
    lb = _net(base, "loadBalancers", "lb-guid")
    await call(emu, "PUT", lb, {"location": "westus2", "sku": {"name": "Standard"}, "properties": {
        "frontendIPConfigurations": [{"name": "fe", "properties": {"subnet": {"id": vnet + "/subnets/pls"}}}]}}, NET)
    pls = _net(base, "privateLinkServices", "pls-guid")
    await call(emu, "PUT", pls, {"location": "westus2", "properties": {
        "fqdns": ["svc.contoso.example"],
        "loadBalancerFrontendIpConfigurations": [{"id": lb + "/frontendIPConfigurations/fe"}],
        "ipConfigurations": [{"name": "nat", "properties": {"subnet": {"id": vnet + "/subnets/pls"}}}]}}, NET)
    pe = await call(emu, "PUT", _net(base, "privateEndpoints", "pe-guid"), {"location": "westus2", "properties": {
        "subnet": {"id": vnet + "/subnets/snet"},
        "privateLinkServiceConnections": [{"name": "c", "properties": {"privateLinkServiceId": pls,
                                                                       "groupIds": []}}]}}, NET)
    assert pe.status < 300, pe.body
    again = await call(emu, "GET", _net(base, "privateEndpoints", "pe-guid"), None, NET)
    assert again.body["properties"]["customDnsConfigs"] == []
    guid = again.body["properties"]["resourceGuid"]
    assert len(guid) == 36
    await call(emu, "PUT", _net(base, "privateEndpoints", "pe-guid"), {"location": "westus2", "tags": {"a": "b"},
               "properties": again.body["properties"]}, NET)
    assert (await call(emu, "GET", _net(base, "privateEndpoints", "pe-guid"), None, NET)).body["properties"][
        "resourceGuid"] == guid  # kept across updates

"""Microsoft.Network semantics of the emulator, driven through the official azure-mgmt-network client (`gw`)."""

from __future__ import annotations

import asyncio
import re

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from plinktui.cloud import Gateway

ZONE = "privatelink.vaultcore.azure.net"


# -- helpers ----------------------------------------------------------------------------------------------------------


async def make_rg(gw: Gateway, name: str, location: str = "westus2") -> None:
    await gw.resources.resource_groups.create_or_update(name, {"location": location})


async def make_vnet(gw: Gateway, rg: str, name: str, cidr: str, subnets: dict[str, str] | None = None,
                    location: str = "westus2", **props):
    body = {"location": location, "properties": {"addressSpace": {"addressPrefixes": [cidr]}, **props,
                                                 "subnets": [{"name": n, "properties": {"addressPrefix": p}}
                                                             for n, p in (subnets or {}).items()]}}
    return await gw.result(gw.network.virtual_networks.begin_create_or_update(rg, name, body))


async def make_subnet(gw: Gateway, rg: str, vnet: str, name: str, prefix: str, **props):
    return await gw.result(gw.network.subnets.begin_create_or_update(
        rg, vnet, name, {"properties": {"addressPrefix": prefix, **props}}))


async def make_vault(gw: Gateway, emu, rg: str, name: str, location: str = "eastus2"):
    return await gw.result(gw.keyvault.vaults.begin_create_or_update(rg, name, {
        "location": location, "properties": {"tenantId": emu.config.tenant_id,
                                             "sku": {"family": "A", "name": "standard"}, "accessPolicies": []}}))


async def make_pe(gw: Gateway, rg: str, name: str, subnet_id: str, target_id: str, *, manual: bool = False,
                  location: str = "westus2", group: str = "vault", **props):
    key = "manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"
    body = {"location": location, "tags": {"plinktui-run": "r1"}, "properties": {
        "subnet": {"id": subnet_id}, **props,
        key: [{"name": f"{name}-conn", "properties": {"privateLinkServiceId": target_id, "groupIds": [group]}}]}}
    return await gw.result(gw.network.private_endpoints.begin_create_or_update(rg, name, body))


async def make_zone(gw: Gateway, rg: str, zone: str = ZONE):
    return await gw.result(gw.privatedns.private_zones.begin_create_or_update(rg, zone, {"location": "global"}))


async def make_group(gw: Gateway, rg: str, pe: str, zone_ids: list[str], name: str = "default"):
    return await gw.result(gw.network.private_dns_zone_groups.begin_create_or_update(rg, pe, name, {
        "properties": {"privateDnsZoneConfigs": [{"name": z.rsplit("/", 1)[-1].replace(".", "-"),
                                                  "properties": {"privateDnsZoneId": z}} for z in zone_ids]}}))


async def refused(coro) -> HttpResponseError:
    """The ARM error of a call that must fail."""
    with pytest.raises(HttpResponseError) as info:
        await coro
    return info.value


async def nic_ip(gw: Gateway, nic_id: str) -> str:
    rg = nic_id.split("/")[4]
    nic = await gw.network.network_interfaces.get(rg, nic_id.rsplit("/", 1)[-1])
    return nic.ip_configurations[0].private_ip_address


async def world(gw: Gateway, emu, rg: str = "rg-net", prefix: str = "10.10"):
    """RG, VNet (westus2) with a PE subnet, a vault in eastus2."""
    await make_rg(gw, rg)
    vnet = await make_vnet(gw, rg, "vnet-w2", f"{prefix}.0.0/16", {"snet-pe": f"{prefix}.1.0/24"})
    vault = await make_vault(gw, emu, rg, f"kv{rg.replace('-', '')}01")
    return vnet, vnet.subnets[0].id, vault


# -- VNets and subnets ------------------------------------------------------------------------------------------------


async def test_subnet_rules_inside_overlap_smallest_and_notation(gw: Gateway) -> None:
    await make_rg(gw, "rg-sub")
    await make_vnet(gw, "rg-sub", "vnet", "10.20.0.0/16", {"a": "10.20.1.0/24"})
    ok = await make_subnet(gw, "rg-sub", "vnet", "tiny", "10.20.2.0/29")
    assert ok.address_prefix == "10.20.2.0/29" and ok.provisioning_state == "Succeeded"
    assert ok.private_endpoint_network_policies == "Disabled"
    assert ok.private_link_service_network_policies == "Enabled"
    err = await refused(make_subnet(gw, "rg-sub", "vnet", "outside", "10.99.0.0/24"))
    assert err.error.code == "NetcfgSubnetRangeOutsideVnet" and "is outside the IP address range" in err.message
    err = await refused(make_subnet(gw, "rg-sub", "vnet", "overlap", "10.20.1.128/25"))
    assert err.error.code == "NetcfgSubnetRangesOverlap" and "overlaps with that of an existing subnet" in err.message
    err = await refused(make_subnet(gw, "rg-sub", "vnet", "slash30", "10.20.3.0/30"))
    assert err.error.code == "NetcfgInvalidSubnet"
    err = await refused(make_subnet(gw, "rg-sub", "vnet", "hostbits", "10.20.4.5/24"))
    assert err.error.code == "InvalidCIDRNotation" and "should be 10.20.4.0/24" in err.message
    err = await refused(make_subnet(gw, "rg-sub", "vnet", "nomask", "10.20.5.0"))
    assert err.error.code == "InvalidAddressPrefixFormat"
    names = sorted([s.name async for s in gw.network.subnets.list("rg-sub", "vnet")])
    assert names == ["a", "tiny"]  # nothing refused was stored


async def test_vnet_embeds_subnets_and_round_trips_dns_and_tags(gw: Gateway) -> None:
    await make_rg(gw, "rg-v")
    body = {"location": "westus2", "tags": {"plinktui-run": "run-7"}, "properties": {
        "addressSpace": {"addressPrefixes": ["10.30.0.0/16", "10.31.0.0/24"]},
        "dhcpOptions": {"dnsServers": ["10.30.0.10"]},
        "subnets": [{"name": "s1", "properties": {"addressPrefix": "10.30.1.0/24"}},
                    {"name": "s2", "properties": {"addressPrefix": "10.31.0.0/26"}}]}}
    await gw.result(gw.network.virtual_networks.begin_create_or_update("rg-v", "vnet", body))
    got = await gw.network.virtual_networks.get("rg-v", "vnet")
    assert [s.name for s in got.subnets] == ["s1", "s2"]
    assert got.dhcp_options.dns_servers == ["10.30.0.10"] and got.tags == {"plinktui-run": "run-7"}
    assert got.resource_guid and got.provisioning_state == "Succeeded"
    sub = await gw.network.subnets.get("rg-v", "vnet", "s2")
    assert sub.id == got.subnets[1].id
    # a VNet PUT without s2 removes it (ARM semantics), and an overlapping address space is refused
    body["properties"]["subnets"] = body["properties"]["subnets"][:1]
    await gw.result(gw.network.virtual_networks.begin_create_or_update("rg-v", "vnet", body))
    with pytest.raises(ResourceNotFoundError):
        await gw.network.subnets.get("rg-v", "vnet", "s2")
    body["properties"]["addressSpace"]["addressPrefixes"] = ["10.30.0.0/16", "10.30.128.0/17"]
    err = await refused(gw.network.virtual_networks.begin_create_or_update("rg-v", "vnet", body))
    assert err.error.code == "VnetAddressSpacesOverlap"
    for i in range(6):
        await make_vnet(gw, "rg-v", f"extra-{i}", f"10.{40 + i}.0.0/16")
    assert len([v async for v in gw.network.virtual_networks.list("rg-v")]) == 7  # two pages of 5
    assert len([v async for v in gw.network.virtual_networks.list_all()]) == 7


async def test_fifty_concurrent_puts_leave_one_consistent_vnet(gw: Gateway, emu) -> None:
    await make_rg(gw, "rg-conc")

    async def put(i: int):
        return await make_vnet(gw, "rg-conc", "vnet-c", "10.50.0.0/16", {"s": f"10.50.{i}.0/24"},
                               tags={"n": str(i)})

    results = await asyncio.gather(*(put(i) for i in range(50)))
    assert all(r.name == "vnet-c" for r in results)
    got = await gw.network.virtual_networks.get("rg-conc", "vnet-c")
    assert len(got.subnets) == 1 and got.subnets[0].name == "s"
    assert got.subnets[0].address_prefix in {f"10.50.{i}.0/24" for i in range(50)}
    assert len(emu.store.list("Microsoft.Network/virtualNetworks")) == 1
    assert len(emu.store.list("Microsoft.Network/virtualNetworks/subnets")) == 1


# -- addresses --------------------------------------------------------------------------------------------------------


async def test_reserved_addresses_and_a_slash29_holds_three(gw: Gateway, emu) -> None:
    _vnet, subnet, vault = await world(gw, emu, "rg-ip", "10.60")
    first = await make_pe(gw, "rg-ip", "pe-1", subnet, vault.id)
    second = await make_pe(gw, "rg-ip", "pe-2", subnet, vault.id)
    assert first.custom_dns_configs[0].ip_addresses == ["10.60.1.4"]
    assert await nic_ip(gw, second.network_interfaces[0].id) == "10.60.1.5"
    tiny = await make_subnet(gw, "rg-ip", "vnet-w2", "tiny", "10.60.9.0/29")
    for i in range(3):
        pe = await make_pe(gw, "rg-ip", f"pe-t{i}", tiny.id, vault.id)
        assert pe.custom_dns_configs[0].ip_addresses == [f"10.60.9.{4 + i}"]
    err = await refused(make_pe(gw, "rg-ip", "pe-t3", tiny.id, vault.id))
    assert err.error.code == "SubnetIsFull"
    with pytest.raises(ResourceNotFoundError):
        await gw.network.private_endpoints.get("rg-ip", "pe-t3")


async def test_nic_static_addresses_follow_the_subnet_rules(gw: Gateway) -> None:
    await make_rg(gw, "rg-nic")
    vnet = await make_vnet(gw, "rg-nic", "vnet", "10.70.0.0/16", {"s": "10.70.1.0/24"})
    sid = vnet.subnets[0].id

    def nic(ip: str | None = None, **extra):
        p = {"subnet": {"id": sid}, **extra}
        if ip:
            p.update(privateIPAllocationMethod="Static", privateIPAddress=ip)
        return {"location": "westus2", "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": p}]}}

    a = await gw.result(gw.network.network_interfaces.begin_create_or_update("rg-nic", "nic-a", nic()))
    assert a.ip_configurations[0].private_ip_address == "10.70.1.4"
    assert a.ip_configurations[0].private_ip_allocation_method == "Dynamic"
    b = await gw.result(gw.network.network_interfaces.begin_create_or_update("rg-nic", "nic-b", nic("10.70.1.50")))
    assert b.ip_configurations[0].private_ip_address == "10.70.1.50"
    err = await refused(gw.network.network_interfaces.begin_create_or_update("rg-nic", "nic-c", nic("10.70.1.50")))
    assert err.error.code == "PrivateIPAddressIsAllocated"
    err = await refused(gw.network.network_interfaces.begin_create_or_update("rg-nic", "nic-c", nic("10.70.2.9")))
    assert err.error.code == "PrivateIPAddressNotInSubnet"
    err = await refused(gw.network.network_interfaces.begin_create_or_update("rg-nic", "nic-c", nic("10.70.1.2")))
    assert err.error.code == "PrivateIPAddressInReservedRange"
    again = await gw.result(gw.network.network_interfaces.begin_create_or_update("rg-nic", "nic-a", nic()))
    assert again.ip_configurations[0].private_ip_address == "10.70.1.4"  # a re-PUT keeps its address
    sub = await gw.network.subnets.get("rg-nic", "vnet", "s")
    assert {c.id.split("/")[8] for c in sub.ip_configurations} == {"nic-a", "nic-b"}
    names = [n.name async for n in gw.network.network_interfaces.list_all()]
    assert sorted(names) == ["nic-a", "nic-b"]


async def test_public_ip_nsg_and_their_references(gw: Gateway) -> None:
    await make_rg(gw, "rg-pip")
    vnet = await make_vnet(gw, "rg-pip", "vnet", "10.80.0.0/16", {"s": "10.80.1.0/24"})
    pip = await gw.result(gw.network.public_ip_addresses.begin_create_or_update("rg-pip", "pip", {
        "location": "westus2", "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static"}}))
    assert re.fullmatch(r"20\.\d+\.\d+\.\d+", pip.ip_address) and pip.sku.name == "Standard"
    far = await gw.result(gw.network.public_ip_addresses.begin_create_or_update("rg-pip", "pip-far", {
        "location": "eastus2"}))
    assert far.ip_address != pip.ip_address and far.public_ip_allocation_method == "Static"
    nsg = await gw.result(gw.network.network_security_groups.begin_create_or_update("rg-pip", "nsg", {
        "location": "westus2", "properties": {"securityRules": [{"name": "ssh", "properties": {
            "access": "Allow", "direction": "Inbound", "priority": 100, "protocol": "Tcp", "sourcePortRange": "*",
            "destinationPortRange": "22", "sourceAddressPrefix": "203.0.113.7/32",
            "destinationAddressPrefix": "*"}}]}}))
    assert [r.name for r in nsg.security_rules] == ["ssh"]
    assert len(nsg.default_security_rules) == 6 and nsg.default_security_rules[2].name == "DenyAllInBound"

    def nic(pip_id: str):
        return {"location": "westus2", "properties": {"networkSecurityGroup": {"id": nsg.id}, "ipConfigurations": [
            {"name": "ipconfig1", "properties": {"subnet": {"id": vnet.subnets[0].id},
                                                 "publicIPAddress": {"id": pip_id}}}]}}

    err = await refused(gw.network.network_interfaces.begin_create_or_update("rg-pip", "nic", nic(far.id)))
    assert err.error.code == "InvalidResourceReference"  # the public IP sits in another region
    made = await gw.result(gw.network.network_interfaces.begin_create_or_update("rg-pip", "nic", nic(pip.id)))
    assert made.ip_configurations[0].public_ip_address.id == pip.id
    assert (await gw.network.public_ip_addresses.get("rg-pip", "pip")).ip_configuration.id == \
        made.ip_configurations[0].id
    err = await refused(gw.network.public_ip_addresses.begin_delete("rg-pip", "pip"))
    assert err.error.code == "PublicIPAddressCannotBeDeleted"
    err = await refused(gw.network.network_security_groups.begin_delete("rg-pip", "nsg"))
    assert err.error.code == "InUseNetworkSecurityGroupCannotBeDeleted"
    tagged = await gw.network.public_ip_addresses.update_tags("rg-pip", "pip", {"tags": {"plinktui-run": "x"}})
    assert tagged.tags == {"plinktui-run": "x"} and tagged.ip_address == pip.ip_address


# -- private endpoints ------------------------------------------------------------------------------------------------


async def test_private_endpoint_nic_dns_configs_and_idempotent_reput(gw: Gateway, emu) -> None:
    _vnet, subnet, vault = await world(gw, emu, "rg-pe", "10.90")
    pe = await make_pe(gw, "rg-pe", "pe-kv", subnet, vault.id)
    nic_id = pe.network_interfaces[0].id
    assert re.fullmatch(r"pe-kv\.nic\.[0-9a-f-]{36}", nic_id.rsplit("/", 1)[-1])
    assert nic_id.split("/")[4] == "rg-pe"
    assert [(c.fqdn, c.ip_addresses) for c in pe.custom_dns_configs] == [
        (f"{vault.name}.vault.azure.net", ["10.90.1.4"])]
    conn = pe.private_link_service_connections[0]
    assert conn.private_link_service_connection_state.status == "Approved"
    assert pe.manual_private_link_service_connections == [] and pe.tags == {"plinktui-run": "r1"}
    nic = await gw.network.network_interfaces.get("rg-pe", nic_id.rsplit("/", 1)[-1])
    assert nic.private_endpoint.id == pe.id
    plc = nic.ip_configurations[0].private_link_connection_properties
    assert plc.group_id == "vault" and plc.required_member_name == "default"
    assert plc.fqdns == [f"{vault.name}.vault.azure.net"]
    again = await make_pe(gw, "rg-pe", "pe-kv", subnet, vault.id)
    assert again.network_interfaces[0].id == nic_id and again.custom_dns_configs[0].ip_addresses == ["10.90.1.4"]
    assert len(emu.store.list("Microsoft.Network/networkInterfaces")) == 1
    # the NIC belongs to the endpoint: users may not change or delete it
    err = await refused(gw.network.network_interfaces.begin_create_or_update("rg-pe", nic.name, {
        "location": "westus2", "properties": {"ipConfigurations": [{"name": "x", "properties": {
            "subnet": {"id": subnet}}}]}}))
    assert err.error.code == "CannotModifyNicAttachedToPrivateEndpoint"
    err = await refused(gw.network.network_interfaces.begin_delete("rg-pe", nic.name))
    assert err.error.code == "CannotModifyNicAttachedToPrivateEndpoint"
    custom = await make_pe(gw, "rg-pe", "pe-custom", subnet, vault.id, customNetworkInterfaceName="nic-of-pe",
                           ipConfigurations=[{"name": "static", "properties": {
                               "groupId": "vault", "memberName": "default", "privateIPAddress": "10.90.1.40"}}])
    assert custom.network_interfaces[0].id.endswith("/networkInterfaces/nic-of-pe")
    assert custom.custom_dns_configs[0].ip_addresses == ["10.90.1.40"]
    err = await refused(make_pe(gw, "rg-pe", "pe-badgroup", subnet, vault.id, group="blob"))
    assert err.status_code == 400
    listed = sorted([p.name async for p in gw.network.private_endpoints.list_by_subscription()])
    assert listed == ["pe-custom", "pe-kv"]


async def test_private_endpoint_must_sit_in_the_vnet_region(gw: Gateway, emu) -> None:
    vnet, subnet, vault = await world(gw, emu, "rg-reg", "10.91")
    err = await refused(make_pe(gw, "rg-reg", "pe-east", subnet, vault.id, location="eastus"))
    assert err.error.code == "InvalidResourceReference"
    assert f"Resource {vnet.id} referenced by resource" in err.message
    assert "both resources are in the same region" in err.message
    missing = vault.id.replace(vault.name, "kv-does-not-exist")
    err = await refused(make_pe(gw, "rg-reg", "pe-missing", subnet, missing))
    assert err.status_code == 400
    err = await refused(make_pe(gw, "rg-reg", "pe-nosubnet", f"{vnet.id}/subnets/nope", vault.id))
    assert err.error.code == "InvalidResourceReference"


async def test_manual_connection_stays_pending_until_the_vault_approves(gw: Gateway, emu) -> None:
    _vnet, subnet, vault = await world(gw, emu, "rg-man", "10.92")
    pe = await make_pe(gw, "rg-man", "pe-manual", subnet, vault.id, manual=True)
    state = pe.manual_private_link_service_connections[0].private_link_service_connection_state
    assert state.status == "Pending" and pe.private_link_service_connections == []
    conns = [c async for c in gw.keyvault.private_endpoint_connections.list_by_resource("rg-man", vault.name)]
    assert [c.properties.private_link_service_connection_state.status for c in conns] == ["Pending"]
    await gw.keyvault.private_endpoint_connections.put("rg-man", vault.name, conns[0].name, {
        "properties": {"privateLinkServiceConnectionState": {"status": "Approved", "description": "ok"}}})
    got = await gw.network.private_endpoints.get("rg-man", "pe-manual")
    assert got.manual_private_link_service_connections[0].private_link_service_connection_state.status == "Approved"
    again = await make_pe(gw, "rg-man", "pe-manual", subnet, vault.id, manual=True)  # approval survives a re-PUT
    assert again.manual_private_link_service_connections[0].private_link_service_connection_state.status == \
        "Approved"


async def test_zone_group_writes_updates_and_removes_its_a_records(gw: Gateway, emu) -> None:
    _vnet, subnet, vault = await world(gw, emu, "rg-zg", "10.93")
    zone = await make_zone(gw, "rg-zg")
    other = await make_zone(gw, "rg-zg", "privatelink.example.internal")
    pe = await make_pe(gw, "rg-zg", "pe-zg", subnet, vault.id)
    group = await make_group(gw, "rg-zg", "pe-zg", [zone.id])
    sets = group.private_dns_zone_configs[0].record_sets
    assert [(s.record_type, s.record_set_name, s.ip_addresses, s.ttl) for s in sets] == [
        ("A", vault.name, ["10.93.1.4"], 10)]
    assert sets[0].fqdn == f"{vault.name}.{ZONE}"
    rec = await gw.privatedns.record_sets.get("rg-zg", ZONE, "A", vault.name)
    assert rec.ttl == 10 and [a.ipv4_address for a in rec.a_records] == ["10.93.1.4"]
    guid = emu.store.get(pe.id).internal["resource_guid"]
    assert rec.metadata == {"creator": f"created by private endpoint pe-zg with resource guid {guid}"}
    assert rec.is_auto_registered is False
    # someone's own record in the zone is left alone
    await gw.privatedns.record_sets.create_or_update("rg-zg", ZONE, "A", "manual", {
        "properties": {"ttl": 300, "aRecords": [{"ipv4Address": "10.93.1.200"}]}})
    # update: move the group to the other zone -> the old record goes, the new one appears
    await make_group(gw, "rg-zg", "pe-zg", [other.id])
    with pytest.raises(ResourceNotFoundError):
        await gw.privatedns.record_sets.get("rg-zg", ZONE, "A", vault.name)
    moved = await gw.privatedns.record_sets.get("rg-zg", other.name, "A", vault.name)
    assert [a.ipv4_address for a in moved.a_records] == ["10.93.1.4"]
    groups = [g.name async for g in gw.network.private_dns_zone_groups.list("pe-zg", "rg-zg")]
    assert groups == ["default"]
    await gw.result(gw.network.private_dns_zone_groups.begin_delete("rg-zg", "pe-zg", "default"))
    with pytest.raises(ResourceNotFoundError):
        await gw.privatedns.record_sets.get("rg-zg", other.name, "A", vault.name)
    assert (await gw.privatedns.record_sets.get("rg-zg", ZONE, "A", "manual")).ttl == 300
    err = await refused(make_group(gw, "rg-zg", "pe-zg", [zone.id.replace(ZONE, "privatelink.nowhere.net")]))
    assert err.status_code == 400


async def test_deleting_the_endpoint_removes_nic_records_and_subnet_use(gw: Gateway, emu) -> None:
    vnet, subnet, vault = await world(gw, emu, "rg-del", "10.94")
    zone = await make_zone(gw, "rg-del")
    pe = await make_pe(gw, "rg-del", "pe-del", subnet, vault.id)
    await make_group(gw, "rg-del", "pe-del", [zone.id])
    sub = await gw.network.subnets.get("rg-del", "vnet-w2", "snet-pe")
    assert [p.id for p in sub.private_endpoints] == [pe.id] and len(sub.ip_configurations) == 1
    err = await refused(gw.network.subnets.begin_delete("rg-del", "vnet-w2", "snet-pe"))
    assert err.error.code == "InUseSubnetCannotBeDeleted" and "is in use by" in err.message
    err = await refused(gw.network.virtual_networks.begin_delete("rg-del", "vnet-w2"))
    assert err.error.code == "InUseSubnetCannotBeDeleted"
    err = await refused(gw.network.virtual_networks.begin_create_or_update("rg-del", "vnet-w2", {
        "location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.94.0.0/16"]}}}))
    assert err.error.code == "InUseSubnetCannotBeDeleted"  # a VNet PUT dropping a used subnet
    await gw.result(gw.network.private_endpoints.begin_delete("rg-del", "pe-del"))
    assert emu.store.list("Microsoft.Network/networkInterfaces") == []
    with pytest.raises(ResourceNotFoundError):
        await gw.privatedns.record_sets.get("rg-del", ZONE, "A", vault.name)
    sub = await gw.network.subnets.get("rg-del", "vnet-w2", "snet-pe")
    assert sub.private_endpoints is None and sub.ip_configurations is None
    await gw.result(gw.network.subnets.begin_delete("rg-del", "vnet-w2", "snet-pe"))
    await gw.result(gw.network.virtual_networks.begin_delete("rg-del", "vnet-w2"))
    assert emu.store.list("Microsoft.Network/virtualNetworks/subnets") == []
    del vnet


# -- load balancers and Private Link Services -------------------------------------------------------------------------


async def test_private_link_service_rules_and_connections(gw: Gateway, emu) -> None:
    await make_rg(gw, "rg-pls")
    vnet = await make_vnet(gw, "rg-pls", "vnet", "10.95.0.0/16",
                           {"fe": "10.95.1.0/24", "pls": "10.95.2.0/24", "pe": "10.95.3.0/24"})
    sid = {s.name: s.id for s in vnet.subnets}
    lb = await gw.result(gw.network.load_balancers.begin_create_or_update("rg-pls", "lb", {
        "location": "westus2", "sku": {"name": "Standard"}, "properties": {
            "frontendIPConfigurations": [{"name": "fe", "properties": {"subnet": {"id": sid["fe"]}}}],
            "backendAddressPools": [{"name": "be"}]}}))
    fe = lb.frontend_ip_configurations[0]
    assert fe.private_ip_address == "10.95.1.4" and lb.sku.name == "Standard"

    def pls_body():
        return {"location": "westus2", "properties": {
            "loadBalancerFrontendIpConfigurations": [{"id": fe.id}], "fqdns": ["svc.contoso.example"],
            "visibility": {"subscriptions": [emu.config.subscription_id]},
            "autoApproval": {"subscriptions": []},
            "ipConfigurations": [{"name": "nat", "properties": {"subnet": {"id": sid["pls"]}}}]}}

    err = await refused(gw.network.private_link_services.begin_create_or_update("rg-pls", "pls", pls_body()))
    assert err.error.code == "PrivateLinkServiceCannotBeCreatedInSubnetThatHasNetworkPoliciesEnabled"
    await make_subnet(gw, "rg-pls", "vnet", "pls", "10.95.2.0/24", privateLinkServiceNetworkPolicies="Disabled")
    pls = await gw.result(gw.network.private_link_services.begin_create_or_update("rg-pls", "pls", pls_body()))
    assert pls.alias.startswith("pls.") and pls.alias.endswith(".azure.privatelinkservice")
    assert pls.ip_configurations[0].private_ip_address == "10.95.2.4"
    assert pls.network_interfaces[0].id.rsplit("/", 1)[-1].startswith("pls.nic.")
    err = await refused(make_subnet(gw, "rg-pls", "vnet", "pls", "10.95.2.0/24",
                                    privateLinkServiceNetworkPolicies="Enabled"))
    assert err.error.code == "PrivateLinkServiceNetworkPoliciesCannotBeEnabledOnPrivateLinkServiceSubnet"
    pe = await make_pe(gw, "rg-pls", "pe-to-pls", sid["pe"], pls.id, manual=True, group="anything")
    assert pe.custom_dns_configs == []  # ARM: a Private Link Service target's FQDNs reach only the NIC
    nic = await gw.network.network_interfaces.get("rg-pls", pe.network_interfaces[0].id.rsplit("/", 1)[-1])
    assert nic.ip_configurations[0].private_link_connection_properties.fqdns == ["svc.contoso.example"]
    conns = [c async for c in gw.network.private_link_services.list_private_endpoint_connections("rg-pls", "pls")]
    assert len(conns) == 1 and conns[0].private_endpoint.id == pe.id
    assert conns[0].private_link_service_connection_state.status == "Pending"
    await gw.network.private_link_services.update_private_endpoint_connection("rg-pls", "pls", conns[0].name, {
        "properties": {"privateLinkServiceConnectionState": {"status": "Approved", "description": "ok"}}})
    got = await gw.network.private_endpoints.get("rg-pls", "pe-to-pls")
    assert got.manual_private_link_service_connections[0].private_link_service_connection_state.status == "Approved"
    auto = await make_pe(gw, "rg-pls", "pe-auto", sid["pe"], pls.id)  # same subscription: auto-approved
    assert auto.private_link_service_connections[0].private_link_service_connection_state.status == "Approved"
    await gw.result(gw.network.private_link_services.begin_delete_private_endpoint_connection(
        "rg-pls", "pls", conns[0].name))
    got = await gw.network.private_endpoints.get("rg-pls", "pe-to-pls")
    assert got.manual_private_link_service_connections[0].private_link_service_connection_state.status == \
        "Disconnected"
    assert [p.name async for p in gw.network.private_link_services.list_by_subscription()] == ["pls"]


async def test_lro_latency_reports_updating_then_succeeded(emu_factory) -> None:
    from plinktui.cloud import resolve_target

    emu = await emu_factory(latency_scale=0.02)  # VNet 4 s -> 0.08 s; a PE 60 s -> 1.2 s
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    async with Gateway(target, total_timeout=60) as gw:
        await make_rg(gw, "rg-lat")
        poller = await gw.network.virtual_networks.begin_create_or_update("rg-lat", "vnet", {
            "location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.96.0.0/16"]}}})
        first = emu.store.get(f"/subscriptions/{emu.config.subscription_id}/resourceGroups/rg-lat/providers/"
                              "Microsoft.Network/virtualNetworks/vnet")
        assert first is not None
        done = await poller.result()
        assert done.provisioning_state == "Succeeded"

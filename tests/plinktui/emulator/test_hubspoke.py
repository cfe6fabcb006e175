"""Hub-and-spoke on the emulator through the official SDK clients: VNet peerings across subscriptions, the DNS Private
Resolver kinds and their validation, and what a VM in each VNet resolves (rules vs zones, inbound endpoints over
peering, loops)."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from plinktui.cloud import Gateway, resolve_target
from plinktui.emulator import dns
from tests.hubspoke_world import INBOUND_IP, RG_APP, RG_HUB, ZONE, HubSpoke


@pytest.fixture
async def world(emu_factory):
    emu = await emu_factory(subscriptions=2)
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    async with Gateway(target, total_timeout=60) as gw:
        w = HubSpoke(gw, emu.identity()["subscription_ids"])
        w.emu = emu  # type: ignore[attr-defined]
        await w.hub_side()
        yield w


async def _state(w: HubSpoke, vnet_id: str, name: str) -> object:
    side = w.conn if vnet_id.lower() == w.hub.lower() else w.land
    rg = RG_HUB if side is w.conn else RG_APP
    p = await side.network.virtual_network_peerings.get(rg, vnet_id.rsplit("/", 1)[-1], name)
    return p.properties.peering_state


async def test_peering_initiated_connected_disconnected_across_subscriptions(world: HubSpoke) -> None:
    w = world
    a = await w.spoke("vnet-spoke-a", 101)
    await w.peer(a, w.hub, "to-hub")
    assert await _state(w, a, "to-hub") == "Initiated"
    await w.peer(w.hub, a, "to-spoke-a")
    assert await _state(w, a, "to-hub") == "Connected" and await _state(w, w.hub, "to-spoke-a") == "Connected"
    vnet = await w.land.network.virtual_networks.get(RG_APP, "vnet-spoke-a")
    inline = vnet.properties.virtual_network_peerings
    assert [(p.name, p.properties.peering_state) for p in inline] == [("to-hub", "Connected")]
    assert inline[0].properties.remote_address_space.address_prefixes == ["10.100.0.0/16"]
    await w.conn.result(w.conn.network.virtual_network_peerings.begin_delete(RG_HUB, "vnet-hub", "to-spoke-a"))
    assert await _state(w, a, "to-hub") == "Disconnected"
    await w.peer(w.hub, a, "to-spoke-a")  # re-creating one side does not reconnect a Disconnected one
    assert await _state(w, a, "to-hub") == "Disconnected"


async def test_peering_refuses_overlapping_address_spaces_with_arms_code(world: HubSpoke) -> None:
    w = world
    clash = await w.spoke("vnet-clash", 100)
    with pytest.raises(HttpResponseError) as exc:
        await w.peer(clash, w.hub, "to-hub")
    assert exc.value.error.code == "VnetAddressSpacesOverlap"
    assert "cannot be peered because their address spaces overlap" in exc.value.message


async def test_resolver_kinds_validate_as_documented(world: HubSpoke) -> None:
    w = world
    dr = w.conn.dnsresolver
    ep = await dr.inbound_endpoints.get(RG_HUB, "dnspr-hub", "in-hub")
    assert ep.ip_configurations[0].private_ip_address == INBOUND_IP
    res = await dr.dns_resolvers.get(RG_HUB, "dnspr-hub")
    assert res.dns_resolver_state == "Connected" and res.virtual_network.id == w.hub
    listed = [r.id async for r in dr.dns_resolvers.list()]
    assert listed == [w.resolver]

    async def refused(call) -> str:
        with pytest.raises(HttpResponseError) as exc:
            await w.conn.result(call)
        return str(exc.value.message)

    # one resolver per VNet
    assert "one DNS resolver" in await refused(dr.dns_resolvers.begin_create_or_update(RG_HUB, "dnspr-2", {
        "location": "westus2", "properties": {"virtualNetwork": {"id": w.hub}}}))
    # an endpoint subnet must be delegated to Microsoft.Network/dnsResolvers
    assert "delegated" in await refused(dr.inbound_endpoints.begin_create_or_update(RG_HUB, "dnspr-hub", "in-2", {
        "location": "westus2", "properties": {"ipConfigurations": [{"subnet": {"id": w.hub + "/subnets/snet-vm"}}]}}))
    # a subnet serves one endpoint
    assert "serves one endpoint" in await refused(dr.outbound_endpoints.begin_create_or_update(
        RG_HUB, "dnspr-hub", "out-2", {"location": "westus2",
                                       "properties": {"subnet": {"id": w.hub + "/subnets/snet-dns-in"}}}))
    # forwarding rules: dot-terminated domain names of 2-34 labels
    await w.ruleset("rs-hub", [], {"contoso.com.": ["10.0.0.1"]})
    with pytest.raises(HttpResponseError) as exc:
        await dr.forwarding_rules.create_or_update(RG_HUB, "rs-hub", "bad", {"properties": {
            "domainName": "contoso.com", "targetDnsServers": [{"ipAddress": "10.0.0.1"}]}})
    assert "must end with a dot" in exc.value.message
    rule = await dr.forwarding_rules.get(RG_HUB, "rs-hub", "rule0")
    assert rule.forwarding_rule_state == "Enabled" and rule.target_dns_servers[0].port == 53
    # an outbound endpoint a ruleset uses cannot be deleted
    assert "ruleset" in await refused(dr.outbound_endpoints.begin_delete(RG_HUB, "dnspr-hub", "out-hub"))
    # a subnet that holds a resolver endpoint is in use, as is the VNet around it
    assert "in-hub" in await refused(w.conn.network.subnets.begin_delete(RG_HUB, "vnet-hub", "snet-dns-in"))
    assert "in use" in await refused(w.conn.network.virtual_networks.begin_delete(RG_HUB, "vnet-hub"))


async def test_spoke_resolves_through_the_hub_resolver_only_over_a_connected_peering(world: HubSpoke) -> None:
    w, emu = world, world.emu  # type: ignore[attr-defined]
    a = await w.spoke("vnet-spoke-a", 101)
    pe = await w.vault_endpoint("kvhubspoke01", a)
    ip = await w.pe_ip(pe)
    name = "kvhubspoke01.vault.azure.net"
    lost = dns.resolve(emu, name, a)  # no peering: the inbound endpoint is unreachable, the query times out
    assert lost.servfail and lost.timeout
    await w.peer(a, w.hub, "to-hub")
    assert dns.resolve(emu, name, a).servfail  # Initiated is not enough
    await w.peer(w.hub, a, "to-spoke-a")
    res = dns.resolve(emu, name, a)
    assert res.addresses == [ip] and res.chain == [name, "kvhubspoke01.privatelink.vaultcore.azure.net"]
    # the hub's own VMs use Azure DNS in the hub's view
    assert dns.resolve(emu, name, w.hub).addresses == [ip]
    # the /healthstatus path works from the spoke (the endpoint is in the spoke itself)
    assert dns.https_get(emu, name, "/healthstatus", vnet_id=a, source_private_ip="10.101.2.4",
                         source_public_ip=None).status == 200


async def test_rule_vs_zone_most_specific_wins_tie_goes_to_the_zone_and_loops_servfail(world: HubSpoke) -> None:
    w, emu = world, world.emu  # type: ignore[attr-defined]
    a = await w.spoke("vnet-spoke-a", 101)
    await w.peer_both(a)
    pe = await w.vault_endpoint("kvhubspoke02", a)
    ip = await w.pe_ip(pe)
    name = "kvhubspoke02.vault.azure.net"
    # a rule for the parent domain (more labels than the zone) beats the linked privatelink zone: on-premises DNS
    # (outside Azure, 192.0.2.53) answers as the internet does -> the public address
    await w.ruleset("rs-onprem", [w.hub], {"kvhubspoke02.privatelink.vaultcore.azure.net.": ["192.0.2.53"]})
    res = dns.resolve(emu, name, a)
    assert res.addresses and res.addresses != [ip] and not res.servfail
    dr = w.conn.dnsresolver
    await dr.forwarding_rules.update(RG_HUB, "rs-onprem", "rule0", {"properties": {"forwardingRuleState": "Disabled"}})
    assert dns.resolve(emu, name, a).addresses == [ip]
    # a rule named exactly like the zone ties: the zone wins
    await dr.forwarding_rules.create_or_update(RG_HUB, "rs-onprem", "tie", {"properties": {
        "domainName": ZONE + ".", "targetDnsServers": [{"ipAddress": "192.0.2.53"}]}})
    assert dns.resolve(emu, name, a).addresses == [ip]
    # a rule that forwards to the hub's own inbound endpoint, on a ruleset linked to the hub: a loop -> SERVFAIL
    await dr.forwarding_rules.create_or_update(RG_HUB, "rs-onprem", "loop", {"properties": {
        "domainName": "vault.azure.net.", "targetDnsServers": [{"ipAddress": INBOUND_IP}]}})
    looped = dns.resolve(emu, name, a)
    assert looped.servfail and not looped.timeout  # a loop answers SERVFAIL; it does not time out

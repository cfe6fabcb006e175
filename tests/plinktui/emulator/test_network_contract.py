"""Contract replay: every official Microsoft.Network example (shared/arm-examples, minus the privatedns ones, which the
DNS helper replays) sent as raw HTTPS with its own body to a fresh emulator; the status must be one the example lists
and our response must carry every key the example's response has (values differ; NOT_MODELLED documents the
exceptions)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.arm_examples import Example, call, load_examples, missing_keys_named, request_for

NET, DNS, RES = "2026-03-01", "2024-06-01", "2025-04-01"
EXAMPLES = load_examples("Microsoft.Network", exclude=("/2024-06-01/",))
STRINGS = {"eastus2euap": "eastus"}
"""The emulator knows public regions only; the canary region of some examples becomes eastus."""

NOT_MODELLED = frozenset({
    # Deliberate divergence: these examples (hand-written) list a Private Link Service target's fqdns in the
    # endpoint's customDnsConfigs; recorded ARM answers [] for a PLS target (the FQDNs reach the NIC only).
    "properties.customDnsConfigs",
    "properties.defaultPublicNatGateway",  # VNet default outbound NAT gateway: not modelled
    "properties.dscpConfiguration",  # NIC QoS (DSCP) configuration: not modelled
    "properties.virtualMachine",  # a NIC's VM is set by the compute provider when a VM attaches it
    "properties.primary",  # NIC-level 'primary' only exists once a VM attaches the NIC
    "properties.ddosSettings",  # public IP DDoS protection plans: not modelled
    "properties.ipTags",  # public IP tags (routing preference): kept as sent, none by default
    "properties.scope",  # load balancer 'scope' (cross-region / ILB scope): not modelled
    "properties.ipConfigurations[].properties.privateIPAddressPrefixLength",  # NIC IP-prefix allocation: not modelled
    "properties.subnets[].properties.purpose",  # subnet 'purpose' Azure derives from some delegations: not modelled
    "properties.purpose",
})
PER_EXAMPLE = {
    # Upstream examples whose response does not follow from their request:
    "SubnetCreateWithDelegation": {"properties.delegations"},  # answers a delegation the request did not send
    "PublicIpAddressCreateDefaults": {"properties.ipConfiguration"},  # a brand-new IP shown attached to a NIC
    "PrivateEndpointCreateForManualApproval": {"properties.privateLinkServiceConnections"},  # 201 shows an auto one
}


class World:
    """Builds what an example refers to, through the same raw REST any client would send."""

    def __init__(self, emu: Any) -> None:
        self.emu = emu
        self.sub = emu.config.subscription_id

    def rid(self, rg: str, kind: str, name: str) -> str:
        return f"/subscriptions/{self.sub}/resourceGroups/{rg}/providers/Microsoft.Network/{kind}/{name}"

    async def put(self, path: str, body: dict[str, Any], api: str = NET) -> Any:
        reply = await call(self.emu, "PUT", path, body, api)
        assert reply.status < 300, (path, reply.status, reply.body)
        return reply.body

    async def rg(self, name: str = "rg1") -> None:
        await self.put(f"/subscriptions/{self.sub}/resourcegroups/{name}", {"location": "eastus"}, RES)

    async def vnet(self, rg: str, name: str, cidr: str, subnets: dict[str, str], **subnet_props: Any) -> Any:
        return await self.put(self.rid(rg, "virtualNetworks", name), {"location": "eastus", "properties": {
            "addressSpace": {"addressPrefixes": [cidr]},
            "subnets": [{"name": n, "properties": {"addressPrefix": p, **subnet_props.get(n, {})}}
                        for n, p in subnets.items()]}})

    async def lb_world(self) -> None:
        await self.rg()
        await self.vnet("rg1", "vnetlb", "10.0.0.0/16", {"subnetlb": "10.0.1.0/24", "subnetfe": "10.0.2.0/24"},
                        subnetlb={"privateLinkServiceNetworkPolicies": "Disabled"})
        await self.put(self.rid("rg1", "loadBalancers", "lb"), {"location": "eastus", "sku": {"name": "Standard"},
                       "properties": {"frontendIPConfigurations": [{"name": "fe-lb", "properties": {
                           "subnet": {"id": self.rid("rg1", "virtualNetworks", "vnetlb") + "/subnets/subnetfe"}}}]}})

    async def pls(self) -> None:
        await self.lb_world()
        await self.put(self.rid("rg1", "privateLinkServices", "testPls"), {"location": "eastus", "properties": {
            "fqdns": ["abc.cosmos.com", "abc2.cosmos.com"],
            "visibility": {"subscriptions": [self.sub]}, "autoApproval": {"subscriptions": [self.sub]},
            "loadBalancerFrontendIpConfigurations": [
                {"id": self.rid("rg1", "loadBalancers", "lb") + "/frontendIPConfigurations/fe-lb"}],
            "ipConfigurations": [{"name": "ipconfig1", "properties": {
                "subnet": {"id": self.rid("rg1", "virtualNetworks", "vnetlb") + "/subnets/subnetlb"}}}]}})

    async def pe_subnet(self) -> None:
        await self.pls()
        await self.vnet("rg1", "myVnet", "192.168.0.0/16", {"mySubnet": "192.168.0.0/24"})

    async def pe(self, manual: bool = False, name: str = "testPe", asg: bool = False, world: bool = True) -> None:
        if world:
            await self.pe_subnet()
        key = "manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"
        ip = {"testPe": "192.168.0.6", "pe1": "192.168.0.11", "pe2": "192.168.0.12"}.get(name, "192.168.0.13")
        extra: dict[str, Any] = {"customNetworkInterfaceName": f"{name}Nic", "ipConfigurations": [{
            "name": "pestaticconfig", "properties": {"groupId": "file", "memberName": "file", "privateIPAddress": ip}}]}
        if asg:  # application security groups are kept as sent (not validated)
            extra["applicationSecurityGroups"] = [{"id": self.rid("rg1", "applicationSecurityGroups", "asg1")}]
        await self.put(self.rid("rg1", "privateEndpoints", name), {"location": "eastus", "properties": {
            "subnet": {"id": self.rid("rg1", "virtualNetworks", "myVnet") + "/subnets/mySubnet"}, **extra,
            key: [{"name": "plsconnection1", "properties": {
                "privateLinkServiceId": self.rid("rg1", "privateLinkServices", "testPls"),
                "groupIds": ["groupIdFromResource"], "requestMessage": "Please approve my connection."}}]}})

    async def zones(self) -> list[str]:
        ids = []
        for zone in ("zone1.com", "zone2.com"):
            ids.append(self.rid("rg1", "privateDnsZones", zone))
            await self.put(ids[-1], {"location": "global"}, DNS)
        return ids

    async def zone_group(self, name: str, zone_ids: list[str]) -> None:
        await self.put(self.rid("rg1", "privateEndpoints", "testPe") + f"/privateDnsZoneGroups/{name}", {
            "properties": {"privateDnsZoneConfigs": [{"name": z.rsplit("/", 1)[-1].replace(".", "-"),
                                                      "properties": {"privateDnsZoneId": z}} for z in zone_ids]}})

    async def nic_world(self, pip: str = "test-ip") -> None:
        await self.rg()
        vnet = await self.put(self.rid("rg1", "virtualNetworks", "test-vnet"), {"location": "eastus", "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "dhcpOptions": {"dnsServers": ["10.0.0.10"]},
            "subnets": [{"name": "default", "properties": {"addressPrefix": "10.0.0.0/24"}}]}})
        pip_id = self.rid("rg1", "publicIPAddresses", pip)
        await self.put(pip_id, {"location": "eastus", "sku": {"name": "Standard"}})
        nsg_id = self.rid("rg1", "networkSecurityGroups", "nsg")
        await self.put(nsg_id, {"location": "eastus"})
        await self.put(self.rid("rg1", "networkInterfaces", "test-nic"), {"location": "eastus", "properties": {
            "networkSecurityGroup": {"id": nsg_id}, "ipConfigurations": [{"name": "ipconfig1", "properties": {
                "subnet": {"id": vnet["properties"]["subnets"][0]["id"]}, "publicIPAddress": {"id": pip_id}}}]}})

    async def subnet_test(self, with_subnet: bool) -> None:
        await self.rg("subnet-test")
        await self.vnet("subnet-test", "vnetname", "10.0.0.0/16", {"subnet1": "10.0.0.0/16"} if with_subnet else {})


async def prepare(world: World, name: str) -> None:
    """The state each example presumes."""
    if name in ("PrivateEndpointDelete", "PrivateEndpointGet", "PrivateLinkServiceGet", "PrivateLinkServiceList",
                "PrivateLinkServiceListAll"):
        await world.pe()
    elif name == "PrivateEndpointGetWithASG":
        await world.pe(asg=True)
    elif name in ("PrivateEndpointList", "PrivateEndpointListAll"):  # pe1/pe3 auto, pe2 manual, as the examples
        await world.pe(name="pe1")
        await world.pe(name="pe2", manual=True, world=False)
        await world.pe(name="pe3", world=False)
    elif name == "PrivateEndpointGetForManualApproval":
        await world.pe(manual=True)
    elif name in ("PrivateEndpointCreate", "PrivateEndpointCreateForManualApproval", "PrivateEndpointCreateWithASG"):
        await world.pe_subnet()
    elif name == "PrivateEndpointDnsZoneGroupCreate":
        await world.pe()
        await world.zones()
    elif name in ("PrivateEndpointDnsZoneGroupGet", "PrivateEndpointDnsZoneGroupDelete"):
        await world.pe()
        await world.zone_group("testPdnsgroup", await world.zones())
    elif name == "PrivateEndpointDnsZoneGroupList":
        await world.pe()
        await world.zone_group("testPdnsgroup1", (await world.zones())[:1])
    elif name in ("LoadBalancerCreateStandardSku", "PrivateLinkServiceCreate"):
        await world.lb_world()
    elif name == "LoadBalancerGet":
        await world.lb_world()
        lb = next(e for e in EXAMPLES if e.name == "LoadBalancerCreateStandardSku")
        path, body = request_for(lb, world.sub, STRINGS)
        await world.put(path, body)
    elif name in ("NetworkSecurityGroupCreateWithRule", "PublicIpAddressCreateDefaults", "VirtualNetworkCreate",
                  "VirtualNetworkCreateSubnet", "VirtualNetworkCreateSubnetWithDelegation",
                  "VirtualNetworkCreateWithEncryption"):
        await world.rg()
    elif name == "NetworkSecurityGroupGet":
        await world.rg()
        nsg = next(e for e in EXAMPLES if e.name == "NetworkSecurityGroupCreateWithRule")
        await world.put(*request_for(nsg, world.sub, STRINGS))
    elif name in ("NetworkInterfaceGet", "NetworkInterfaceList", "NetworkInterfaceListAll", "VirtualNetworkGet",
                  "VirtualNetworkList", "VirtualNetworkListAll"):
        await world.nic_world()
    elif name == "PublicIpAddressGet":
        await world.nic_world(pip="testDNS-ip")
    elif name in ("SubnetCreate", "SubnetCreateWithDelegation"):
        await world.subnet_test(with_subnet=False)
    elif name == "SubnetGet":
        await world.subnet_test(with_subnet=True)
    else:
        raise AssertionError(f"no setup for example {name}")


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
async def test_network_example_replays(emu, example: Example) -> None:
    world = World(emu)
    await prepare(world, example.name)
    path, body = request_for(example, world.sub, STRINGS)
    reply = await call(emu, example.method, path, body, example.api_version)
    assert reply.status in example.responses, (reply.status, reply.body)
    expected = example.expected(reply.status)
    if expected is not None:
        ignore = NOT_MODELLED | PER_EXAMPLE.get(example.name, set())
        assert missing_keys_named(expected, reply.body, ignore) == []


def test_every_network_example_is_replayed() -> None:
    assert len(EXAMPLES) == 36  # the 36 network-spec examples of INDEX.md (privatedns ones are replayed elsewhere)

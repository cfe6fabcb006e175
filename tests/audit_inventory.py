"""A hand-built audit inventory: one healthy vault endpoint, and a planted instance of each defect (no cloud)."""

from __future__ import annotations

from dataclasses import dataclass, field

from audits.inventory import Inventory

SUB = "00000000-0000-0000-0000-000000000001"
RG = "rg-net"
NET = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network"
KVP = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.KeyVault/vaults"
ZONE = "privatelink.vaultcore.azure.net"


def vnet(name: str, prefix: str, dns: list[str] | None = None, pls_policies: str = "Enabled") -> dict:
    vid = f"{NET}/virtualNetworks/{name}"
    return {"id": vid, "name": name, "location": "westus2", "properties": {
        "addressSpace": {"addressPrefixes": [prefix]}, "dhcpOptions": {"dnsServers": dns or []},
        "subnets": [{"id": f"{vid}/subnets/snet-pe", "name": "snet-pe", "properties": {
            "addressPrefix": prefix, "privateLinkServiceNetworkPolicies": pls_policies}}]}}


def vault(name: str, public: str = "Disabled", action: str = "Deny", rbac: bool = True, pes: list[str] = ()) -> dict:
    vid = f"{KVP}/{name}"
    return {"id": vid, "name": name, "location": "eastus2", "properties": {
        "vaultUri": f"https://{name}.vault.azure.net/", "publicNetworkAccess": public,
        "networkAcls": {"defaultAction": action}, "enableRbacAuthorization": rbac,
        "privateEndpointConnections": [{"id": f"{vid}/privateEndpointConnections/{p}-conn", "properties": {
            "privateEndpoint": {"id": f"{NET}/privateEndpoints/{p}"},
            "privateLinkServiceConnectionState": {"status": "Approved"}}} for p in pes]}}


def endpoint(name: str, vnet_name: str, target: str, status: str = "Approved", state: str = "Succeeded",
             manual: bool = False) -> dict:
    conn = {"name": f"{name}-conn", "properties": {"privateLinkServiceId": target, "groupIds": ["vault"],
                                                   "privateLinkServiceConnectionState": {"status": status}}}
    return {"id": f"{NET}/privateEndpoints/{name}", "name": name, "location": "westus2", "properties": {
        "provisioningState": state, "subnet": {"id": f"{NET}/virtualNetworks/{vnet_name}/subnets/snet-pe"},
        "networkInterfaces": [{"id": f"{NET}/networkInterfaces/{name}.nic.0001"}],
        ("manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"): [conn]}}


def nic(pe_name: str, vnet_name: str, ip: str, pe_exists: bool = True) -> dict:
    return {"id": f"{NET}/networkInterfaces/{pe_name}.nic.0001", "name": f"{pe_name}.nic.0001", "location": "westus2",
            "properties": {"privateEndpoint": {"id": f"{NET}/privateEndpoints/{pe_name}"}, "ipConfigurations": [
                {"name": "ipconfig1", "properties": {
                    "privateIPAddress": ip, "subnet": {"id": f"{NET}/virtualNetworks/{vnet_name}/subnets/snet-pe"}}}]}}


def zone(name: str = ZONE) -> dict:
    return {"id": f"{NET}/privateDnsZones/{name}", "name": name, "location": "global"}


def arec(zone_name: str, name: str, ips: list[str], ttl: int = 10) -> dict:
    return {"id": f"{NET}/privateDnsZones/{zone_name}/A/{name}", "name": name,
            "type": "Microsoft.Network/privateDnsZones/A",
            "properties": {"ttl": ttl, "aRecords": [{"ipv4Address": i} for i in ips],
                           "metadata": {"creator": "created by private endpoint"}}}


def link(zone_name: str, vnet_name: str, reg: bool = False, policy: str = "Default") -> dict:
    return {"id": f"{NET}/privateDnsZones/{zone_name}/virtualNetworkLinks/link-{vnet_name}", "name": f"link-{vnet_name}",
            "properties": {"virtualNetwork": {"id": f"{NET}/virtualNetworks/{vnet_name}"},
                           "registrationEnabled": reg, "resolutionPolicy": policy}}


@dataclass
class World:
    """A mutable bag of ARM JSON lists; .inventory() builds the Inventory."""

    endpoints: list = field(default_factory=list)
    nics: list = field(default_factory=list)
    vnets: list = field(default_factory=list)
    zones: list = field(default_factory=list)
    records: dict = field(default_factory=dict)
    links: dict = field(default_factory=dict)
    vaults: list = field(default_factory=list)
    pls: list = field(default_factory=list)

    def add_zone(self, name: str = ZONE) -> str:
        z = zone(name)
        if all(x["id"] != z["id"] for x in self.zones):
            self.zones.append(z)
        self.records.setdefault(z["id"], [])
        self.links.setdefault(z["id"], [])
        return z["id"]

    def inventory(self) -> Inventory:
        return Inventory.from_dicts(private_endpoints=self.endpoints, network_interfaces=self.nics,
                                    virtual_networks=self.vnets, private_dns_zones=self.zones,
                                    record_sets=self.records, virtual_network_links=self.links, vaults=self.vaults,
                                    private_link_services=self.pls, subscriptions=[SUB])


def healthy(w: World | None = None, *, i: int = 1, vnet_name: str | None = None) -> World:
    """One healthy vault endpoint: approved, NIC IP in a linked zone's A record, vault closed to the internet."""
    w = w or World()
    vn = vnet_name or f"vnet-{i}"
    if all(v["name"] != vn for v in w.vnets):
        w.vnets.append(vnet(vn, f"10.{i}.0.0/24"))
    kv = f"kv{i:03d}"
    pe = f"pe-{i}"
    ip = f"10.{i}.0.4"
    w.vaults.append(vault(kv, pes=[pe]))
    w.endpoints.append(endpoint(pe, vn, f"{KVP}/{kv}"))
    w.nics.append(nic(pe, vn, ip))
    zid = w.add_zone()
    w.records[zid].append(arec(ZONE, kv, [ip]))
    if all(x["properties"]["virtualNetwork"]["id"] != f"{NET}/virtualNetworks/{vn}" for x in w.links[zid]):
        w.links[zid].append(link(ZONE, vn))
    return w


def ids(findings) -> list[str]:
    return sorted({f.check_id for f in findings})


def plant(defect: str) -> World:
    w = healthy(i=1)
    zid = w.add_zone()
    if defect == "PL001":
        w.endpoints[0]["properties"]["privateLinkServiceConnections"][0]["properties"][
            "privateLinkServiceConnectionState"]["status"] = "Rejected"
    elif defect == "PL002":
        w.records[zid].clear()
    elif defect == "PL003":
        w.links[zid].clear()
    elif defect == "PL004":
        w.records[zid][0]["properties"]["aRecords"] = [{"ipv4Address": "10.1.0.99"}]
    elif defect == "PL005":
        w.zones.clear()
        w.records.clear()
        w.links.clear()
    elif defect == "PL006":
        w.add_zone("privatelink.vault.azure.net")
    elif defect == "PL007":
        w.vaults[0] = vault("kv001", public="Enabled", action="Allow", pes=["pe-1"])
    elif defect == "PL008":
        w.endpoints.append(endpoint("pe-1b", "vnet-1", f"{KVP}/kv001"))
        w.nics.append(nic("pe-1b", "vnet-1", "10.1.0.5"))
    elif defect == "PL009":
        w.nics.append(nic("pe-gone", "vnet-1", "10.1.0.9"))
    elif defect == "PL010":
        w.vnets[0] = vnet("vnet-1", "10.1.0.0/24", dns=["10.0.0.53"])
    elif defect == "PL011":
        w.records[zid][0]["properties"]["aRecords"].append({"ipv4Address": "10.1.0.77"})
    elif defect == "PL012":
        w.records[zid][0]["properties"]["ttl"] = 3600
    elif defect == "PL013":
        w.pls.append({"id": f"{NET}/privateLinkServices/pls1", "name": "pls1", "properties": {
            "visibility": {"subscriptions": ["*"]}, "autoApproval": {"subscriptions": ["*"]},
            "ipConfigurations": [{"properties": {"subnet": {"id": f"{NET}/virtualNetworks/vnet-1/subnets/snet-pe"}}}]}})
    elif defect == "PL014":
        w.links[zid][0]["properties"]["registrationEnabled"] = True
    elif defect == "PL015":
        w.vaults[0]["properties"]["enableRbacAuthorization"] = False
    elif defect == "PL016":
        w.endpoints[0]["properties"]["provisioningState"] = "Failed"
    elif defect == "PL017":
        w.vnets.clear()
        w.vnets.append(vnet("vnet-other", "10.9.0.0/24"))
    elif defect == "PL018":
        w.nics.clear()
    elif defect == "PL019":
        w.links[zid].append(link(ZONE, "vnet-deleted"))
    elif defect == "PL025":
        w.links[zid][0]["properties"]["resolutionPolicy"] = "NxDomainRedirect"
    else:
        raise AssertionError(defect)
    return w


@dataclass
class FakeVerdict:
    """Stands in for plinktui.probes.verdict.ProbeVerdict (same attribute names)."""

    vm: str
    fqdn: str
    resolved_ips: list[str]
    cname_chain: list[str]
    expected_ip: str
    verdict: str
    findings: list[str]
    healthstatus_addr: str | None = None
    detail: str = ""

"""Check catalogue as pure functions: one planted defect per check over a hand-built inventory, and a healthy
endpoint that yields no finding at all."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import pytest

from audits import checks
from audits.inventory import Inventory
from audits.services import Cloud, lookup

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


def test_healthy_endpoint_has_no_finding():
    inv = healthy().inventory()
    assert checks.run_all(inv) == []


def test_two_healthy_endpoints_in_two_vnets_have_no_finding():
    w = healthy(i=1)
    healthy(w, i=2)
    assert checks.run_all(w.inventory()) == []


def _plant(defect: str) -> World:
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


PLANTED = ["PL001", "PL002", "PL003", "PL004", "PL005", "PL006", "PL007", "PL008", "PL009", "PL010", "PL011",
           "PL012", "PL013", "PL014", "PL015", "PL016", "PL017", "PL018", "PL019", "PL025"]


@pytest.mark.parametrize("defect", PLANTED)
def test_each_planted_defect_is_detected(defect):
    findings = checks.run_all(_plant(defect).inventory())
    assert defect in ids(findings), [f.check_id for f in findings]
    for f in findings:
        assert f.remediation.command.startswith("az "), f
        assert f.detail and f.title == checks.CATALOGUE[f.check_id].title


@pytest.mark.parametrize("defect", PLANTED)
def test_planted_defect_leaves_a_healthy_neighbour_alone(defect):
    w = _plant(defect)
    healthy(w, i=5)
    findings = checks.run_all(w.inventory())
    neighbour = {f"{NET}/privateEndpoints/pe-5".lower(), f"{KVP}/kv005".lower(), f"{NET}/virtualNetworks/vnet-5".lower(),
                 f"{NET}/privateDnsZones/{ZONE}/A/kv005".lower()}
    if defect != "PL005":  # without any zone, the neighbour is broken too (that is the point of PL005)
        assert not [f for f in findings if f.resource_id.lower() in neighbour], findings


def test_pending_is_a_warning_and_rejected_an_error():
    w = healthy()
    w.endpoints[0] = endpoint("pe-1", "vnet-1", f"{KVP}/kv001", status="Pending", manual=True)
    (f,) = [x for x in checks.run_all(w.inventory()) if x.check_id == "PL001"]
    assert f.severity == "warning"
    assert "approve" in f.remediation.command
    (g,) = [x for x in checks.run_all(_plant("PL001").inventory()) if x.check_id == "PL001"]
    assert g.severity == "error"


def test_target_gone_is_pl009_even_while_still_approved():
    w = healthy()
    w.vaults.clear()
    got = ids(checks.run_all(w.inventory()))
    assert got == ["PL009"]


def test_disconnected_with_target_gone_is_pl009_not_pl001():
    w = healthy()
    w.vaults.clear()
    w.endpoints[0]["properties"]["privateLinkServiceConnections"][0]["properties"][
        "privateLinkServiceConnectionState"]["status"] = "Disconnected"
    got = ids(checks.run_all(w.inventory()))
    assert "PL009" in got and "PL001" not in got


def test_stale_round_robin_is_an_error_but_two_endpoint_ips_only_a_warning():
    (f,) = [x for x in checks.run_all(_plant("PL011").inventory()) if x.check_id == "PL011"]
    assert f.severity == "error" and "10.1.0.77" in f.detail
    w = _plant("PL008")
    zid = w.add_zone()
    w.records[zid][0]["properties"]["aRecords"].append({"ipv4Address": "10.1.0.5"})
    (g,) = [x for x in checks.run_all(w.inventory()) if x.check_id == "PL011"]
    assert g.severity == "warning"


@pytest.mark.parametrize("name,right", [
    ("privatelink.vault.azure.net", ZONE), ("vaultcore.azure.net", ZONE), (ZONE + ".", ZONE),
    ("vault.azure.net", ZONE), ("privatelink.blob.core.windows.net", None), ("contoso.internal", None),
])
def test_zone_name_suggestions(name, right):
    assert checks._suggest_zone(name, Cloud.PUBLIC) == right


def test_pl003_mentions_shadowing_zone():
    w = _plant("PL003")
    other = f"/subscriptions/{SUB}/resourceGroups/rg-other/providers/Microsoft.Network/privateDnsZones/{ZONE}"
    w.zones.append({"id": other, "name": ZONE})
    w.records[other] = []
    w.links[other] = [link(ZONE, "vnet-1")]
    (f,) = [x for x in checks.run_all(w.inventory()) if x.check_id == "PL003"]
    assert "NXDOMAIN" in f.detail and "refuses to link a second zone" in f.detail
    # Azure rejects a second same-named zone on one VNet: the fix puts the record into the linked zone instead.
    assert "link vnet create" not in f.remediation.command
    assert "record-set a add-record --resource-group rg-other" in f.remediation.command


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


@pytest.mark.parametrize("fid", ["PL020", "PL021", "PL022", "PL023", "PL024"])
def test_probe_verdicts_map_to_findings_on_the_endpoint(fid):
    inv = healthy().inventory()
    ips = {"PL020": ["52.168.109.101"], "PL021": ["10.1.0.50"], "PL022": [], "PL023": ["10.1.0.4"],
           "PL024": ["10.1.0.8"]}[fid]
    v = FakeVerdict("vm-1", "kv001.vault.azure.net", ips, [], "10.1.0.4", "fail", [fid],
                    healthstatus_addr="52.1.2.3" if fid == "PL023" else None)
    (f,) = checks.run_all(inv, [v])
    assert f.check_id == fid and f.resource_id.endswith("/privateEndpoints/pe-1")
    assert f.remediation.command.startswith("az ")


def test_pl010_escalates_when_a_probe_saw_a_public_ip():
    inv = _plant("PL010").inventory()
    (warn,) = [x for x in checks.run_all(inv) if x.check_id == "PL010"]
    assert warn.severity == "warning"
    v = FakeVerdict("vm-1", "kv001.vault.azure.net", ["52.168.109.101"], [], "10.1.0.4", "fail", ["PL020"])
    got = checks.run_all(inv, [v], vm_vnets={"vm-1": f"{NET}/virtualNetworks/vnet-1"})
    (err,) = [x for x in got if x.check_id == "PL010"]
    assert err.severity == "error"


def test_fail_on_threshold():
    fs = checks.run_all(_plant("PL015").inventory())
    assert [f.severity for f in fs] == ["info"]
    assert checks.failing(fs, "warning") == [] and checks.failing(fs, "error") == []
    fs2 = checks.run_all(_plant("PL014").inventory())
    assert checks.failing(fs2, "warning") and not checks.failing(fs2, "error")


def test_every_catalogue_rule_is_planted_somewhere():
    from tests.audits.test_resolution import HUBSPOKE_CHECKS

    covered = set(PLANTED) | {"PL020", "PL021", "PL022", "PL023", "PL024"} | set(HUBSPOKE_CHECKS)
    assert covered == set(checks.CATALOGUE)


def test_from_dicts_accepts_sdk_models():
    from azure.mgmt.network.models import NetworkInterface, PrivateEndpoint

    w = healthy()
    raw = copy.deepcopy(w)
    raw.endpoints = [PrivateEndpoint(e) for e in w.endpoints]
    raw.nics = [NetworkInterface(n) for n in w.nics]
    inv = raw.inventory()
    assert inv.ips_of(inv.endpoints[0]) == ["10.1.0.4"]
    assert checks.run_all(inv) == []


def test_service_lookup_by_cloud():
    kv = lookup(f"{KVP}/x", "vault", Cloud.GOVERNMENT)
    assert kv and kv.zones == ("privatelink.vaultcore.usgovcloudapi.net",)
    assert kv.record_name("x.vault.usgovcloudapi.net") == ("x", "privatelink.vaultcore.usgovcloudapi.net")
    cn = lookup(f"{KVP}/x", "vault", Cloud.CHINA)
    assert cn and cn.zones == ("privatelink.vaultcore.azure.cn",)
    blob = lookup("/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/a", "blob")
    assert blob and blob.zones == ("privatelink.blob.core.windows.net",)
    cos = lookup("/subscriptions/s/resourceGroups/r/providers/Microsoft.DocumentDB/databaseAccounts/c", "MongoDB")
    assert cos and cos.zones == ("privatelink.mongo.cosmos.azure.com",)
    aks = lookup("/subscriptions/s/resourceGroups/r/providers/Microsoft.ContainerService/managedClusters/k",
                 "management", region="eastus")
    assert aks and aks.zones == ("privatelink.eastus.azmk8s.io",)
    assert lookup(f"{KVP}/x", "nope") is None

"""Check catalogue as pure functions: one planted defect per check over a hand-built inventory, and a healthy
endpoint that yields no finding at all."""

from __future__ import annotations

import copy

import pytest

from audits import checks
from audits.services import Cloud, lookup
from tests.audit_inventory import (
    KVP,
    NET,
    SUB,
    ZONE,
    FakeVerdict,
    endpoint,
    healthy,
    ids,
    link,
    plant,
)


def test_healthy_endpoint_has_no_finding():
    inv = healthy().inventory()
    assert checks.run_all(inv) == []


def test_two_healthy_endpoints_in_two_vnets_have_no_finding():
    w = healthy(i=1)
    healthy(w, i=2)
    assert checks.run_all(w.inventory()) == []




PLANTED = ["PL001", "PL002", "PL003", "PL004", "PL005", "PL006", "PL007", "PL008", "PL009", "PL010", "PL011",
           "PL012", "PL013", "PL014", "PL015", "PL016", "PL017", "PL018", "PL019", "PL025"]


@pytest.mark.parametrize("defect", PLANTED)
def test_each_planted_defect_is_detected(defect):
    findings = checks.run_all(plant(defect).inventory())
    assert defect in ids(findings), [f.check_id for f in findings]
    for f in findings:
        assert f.remediation.command.startswith("az "), f
        assert f.detail and f.title == checks.CATALOGUE[f.check_id].title


@pytest.mark.parametrize("defect", PLANTED)
def test_planted_defect_leaves_a_healthy_neighbour_alone(defect):
    w = plant(defect)
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
    (g,) = [x for x in checks.run_all(plant("PL001").inventory()) if x.check_id == "PL001"]
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
    (f,) = [x for x in checks.run_all(plant("PL011").inventory()) if x.check_id == "PL011"]
    assert f.severity == "error" and "10.1.0.77" in f.detail
    w = plant("PL008")
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
    w = plant("PL003")
    other = f"/subscriptions/{SUB}/resourceGroups/rg-other/providers/Microsoft.Network/privateDnsZones/{ZONE}"
    w.zones.append({"id": other, "name": ZONE})
    w.records[other] = []
    w.links[other] = [link(ZONE, "vnet-1")]
    (f,) = [x for x in checks.run_all(w.inventory()) if x.check_id == "PL003"]
    assert "NXDOMAIN" in f.detail and "refuses to link a second zone" in f.detail
    # Azure rejects a second same-named zone on one VNet: the fix puts the record into the linked zone instead.
    assert "link vnet create" not in f.remediation.command
    assert "record-set a add-record --resource-group rg-other" in f.remediation.command




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
    inv = plant("PL010").inventory()
    (warn,) = [x for x in checks.run_all(inv) if x.check_id == "PL010"]
    assert warn.severity == "warning"
    v = FakeVerdict("vm-1", "kv001.vault.azure.net", ["52.168.109.101"], [], "10.1.0.4", "fail", ["PL020"])
    got = checks.run_all(inv, [v], vm_vnets={"vm-1": f"{NET}/virtualNetworks/vnet-1"})
    (err,) = [x for x in got if x.check_id == "PL010"]
    assert err.severity == "error"


def test_fail_on_threshold():
    fs = checks.run_all(plant("PL015").inventory())
    assert [f.severity for f in fs] == ["info"]
    assert checks.failing(fs, "warning") == [] and checks.failing(fs, "error") == []
    fs2 = checks.run_all(plant("PL014").inventory())
    assert checks.failing(fs2, "warning") and not checks.failing(fs2, "error")


def test_every_catalogue_rule_is_planted_somewhere():
    from tests.hubspoke_world import HUBSPOKE_CHECKS

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

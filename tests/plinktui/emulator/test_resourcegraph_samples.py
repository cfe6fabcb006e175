"""Microsoft's published Resource Graph samples (tests/data/arm-examples/Microsoft.ResourceGraph) on the emulator,
through the official azure-mgmt-resourcegraph client: each sample's query must answer in the sample's shape — the
same columns, ``count`` equal to the rows, ``totalRecords``, and a ``$skipToken`` exactly when the sample has one.

Substitutions (the samples name a subscription and management groups of Microsoft's): the emulator's subscription
and its tenant root group. ``ResourcesNextPageQuery`` sends Microsoft's opaque token; the emulator answers its own
token (from the first-page sample, which keeps that page's ``$top``) with that sample's shape. Facets are not modelled: the facet sample's data must
still match. Deviation kept on purpose: ``ResourcesPropertiesQuery`` shows a column ``count`` for ``summarize
count() by ...``, where Kusto (and the ``ResourcesComplexQuery`` sample) names it ``count_``; the emulator follows
Kusto.
"""

from __future__ import annotations

import json
import pathlib

import pytest

from plinktui.cloud import Gateway, resolve_target

SAMPLES = pathlib.Path(__file__).resolve().parents[2] / "data" / "arm-examples" / "Microsoft.ResourceGraph" / "2021-03-01"
KUSTO_NAMING = {"ResourcesPropertiesQuery.json": {"count": "count_"}}


def _vm(sub: str, rg: str, name: str, location: str, os_type: str) -> dict:
    return {"id": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{name}",
            "name": name, "type": "Microsoft.Compute/virtualMachines", "location": location, "tags": {},
            "properties": {"storageProfile": {"osDisk": {"osType": os_type}}, "provisioningState": "Succeeded"}}


def _world(emu) -> None:
    """VMs in three regions (some named *test*), a NIC and a VNet: enough for every sample to have rows."""
    sub = emu.config.subscription_id
    for rg in ("RG1", "RG2", "B-TEST-RG"):
        emu.store.put({"id": f"/subscriptions/{sub}/resourceGroups/{rg}", "name": rg,
                       "type": "Microsoft.Resources/resourceGroups", "location": "eastus", "properties": {}})
    for i, (loc, os_type) in enumerate([("centralus", "Linux"), ("eastus", "Windows"), ("westus", "Windows"),
                                        ("eastus", "Linux"), ("centralus", "Windows"), ("westcentralus", "Linux")]):
        name = f"myTestVm{i}" if i % 2 else f"vm{i}"
        emu.store.put(_vm(sub, ("RG1", "RG2", "B-TEST-RG")[i % 3], name, loc, os_type))
    net = f"/subscriptions/{sub}/resourceGroups/RG1/providers/Microsoft.Network"
    for i in range(4):
        emu.store.put({"id": f"{net}/networkInterfaces/nic-test-{i}", "name": f"nic-test-{i}",
                       "type": "Microsoft.Network/networkInterfaces", "location": "eastus", "tags": {},
                       "properties": {"ipConfigurations": []}})
    emu.store.put({"id": f"{net}/networkInterfaces/myNetworkInterface", "name": "myNetworkInterface",
                   "type": "Microsoft.Network/networkInterfaces", "location": "centralus", "tags": {"tag1": "Value1"},
                   "properties": {"ipConfigurations": []}})
    emu.store.put({"id": f"{net}/virtualNetworks/testVnet", "name": "testVnet",
                   "type": "Microsoft.Network/virtualNetworks", "location": "westus", "tags": {},
                   "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}})


def _columns(data) -> set[str]:
    return {c for row in data for c in row}


def _request(sample: dict, emu, token: str | None = None):
    from azure.mgmt.resourcegraph.models import QueryRequest

    body = json.loads(json.dumps(sample["parameters"]["query"]))
    if "subscriptions" in body:
        body["subscriptions"] = [emu.config.subscription_id]
    if "managementGroups" in body:
        body["managementGroups"] = [emu.config.tenant_id]
    body.pop("facets", None)
    if token:
        body.setdefault("options", {})["$skipToken"] = token
    return QueryRequest.from_dict(body)


async def test_microsoft_samples_answer_in_their_shape(emu):
    _world(emu)
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    files = sorted(SAMPLES.glob("*.json"))
    assert len(files) == 9
    matched, tally = [], {}
    first_token = None
    async with Gateway(target, total_timeout=60) as gw:
        for path in files:
            sample = json.loads(path.read_text())
            expected = sample["responses"]["200"]["body"]
            token = first_token if path.name == "ResourcesNextPageQuery.json" else None
            answer = (await gw.resourcegraph.resources(_request(sample, emu, token))).as_dict()
            if path.name == "ResourcesFirstPageQuery.json":
                first_token = answer.get("skip_token")
            data = answer["data"]
            want = {KUSTO_NAMING.get(path.name, {}).get(c, c) for c in _columns(expected["data"])}
            checks = {
                "columns": _columns(data) == want,
                "count": answer["count"] == len(data) and answer["total_records"] >= answer["count"] > 0,
                "truncated": answer["result_truncated"] == expected["resultTruncated"],
                "paging": ("skip_token" in answer) == ("$skipToken" in expected),
            }
            tally[path.name] = checks
            if all(checks.values()):
                matched.append(path.name)
    assert matched == [p.name for p in files], {k: v for k, v in tally.items() if not all(v.values())}
    assert len(matched) == 9  # every published sample inside the subset evaluates to its sample's shape


async def test_sample_queries_give_the_right_rows(emu):
    """Shapes are not enough: the samples' queries compute what KQL says on a known world."""
    _world(emu)
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    from azure.mgmt.resourcegraph.models import QueryRequest

    async with Gateway(target, total_timeout=60) as gw:
        async def q(text: str) -> list[dict]:
            return (await gw.resourcegraph.resources(QueryRequest(query=text))).data

        by_os = await q("Resources | where type =~ 'Microsoft.Compute/virtualMachines' "
                        "| summarize count() by tostring(properties.storageProfile.osDisk.osType)")
        assert sorted((r["properties_storageProfile_osDisk_osType"], r["count_"]) for r in by_os) == [
            ("Linux", 3), ("Windows", 3)]
        top = await q("Resources | project id, name, type, location | where type =~ 'Microsoft.Compute/virtualMachines'"
                      " | summarize count() by location | top 3 by count_")
        assert [r["count_"] for r in top] == [2, 2, 1] and {r["location"] for r in top[:2]} == {"centralus", "eastus"}
        tests = await q("Resources | where name contains 'test' | project id, name, type, location")
        assert sorted(r["name"] for r in tests) == ["myTestVm1", "myTestVm3", "myTestVm5", "nic-test-0", "nic-test-1",
                                                    "nic-test-2", "nic-test-3", "testVnet"]
        assert all(r["type"] == r["type"].lower() for r in tests)  # ARG lower-cases type


@pytest.mark.parametrize("query, code", [
    ("Resources | wher name == 'x'", "UnsupportedOperator"),
    ("Resources | where name matches regex 'x'", "UnsupportedOperator"),
    ("Resources | where name == 'x", "ParserFailure"),
    ("Resources | extend x = base64_encode(name)", "UnknownFunction"),
    ("Resources | where nosuchcolumn == 1", "UnknownColumn"),
    ("securityresources | take 1", "UnknownTable"),
    ("Resources | join kind=fullouter (Resources) on id", "UnsupportedOperator"),
])
async def test_queries_outside_the_subset_get_resource_graphs_error_shape(emu, query, code):
    from azure.core.exceptions import HttpResponseError
    from azure.mgmt.resourcegraph.models import QueryRequest

    _world(emu)
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    async with Gateway(target, total_timeout=60) as gw:
        with pytest.raises(HttpResponseError) as info:
            await gw.resourcegraph.resources(QueryRequest(query=query))
    err = info.value
    assert err.status_code == 400 and err.error.code == "BadRequest"
    details = [d.code for d in err.error.details]
    assert details[0] == "InvalidQuery" and details[1] == code

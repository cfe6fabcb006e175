"""Contract replay: every official example under shared/arm-examples/Microsoft.KeyVault and the Private DNS examples
under shared/arm-examples/Microsoft.Network/2024-06-01, sent raw to the emulator at the SDK's api-version (ids
rewritten to the emulator's subscription), comparing the status and the response's key structure.

Not modelled (keys ignored in the comparison): ``hsmPoolResourceId`` (a legacy, read-only Key Vault field) and
``nextLink`` (the emulator sends it only when another page exists). Everything else the examples return, we return.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.arm_examples import EXAMPLES, call, load, missing_keys, request_body, rewrite, settle
from tests.dns_world import plant_pe, plant_vnet

API = {"Microsoft.KeyVault": "2026-05-15", "Microsoft.Network": "2024-06-01"}
IGNORE = frozenset({"hsmPoolResourceId", "nextLink"})
ROW = re.compile(r"^\| (Microsoft\.(?:KeyVault/[^ ]+|Network/2024-06-01/[^ ]+)\.json) \| (\w+) \| `(\w+) ([^ `]+)")
TENANT = "72f988bf-0000-4000-8000-000000000001"


def _index() -> dict[str, tuple[str, str, str]]:
    """file -> (operationId, method, path template), read from INDEX.md."""
    out = {}
    for line in (EXAMPLES / "INDEX.md").read_text().splitlines():
        m = ROW.match(line)
        if m:
            out[m.group(1)] = (m.group(2), m.group(3), m.group(4))
    return out


INDEX = _index()

VAULT_PROPS = {
    "tenantId": TENANT, "sku": {"family": "A", "name": "standard"},
    "accessPolicies": [{"tenantId": TENANT, "objectId": "00000000-0000-0000-0000-0000000000aa",
                        "permissions": {"keys": ["get"], "secrets": ["get"], "certificates": ["get"]}}],
    "enabledForDeployment": True, "enabledForDiskEncryption": True, "enabledForTemplateDeployment": True,
    "publicNetworkAccess": "Enabled",
    "networkAcls": {"bypass": "AzureServices", "defaultAction": "Deny", "ipRules": [{"value": "203.0.113.0/24"}],
                    "virtualNetworkRules": [{"id": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/"
                                                   "virtualNetworks/v/subnets/s",
                                             "ignoreMissingVnetServiceEndpoint": False}]},
}


async def _ok(reply: Any, what: str) -> Any:
    assert reply.status < 300, f"setup {what}: {reply.status} {reply.body}"
    return reply


async def _rg(emu: Any, rg: str) -> None:
    await _ok(await call(emu, "PUT", f"/subscriptions/{emu.config.subscription_id}/resourcegroups/{rg}",
                         {"location": "westus2"}, "2025-04-01"), f"rg {rg}")


def _kv(emu: Any, rg: str, name: str) -> str:
    return f"/subscriptions/{emu.config.subscription_id}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}"


async def _vault(emu: Any, rg: str, name: str, *, with_connection: bool = True) -> str:
    await _rg(emu, rg)
    vid = _kv(emu, rg, name)
    await _ok(await call(emu, "PUT", vid, {"location": "westus", "tags": {},
                                           "properties": VAULT_PROPS}, API["Microsoft.KeyVault"]), "vault")
    if with_connection:
        vnet = plant_vnet(emu, rg, "vnet-contract", "10.70.0.0/16")
        plant_pe(emu, rg, "sample-pe", f"{vnet}/subnets/snet-pe", "10.70.1.4", vid)
    return vid


def _zone_path(emu: Any, rg: str, zone: str) -> str:
    return f"/subscriptions/{emu.config.subscription_id}/resourceGroups/{rg}/providers/Microsoft.Network/" \
           f"privateDnsZones/{zone}"


async def _zone(emu: Any, rg: str, zone: str) -> str:
    await _rg(emu, rg)
    path = _zone_path(emu, rg, zone)
    await _ok(await call(emu, "PUT", path, {"location": "global", "tags": {"key1": "value1"}}, API["Microsoft.Network"]),
              "zone")
    return path


async def _records(emu: Any, rg: str, zone: str) -> None:
    path = await _zone(emu, rg, zone)
    api = API["Microsoft.Network"]
    for name, ip in (("recordA", "1.2.3.4"), ("recorda1", "1.2.3.4"), ("recorda2", "5.6.7.8")):
        await _ok(await call(emu, "PUT", f"{path}/A/{name}", {"properties": {
            "ttl": 3600, "metadata": {"key1": "value1"}, "aRecords": [{"ipv4Address": ip}]}}, api), "A record")
    await _ok(await call(emu, "PUT", f"{path}/CNAME/recordcname", {"properties": {
        "ttl": 3600, "metadata": {"key1": "value1"}, "cnameRecord": {"cname": "contoso.com"}}}, api), "CNAME")
    await _ok(await call(emu, "PUT", f"{path}/MX/recordmx", {"properties": {
        "ttl": 3600, "metadata": {"key1": "value1"}, "mxRecords": [{"preference": 0,
                                                                   "exchange": "mail.contoso1.com"}]}}, api), "MX")


def _vnet_for_links(emu: Any) -> str:
    return plant_vnet(emu, "virtualNetworkResourceGroup", "virtualNetworkName", "10.80.0.0/16")


async def _links(emu: Any, rg: str, zone: str) -> None:
    path = await _zone(emu, rg, zone)
    vnet = _vnet_for_links(emu)
    other = plant_vnet(emu, "virtualNetworkResourceGroup", "virtualNetworkName2", "10.81.0.0/16")
    for name, vid in (("virtualNetworkLink1", vnet), ("virtualNetworkLink2", other)):
        await _ok(await call(emu, "PUT", f"{path}/virtualNetworkLinks/{name}", {
            "location": "global", "tags": {"key1": "value1"},
            "properties": {"virtualNetwork": {"id": vid}, "registrationEnabled": False}}, API["Microsoft.Network"]),
            "link")


Setup = Callable[[Any, dict[str, Any]], Awaitable[dict[str, str]]]


async def _setup(emu: Any, op: str, params: dict[str, Any]) -> dict[str, str]:
    """Create what the operation needs; returns overrides of path parameters (e.g. the real connection name)."""
    rg = params.get("resourceGroupName", "")
    vault = params.get("vaultName") if isinstance(params.get("vaultName"), str) else "sample-vault"
    zone = params.get("privateZoneName", "")
    if op in ("Vaults_CreateOrUpdate",):
        await _rg(emu, rg)
    elif op in ("Vaults_Get", "Vaults_Update", "Vaults_Delete", "PrivateLinkResources_ListByVault"):
        await _vault(emu, rg, vault)
    elif op == "Vaults_ListByResourceGroup":
        await _vault(emu, rg, vault)
    elif op == "Vaults_ListBySubscription":
        await _vault(emu, "sample-group", "sample-vault")
    elif op in ("Vaults_GetDeleted", "Vaults_PurgeDeleted"):
        await _vault(emu, "sample-group", vault, with_connection=False)
        await call(emu, "DELETE", _kv(emu, "sample-group", vault), None, API["Microsoft.KeyVault"])
        return {"location": "westus"}
    elif op.startswith("PrivateEndpointConnections_"):
        vid = await _vault(emu, rg, vault)
        reply = await call(emu, "GET", vid + "/privateEndpointConnections", None, API["Microsoft.KeyVault"])
        return {"privateEndpointConnectionName": reply.body["value"][0]["name"]}
    elif op in ("PrivateZones_Get", "PrivateZones_Delete", "PrivateZones_ListByResourceGroup",
                "PrivateZones_List"):
        await _zone(emu, rg or "resourceGroup1", zone or "privatezone1.com")
        if op != "PrivateZones_Get":
            await _zone(emu, rg or "resourceGroup1", "privatezone2.com")
    elif op == "PrivateZones_CreateOrUpdate":
        await _rg(emu, rg)
    elif op in ("RecordSets_Get", "RecordSets_Delete", "RecordSets_List", "RecordSets_ListByType"):
        await _records(emu, rg, zone)
    elif op == "RecordSets_CreateOrUpdate":
        await _zone(emu, rg, zone)
    elif op in ("VirtualNetworkLinks_Get", "VirtualNetworkLinks_List", "VirtualNetworkLinks_Delete"):
        await _links(emu, rg, zone)
    elif op == "VirtualNetworkLinks_CreateOrUpdate":
        await _zone(emu, rg, zone)
        _vnet_for_links(emu)
    return {}


FILES = sorted(INDEX)


def test_index_lists_every_example_file() -> None:
    on_disk = {f"{p.parent.parent.name}/{p.parent.name}/{p.name}"
               for ns in ("Microsoft.KeyVault", "Microsoft.Network")
               for p in (EXAMPLES / ns).glob("*/*.json")
               if ns == "Microsoft.KeyVault" or p.parent.name == "2024-06-01"}
    assert on_disk and on_disk == set(FILES)


@pytest.mark.parametrize("relpath", FILES)
async def test_example_replays(emu, relpath: str) -> None:
    example = load(relpath)
    op, method, template = INDEX[relpath]
    params = dict(example["parameters"])
    overrides = await _setup(emu, op, params)
    values = {k: str(v) for k, v in params.items() if isinstance(v, (str, int))}
    values.update(overrides)
    values["subscriptionId"] = emu.config.subscription_id
    path = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)
    namespace = relpath.split("/", 1)[0]
    mapping = {"virtualNetworkSubscriptionId": emu.config.subscription_id,
               "/subscriptions/subid/": f"/subscriptions/{emu.config.subscription_id}/"}
    body = rewrite(request_body(example), mapping) if method in ("PUT", "PATCH", "POST") else None
    if op == "Vaults_CheckNameAvailability":
        body = params["vaultName"]
    api = API[namespace]
    reply = await call(emu, method, path, body, api)
    reply = await settle(emu, reply)
    expected = {str(k): v for k, v in example["responses"].items()}
    assert str(reply.status) in expected, f"{relpath}: {reply.status} not in {sorted(expected)}: {reply.body}"
    want = (expected[str(reply.status)] or {}).get("body")
    if want is not None:
        got = reply.body
        if isinstance(want.get("value"), list) and want["value"] and isinstance(got, dict) and got.get("value"):
            # lists: compare the example's first item with our first item of the same type (order differs)
            same = [v for v in got["value"] if v.get("type") == want["value"][0].get("type")]
            got = {**got, "value": same + [v for v in got["value"] if v not in same]}
        missing = missing_keys(want, got, IGNORE)
        assert not missing, f"{relpath}: response lacks {missing}"

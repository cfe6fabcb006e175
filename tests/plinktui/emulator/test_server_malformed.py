"""Malformed ARM requests on the network, Key Vault, Private DNS and compute routes (tests/plinktui/emulator/test_server_hostile.py
covers resource groups): bad JSON, wrong types, huge bodies, path traversal and unicode names. The emulator answers
ARM-shaped 4xx (never a 5xx, never a traceback), keeps serving, and its state file stays intact. Also 50 concurrent
clients on network resources leave a consistent state.

The count of malformed requests sent is printed (``-s``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import ssl
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

API = {"network": "2026-03-01", "keyvault": "2026-05-15", "privatedns": "2024-06-01", "compute": "2026-04-01",
       "resources": "2025-04-01"}
SENT = {"malformed": 0}
OK_VNETS = ["vnet-ok", "hostile-ok", "CON"]
"""What may exist after the storm: the base VNet; 'hostile-ok' (a hostile body with only unknown properties is a
valid VNet, as ARM ignores unknown members); 'CON' (a valid name). Not 'b' (the client normalises 'a/../b' to it):
VNet names are 2-64 characters."""

BAD_BODIES: list[bytes] = [
    b"{not json", b"\xff\xfe\x00", b"[1,2,3]", b'"a string"', b"null", b"42", b'{"location": 5}',
    b'{"location": "westus2", "tags": "not-a-dict"}', b'{"location": "westus2", "tags": []}',
    b'{"location": "nowhere"}', b"{" * 5000, b'{"location": "westus2", "properties": []}',
    b'{"location": "westus2", "properties": "x"}', b'{"location": "westus2", "properties": {"addressSpace": "10/8"}}',
    b'{"location": "westus2", "properties": {"addressSpace": {"addressPrefixes": [5, null]}}}',
    b'{"location": "westus2", "properties": {"subnets": {"a": 1}}}',
    b'{"location": "westus2", "properties": {"ipConfigurations": [{"properties": {"subnet": 7}}]}}',
    b'{"location": "westus2", "properties": {"subnet": {"id": "../../../etc/passwd"}}}',
    b'{"location": "eastus2", "properties": {"tenantId": 5, "sku": "standard"}}',
    b'{"location": "eastus2", "properties": {"sku": {"family": "A", "name": ["x"]}, "tenantId": "t"}}',
    b'{"location": "global", "properties": {"aRecords": [{"ipv4Address": "999.1.1.1"}], "ttl": "x"}}',
    b'{"location": "global", "properties": {"virtualNetwork": {"id": 5}}}',
    b'{"location": "westus2", "properties": {"hardwareProfile": [], "osProfile": 1}}',
    b'{"location": "westus2", "properties": {"storageProfile": {"imageReference": "ubuntu"}}}',
    b'{"commandId": 5, "script": "not-a-list"}', b'{"name": 5, "type": []}',
    json.dumps({"location": "westus2", "properties": {"x": "\u0000\u202e\ud7ff" * 100}}).encode(),
]
BAD_NAMES = ["..", "a/../b", "%2e%2e", "%2F..%2F", "n\u00e9\u4e2d", "name with space", "x" * 300, "n.", "n;drop",
             "\u202eevil", "CON", "-lead", "%00"]


def routes(sub: str) -> dict[str, tuple[str, str, str]]:
    """name -> (method, path template with {name}, api)."""
    rg = f"/subscriptions/{sub}/resourceGroups/rg-h/providers"
    return {
        "vnet": ("PUT", f"{rg}/Microsoft.Network/virtualNetworks/{{name}}", "network"),
        "subnet": ("PUT", f"{rg}/Microsoft.Network/virtualNetworks/vnet-ok/subnets/{{name}}", "network"),
        "nsg": ("PUT", f"{rg}/Microsoft.Network/networkSecurityGroups/{{name}}", "network"),
        "pip": ("PUT", f"{rg}/Microsoft.Network/publicIPAddresses/{{name}}", "network"),
        "nic": ("PUT", f"{rg}/Microsoft.Network/networkInterfaces/{{name}}", "network"),
        "pe": ("PUT", f"{rg}/Microsoft.Network/privateEndpoints/{{name}}", "network"),
        "vault": ("PUT", f"{rg}/Microsoft.KeyVault/vaults/{{name}}", "keyvault"),
        "vault_patch": ("PATCH", f"{rg}/Microsoft.KeyVault/vaults/kvhostileok01", "keyvault"),
        "zone": ("PUT", f"{rg}/Microsoft.Network/privateDnsZones/{{name}}", "privatedns"),
        "record": ("PUT", f"{rg}/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net/A/{{name}}",
                   "privatedns"),
        "link": ("PUT", f"{rg}/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net/"
                 f"virtualNetworkLinks/{{name}}", "privatedns"),
        "vm": ("PUT", f"{rg}/Microsoft.Compute/virtualMachines/{{name}}", "compute"),
        "runcommand": ("POST", f"{rg}/Microsoft.Compute/virtualMachines/{{name}}/runCommand", "compute"),
        "kv_name": ("POST", f"/subscriptions/{sub}/providers/Microsoft.KeyVault/checkNameAvailability", "keyvault"),
    }


class Client:
    def __init__(self, emu: Any, session: aiohttp.ClientSession) -> None:
        self.emu, self.session = emu, session
        self.ctx = ssl.create_default_context(cafile=emu.ca_cert)

    async def send(self, method: str, path: str, data: bytes | None, api: str) -> tuple[int, dict[str, Any]]:
        url = f"{self.emu.endpoint}{path}?api-version={API[api]}"
        async with self.session.request(method, url, data=data, ssl=self.ctx, headers={
                "Authorization": "Bearer x", "Content-Type": "application/json"}) as r:
            body = await r.read()
            try:
                return r.status, json.loads(body) if body else {}
            except ValueError:
                return r.status, {"unparsable": body[:200].decode(errors="replace")}

    async def json(self, method: str, path: str, body: Any, api: str) -> tuple[int, dict[str, Any]]:
        return await self.send(method, path, json.dumps(body).encode() if body is not None else None, api)


def arm_4xx(status: int, body: dict[str, Any]) -> bool:
    return 400 <= status < 500 and isinstance(body.get("error"), dict) and {"code", "message"} <= body["error"].keys()


def acceptable(status: int, body: dict[str, Any]) -> bool:
    """A 2xx (the value was valid after all) or an ARM-shaped 4xx; never a 5xx."""
    return 200 <= status < 300 or arm_4xx(status, body)


async def _base(c: Client, sub: str) -> None:
    """A resource group, a VNet with a subnet, a zone and a vault to aim the child routes at."""
    rg = f"/subscriptions/{sub}/resourceGroups/rg-h"
    assert (await c.json("PUT", rg, {"location": "westus2"}, "resources"))[0] in (200, 201)
    st_, js = await c.json("PUT", f"{rg}/providers/Microsoft.Network/virtualNetworks/vnet-ok", {
        "location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.50.0.0/16"]}, "subnets": [
            {"name": "snet", "properties": {"addressPrefix": "10.50.0.0/20"}}]}}, "network")
    assert st_ in (200, 201), js
    assert (await c.json("PUT", f"{rg}/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net",
                         {"location": "global"}, "privatedns"))[0] in (200, 201, 202)
    st_, js = await c.json("PUT", f"{rg}/providers/Microsoft.KeyVault/vaults/kvhostileok01", {
        "location": "eastus2", "properties": {"tenantId": c.emu.config.tenant_id, "accessPolicies": [],
                                              "sku": {"family": "A", "name": "standard"}}}, "keyvault")
    assert st_ in (200, 201), js


async def _state_intact(emu: Any) -> None:
    emu.store.flush()
    state = json.loads(emu.store.path.read_text())
    assert state["format"] == "plinktui.emulator-state/v1"


async def test_malformed_requests_on_every_provider_get_arm_4xx(emu) -> None:
    sub = emu.config.subscription_id
    table = routes(sub)
    sent = 0
    async with aiohttp.ClientSession() as session:
        c = Client(emu, session)
        await _base(c, sub)
        for key, (method, tpl, api) in table.items():
            for i, body in enumerate(BAD_BODIES):
                status, js = await c.send(method, tpl.format(name="hostile-ok"), body, api)
                assert acceptable(status, js), (key, body[:60], status, js)
                if i < 6:  # not JSON, or JSON that is not an object: always refused
                    assert arm_4xx(status, js), (key, body[:60], status, js)
                sent += 1
            if "{name}" in tpl:
                for name in BAD_NAMES:
                    status, js = await c.json(method, tpl.format(name=name), {"location": "westus2"}, api)
                    assert status < 500 and (status < 300 or arm_4xx(status, js) or status == 404 and js.get(
                        "error")), (key, name, status, js)
                    sent += 1
            huge = json.dumps({"location": "westus2", "tags": {"k": "v" * (5 * 1024 * 1024)}}).encode()
            status, js = await c.send(method, tpl.format(name="hostile-huge"), huge, api)
            assert 400 <= status < 500, (key, status)
            sent += 1
        # still serving, reads fine, nothing half-created by the hostile names
        status, js = await c.json("GET", f"/subscriptions/{sub}/resourceGroups/rg-h/providers/Microsoft.Network/"
                                  "virtualNetworks", None, "network")
        assert status == 200 and sorted(v["name"] for v in js["value"]) == sorted(OK_VNETS), [v["name"] for v in js["value"]]
    await _state_intact(emu)
    SENT["malformed"] += sent
    print(f"emulator malformed requests (providers): {sent}")
    assert sent > 400


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                       lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                           st.sampled_from(["location", "properties", "tags", "sku", "addressSpace", "subnets",
                                            "subnet", "id", "ipConfigurations", "tenantId", "aRecords",
                                            "virtualNetwork", "hardwareProfile"]) | st.text(max_size=8),
                           inner, max_size=5), max_leaves=16)


@pytest.mark.parametrize("key", ["vnet", "subnet", "nic", "pe", "vault", "record", "link", "vm"])
async def test_random_json_bodies_never_crash_a_provider(emu, key: str) -> None:
    sub = emu.config.subscription_id
    method, tpl, api = routes(sub)[key]
    seen = 0
    async with aiohttp.ClientSession() as session:
        c = Client(emu, session)
        await _base(c, sub)

        bodies: list[Any] = []

        @settings(max_examples=60, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
        @given(body=JSONISH)
        def collect(body: Any) -> None:
            bodies.append(body)

        collect()  # draw the examples synchronously, then send them on this event loop
        for body in bodies:
            status, js = await c.json(method, tpl.format(name="fz"), body, api)
            assert status < 500 and (200 <= status < 300 or arm_4xx(status, js)), (key, body, status, js)
            seen += 1
        status, _ = await c.json("GET", f"/subscriptions/{sub}/resourceGroups/rg-h", None, "resources")
        assert status == 200
    await _state_intact(emu)
    print(f"emulator random bodies {key}: {seen}")
    assert seen >= 60


async def test_fifty_concurrent_clients_on_network_resources_stay_consistent(emu) -> None:
    """50 clients (own connections) at once: NICs in one subnet get distinct usable IPs; 50 PUTs of one NSG leave
    one; reads during the storm always see whole documents."""
    sub = emu.config.subscription_id
    rg = f"/subscriptions/{sub}/resourceGroups/rg-h/providers/Microsoft.Network"
    async with aiohttp.ClientSession() as setup_session:
        await _base(Client(emu, setup_session), sub)
    sessions = [aiohttp.ClientSession() for _ in range(50)]
    try:
        clients = [Client(emu, s) for s in sessions]
        subnet_id = f"{rg}/virtualNetworks/vnet-ok/subnets/snet"

        async def nic(i: int, c: Client) -> tuple[int, dict[str, Any]]:
            return await c.json("PUT", f"{rg}/networkInterfaces/nic-{i:02d}", {"location": "westus2", "properties": {
                "ipConfigurations": [{"name": "ip", "properties": {"subnet": {"id": subnet_id},
                                                                   "privateIPAllocationMethod": "Dynamic"}}]}},
                "network")

        async def nsg(i: int, c: Client) -> tuple[int, dict[str, Any]]:
            return await c.json("PUT", f"{rg}/networkSecurityGroups/nsg-race", {"location": "westus2", "tags": {
                "writer": str(i)}}, "network")

        async def reader(c: Client) -> tuple[int, dict[str, Any]]:
            return await c.json("GET", f"{rg}/virtualNetworks/vnet-ok", None, "network")

        results = await asyncio.gather(*[nic(i, c) for i, c in enumerate(clients)],
                                       *[nsg(i, c) for i, c in enumerate(clients)],
                                       *[reader(c) for c in clients[:25]])
        nics, nsgs, reads = results[:50], results[50:100], results[100:]
        assert all(s in (200, 201) for s, _ in nics), [x for x in nics if x[0] not in (200, 201)][:2]
        assert all(s in (200, 201) for s, _ in nsgs)
        assert sum(1 for s, _ in nsgs if s == 201) == 1
        assert all(s == 200 and js["properties"]["subnets"][0]["name"] == "snet" for s, js in reads)
        c = clients[0]
        _, listing = await c.json("GET", f"{rg}/networkInterfaces", None, "network")
        items = listing["value"]
        while listing.get("nextLink"):
            async with c.session.get(listing["nextLink"], ssl=c.ctx, headers={"Authorization": "Bearer x"}) as r:
                listing = await r.json()
            items += listing["value"]
        ips = [ipc["properties"]["privateIPAddress"] for n in items for ipc in n["properties"]["ipConfigurations"]]
        assert len(items) == 50 and len(set(ips)) == 50, (len(items), len(set(ips)))
        net = ipaddress.ip_network("10.50.0.0/20")
        assert all(ipaddress.ip_address(ip) in net and int(ipaddress.ip_address(ip)) - int(net.network_address) >= 4
                   for ip in ips)
        _, nsg_list = await c.json("GET", f"{rg}/networkSecurityGroups", None, "network")
        assert [n["name"] for n in nsg_list["value"]] == ["nsg-race"]
    finally:
        for s in sessions:
            await s.close()
    await _state_intact(emu)


async def test_regressions_found_by_this_file(emu) -> None:
    """Defects this file found: a trailing '.'/'-' name was accepted; a re-PUT moved a resource to another region;
    PATCH stored non-object tags; a string addressSpace created a VNet with garbage in it."""
    sub = emu.config.subscription_id
    rg = f"/subscriptions/{sub}/resourceGroups/rg-h/providers"
    async with aiohttp.ClientSession() as session:
        c = Client(emu, session)
        await _base(c, sub)
        for name in ("n.", "n-"):
            status, js = await c.json("PUT", f"{rg}/Microsoft.Network/networkSecurityGroups/{name}",
                                      {"location": "westus2"}, "network")
            assert status == 400 and js["error"]["code"] == "InvalidResourceName", (name, js)
        status, js = await c.json("PUT", f"{rg}/Microsoft.Network/virtualNetworks/vnet-ok", {
            "location": "eastus2", "properties": {"addressSpace": {"addressPrefixes": ["10.50.0.0/16"]}}}, "network")
        assert status == 400 and js["error"]["code"] == "InvalidResourceLocation", js
        status, js = await c.json("PATCH", f"{rg}/Microsoft.KeyVault/vaults/kvhostileok01", {"tags": "x"}, "keyvault")
        assert arm_4xx(status, js), js
        status, js = await c.json("GET", f"{rg}/Microsoft.KeyVault/vaults/kvhostileok01", None, "keyvault")
        assert isinstance(js["tags"], dict)
        status, js = await c.json("PUT", f"{rg}/Microsoft.Network/virtualNetworks/vnet-str", {
            "location": "westus2", "properties": {"addressSpace": "10.0.0.0/8"}}, "network")
        assert arm_4xx(status, js), js


@pytest.mark.parametrize(("key", "body"), [
    ("record", {"properties": {"aRecords": True}}),
    ("record", {"properties": {"aRecords": [1, 2]}}),
    ("record", {"properties": {"aRecords": "10.0.0.4"}}),
    ("link", {"location": "global", "properties": {"virtualNetwork": [1, None]}}),
    ("link", {"location": "global", "properties": {"virtualNetwork": 2.5}}),
])
async def test_wrong_types_found_by_the_random_bodies_are_4xx_not_500(emu, key: str, body: dict[str, Any]) -> None:
    """Defects (random bodies): a non-list aRecords and a non-object virtualNetwork crashed the handler (500)."""
    sub = emu.config.subscription_id
    method, tpl, api = routes(sub)[key]
    async with aiohttp.ClientSession() as session:
        c = Client(emu, session)
        await _base(c, sub)
        status, js = await c.json(method, tpl.format(name="typed"), body, api)
        assert arm_4xx(status, js), (status, js)
        rg = f"/subscriptions/{sub}/resourceGroups/rg-h/providers/Microsoft.Network/privateDnsZones/" \
             "privatelink.vaultcore.azure.net"
        assert (await c.json("PUT", f"{rg}/A/okrec", {"properties": {"ttl": 10, "aRecords": [
            {"ipv4Address": "10.0.0.4"}]}}, "privatedns"))[0] in (200, 201)
        status, js = await c.json("PATCH", f"{rg}/A/okrec", {"properties": {"ttl": "x"}}, "privatedns")
        assert arm_4xx(status, js), (status, js)

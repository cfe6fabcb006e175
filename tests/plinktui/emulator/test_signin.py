"""Sign-in for any client: the App Service-style managed identity endpoint, ARM's unauthenticated cloud metadata, and
Retry-After on every unfinished long-running answer (raw HTTPS, as az CLI and azure-identity send it)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from tests.arm_examples import call


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def test_identity_endpoint_answers_a_jwt_shaped_token(emu) -> None:
    ident = emu.identity()
    assert ident["identity_endpoint"].startswith(emu.endpoint)
    url = ident["identity_endpoint"] + "?api-version=2019-08-01&resource=https://management.core.windows.net/"
    import ssl
    import urllib.error
    import urllib.request

    ctx = ssl.create_default_context(cafile=emu.ca_cert)

    def get(headers: dict[str, str], target: str = url) -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(urllib.request.Request(target, headers=headers), context=ctx) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    import asyncio

    st, body = await asyncio.to_thread(get, {"X-IDENTITY-HEADER": ident["identity_header"]})
    assert st == 200 and body["token_type"] == "Bearer"
    assert int(body["expires_on"]) > time.time()
    c = claims(body["access_token"])
    assert c["tid"] == emu.config.tenant_id and c["oid"] and c["aud"] == "https://management.core.windows.net/"
    st, body = await asyncio.to_thread(get, {"X-IDENTITY-HEADER": "wrong"})
    assert st == 401
    st, _ = await asyncio.to_thread(get, {"X-IDENTITY-HEADER": ident["identity_header"]},
                                    ident["identity_endpoint"] + "?api-version=2019-08-01")
    assert st == 400
    # the token works on ARM
    sub = await call(emu, "GET", "/subscriptions", None, "2022-12-01", token=json.dumps(body) and "x")
    assert sub.status == 200


async def test_metadata_endpoints_without_a_token_point_at_the_emulator(emu) -> None:
    new = await call(emu, "GET", "//metadata/endpoints?api-version=2022-09-01", token=None)
    assert new.status == 200
    assert new.body["resourceManager"] == emu.endpoint + "/"
    assert new.body["authentication"]["audiences"][0] == "https://management.core.windows.net/"
    assert new.body["authentication"]["loginEndpoint"].startswith(emu.endpoint)
    assert new.body["suffixes"]["keyVaultDns"] == "vault.azure.net"
    old = await call(emu, "GET", "/metadata/endpoints?api-version=2015-01-01", token=None)
    assert old.status == 200 and old.body["authentication"]["audiences"]
    listed = await call(emu, "GET", "/metadata/endpoints?api-version=2019-05-01", token=None)
    assert isinstance(listed.body, list) and listed.body[0]["name"]
    assert (await call(emu, "GET", "/subscriptions", None, "2022-12-01", token=None)).status == 401


async def test_every_unfinished_lro_answer_carries_an_integer_retry_after(emu_factory) -> None:
    emu = await emu_factory(latency_scale=0.05)  # a VNet takes 0.2 s: under a second, still >= 1
    sub = emu.config.subscription_id
    await call(emu, "PUT", f"/subscriptions/{sub}/resourceGroups/rg-ra", {"location": "westus2"}, "2025-04-01")
    vnet = f"/subscriptions/{sub}/resourceGroups/rg-ra/providers/Microsoft.Network/virtualNetworks/vnet-ra"
    put = await call(emu, "PUT", vnet, {"location": "westus2", "properties": {
        "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}}}, "2026-03-01")
    assert put.status == 201 and put.headers["Retry-After"] == "1"
    status = await call(emu, "GET", put.headers["Azure-AsyncOperation"])
    assert status.body["status"] == "InProgress" and status.headers["Retry-After"] == "1"
    vault = f"/subscriptions/{sub}/resourceGroups/rg-ra/providers/Microsoft.Network/privateDnsZones/privatelink.example.net"
    zone = await call(emu, "PUT", vault, {"location": "global"}, "2024-06-01")  # 30 s x 0.05 = 1.5 s -> 2
    assert zone.status in (201, 202) and zone.headers["Retry-After"] == "2"
    gone = await call(emu, "DELETE", vnet, None, "2026-03-01")
    assert gone.status == 202 and int(gone.headers["Retry-After"]) >= 1

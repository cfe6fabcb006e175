"""The emulator's protocol, driven by the official SDK clients and by raw HTTPS."""

from __future__ import annotations

import asyncio
import json
import ssl
import urllib.error
import urllib.request

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from plinktui.cloud import Gateway


def _raw_sync(emu, method: str, path: str, body: bytes | None = None, token: str | None = "t", api: str | None = "2025-04-01"):
    url = emu.endpoint + path + (("&" if "?" in path else "?") + f"api-version={api}" if api else "")
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    ctx = ssl.create_default_context(cafile=emu.ca_cert)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


async def _raw(emu, *args, **kwargs):
    """urllib in a thread: the emulator runs on this test's event loop."""
    return await asyncio.to_thread(_raw_sync, emu, *args, **kwargs)


async def test_subscriptions_and_locations_through_sdk(gw: Gateway, emu) -> None:
    subs = [s async for s in gw.subscriptions.subscriptions.list()]
    assert [s.subscription_id for s in subs] == [emu.config.subscription_id]
    locs = {loc.name async for loc in gw.subscriptions.subscriptions.list_locations(emu.config.subscription_id)}
    assert {"westus2", "eastus2"} <= locs


async def test_resource_group_crud_and_paging(gw: Gateway) -> None:
    for i in range(12):
        rg = await gw.resources.resource_groups.create_or_update(f"rg-{i:02d}", {"location": "westus2"})
        assert rg.properties.provisioning_state == "Succeeded"
    names = [rg.name async for rg in gw.resources.resource_groups.list()]
    assert names == [f"rg-{i:02d}" for i in range(12)]  # three pages of 5 followed through nextLink
    await gw.result(gw.resources.resource_groups.begin_delete("rg-03"))
    with pytest.raises(ResourceNotFoundError):
        await gw.resources.resource_groups.get("rg-03")


async def test_unknown_location_is_refused_with_arm_code(gw: Gateway) -> None:
    with pytest.raises(HttpResponseError) as info:
        await gw.resources.resource_groups.create_or_update("rg-x", {"location": "moon-north"})
    assert info.value.error.code == "LocationNotAvailableForResourceType"


async def test_protocol_errors_are_arm_shaped(emu) -> None:
    sub = emu.config.subscription_id
    assert (await _raw(emu, "GET", "/subscriptions", token=None))[0] == 401
    status, body = await _raw(emu, "GET", f"/subscriptions/{sub}/resourcegroups", api=None)
    assert status == 400 and body["error"]["code"] == "MissingApiVersionParameter"
    status, body = await _raw(emu, "PUT", f"/subscriptions/{sub}/resourcegroups/rg-bad", body=b"{not json")
    assert status == 400 and body["error"]["code"] == "InvalidRequestContent"
    status, body = await _raw(emu, "GET", f"/subscriptions/{sub}/providers/Microsoft.Nope/things")
    assert 400 <= status < 500 and "code" in body["error"]
    status, body = await _raw(emu, "POST", f"/subscriptions/{sub}/resourcegroups")
    assert status == 405 and body["error"]["code"] == "HttpMethodNotAllowed"
    status, body = await _raw(emu, "PUT", f"/subscriptions/{sub}/resourcegroups/..", body=b'{"location":"westus2"}')
    assert 400 <= status < 500
    assert (await _raw(emu, "GET", "/subscriptions"))[0] == 200  # still serving


async def test_control_endpoint_counts_reads_and_writes(gw: Gateway, emu) -> None:
    before = emu.stats.writes
    await gw.resources.resource_groups.create_or_update("rg-c", {"location": "eastus2"})
    [rg async for rg in gw.resources.resource_groups.list()]
    assert emu.stats.writes == before + 1
    assert emu.stats.reads >= 1
    status, body = await _raw(emu, "GET", "/_emulator/stats", token=None, api=None)
    assert status == 200 and body["writes"] == emu.stats.writes


async def test_create_resource_group_example_replays(emu) -> None:
    """Contract: the official CreateResourceGroup example, raw, answers one of its statuses with its keys."""
    from tests.arm_examples import call, load_examples, missing_keys, request_for

    (example,) = [e for e in load_examples("Microsoft.Resources") if e.name == "CreateResourceGroup"]
    path, body = request_for(example, emu.config.subscription_id)
    reply = await call(emu, "PUT", path, body, example.api_version)
    assert reply.status in example.responses
    assert missing_keys(example.expected(reply.status), reply.body, set()) == []
    again = await call(emu, "PUT", path, body, example.api_version)  # a second PUT updates: 200
    assert again.status == 200 and again.status in example.responses

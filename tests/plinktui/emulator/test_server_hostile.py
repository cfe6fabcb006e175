"""Hostile ARM requests: the emulator answers ARM-shaped 4xx, keeps serving, and its state file stays intact."""

from __future__ import annotations

import asyncio
import json
import ssl

import aiohttp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NETWORK_API = "2026-03-01"
RG_API = "2025-04-01"

COUNTS = {"malformed": 0}


async def _send(emu, session, method: str, path: str, data: bytes | None, api: str = RG_API) -> tuple[int, dict]:
    ctx = ssl.create_default_context(cafile=emu.ca_cert)
    url = f"{emu.endpoint}{path}?api-version={api}"
    async with session.request(method, url, data=data, ssl=ctx,
                               headers={"Authorization": "Bearer x", "Content-Type": "application/json"}) as r:
        body = await r.read()
        return r.status, json.loads(body) if body else {}


def _arm_shaped(status: int, body: dict) -> bool:
    return 400 <= status < 500 and isinstance(body.get("error"), dict) and {"code", "message"} <= body["error"].keys()


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                       lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                     max_size=4), max_leaves=12)


async def test_malformed_bodies_and_names_get_arm_4xx_and_state_survives(emu) -> None:
    sub = emu.config.subscription_id
    bad_bodies = [b"{not json", b"\xff\xfe\x00", b"[1,2,3]", b'"a string"', b"null", b'{"location": 5}',
                  b'{"location": "westus2", "tags": "not-a-dict"}', b'{"location": "westus2", "tags": {"a": 1}}',
                  b'{"location": "nowhere"}', b"{" * 5000, b'{"location": "westus2", "properties": []}']
    bad_names = ["..", "a/../b", "%2e%2e", "rg\u00e9\u4e2d", "rg name", "x" * 200, "rg.", "rg;drop"]
    async with aiohttp.ClientSession() as session:
        for body in bad_bodies:
            status, js = await _send(emu, session, "PUT", f"/subscriptions/{sub}/resourcegroups/rg-hostile", body)
            assert _arm_shaped(status, js), (body[:40], status, js)
            COUNTS["malformed"] += 1
        for name in bad_names:
            status, js = await _send(emu, session, "PUT", f"/subscriptions/{sub}/resourcegroups/{name}",
                                     b'{"location": "westus2"}')
            assert status < 500 and (status < 300 or _arm_shaped(status, js)), (name, status, js)
            COUNTS["malformed"] += 1
        huge = json.dumps({"location": "westus2", "tags": {"k": "v" * (5 * 1024 * 1024)}}).encode()
        status, js = await _send(emu, session, "PUT", f"/subscriptions/{sub}/resourcegroups/rg-huge", huge)
        assert 400 <= status < 500
        COUNTS["malformed"] += 1
        status, js = await _send(emu, session, "GET", f"/subscriptions/{sub}/resourcegroups", None)
        assert status == 200  # still serving
    emu.store.flush()
    state = json.loads(emu.store.path.read_text())
    assert state["format"] == "plinktui.emulator-state/v1"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=JSONISH)
async def test_random_json_bodies_never_crash(emu, body) -> None:
    sub = emu.config.subscription_id
    async with aiohttp.ClientSession() as session:
        status, js = await _send(emu, session, "PUT", f"/subscriptions/{sub}/resourcegroups/rg-fuzz",
                                 json.dumps(body).encode())
    assert status < 500, (body, status, js)
    assert status in (200, 201) or _arm_shaped(status, js)
    COUNTS["malformed"] += 1


async def test_fifty_concurrent_puts_leave_one_consistent_resource(emu) -> None:
    sub = emu.config.subscription_id
    async with aiohttp.ClientSession() as session:
        results = await asyncio.gather(*[
            _send(emu, session, "PUT", f"/subscriptions/{sub}/resourcegroups/rg-race",
                  json.dumps({"location": "westus2", "tags": {"writer": str(i)}}).encode())
            for i in range(50)])
        assert all(status in (200, 201) for status, _ in results)
        assert sum(1 for status, _ in results if status == 201) == 1
        status, listing = await _send(emu, session, "GET", f"/subscriptions/{sub}/resourcegroups", None)
    races = [g for g in listing["value"] if g["name"] == "rg-race"]
    assert len(races) == 1 and races[0]["tags"]["writer"] in {str(i) for i in range(50)}

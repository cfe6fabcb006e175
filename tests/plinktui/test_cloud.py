"""The cloud gateway's pipeline against the emulator's injected faults: retries that help, bounds that hold."""

from __future__ import annotations

import time

import pytest
from azure.core.exceptions import HttpResponseError

from plinktui.cloud import Gateway, TargetError, resolve_target
from plinktui.emulator.faults import FaultRule


async def test_target_detects_the_emulator_and_uses_its_subscription(emu) -> None:
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    assert target.is_emulator and target.subscription_id == emu.config.subscription_id
    assert target.tenant_id == emu.config.tenant_id


async def test_wrong_ca_and_unreachable_endpoint_give_one_line_reasons(emu, tmp_path) -> None:
    bogus = tmp_path / "other-ca.pem"
    from plinktui.emulator.certs import ensure_cert

    other_cert, _ = ensure_cert(tmp_path / "other")
    bogus.write_bytes(other_cert.read_bytes())
    with pytest.raises(TargetError, match="TLS|certificate"):
        await resolve_target(arm_endpoint=emu.endpoint, ca_cert=str(bogus))
    with pytest.raises(TargetError, match="cannot reach"):
        await resolve_target(arm_endpoint="https://127.0.0.1:9", ca_cert=emu.ca_cert, timeout=3)
    with pytest.raises(TargetError, match="https://"):
        await resolve_target(arm_endpoint="http://127.0.0.1:9")


async def test_throttling_with_short_retry_after_is_retried(gw: Gateway, emu) -> None:
    emu.faults.set([FaultRule("throttle", method="PUT", count=2, retry_after="1")])
    rg = await gw.resources.resource_groups.create_or_update("rg-throttled", {"location": "westus2"})
    assert rg.name == "rg-throttled"
    assert emu.faults.fired["throttle"] == 2
    assert gw.stats.throttled == 2


async def test_huge_retry_after_surfaces_the_throttle_instead_of_hanging(emu) -> None:
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    emu.faults.set([FaultRule("throttle", method="PUT", retry_after="3600")])
    async with Gateway(target, total_timeout=30, max_retry_after=5) as gw:
        t0 = time.monotonic()
        with pytest.raises(HttpResponseError) as info:
            await gw.resources.resource_groups.create_or_update("rg-never", {"location": "westus2"})
        assert info.value.status_code == 429
        assert time.monotonic() - t0 < 20  # bound holds (generous: this is a correctness check, not a benchmark)


async def test_http_date_retry_after_is_understood(gw: Gateway, emu) -> None:
    from email.utils import formatdate

    emu.faults.set([FaultRule("throttle", method="PUT", count=1, retry_after=formatdate(time.time() + 1, usegmt=True))])
    rg = await gw.resources.resource_groups.create_or_update("rg-date", {"location": "westus2"})
    assert rg.name == "rg-date"


async def test_503_without_header_is_retried(gw: Gateway, emu) -> None:
    emu.faults.set([FaultRule("unavailable", method="PUT", count=1)])
    rg = await gw.resources.resource_groups.create_or_update("rg-503", {"location": "westus2"})
    assert rg.name == "rg-503"


async def test_failed_lro_raises_and_stuck_lro_is_bounded(emu_factory) -> None:
    emu = await emu_factory(latency_scale=0.01)
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    async with Gateway(target, total_timeout=60) as gw:
        await gw.resources.resource_groups.create_or_update("rg-f", {"location": "westus2"})
        emu.faults.set([FaultRule("lro_failed", method="DELETE", count=1)])
        with pytest.raises(HttpResponseError):
            await gw.result(gw.resources.resource_groups.begin_delete("rg-f"))
        emu.faults.set([FaultRule("lro_stuck", method="DELETE", count=1)])
        with pytest.raises(TimeoutError):
            await gw.result(gw.resources.resource_groups.begin_delete("rg-f"), timeout=2)


async def test_stats_count_every_request_on_the_wire(gw: Gateway, emu) -> None:
    start = emu.stats.requests
    await gw.resources.resource_groups.create_or_update("rg-s", {"location": "westus2"})
    await gw.resources.resource_groups.get("rg-s")
    assert gw.stats.requests == emu.stats.requests - start == 2
    assert gw.stats.writes == 1 and gw.stats.reads == 1

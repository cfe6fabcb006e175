"""Bounded time: a 3600 s Retry-After, a stuck LRO or a provider stuck Registering ends `plinktui setup` with one
clear error (what failed, why, how to go on) instead of hanging; the run then resumes to completion.

`plinktui setup` runs as a subprocess with a small PLINKTUI_TOTAL_TIMEOUT against a standalone emulator with
injected faults. The subprocess limit below is a hang guard (far above the bound), not a timing assertion.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import importlib.util
import json
import pathlib
import sys
from typing import Any

import pytest

from plinktui.emulator.faults import FaultRule
from tests.factories import plan_file

ROOT = pathlib.Path(__file__).resolve().parents[2]
HANG_GUARD = 120.0
TOTAL_TIMEOUT = 3.0



def _emu_class():
    spec = importlib.util.spec_from_file_location("plinktui_bench_soak", ROOT / "bench" / "soak.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod.Emu


@pytest.fixture
def standalone(tmp_path: pathlib.Path):
    emu = _emu_class()(tmp_path, 0.0, str(pathlib.Path(sys.executable).parent / "plinktui"))
    yield emu
    emu.stop()


def _lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(ln) for ln in out.splitlines() if ln.startswith("{")]


def _setup(emu: Any, *args: str) -> tuple[int | None, list[dict[str, Any]], str, float]:
    rc, out, err, secs, _, hung = emu.cli(["setup", *args, "--yes", "--json"], HANG_GUARD, TOTAL_TIMEOUT)
    assert not hung, f"setup still running after {HANG_GUARD}s: {out[-400:]}"
    assert "Traceback" not in out + err
    return rc, _lines(out), err, secs


def _plan(emu: Any, name: str) -> str:
    return str(plan_file(emu.dir, name, octet=66))


@pytest.mark.parametrize(("case", "rule", "node", "needle"), [
    ("huge-retry-after", {"fault": "throttle", "method": "PUT", "path": "virtualNetworks", "retry_after": "3600"},
     "vnet", "TooManyRequests"),
    ("stuck-lro", {"fault": "lro_stuck", "method": "PUT", "path": "/vaults/"}, "vault",
     "did not finish in time|stayed RegisteringDns for"),  # the first attempt times out, the retry waits on the state
    ("another-op-huge-retry-after", {"fault": "another_op", "method": "PUT", "path": "privateDnsZones/",
                                 "retry_after": "3600"}, "zone", "AnotherOperationInProgress"),
])
def test_setup_ends_with_a_clear_error_then_resumes(standalone, case: str, rule: dict[str, Any], node: str,
                                                    needle: str) -> None:
    emu = standalone
    emu.set_faults([rule], 1)
    rc, lines, err, secs = _setup(emu, "--plan", _plan(emu, "bnd"))
    print(f"{case}: setup ended after {secs:.1f}s with PLINKTUI_TOTAL_TIMEOUT={TOTAL_TIMEOUT}")
    summary = lines[-1]
    assert rc == 1 and summary["kind"] == "summary" and summary["state"] == "failed", lines[-3:]
    failed = summary["failed"][node]
    assert any(n in failed["error"] for n in needle.split("|")), failed
    assert failed["class"] == "retryable" and "resume" in (failed["fix"] or ""), failed
    assert all(ev.get("error") for ev in lines if ev["kind"] == "failed")
    # the independent branches finished; only the failed node and its dependents are left
    done = {ev["key"] for ev in lines if ev["kind"] == "succeeded"}
    assert "rg" in done
    emu.clear_faults()
    rc, lines, err, _ = _setup(emu, "--resume", summary["run_id"])
    assert rc == 0 and lines[-1]["state"] == "succeeded", lines[-3:]


def test_provider_registering_is_a_clear_preflight_error_and_writes_nothing(standalone) -> None:
    emu = standalone
    emu.set_faults([{"fault": "registering", "path": "Microsoft.KeyVault"}], 1)
    _, before = emu.call("GET", "/_emulator/stats", auth=False)
    rc, lines, err, _ = _setup(emu, "--plan", _plan(emu, "reg"))
    _, after = emu.call("GET", "/_emulator/stats", auth=False)
    assert rc == 2 and lines[-1]["kind"] == "error", lines[-2:]
    assert any("Microsoft.KeyVault is Registering" in p for p in lines[-1]["problems"]), lines[-1]
    assert "nothing was created" in lines[-1]["message"]
    assert after["writes"] == before["writes"]


async def test_gateway_does_not_sleep_on_a_huge_retry_after(emu, gw) -> None:
    """The SDK would honour Retry-After: 3600; the gateway's bound surfaces the throttle at once instead."""
    from azure.core.exceptions import HttpResponseError

    emu.faults.set([FaultRule("throttle", method="GET", path="resourcegroups/rg-none", retry_after="3600")])
    async with asyncio.timeout(60):  # hang guard only
        with pytest.raises(HttpResponseError) as err:
            await gw.resources.resource_groups.get("rg-none")
    assert err.value.status_code == 429
    assert gw.max_retry_after < 3600


async def test_small_http_date_retry_after_is_honoured(emu, gw) -> None:
    when = email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1), usegmt=True)
    emu.faults.set([FaultRule("throttle", method="PUT", path="resourcegroups/rg-date", retry_after=when, count=1)])
    rg = await gw.resources.resource_groups.create_or_update("rg-date", {"location": "westus2"})
    assert rg.name == "rg-date" and emu.faults.fired.get("throttle") == 1


async def test_stuck_lro_is_bounded_by_gateway_result(emu, gw) -> None:
    await gw.resources.resource_groups.create_or_update("rg-stk", {"location": "westus2"})
    emu.faults.set([FaultRule("lro_stuck", method="PUT", path="networkSecurityGroups")])
    with pytest.raises(TimeoutError):
        await gw.result(gw.network.network_security_groups.begin_create_or_update(
            "rg-stk", "nsg", {"location": "westus2"}), timeout=1.5)

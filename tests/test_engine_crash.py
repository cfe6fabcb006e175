"""Crash safety: ``kill -9`` of ``plinktui setup`` at random moments, then resume: no duplicates, consistent journal.

The emulator runs in-process (latency scale 0.05, so an apply lasts a few seconds); each apply is a real
``plinktui`` process killed with SIGKILL. The 10-kill soak from the issue is marked slow (``-m slow``).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sys

import pytest

from plinktui.cloud import Gateway, resolve_target
from plinktui.journal import RES_STATES, RUN_STATES, Journal
from tests.test_engine_apply import plan_file


async def _plinktui(emu, *argv: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "plinktui.cli", *argv, "--arm-endpoint", emu.endpoint, "--ca-cert", emu.ca_cert,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, start_new_session=True, env=os.environ.copy())


def _consistent(run_id: str) -> Journal:
    j = Journal.open(run_id)  # parses: the atomic rename never leaves a torn file
    assert j.data["state"] in RUN_STATES
    assert all(e["status"] in RES_STATES for e in j.resources.values())
    assert "PRIVATE KEY" not in j.path.read_text()
    return j


async def _crash_and_resume(emu_factory, tmp_path, kills: int, seed: int) -> None:
    emu = await emu_factory(latency_scale=0.05)
    rng = random.Random(seed)
    f = plan_file(tmp_path, name="crash", vault="kvtestcrash02", vault_extra="")  # DisabledAfterVerify: probe too
    run_id = None
    for _ in range(kills):
        argv = ["setup", "--resume", run_id, "--yes"] if run_id else ["setup", "--plan", str(f), "--yes"]
        p = await _plinktui(emu, *argv)
        await asyncio.sleep(rng.uniform(0.5, 4.0))
        if p.returncode is None:
            os.killpg(p.pid, signal.SIGKILL)
        await p.communicate()
        runs = Journal.list_runs()
        if run_id is None and runs:
            run_id = runs[-1]["run_id"]
        if run_id:
            j = _consistent(run_id)
            assert Journal.list_runs()[-1]["state"] in ("interrupted", "succeeded")
            assert j.data["plan_name"] == "crash"
    if run_id is None:  # killed before the journal existed every time: start once more
        p = await _plinktui(emu, "setup", "--plan", str(f), "--yes", "--json")
        await p.communicate()
        run_id = Journal.list_runs()[-1]["run_id"]
    p = await _plinktui(emu, "setup", "--resume", run_id, "--yes", "--json")
    out, _ = await p.communicate()
    lines = [json.loads(x) for x in out.decode().splitlines() if x.startswith("{")]
    assert p.returncode == 0, lines[-1:]
    assert lines[-1]["run_id"] == run_id and lines[-1]["public_network_access"] == "Disabled"
    assert _consistent(run_id).state == "succeeded"

    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    async with Gateway(target, total_timeout=60) as gw:
        pes = [x async for x in gw.network.private_endpoints.list_by_subscription()]
        nics = [x async for x in gw.network.network_interfaces.list_all()]
        vms = [x async for x in gw.compute.virtual_machines.list_all()]
        vnets = [x async for x in gw.network.virtual_networks.list_all()]
        assert (len(pes), len(nics), len(vms), len(vnets)) == (1, 2, 1, 1)
        p = await _plinktui(emu, "teardown", run_id, "--purge", "--yes")
        out, _ = await p.communicate()
        assert p.returncode == 0, out.decode()[-300:]
        left = [x.name async for x in gw.network.network_interfaces.list_all()]
        left += [x.name async for x in gw.compute.virtual_machines.list_all()]
        assert left == []


async def test_kill_once_then_resume(emu_factory, tmp_path) -> None:
    await _crash_and_resume(emu_factory, tmp_path, kills=1, seed=7)


@pytest.mark.slow
async def test_kill_ten_times_then_resume(emu_factory, tmp_path) -> None:
    await _crash_and_resume(emu_factory, tmp_path, kills=10, seed=11)

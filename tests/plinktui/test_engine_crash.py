"""Crash safety: ``kill -9`` of ``plinktui setup``, then resume: no duplicates, consistent journal.

Deterministic crash points: a real ``plinktui`` process (``tests.crashpoint``) kills itself with SIGKILL right after
its Nth journal write, for every N a clean run makes, and each run is then resumed to the end. On top of that one
random-moment soak (latency scale 0.05, ten kills) is kept under ``-m slow``.
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
from plinktui.emulator.server import DEFAULT_SUBSCRIPTION
from plinktui.journal import RES_STATES, RUN_STATES, Journal
from tests.cli_runs import plan_file
from tests.factories import plan_file as walkthrough_plan


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


BATCH = 3
"""Crash points run this many at a time (each in its own plan and resource group)."""


async def _crashpoint(emu, crash_at: int, *argv: str) -> tuple[int | None, str]:
    p = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.crashpoint", str(crash_at), *argv, "--arm-endpoint", emu.endpoint,
        "--ca-cert", emu.ca_cert, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env=os.environ.copy())
    out, _ = await p.communicate()
    return p.returncode, out.decode(errors="replace")


def _count(emu, rtype: str, name: str) -> int:
    return len(emu.store.list(rtype, f"/subscriptions/{DEFAULT_SUBSCRIPTION}/resourceGroups/rg-{name}"))


async def _kill_at_then_resume(emu, tmp_path, n: int) -> None:
    """Kill after journal write ``n``; resume (or start again if no run was journaled); exactly one of each."""
    name = f"cp{n:02d}"
    f = walkthrough_plan(tmp_path, name, vault=f"kvcrashpt{n:03d}", octet=80)
    rc, out = await _crashpoint(emu, n, "setup", "--plan", str(f), "--yes")
    assert rc == -signal.SIGKILL, f"crash point {n}: exited {rc} before its journal write {n}: {out[-300:]}"
    runs = [r for r in Journal.list_runs() if r["plan"] == name]
    assert len(runs) <= 1
    if runs:
        # killed after the last write, the run had already finished: resume must still answer 0 and change nothing
        assert runs[0]["state"] in ("interrupted", "succeeded"), (n, runs[0])
        _consistent(runs[0]["run_id"])
        argv = ["setup", "--resume", runs[0]["run_id"], "--yes", "--json"]
    else:
        argv = ["setup", "--plan", str(f), "--yes", "--json"]
    rc, out = await _crashpoint(emu, 0, *argv)
    assert rc == 0, f"crash point {n}: resume failed: {out[-500:]}"
    runs = [r for r in Journal.list_runs() if r["plan"] == name]
    assert len(runs) == 1 and _consistent(runs[0]["run_id"]).state == "succeeded", (n, runs)
    for rtype in ("Microsoft.Network/virtualNetworks", "Microsoft.Network/privateEndpoints",
                  "Microsoft.Network/networkInterfaces", "Microsoft.KeyVault/vaults"):
        assert _count(emu, rtype, name) == 1, (n, rtype)


async def test_kill_at_each_journal_transition_then_resume(emu_factory, tmp_path) -> None:
    emu = await emu_factory(latency_scale=0)
    # a clean run of the same plan shape says how many journal transitions there are
    f = walkthrough_plan(tmp_path, "cpclean", vault="kvcrashptclean", octet=80)
    rc, out = await _crashpoint(emu, 0, "setup", "--plan", str(f), "--yes")
    assert rc == 0, out[-500:]
    transitions = int(out.rsplit("journal-writes ", 1)[1].split()[0])
    assert transitions >= 10  # intents, creates and states of seven resources at least
    for first in range(1, transitions + 1, BATCH):
        await asyncio.gather(*(_kill_at_then_resume(emu, tmp_path, n)
                               for n in range(first, min(first + BATCH, transitions + 1))))


async def test_crash_point_counts_without_killing(emu_factory, tmp_path) -> None:
    emu = await emu_factory(latency_scale=0)
    rc, out = await _crashpoint(emu, 0, "runs")
    assert rc == 0 and out.rstrip().endswith("journal-writes 0"), out[-300:]


@pytest.mark.slow
async def test_kill_ten_times_then_resume(emu_factory, tmp_path) -> None:
    await _crash_and_resume(emu_factory, tmp_path, kills=10, seed=11)

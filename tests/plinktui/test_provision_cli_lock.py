"""Concurrency: two `plinktui setup` runs of the same plan at once never interleave. The second waits for the plan's
lock and then refuses citing it (or, had the first finished, refuses because the resources belong to the first run);
nothing is created twice and every resource carries the first run's tag. (50 concurrent emulator clients on network
resources: tests/plinktui/emulator/test_server_malformed.py.)"""

from __future__ import annotations

import importlib.util
import json
import pathlib
import subprocess
import sys
import time

from tests.factories import plan_toml

ROOT = pathlib.Path(__file__).resolve().parents[2]
API = {"network": "2026-03-01", "keyvault": "2026-05-15"}

PLAN = plan_toml("twin", octet=62)


def _emu(tmp_path: pathlib.Path, scale: float):
    spec = importlib.util.spec_from_file_location("plinktui_bench_soak", ROOT / "bench" / "soak.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod.Emu(tmp_path, scale, str(pathlib.Path(sys.executable).parent / "plinktui"))


def test_two_setups_of_one_plan_never_interleave(tmp_path: pathlib.Path) -> None:
    # at this latency the apply takes well over the 5 s the second run waits for the lock
    emu = _emu(tmp_path, 0.15)
    try:
        plan = emu.dir / "twin.toml"
        plan.write_text(PLAN)
        cmd = [emu.exe, "setup", "--plan", str(plan), "--yes", "--json", "--arm-endpoint", emu.endpoint,
               "--ca-cert", emu.ca_cert]
        first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=emu.env)
        assert first.stdout is not None
        for line in first.stdout:  # start the second once the first is past its lock and applying
            if '"kind": "plan"' in line:
                break
        second = subprocess.run(cmd, capture_output=True, text=True, env=emu.env, timeout=300)
        out1, err1 = first.communicate(timeout=300)
        lines2 = [json.loads(ln) for ln in second.stdout.splitlines() if ln.startswith("{")]
        assert first.returncode == 0, (out1 + err1)[-500:]
        summary1 = [json.loads(ln) for ln in out1.splitlines() if ln.startswith('{"kind": "summary"')][-1]
        assert second.returncode == 2 and lines2 and lines2[-1]["kind"] == "error", second.stdout[-500:]
        message = json.dumps(lines2[-1])
        assert "another plinktui run holds" in message and "twin.lock" in message, message
        assert not any(ln.get("kind") in ("running", "succeeded", "plan") for ln in lines2), "the second applied"
        rid = summary1["run_id"]
        # one of everything, all tagged with the first run
        sub = emu.sub
        base = f"/subscriptions/{sub}/resourceGroups/rg-twin/providers"
        for path, api in ((f"{base}/Microsoft.Network/virtualNetworks", "network"),
                          (f"{base}/Microsoft.Network/privateEndpoints", "network"),
                          (f"{base}/Microsoft.KeyVault/vaults", "keyvault")):
            items = emu.list_all(path, API[api])
            assert len(items) == 1 and items[0]["tags"]["plinktui-run"] == rid, (path, items)
        runs = subprocess.run([emu.exe, "runs", "--json"], capture_output=True, text=True, env=emu.env, timeout=60)
        assert [r["run_id"] for r in json.loads(runs.stdout)] == [rid], "the refused run left no journal"
        # the lock was released: a third run on the same plan gets past the lock (and is refused by preflight,
        # because the resources belong to the first run)
        t0 = time.monotonic()
        third = subprocess.run(cmd, capture_output=True, text=True, env=emu.env, timeout=300)
        print(f"third run refused after {time.monotonic() - t0:.1f}s")
        last = [json.loads(ln) for ln in third.stdout.splitlines() if ln.startswith("{")][-1]
        assert third.returncode == 2 and "another plinktui run holds" not in json.dumps(last)
        assert rid in json.dumps(last), last
    finally:
        emu.stop()

#!/usr/bin/env python3
"""Provisioning benchmark: the walkthrough topology on the standalone emulator with the latency profile.

Starts ``plinktui emulator serve --latency-scale S`` (default 0.02), then runs ``plinktui setup --json`` as a user
would (a fresh process each time, imports included) with the default parallelism and with ``--max-parallel 1``,
and prints wall time against the critical path of the latency profile and against the sequential sum.
Finally tears the runs down (``--purge``) and reports what is left. Prints figures; asserts nothing.

    python bench/provision.py [--latency-scale 0.02] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from plinktui import plan as plan_mod  # noqa: E402
from plinktui.dag import build_graph  # noqa: E402

PLAN = """
[plan]
name = "{name}"
resource_group = "rg-{name}"
[network]
region = "westus2"
vnet = "vnet-{name}"
address_space = ["10.70.0.0/16"]
subnet = "snet-endpoints"
subnet_prefix = "10.70.1.0/24"
[vault]
region = "eastus2"
name = "{vault}"
public_network_access = "Disabled"
[private_endpoint]
name = "pe-{vault}"
[dns]
zone = "privatelink.vaultcore.azure.net"
link_name = "link-{name}"
[test_vm]
enabled = true
name = "vm-{name}"
admin_username = "azureuser"
ssh_public_key = "generate"
ssh_source = "203.0.113.7/32"
"""


def plinktui_cmd() -> list[str]:
    exe = shutil.which("plinktui", path=str(pathlib.Path(sys.executable).parent)) or shutil.which("plinktui")
    return [exe] if exe else [sys.executable, "-m", "plinktui.cli"]


def start_emulator(scale: float, work: pathlib.Path, env: dict[str, str]) -> tuple[subprocess.Popen, dict]:
    p = subprocess.Popen([*plinktui_cmd(), "emulator", "serve", "--latency-scale", str(scale), "--state",
                          str(work / "state.json")], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                         env=env, start_new_session=True)
    assert p.stdout is not None
    deadline = time.time() + 60
    while time.time() < deadline:
        line = p.stdout.readline()
        if line.strip().startswith("{"):
            return p, json.loads(line)
        if not line and p.poll() is not None:
            break
    p.kill()
    raise SystemExit("the emulator did not start")


def run(cmd: list[str], env: dict[str, str]) -> tuple[int, float, list[dict]]:
    t0 = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    wall = time.monotonic() - t0
    lines = []
    for line in r.stdout.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            pass
    if r.returncode != 0:
        tail = (lines[-1] if lines else r.stderr.strip()[-300:])
        print(f"  command failed rc={r.returncode}: {tail}")
    return r.returncode, wall, lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency-scale", type=float, default=0.02)
    ap.add_argument("--repeat", type=int, default=1)
    ns = ap.parse_args()
    scale = ns.latency_scale
    work = pathlib.Path(tempfile.mkdtemp(prefix="plinktui-bench-"))
    env = dict(os.environ, XDG_STATE_HOME=str(work / "state"), XDG_CONFIG_HOME=str(work / "config"))
    graph = build_graph(plan_mod.loads(PLAN.format(name="x", vault="kvx0001")))
    cp_units, path = graph.critical_path()
    seq_units = graph.sequential_time()
    cp, seq = cp_units * scale, seq_units * scale
    print(f"latency scale {scale}: critical path {' -> '.join(path)} = {cp_units:.0f} units = {cp:.2f}s; "
          f"sequential sum {seq_units:.0f} units = {seq:.2f}s")
    emu, banner = start_emulator(scale, work, env)
    target = ["--arm-endpoint", banner["endpoint"], "--ca-cert", banner["ca_cert"], "--subscription",
              banner["subscription_id"]]
    runs: list[str] = []
    try:
        for i in range(ns.repeat):
            for label, extra in (("parallel (8)", []), ("--max-parallel 1", ["--max-parallel", "1"])):
                name = f"b{i}{'s' if extra else 'p'}"
                f = work / f"{name}.toml"
                f.write_text(PLAN.format(name=name, vault=f"kvbench{name}{os.getpid() % 10000:04d}"))
                rc, wall, lines = run([*plinktui_cmd(), "setup", "--plan", str(f), "--yes", "--json", *extra,
                                       *target], env)
                summary = lines[-1] if lines else {}
                if summary.get("run_id"):
                    runs.append(summary["run_id"])
                inner = float(summary.get("seconds") or 0.0)
                print(f"{label:>17}: process wall {wall:6.2f}s = {wall / cp:.2f}x critical path, "
                      f"{wall / seq:.2f}x sequential sum | engine {inner:.2f}s = {inner / cp:.2f}x critical path "
                      f"({summary.get('arm_requests')} ARM requests); rc={rc}")
        left = 0
        for rid in runs:
            rc, wall, lines = run([*plinktui_cmd(), "teardown", rid, "--purge", "--yes", "--json", *target], env)
            s = lines[-1] if lines else {}
            left += len(s.get("failed") or {}) if rc == 0 else 1
            print(f"teardown {rid}: {wall:.2f}s rc={rc} deleted={len(s.get('deleted') or [])} purged={s.get('purged')}")
        print(f"teardowns left {left} problem(s)")
    finally:
        os.killpg(emu.pid, signal.SIGTERM)
        emu.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

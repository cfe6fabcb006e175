#!/usr/bin/env python3
"""TUI latency benchmark: launch to first paint (cold and warm), keypress-to-render in an audit table with 10,000
rows, filter latency, and peak memory. Prints figures; asserts nothing (goals: first paint < 0.8 s warm, table
interaction < 50 ms).

    .venv/bin/python bench/tui_latency.py [--rows 10000] [--runs 5]

"Cold" launches with an empty bytecode cache (``PYTHONPYCACHEPREFIX`` pointing at a fresh directory, so every
module is compiled); "warm" launches with the normal ``__pycache__`` filled. Both run headless Textual (the same
compositor work as in a terminal, without the terminal's own drawing time). The load average is printed because
the figures scale with it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHILD = """
import time, resource, sys
t0 = float(sys.argv[1])
from screens.app import PlinkApp

class Bench(PlinkApp):
    def on_ready(self) -> None:
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"PAINT {time.time() - t0:.4f} {rss:.1f}", flush=True)
        self.exit()

Bench({}, demo=True, connect=False).run(headless=True, size=(160, 50))
"""


def first_paint(env: dict[str, str]) -> tuple[float, float]:
    """Seconds from process launch to the first painted screen, and the child's peak RSS (MiB)."""
    t0 = time.time()
    out = subprocess.run([sys.executable, "-c", CHILD, str(t0)], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60)
    for line in out.stdout.splitlines():
        if line.startswith("PAINT"):
            _, secs, rss = line.split()
            return float(secs), float(rss)
    raise RuntimeError(f"child did not paint: {out.stderr[-400:]}")


async def table_latency(rows: int, presses: int) -> dict[str, float]:
    """Keypress-to-render in the audit pane's Endpoints table holding ``rows`` rows, and the filter."""
    os.environ.setdefault("XDG_STATE_HOME", tempfile.mkdtemp(prefix="plinktui-bench-"))
    from screens.app import PlinkApp
    from screens.audit import AuditScreen
    from tests.tui_helpers import synthetic_result

    result = synthetic_result(rows, probes=min(rows, 200))
    app = PlinkApp({}, demo=True, connect=False)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = AuditScreen()
        await app.push_screen(screen)
        table = screen.query_one("#endpoints")
        t = time.perf_counter()
        screen.show_result(result)
        screen.query_one("#tabs").active = "tab-endpoints"
        first_rows = None
        while table.row_count < rows:
            await pilot.pause(0.01)
            if first_rows is None and table.row_count:
                first_rows = time.perf_counter() - t
        await pilot.pause()
        load = time.perf_counter() - t
        table.focus()
        await pilot.pause()
        samples, cpu = [], []
        keys = ["j"] * (presses // 2) + ["G", "g"] + ["k"] * 3 + ["pagedown"] * 5 + ["j"] * presses
        for key in keys[:presses]:
            t, c = time.perf_counter(), time.process_time()
            await pilot.press(key)
            await pilot.pause()  # until the screen has been re-rendered
            samples.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)  # the work itself, without Pilot's idle waits
        assert table.row_count == rows
        await pilot.press("slash")
        per_key = []
        for k in "kv-app0001":
            t = time.perf_counter()
            await pilot.press(k)
            per_key.append(time.perf_counter() - t)
        t = time.perf_counter()
        while table.row_count != 10:
            await pilot.pause(0.01)
        settle = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"load_s": load, "first_rows_s": first_rows or 0.0, "key_echo_ms": statistics.median(per_key) * 1000,
            "filter_settle_s": settle, "p50_ms": statistics.median(samples) * 1000,
            "cpu_p50_ms": statistics.median(cpu) * 1000, "cpu_max_ms": max(cpu) * 1000,
            "p95_ms": sorted(samples)[max(0, int(len(samples) * 0.95) - 1)] * 1000, "max_ms": max(samples) * 1000,
            "peak_rss_mib": rss}


def main() -> None:
    ap = argparse.ArgumentParser(description="plinktui TUI latency benchmark")
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5, help="warm first-paint runs")
    ap.add_argument("--presses", type=int, default=40)
    args = ap.parse_args()

    env = dict(os.environ, XDG_STATE_HOME=tempfile.mkdtemp(prefix="plinktui-bench-"), TERM="xterm-256color")
    cold_env = dict(env, PYTHONPYCACHEPREFIX=tempfile.mkdtemp(prefix="plinktui-pyc-"))
    cold, _ = first_paint(cold_env)
    first_paint(env)  # fill the normal __pycache__ once
    warm = [first_paint(env) for _ in range(args.runs)]
    warm_s = statistics.median(w[0] for w in warm)
    print(f"first paint (launch -> first painted screen, headless 160x50): cold {cold:.3f} s, "
          f"warm median {warm_s:.3f} s over {args.runs} runs (min {min(w[0] for w in warm):.3f} s); "
          f"peak RSS at first paint {max(w[1] for w in warm):.0f} MiB  [goal: < 0.8 s warm]")
    f = asyncio.run(table_latency(args.rows, args.presses))
    print(f"audit table with {args.rows:,} rows: first rows on screen {f['first_rows_s']:.2f} s, all rows "
          f"{f['load_s']:.2f} s (chunked; keys are answered meanwhile); keypress-to-render p50 {f['p50_ms']:.1f} ms, "
          f"p95 {f['p95_ms']:.1f} ms, max {f['max_ms']:.1f} ms wall through Pilot ({args.presses} presses of "
          f"j/k/g/G/pagedown); CPU per keypress incl. render p50 {f['cpu_p50_ms']:.1f} ms, max {f['cpu_max_ms']:.1f} ms"
          "  [goal: < 50 ms]")
    print(f"filter '/' over {args.rows:,} rows: {f['key_echo_ms']:.1f} ms per typed key (debounced); the table "
          f"settled {f['filter_settle_s']:.2f} s after the last key")
    base = asyncio.run(table_latency(20, args.presses))
    print(f"same keys on a 20-row table (Pilot's own floor): wall p50 {base['p50_ms']:.1f} ms, "
          f"CPU p50 {base['cpu_p50_ms']:.1f} ms")
    print(f"peak memory (RSS) with the {args.rows:,}-row audit loaded: {f['peak_rss_mib']:.0f} MiB")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()

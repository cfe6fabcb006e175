"""A few fault-soak schedules (bench/soak.py) as a slow test: `pytest -m slow tests/plinktui/test_engine_soak.py`.

The full soak (200 schedules, 25 with kill -9) is `python bench/soak.py`; see docs/reliability.md.
"""

from __future__ import annotations

import importlib.util
import json
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_few_soak_schedules_with_kill_and_resume_leave_nothing_wrong(tmp_path: pathlib.Path) -> None:
    spec = importlib.util.spec_from_file_location("plinktui_bench_soak", ROOT / "bench" / "soak.py")
    assert spec and spec.loader
    soak = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = soak
    spec.loader.exec_module(soak)
    out = tmp_path / "soak.json"
    assert soak.main(["--schedules", "6", "--kills", "3", "--workers", "2", "--seed", "11", "--json", str(out)]) == 0
    fig = json.loads(out.read_text())["figures"]
    assert fig["schedules run"] == 6
    assert fig["schedules with kill -9"] >= 1
    for key in ("unfinished after bounded resumes", "state mismatches", "duplicates", "journal inconsistencies",
                "leaks after teardown", "hangs (process past --hang-limit)", "unclear errors"):
        assert fig[key] == 0, (key, json.loads(out.read_text())["outcomes"])
    assert fig["faults fired"] > 0

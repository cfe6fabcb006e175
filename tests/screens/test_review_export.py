"""Review offers the plan as infrastructure as code: `x` writes the ARM template and says where (Pilot)."""

from __future__ import annotations

import json
import pathlib
import time
from typing import Any

import pytest

from screens.app import PlinkApp
from screens.review import ReviewScreen


@pytest.fixture(autouse=True)
def _no_latency(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLINKTUI_DEMO_LATENCY_SCALE", "0")


async def _until(pilot: Any, cond: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


async def test_review_x_writes_the_template_and_says_where() -> None:
    from plinktui.settings import config_dir

    app = PlinkApp({}, demo=True, connect=True)
    app.state.vault_name = "kv-demo-export01"
    async with app.run_test(size=(150, 44)) as pilot:
        await _until(pilot, lambda: app.gw is not None)
        # the running demo cloud tells other clients (az) where it is and how to sign in: <demo dir>/cloud.json, 0600
        # (the demo cloud is started once per process: its directory is the one of the test that started it)
        cloud = pathlib.Path(app.demo_cloud.demo_key).parent / "cloud.json"
        assert cloud.stat().st_mode & 0o777 == 0o600
        info = json.loads(cloud.read_text())
        assert info["endpoint"] == app.demo_cloud.endpoint and info["identity_endpoint"].startswith(info["endpoint"])
        assert info["identity_header"] and "stats" not in info
        await app.push_screen(ReviewScreen())
        review = app.screen
        await _until(pilot, lambda: review.preflight_result is not None)
        await pilot.press("x")
        await pilot.pause(0.2)
        path = config_dir() / f"{review.plan.name}.arm.json"
        template = json.loads(path.read_text())
        assert template["parameters"]["vaultName"]["defaultValue"] == "kv-demo-export01"
        messages = [str(n.message) for n in app._notifications]
        assert any(str(path) in m and "az bicep decompile" in m for m in messages), messages

"""Shared helpers for the TUI tests: a seeded in-process demo cloud and a polling wait."""

from __future__ import annotations

import asyncio
import pathlib
import time
from collections.abc import Callable
from typing import Any

from plinktui.emulator.embedded import DemoCloud
from plinktui.emulator.seed import seed_demo


async def seeded_cloud(emu_factory: Any, tmp_path: pathlib.Path) -> DemoCloud:
    """An emulator on the test's loop, seeded like ``plinktui demo`` (workload VNet + jumpbox)."""
    emu = await emu_factory(latency_scale=0)
    key = seed_demo(emu, tmp_path / "demo")
    return DemoCloud(emu.endpoint, emu.ca_cert, emu.config.subscription_id, emu.config.tenant_id, str(key))


async def wait_for(pilot: Any, cond: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    """Let the app run until ``cond()`` holds (fails the test with ``what`` after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; screen is {type(pilot.app.screen).__name__}")
        await pilot.pause(0.05)
        await asyncio.sleep(0)

"""Shared fixtures: an in-process emulator (real HTTPS on loopback) and a gateway of official SDK clients on it."""

from __future__ import annotations

import os
import pathlib
from collections.abc import AsyncIterator, Callable

import pytest

from plinktui.cloud import Gateway, resolve_target
from plinktui.emulator.server import Emulator, EmulatorConfig


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own state/config dirs: nothing leaks between tests or into the user's home."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("PLINKTUI_STATE_DIR", raising=False)
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID", raising=False)


EmuFactory = Callable[..., "AsyncIterator[Emulator]"]


@pytest.fixture
async def emu_factory(tmp_path: pathlib.Path):
    """Start emulators with options: ``await emu_factory(latency_scale=0, page_size=5, reader_only=False)``."""
    started: list[Emulator] = []

    async def make(state: bool = True, **options: object) -> Emulator:
        cfg = EmulatorConfig(**options)  # type: ignore[arg-type]
        d = tmp_path / f"emu{len(started)}"
        d.mkdir(exist_ok=True)
        emu = Emulator(cfg, state_path=d / "state.json" if state else None, cert_dir=d)
        await emu.start()
        started.append(emu)
        return emu

    yield make
    for emu in started:
        await emu.stop()


@pytest.fixture
async def emu(emu_factory) -> Emulator:
    """A running emulator: no latency, small pages (5) so paging is exercised."""
    return await emu_factory(page_size=5)


@pytest.fixture
async def gw(emu: Emulator) -> AsyncIterator[Gateway]:
    """A gateway (official aio SDK clients) on the emulator."""
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    async with Gateway(target, total_timeout=60) as gateway:
        yield gateway


@pytest.fixture
def demo_home(tmp_path: pathlib.Path) -> pathlib.Path:
    """A HOME for subprocess tests."""
    home = tmp_path / "home"
    home.mkdir()
    os.environ.setdefault("LANG", "C.UTF-8")
    return home

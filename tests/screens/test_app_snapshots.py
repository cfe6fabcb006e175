"""Snapshot tests of every screen (pytest-textual-snapshot). Deterministic: fixed size and names, no clock text,
no cursor blink, data from the seeded demo cloud or a fixed AuditResult.

Regenerate after an intended change: ``pytest tests/screens/test_app_snapshots.py --snapshot-update`` (then look at the SVGs).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from textual.widgets import Input, Select

from plinktui.engine import Event
from screens.app import PlinkApp
from screens.audit import AuditScreen
from screens.dns import DnsScreen
from screens.messages import EngineEvent
from screens.modals import ConfirmModal, ErrorModal
from screens.network import NetworkScreen
from screens.provision import ProvisionScreen
from screens.review import ReviewScreen
from screens.scenario import ScenarioScreen
from screens.signin import SignInScreen
from screens.testvm import TestVmScreen as VmScreen
from screens.vault import VaultScreen
from tests.tui_helpers import synthetic_result

SIZE = (150, 44)
VAULT = "kv-demo-snap01"


@pytest.fixture(autouse=True)
def _no_latency(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLINKTUI_DEMO_LATENCY_SCALE", "0")


def _app(connect: bool = True) -> PlinkApp:
    app = PlinkApp({}, demo=True, connect=connect)
    app.state.vault_name = VAULT
    return app


def _steady(app: Any) -> None:
    for inp in app.screen.query(Input):
        inp.cursor_blink = False


async def _until(pilot: Any, cond: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"timed out on {type(pilot.app.screen).__name__}"
        await pilot.pause(0.05)
    await pilot.pause(0.1)
    _steady(pilot.app)


def _idle(screen: Any) -> Any:
    return lambda: screen.autopilot_ready() and not any(w.is_running for w in screen.app.workers if w.node is screen)


def _open(screen_factory: Any, ready: Any = None) -> Any:
    async def run_before(pilot: Any) -> None:
        app = pilot.app
        await _until(pilot, lambda: app.gw is not None)
        await app.push_screen(screen_factory())
        screen = app.screen
        await _until(pilot, ready(screen) if ready else _idle(screen))
    return run_before


def test_welcome(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await _until(pilot, lambda: pilot.app.gw is not None)
        await asyncio.sleep(0.2)
    assert snap_compare(_app(), terminal_size=SIZE, run_before=run_before)


def test_signin(snap_compare: Any) -> None:
    assert snap_compare(_app(), terminal_size=SIZE, run_before=_open(SignInScreen))


def test_scenario(snap_compare: Any) -> None:
    assert snap_compare(_app(), terminal_size=SIZE, run_before=_open(ScenarioScreen))


def test_network(snap_compare: Any) -> None:
    def ready(screen: Any) -> Any:
        return lambda: screen._loaded and screen.query_one("#subnet", Select).value == "snet-endpoints"
    assert snap_compare(_app(), terminal_size=SIZE, run_before=_open(NetworkScreen, ready))


def test_network_own_private_link_service(snap_compare: Any) -> None:
    """The Private Link Service fields (Scenario's option), scrolled into view, with the suggested free /28."""
    def ready(screen: Any) -> Any:
        def done() -> bool:
            if not (screen._loaded and screen.query_one("#subnet", Select).value == "snet-endpoints"):
                return False
            screen.query_one("#pls-box").scroll_visible(animate=False, top=True)
            return True
        return done

    app = _app()
    app.state.pls_enabled = True
    assert snap_compare(app, terminal_size=SIZE, run_before=_open(NetworkScreen, ready))


def test_vault(snap_compare: Any) -> None:
    def ready(screen: Any) -> Any:
        return lambda: screen._check is not None
    assert snap_compare(_app(), terminal_size=SIZE, run_before=_open(VaultScreen, ready))


def test_dns(snap_compare: Any) -> None:
    assert snap_compare(_app(), terminal_size=SIZE, run_before=_open(DnsScreen))


def test_testvm(snap_compare: Any) -> None:
    def ready(screen: Any) -> Any:
        return lambda: screen._vms_loaded
    assert snap_compare(_app(), terminal_size=SIZE, run_before=_open(VmScreen, ready))


def test_review(snap_compare: Any) -> None:
    def ready(screen: Any) -> Any:
        return lambda: screen.preflight_result is not None
    assert snap_compare(_app(), terminal_size=SIZE, run_before=_open(ReviewScreen, ready))


def test_confirm_modal(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await pilot.app.push_screen(ConfirmModal("Create these resources?", "7 resources will be created. "
                                                 "Resources cost money until you tear them down.", yes="Provision"))
        await pilot.pause(0.1)
    assert snap_compare(_app(connect=False), terminal_size=SIZE, run_before=run_before)


def test_error_modal(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await pilot.app.push_screen(ErrorModal("Something went wrong (preflight)",
                                               "AuthorizationFailed: the client has no authorization to perform "
                                               "Microsoft.Network/privateEndpoints/write",
                                               "ask for a role that grants this action, then resume"))
        await pilot.pause(0.1)
    assert snap_compare(_app(connect=False), terminal_size=SIZE, run_before=run_before)


def test_provision(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        screen = ProvisionScreen(autostart=False)
        screen.show_clock = False
        await pilot.app.push_screen(screen)
        steps = [("rg", "rg-workload-westus2", "succeeded"), ("vnet", "vnet-workload", "succeeded"),
                 ("vault", VAULT, "succeeded"), ("zone", "privatelink.vaultcore.azure.net", "succeeded"),
                 ("link", "link-vnet-workload", "succeeded"), ("pe", f"pe-{VAULT}", "waiting"),
                 ("zone_group", "default", "queued"), ("verify", "private path", "queued")]
        for key, name, kind in steps:
            screen.post_message(EngineEvent(Event("queued", key=key, name=name)))
            if kind != "queued":
                screen.post_message(EngineEvent(Event(kind, key=key, name=name)))
        await pilot.pause(0.2)
    assert snap_compare(_app(connect=False), terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("tab", ["tab-endpoints", "tab-dns", "tab-findings", "tab-topology"])
def test_audit(snap_compare: Any, tab: str) -> None:
    async def run_before(pilot: Any) -> None:
        screen = AuditScreen()
        await pilot.app.push_screen(screen)
        screen.show_result(synthetic_result(4, probes=3, pending=1))
        screen.query_one("#tabs").active = tab
        await pilot.pause(0.2)
    assert snap_compare(_app(connect=False), terminal_size=SIZE, run_before=run_before)


def test_help(snap_compare: Any) -> None:
    assert snap_compare(_app(connect=False), terminal_size=SIZE, press=["f1"])


# ---------------------------------------------------------------------------------------------------------------
# The sizes people have: 80x24 (side panel collapsed, most important columns first) and 120x40; below the minimum
# size, the "make the terminal larger" view instead of a crash.
# ---------------------------------------------------------------------------------------------------------------
COMMON_SIZES = [(80, 24), (120, 40)]


@pytest.mark.parametrize("size", COMMON_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_welcome_sizes(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Any) -> None:
        await _until(pilot, lambda: pilot.app.gw is not None)
        await asyncio.sleep(0.2)
    assert snap_compare(_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", COMMON_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_review_sizes(snap_compare: Any, size: tuple[int, int]) -> None:
    def ready(screen: Any) -> Any:
        return lambda: screen.preflight_result is not None
    assert snap_compare(_app(), terminal_size=size, run_before=_open(ReviewScreen, ready))


@pytest.mark.parametrize("size", COMMON_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_provision_sizes(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Any) -> None:
        screen = ProvisionScreen(autostart=False)
        screen.show_clock = False
        await pilot.app.push_screen(screen)
        for key, name, kind in [("rg", "rg-workload-westus2", "succeeded"), ("vault", VAULT, "cancelled"),
                                ("pe", f"pe-{VAULT}", "waiting"), ("zone_group", "default", "skipped")]:
            screen.post_message(EngineEvent(Event("queued", key=key, name=name)))
            screen.post_message(EngineEvent(Event(kind, key=key, name=name)))
        await pilot.pause(0.2)
    assert snap_compare(_app(connect=False), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", COMMON_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_audit_sizes(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Any) -> None:
        screen = AuditScreen()
        await pilot.app.push_screen(screen)
        screen.show_result(synthetic_result(4, probes=3, pending=1))
        await pilot.pause(0.2)
    assert snap_compare(_app(connect=False), terminal_size=size, run_before=run_before)


def test_too_small(snap_compare: Any) -> None:
    assert snap_compare(_app(), terminal_size=(40, 15), run_before=lambda pilot: pilot.pause(0.3))

"""Real terminal sizes (screens/widgets/fit.py): every size, an honest verdict, no dead ends.

Each test names the item of the issue it covers ("Why 1" … "Why 7").
"""

from __future__ import annotations

import pytest
from textual.widgets import Button, DataTable, Static

from plinktui.engine import Event
from screens.app import PlinkApp
from screens.audit import AuditScreen, proof_banner, scope_summary
from screens.commands import ScreenCommands
from screens.messages import EngineEvent, ProvisionFinished
from screens.provision import ProvisionScreen
from screens.welcome import WelcomeScreen
from screens.widgets.fit import MIN_HEIGHT, MIN_WIDTH, TooSmall
from screens.widgets.panel import ExplainPanel, StepHeader
from tests.tui_helpers import row_dicts, synthetic_result, wait_for


def _offline_app() -> PlinkApp:
    return PlinkApp({}, demo=True, connect=False)


def _palette_titles(screen) -> list[str]:
    provider = ScreenCommands(screen)
    return [title for title, _help, _cb in provider._commands()]


# ------------------------------------------------------------------------------------------------ Why 1: sizes
@pytest.mark.parametrize("size", [(40, 15), (52, 20), (59, 30), (100, 19)])
async def test_below_the_minimum_size_the_app_says_what_size_it_needs(size: tuple[int, int]) -> None:
    app = _offline_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.2)
        assert app.has_class("-too-small")
        note = app.screen.query_one(TooSmall)
        assert note.display and note.region.width > 0
        text = str(note.render())
        assert f"at least {MIN_WIDTH}×{MIN_HEIGHT}" in text and f"this one is {size[0]}×{size[1]}" in text
        assert not app.screen.query_one(StepHeader).region.width  # the screen itself is not laid out


async def test_live_resize_down_to_tiny_and_back_never_crashes() -> None:
    app = _offline_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause(0.1)
        for size in [(40, 15), (52, 24), (30, 8), (80, 24), (61, 20), (100, 30), (160, 45)]:
            await pilot.resize_terminal(*size)
            await pilot.pause(0.15)
            assert app.has_class("-too-small") == (size[0] < MIN_WIDTH or size[1] < MIN_HEIGHT)
            assert app.has_class("-narrow") == (size[0] < 100)
        assert isinstance(app.screen, WelcomeScreen) and app.return_code in (None, 0)


async def test_narrow_terminal_collapses_the_side_panel_and_f2_brings_it_back() -> None:
    app = _offline_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.1)
        panel = app.screen.query_one(ExplainPanel)
        assert not panel.display or panel.region.width == 0
        assert str(app.screen.query_one(StepHeader).render()).startswith("plinktui › step 1 of 10:")
        await pilot.press("f2")
        await pilot.pause(0.1)
        assert panel.region.width == 40  # half the width, not the 46 columns of a wide terminal
        await pilot.press("f2")
        await pilot.pause(0.1)
        assert panel.region.width == 0
    app = _offline_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.1)
        panel = app.screen.query_one(ExplainPanel)
        assert panel.region.width == 46
        await pilot.press("f2")  # a wide terminal can hide it too
        await pilot.pause(0.1)
        assert panel.region.width == 0


async def test_state_and_verdict_columns_come_first_and_are_never_cut() -> None:
    app = _offline_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ProvisionScreen(autostart=False)
        screen.show_clock = False
        await app.push_screen(screen)
        for kind in ("waiting", "skipped", "cancelled"):
            screen.post_message(EngineEvent(Event("queued", key=kind, name=f"res-{kind}")))
            screen.post_message(EngineEvent(Event(kind, key=kind, name=f"res-{kind}")))
        await pilot.pause(0.2)
        table = screen.query_one("#resources", DataTable)
        assert [str(c.label) for c in table.ordered_columns][0] == "state"
        assert table.ordered_columns[0].get_render_width(table) - 2 * table.cell_padding >= len("■ cancelled")
        assert {r["name"]: r["state"] for r in row_dicts(table)} == {
            "res-waiting": "waiting", "res-skipped": "– skipped", "res-cancelled": "■ cancelled"}
        audit = AuditScreen()
        await app.push_screen(audit)
        audit.show_result(synthetic_result(2, probes=2))
        await pilot.pause(0.2)
        for key in ("endpoints", "dns"):
            assert str(audit.query_one(f"#{key}", DataTable).ordered_columns[0].label) == "verdict"


async def test_an_unhandled_error_writes_a_log_says_two_lines_and_exits_non_zero(capfd) -> None:
    from plinktui.settings import state_dir

    class Boom(Exception):
        pass

    app = _offline_app()
    with pytest.raises(Boom):
        async with app.run_test(size=(100, 30)) as pilot:
            def explode() -> None:
                raise Boom("secret-free but unexpected")
            app.call_later(explode)
            await pilot.pause(0.3)
    assert app.return_code == 1
    logs = list((state_dir() / "logs").glob("crash-*.log"))
    assert len(logs) == 1 and (logs[0].stat().st_mode & 0o777) == 0o600
    assert "Traceback" in logs[0].read_text() and "Boom: secret-free but unexpected" in logs[0].read_text()
    err = capfd.readouterr().err
    message = " ".join(err.split())  # the console wraps at its width
    assert message.startswith("plinktui stopped on an unexpected error (Boom: secret-free but unexpected).")
    assert str(logs[0]) in err.replace("\n", "") and "locals" not in err and len(err.splitlines()) <= 6


def test_run_returns_the_apps_error_code(monkeypatch: pytest.MonkeyPatch) -> None:
    from screens import app as app_mod

    class Crashed:
        return_code = 1

        def __init__(self, *a: object, **k: object) -> None:
            pass

        def run(self) -> None:
            return None

    monkeypatch.setattr(app_mod, "PlinkApp", Crashed)
    assert app_mod.run({}, demo=True, autopilot=False) == 1


# ------------------------------------------------------------------------------------------------ Why 2: verdict
def test_the_banner_never_hides_errors_elsewhere() -> None:
    result = synthetic_result(3, probes=1, pending=1)  # one proven, one unprobed, one Pending (an error finding)
    mark, summary = scope_summary(result)
    errors = sum(1 for f in result.findings if f.severity == "error")
    warnings = sum(1 for f in result.findings if f.severity == "warning")
    assert errors >= 1
    assert mark == "✗"
    assert summary == (f"1 of 3 endpoints proven · {errors} error{'s' * (errors != 1)} · "
                       f"{warnings} warning{'s' * (warnings != 1)}")
    banner, selected = proof_banner(result)
    first, second = banner.plain.splitlines()
    assert first == f"✗ {summary}"
    assert selected == "pe-kv-app00000"
    assert second.startswith("✓ private path proven for pe-kv-app00000: kv-app00000.vault.azure.net → 10.20.2.4")
    banner, _ = proof_banner(result, selected="pe-kv-app00002")
    assert banner.plain.splitlines()[1].startswith("? pe-kv-app00002: not probed")


def test_all_proven_and_no_error_is_the_only_green_banner() -> None:
    mark, summary = scope_summary(synthetic_result(2, probes=2))
    assert (mark, summary) == ("✓", "2 of 2 endpoints proven · 0 errors · 0 warnings")
    mark, summary = scope_summary(synthetic_result(1, probes=1))
    assert summary.startswith("1 of 1 endpoint proven")


async def test_tabs_count_their_rows_and_the_proof_line_follows_the_highlighted_endpoint() -> None:
    app = _offline_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = AuditScreen()
        await app.push_screen(screen)
        result = synthetic_result(3, probes=1, pending=1)
        screen.show_result(result)
        await wait_for(pilot, lambda: screen.query_one("#endpoints", DataTable).row_count == 3, what="rows")
        tabs = screen.query_one("#tabs")
        errors = sum(1 for f in result.findings if f.severity == "error")
        labels = [str(tabs.get_tab(t).label) for t in ("tab-endpoints", "tab-dns", "tab-findings")]
        assert labels == ["Endpoints & NICs (3)", "DNS checks (1)",
                          f"Findings ({len(result.findings)}, {errors} ✗)"]
        tabs.active = "tab-endpoints"
        table = screen.query_one("#endpoints", DataTable)
        table.focus()
        await pilot.press("j", "j")
        await pilot.pause(0.1)
        banner = screen.query_one("#banner", Static).render()
        assert str(banner).splitlines()[1].startswith("? pe-kv-app00002: not probed")


async def test_empty_tabs_and_empty_filter_results_say_so() -> None:
    app = _offline_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = AuditScreen()
        await app.push_screen(screen)
        screen.show_result(synthetic_result(2, probes=2))
        await pilot.pause(0.2)
        assert not result_findings(screen)
        note = screen.query_one("#empty-findings", Static)
        assert note.display and str(note.render()) == "No findings: every check passed."
        assert not screen.query_one("#findings", DataTable).display
        await pilot.press("slash", *"nothing-like-this")
        await wait_for(pilot, lambda: screen.query_one("#empty-endpoints", Static).display, what="empty filter")
        assert str(screen.query_one("#empty-endpoints", Static).render()).startswith(
            "No rows match 'nothing-like-this'")


def result_findings(screen: AuditScreen) -> list[object]:
    return list(screen.result.findings)


# ------------------------------------------------------------------------------------------------ Why 3: dead ends
async def test_after_a_successful_run_esc_goes_back_and_the_palette_offers_no_dead_commands() -> None:
    app = _offline_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.1)
        screen = ProvisionScreen(autostart=False)
        await app.push_screen(screen)
        assert "Cancel run" in _palette_titles(screen)
        screen.finished = True  # what a finished run leaves (the audit pane opens on top; esc returns here)
        screen.refresh_bindings()
        titles = _palette_titles(screen)
        assert not {"Cancel run", "Retry run", "Tear down run"} & set(titles) and "Resume later" in titles
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen), what="back on welcome")


async def test_every_error_modal_can_be_left_with_esc() -> None:
    from screens.modals import ErrorModal

    app = _offline_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.1)
        screen = ProvisionScreen(autostart=False)
        await app.push_screen(screen)
        screen.post_message(ProvisionFinished(None, "run-x", cancelled=True))
        await app.push_screen(ErrorModal("Something went wrong (provision)", "boom", "fix it"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, what="modal closed")
        await pilot.press("l")  # "resume later" after the stop
        await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen), what="welcome")


async def test_welcome_offers_resume_and_teardown_only_with_runs_and_t_needs_a_chosen_row(tmp_path) -> None:
    from plinktui.journal import Journal

    app = _offline_app()
    async with app.run_test(size=(120, 40)) as pilot:
        welcome = app.screen
        await wait_for(pilot, lambda: not any(w.is_running for w in app.workers if w.group == "runs"),
                       what="runs loaded")
        assert welcome.check_action("teardown", ()) is False and welcome.check_action("resume", ()) is False
        assert not {"Resume run", "Tear down run"} & set(_palette_titles(welcome))
        Journal.create("kv-demo", {"plan": {"name": "kv-demo"}}, plan_file=None,
                       target={"is_emulator": True, "cloud": "demo"})
        welcome.load_runs()
        await wait_for(pilot, lambda: welcome.query_one("#runs", DataTable).row_count == 1, what="run listed")
        assert welcome.check_action("teardown", ()) is True
        assert {"Resume run", "Tear down run"} <= set(_palette_titles(welcome))
        await pilot.press("t")  # the runs table has no focus: t focuses it and asks to choose
        await pilot.pause(0.1)
        assert app.screen is welcome and welcome.query_one("#runs", DataTable).has_focus
        await pilot.press("t")
        await pilot.pause(0.1)
        assert type(app.screen).__name__ == "ConfirmModal"
        await pilot.press("n")


async def test_next_is_offered_in_the_palette_only_when_it_is_enabled() -> None:
    app = _offline_app()  # no connection: the welcome screen waits ("connecting…")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.1)
        welcome = app.screen
        assert welcome.query_one("#next", Button).disabled
        assert not {"Start setup", "Audit subscription", "Back"} & set(_palette_titles(welcome))


# ------------------------------------------------------------------------------------------------ Why 6: clouds
async def test_runs_of_another_cloud_are_listed_apart_and_not_acted_on() -> None:
    from plinktui.journal import Journal

    Journal.create("kv-prod", {"plan": {"name": "kv-prod"}}, plan_file=None,
                   target={"arm_endpoint": "https://management.azure.com", "is_emulator": False,
                           "cloud": "https://management.azure.com"})
    app = _offline_app()  # the demo cloud
    async with app.run_test(size=(120, 40)) as pilot:
        welcome = app.screen
        note = welcome.query_one("#other-runs", Static)
        await wait_for(pilot, lambda: note.display, what="other-cloud runs listed apart")
        assert str(note.render()) == ("1 run on Azure (https://management.azure.com) (switch the cloud above to "
                                      "resume or tear them down)")
        assert welcome.query_one("#runs", DataTable).row_count == 0
        assert welcome.check_action("teardown", ()) is False and welcome.check_action("resume", ()) is False
        await pilot.press("t", "m")
        await pilot.pause(0.1)
        assert app.screen is welcome


# ------------------------------------------------------------------------------------------------ Why 7: smaller
def test_help_lists_every_key_bound_anywhere() -> None:
    import importlib
    import inspect
    import pkgutil

    import screens
    from screens.help_screen import GLOBAL_KEYS

    shown = {"question_mark": "?", "escape": "esc", "slash": "/", "f1": "F1"}
    keys: set[str] = set()
    for mod in pkgutil.walk_packages(screens.__path__, "screens."):
        module = importlib.import_module(mod.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__.startswith("screens"):
                for b in cls.__dict__.get("BINDINGS", []):  # plinktui's own bindings, not Textual's defaults
                    keys.update(k.strip() for k in b.key.split(","))
    assert {"s", "u", "m", "t", "p", "w", "f2", "l", "r", "c", "R"} <= keys
    missing = [k for k in sorted(keys) if f"`{shown.get(k, k)}`" not in GLOBAL_KEYS]
    assert not missing, missing


async def test_radio_and_checkbox_state_shows_in_the_shape_not_only_the_colour() -> None:
    from screens.widgets.choice import Choice, MarkedRadioButton

    app = _offline_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.1)
        buttons = list(app.screen.query_one("#cloud", Choice).query(MarkedRadioButton))
        assert [str(b.render()).split()[0] for b in buttons] == ["▐●▌", "▐○▌"]


def test_the_topology_counts_records_in_words() -> None:
    from screens.audit import _count

    assert (_count(1, "record"), _count(2, "record"), _count(0, "error")) == ("1 record", "2 records", "0 errors")


async def test_teardown_says_it_is_running_for_as_long_as_it_runs(monkeypatch) -> None:
    import asyncio

    from screens import runner

    release = asyncio.Event()

    class Result:
        deleted, kept, failed, ok, reasons = ["a", "b"], [], {}, True, {}

    async def slow_teardown(gw, run_id, emit, purge=True):
        await release.wait()
        return Result()

    monkeypatch.setattr(runner, "teardown_run", slow_teardown)
    app = _offline_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app._gw_ready.set()
        app.teardown("kv-demo-1")
        await pilot.pause(0.3)
        running = list(app._notifications)
        assert len(running) == 1 and running[0].title == "Teardown running" and running[0].timeout >= 600
        release.set()
        await wait_for(pilot, lambda: any(n.title == "Teardown finished" for n in app._notifications), what="done")
        assert [n.message for n in app._notifications] == ["run kv-demo-1: 2 deleted, 0 kept"]


async def test_screens_opened_while_too_small_say_so_too() -> None:
    """Workers (the autopilot, a finished run) push screens whatever the size: each gets the view."""
    app = _offline_app()
    async with app.run_test(size=(40, 15)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("f1")
        await pilot.pause(0.2)
        assert type(app.screen).__name__ == "HelpScreen"
        assert app.screen.query_one(TooSmall).region.width == 40
        await pilot.press("escape")
        await app.push_screen(AuditScreen())
        await pilot.pause(0.2)
        assert app.screen.query_one(TooSmall).region.height == 15
        await pilot.resize_terminal(100, 30)
        await pilot.pause(0.2)
        assert not app.screen.query_one(TooSmall).display and app.screen.query_one("#banner").region.width > 0

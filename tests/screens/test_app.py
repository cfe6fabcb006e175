"""App-wide behaviour: worker errors become a modal, help, theme, palette commands, bindings with ids, and the
audit pane's vim keys, filter and export."""

from __future__ import annotations

import json

from textual.binding import Binding
from textual.widgets import DataTable

from screens import app as app_mod
from screens.app import PlinkApp, PresenterApp
from screens.audit import AuditScreen
from screens.commands import ScreenCommands
from screens.help_screen import HelpScreen
from screens.modals import ErrorModal
from tests.tui_helpers import synthetic_result, wait_for

SIZE = (140, 44)


async def test_unreachable_cloud_becomes_a_readable_modal_not_a_traceback() -> None:
    app = PlinkApp({"arm_endpoint": "https://127.0.0.1:9"}, demo=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal), what="error modal")
        assert "cannot reach ARM endpoint https://127.0.0.1:9" in app.screen.message
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ErrorModal), what="modal closed")
    assert app.return_code in (0, None)


async def test_help_and_theme_toggle() -> None:
    app = PlinkApp(connect=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        dark = app.current_theme.dark
        await pilot.press("ctrl+t")
        assert app.current_theme.dark is not dark


def test_every_binding_has_an_id_and_a_description() -> None:
    import screens.audit
    import screens.modals
    import screens.provision
    import screens.review
    import screens.step
    import screens.welcome
    import screens.widgets.vimtable

    classes = [PlinkApp, PresenterApp, screens.step.WizardStep, screens.welcome.WelcomeScreen,
               screens.review.ReviewScreen, screens.provision.ProvisionScreen, screens.audit.AuditScreen,
               screens.modals.ConfirmModal, screens.modals.ErrorModal, HelpScreen,
               screens.widgets.vimtable.VimTable]
    for cls in classes:
        for b in cls.BINDINGS:
            assert isinstance(b, Binding) and b.id and b.description, (cls.__name__, b)


async def test_audit_pane_vim_keys_filter_palette_and_export(tmp_path) -> None:
    app = PlinkApp(connect=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = AuditScreen()
        await app.push_screen(screen)
        screen.show_result(synthetic_result(30, probes=3, pending=1))
        table = screen.query_one("#endpoints", DataTable)
        screen.query_one("#tabs").active = "tab-endpoints"
        await wait_for(pilot, lambda: table.row_count == 30, what="rows")
        table.focus()
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("G")
        assert table.cursor_row == 29
        await pilot.press("g", "k")
        assert table.cursor_row == 0

        titles = [t for t, _h, _a in ScreenCommands(screen)._commands()]
        assert {"Filter rows", "Re-run probes", "Export report", "Help"} <= set(titles)

        await pilot.press("slash", *"app00012")
        await wait_for(pilot, lambda: table.row_count == 1, what="filtered")
        assert str(table.get_row_at(0)[1]) == "pe-kv-app00012"
        await pilot.press("escape")  # closes the filter and shows every row again
        await wait_for(pilot, lambda: table.row_count == 30, what="unfiltered")

        await pilot.press("e")
        await pilot.pause(0.2)
        await pilot.press("e")  # a second export keeps the first
        await pilot.pause(0.2)
        screen.query_one("#tabs").active = "tab-findings"
        await pilot.pause()
        await pilot.press("c")
        assert app.clipboard.startswith("az ")
    from plinktui.settings import state_dir

    out = state_dir() / "exports"
    stems = sorted({p.stem for p in out.iterdir()})
    assert len(stems) == 2 and all(s.startswith("audit-") for s in stems), stems
    for stem in stems:
        assert json.loads((out / f"{stem}.json").read_text())["schema"] == "plinktui.audit/v1"
        assert (out / f"{stem}.md").read_text().strip()
        assert json.loads((out / f"{stem}.sarif").read_text())["version"] == "2.1.0"
        assert (out / f"{stem}.svg").read_text().startswith("<svg")


def test_run_returns_an_exit_code_without_a_terminal(monkeypatch) -> None:
    class Fake:
        def __init__(self, *a, **k) -> None:
            pass

        def run(self) -> int:
            raise KeyboardInterrupt

    monkeypatch.setattr(app_mod, "PlinkApp", Fake)
    assert app_mod.run({}, demo=True, autopilot=False) == 130


async def test_autopilot_beat_before_the_next_screen_is_composed_waits(emu_factory, tmp_path) -> None:
    """A beat between push_screen and the new step's compose (a loaded machine) waits instead of pausing."""
    from screens.vault import VaultScreen
    from tests.tui_helpers import seeded_cloud

    cloud = await seeded_cloud(emu_factory, tmp_path)
    app = PlinkApp({}, demo=True, autopilot=True, step_seconds=3600, demo_cloud=cloud)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        app.push_screen(VaultScreen())
        vault = app.screen
        assert isinstance(vault, VaultScreen) and not vault.is_mounted
        assert app.autopilot is not None
        app.autopilot.beat()  # nothing to fill yet
        assert app.autopilot.auto and id(vault) not in app.autopilot.filled
        await wait_for(pilot, lambda: vault.autopilot_ready(), what="the vault step mounted and its name checked")
        app.autopilot.beat()
        assert app.autopilot.auto and id(vault) in app.autopilot.filled

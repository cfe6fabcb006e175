"""Throttling on the Provision screen: the TUI stays responsive and can cancel while the engine waits behind a throttled private endpoint PUT.

A ``Retry-After`` above the gateway's bound (60 s; here 3600) is never slept on: the run stops within seconds with a
retryable throttle error. One under the bound (here 45 s) *is* slept on by the SDK: that is the wait a user may want
to cancel, so the test presses keys during it, cancels with esc -> y, checks the journal, then resumes to the end.
"""

from __future__ import annotations

import pathlib

from textual.widgets import DataTable, Static

from plinktui.emulator.faults import FaultRule
from plinktui.journal import Journal
from screens.app import PlinkApp
from screens.audit import AuditScreen
from screens.modals import ConfirmModal, ErrorModal
from screens.provision import ProvisionScreen
from tests.tui_helpers import seeded, table_rows, wait_for

SIZE = (160, 50)


def _log(screen: ProvisionScreen) -> str:
    from textual.widgets import RichLog

    return "\n".join(line.text for line in screen.query_one("#log", RichLog).lines)


def _provision_worker(app: PlinkApp):
    return next((w for w in app.workers if w.group == "provision"), None)


async def test_tui_cancels_a_run_waiting_behind_a_throttled_endpoint_put(emu_factory, tmp_path: pathlib.Path) -> None:
    emu, cloud = await seeded(emu_factory, tmp_path)
    app = PlinkApp({}, demo=True, demo_cloud=cloud)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.gw is not None, what="gateway")
        plan = app.state.to_plan()
        pe_name = plan.private_endpoint.name

        # 1. Retry-After 3600: not slept on; the run stops with a retryable throttle error and the fix.
        emu.faults.set([FaultRule("throttle", method="PUT", path="privateEndpoints", retry_after="3600")])
        screen = ProvisionScreen(plan=plan)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.failed, timeout=60, what="the throttled run to stop")
        assert not isinstance(app.screen, ErrorModal)
        run_id = screen.handle.journal.run_id
        reason = str(screen.query_one("#failure-reason", Static).render())
        assert f"private endpoint {pe_name} failed: " in reason and ("429" in reason or "TooManyRequests" in reason)
        assert f"plinktui setup --resume {run_id}" in reason, reason
        assert emu.faults.fired["throttle"] == 3  # first attempt + 2 retries, no 3600 s sleep

        # 2. Retry-After 45 s (under the bound): the SDK sleeps on it; the retried run waits there.
        emu.faults.set([FaultRule("throttle", method="PUT", path="privateEndpoints", retry_after="45")])
        await pilot.press("r")
        await wait_for(pilot, lambda: emu.faults.fired.get("throttle", 0) >= 1 and screen.rows.get(
            "pe", {}).get("state") == "running", timeout=60, what="the endpoint PUT throttled")
        worker = _provision_worker(app)
        assert worker is not None and worker.is_running

        # ... a keypress is handled while the run waits: the table cursor moves, and esc opens the confirmation
        table = screen.query_one("#resources", DataTable)
        table.focus()
        await pilot.pause()
        row_before = table.cursor_row
        await pilot.press("down")
        await wait_for(pilot, lambda: table.cursor_row == row_before + 1, what="the cursor to move")
        frame = screen._frame
        await wait_for(pilot, lambda: screen._frame != frame, what="the spinner to tick")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="cancel confirmation")
        await pilot.press("n")  # keep going: the run is untouched
        await wait_for(pilot, lambda: app.screen is screen, what="back on the provision pane")
        assert worker.is_running and not screen.finished
        assert Journal.open(run_id).data["state"] == "running"

        # 3. esc -> y cancels the waiting run; the journal is consistent and resumable.
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="cancel confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.finished and screen.failed, timeout=10, what="the run to be cancelled")
        assert "cancelled; nothing is deleted" in _log(screen)
        assert {r[2]: r[0] for r in table_rows(table)}[pe_name] == "■ cancelled"
        journal = Journal.open(run_id)
        assert journal.data["state"] == "cancelled"
        assert journal.resources["pe"]["status"] in ("intent", "failed")  # never recorded as created
        assert not list(journal.path.parent.glob(f".{journal.path.name}.*.tmp"))
        pes = [p async for p in app.gw.network.private_endpoints.list(plan.resource_group)]
        assert [p.name for p in pes] == []  # every throttled PUT was refused before it reached the store
        for key, entry in journal.resources.items():  # what the journal says is done exists in ARM
            if entry.get("status") in ("succeeded", "reused") and entry.get("id"):
                assert emu.store.get(entry["id"]) is not None, (key, entry["id"])

        # 4. Faults cleared, retry resumes the same run to the end, with one endpoint.
        emu.faults.set([])
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, (AuditScreen, ErrorModal)), timeout=60,
                       what="audit pane after the resumed run")
        assert not isinstance(app.screen, ErrorModal), app.screen.message
        assert Journal.open(run_id).data["state"] == "succeeded"
        assert [r["run_id"] for r in Journal.list_runs()] == [run_id]
        pes = [p async for p in app.gw.network.private_endpoints.list(plan.resource_group)]
        assert [p.name for p in pes] == [pe_name]


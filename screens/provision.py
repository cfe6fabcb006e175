"""Provision: one row per resource (state, spinner, elapsed), a log pane, cancel, and what to do on failure."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, RichLog, Static

from screens import concepts, safe
from screens.messages import EngineEvent, ProvisionFinished
from screens.modals import ReportsWorkerErrors
from screens.review import KIND
from screens.widgets.panel import ExplainPanel, StepHeader

if TYPE_CHECKING:
    from screens.app import PlinkApp

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
NEXT_STEPS = ("Nothing was deleted. Retry (r) resumes this run: what exists is kept and what is missing is created; "
              "Resume later (l) keeps the run on the welcome screen; Tear down (t) deletes only what this run "
              "created.")
STATE_MARK = {"queued": "· queued", "running": "running", "waiting": "waiting", "succeeded": "✓ done",
              "failed": "✗ failed", "skipped": "– skipped", "cancelled": "■ cancelled"}


class ProvisionScreen(ReportsWorkerErrors, Screen[None]):
    """Runs the engine in a worker and renders its events."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel run", id="provision.cancel"),
        Binding("escape", "later", "Back to start", id="provision.leave"),
        Binding("r", "retry", "Retry", id="provision.retry", show=False),
        Binding("t", "teardown", "Tear down", id="provision.teardown", show=False),
        Binding("l", "later", "Resume later", id="provision.later", show=False),
    ]

    def __init__(self, plan: Any = None, facts: Any = None, tenant_id: str | None = None,
                 resume_run: str | None = None, autostart: bool = True) -> None:
        super().__init__()
        self.autostart = autostart
        self.plan, self.facts, self.tenant_id, self.resume_run = plan, facts, tenant_id, resume_run
        self.handle: Any = None
        self.rows: dict[str, dict[str, Any]] = {}
        self.finished = False
        self.failed = False
        self._frame = 0
        self.show_clock = True
        """Spinner frames and elapsed-time text in rows (snapshot tests switch them off to stay deterministic)."""

    def compose(self) -> ComposeResult:
        yield StepHeader("provision")
        with Horizontal(id="body"):
            with Vertical(id="form"):
                yield Static("Provisioning — Esc cancels", classes="heading", id="prov-title")
                yield DataTable(id="resources", cursor_type="row", zebra_stripes=True)
                yield RichLog(id="log", wrap=True, markup=False, max_lines=2000)
                yield Static("", id="failure-reason", markup=False)
                with Horizontal(id="failure-actions"):
                    yield Button("Retry (r)", id="retry", variant="primary")
                    yield Button("Resume later (l)", id="later")
                    yield Button("Tear down (t)", id="teardown", variant="error")
            yield ExplainPanel(concepts.PROVISION)
        yield Footer()

    @property
    def plink(self) -> PlinkApp:
        """The app, typed."""
        return cast("PlinkApp", self.app)

    def on_mount(self) -> None:
        table = self.query_one("#resources", DataTable)
        # State first and wide enough for its longest value ("■ cancelled"), so no state is ever cut to "waitin".
        table.add_column("state", key="state", width=max(len(m) for m in STATE_MARK.values()) + 1)
        for col in ("resource", "name", "elapsed"):
            table.add_column(col, key=col)
        self.query_one("#failure-actions").display = False
        self.query_one("#failure-reason").display = False
        self.set_interval(0.1, self._tick)
        if self.autostart:
            self.start()

    def _tick(self) -> None:
        if not self.show_clock:
            return
        self._frame = (self._frame + 1) % len(SPINNER)
        table = self.query_one("#resources", DataTable)
        now = time.monotonic()
        for key, row in self.rows.items():
            if row["state"] in ("running", "waiting"):
                table.update_cell(key, "state", f"{SPINNER[self._frame]} {row['state']}")
                table.update_cell(key, "elapsed", f"{now - row['t0']:.0f}s")

    @work(exclusive=True, group="provision", exit_on_error=False)
    async def start(self, fresh: bool | None = None) -> None:
        """Create (or resume) the run and apply it; events arrive as messages."""
        from screens import runner

        gw = await self.plink.gateway()
        if self.handle is None:
            if self.resume_run:
                self.handle = runner.open_run(self.resume_run)
                fresh = False
            else:
                from plinktui.plan import read_public_key

                if self.plan.test_vm.enabled:
                    read_public_key(self.plan)  # an unreadable key file stops here, before a journal exists
                self.handle = runner.RunHandle(runner.create_journal(gw, self.plan, demo=self.plink.demo), self.plan)
                fresh = True
        self.plink.current_run = self.handle.journal.run_id
        self.query_one("#prov-title", Static).update(
            safe.text(f"Provisioning run {self.handle.journal.run_id} — Esc cancels"))

        async def emit(event: Any) -> None:
            self.post_message(EngineEvent(event))

        import asyncio

        try:
            outcome = await runner.apply_run(gw, self.handle, emit, facts=self.facts, tenant_id=self.tenant_id,
                                             fresh=bool(fresh))
        except asyncio.CancelledError:
            self.post_message(ProvisionFinished(None, self.handle.journal.run_id, cancelled=True))
            raise
        self.post_message(ProvisionFinished(outcome, self.handle.journal.run_id))

    @on(EngineEvent)
    def _event(self, message: EngineEvent) -> None:
        ev = message.event
        table = self.query_one("#resources", DataTable)
        if ev.key:
            if ev.key not in self.rows:
                self.rows[ev.key] = {"state": ev.kind, "t0": time.monotonic()}
                table.add_row(*safe.row((STATE_MARK.get(ev.kind, ev.kind), KIND.get(ev.key, ev.key), ev.name, "")),
                              key=ev.key)
            row = self.rows[ev.key]
            if ev.kind in ("running", "waiting") and row["state"] not in ("running", "waiting"):
                row["t0"] = time.monotonic()
            if ev.kind != "info":
                row["state"] = ev.kind
                table.update_cell(ev.key, "state", safe.text(STATE_MARK.get(ev.kind, ev.kind)))
            if ev.kind in ("succeeded", "failed", "skipped", "cancelled") and self.show_clock:
                table.update_cell(ev.key, "elapsed", f"{time.monotonic() - row['t0']:.0f}s")
        if ev.kind == "queued":
            return
        text = f"{ev.kind:<9} {KIND.get(ev.key, ev.key or 'run')} {ev.name}"
        if ev.message:
            text += f": {ev.message}"
        if ev.error:
            text += f": {ev.error}" + (f" (fix: {ev.fix})" if ev.fix else "")
        self.query_one("#log", RichLog).write(safe.text(text))

    @on(ProvisionFinished)
    def _finished(self, message: ProvisionFinished) -> None:
        self.finished = True
        log = self.query_one("#log", RichLog)
        if message.cancelled:
            log.write(safe.text(f"cancelled; nothing is deleted. Resume later from the welcome screen "
                                f"(run {message.run_id})."))
            self._show_failure_actions()
            return
        if message.outcome is not None and message.outcome.ok:
            summary = self.handle.journal.data.get("summary", {})
            log.write(safe.text(f"done: {summary.get('vault_fqdn')} → {summary.get('endpoint_ip')} "
                                f"(NIC {summary.get('endpoint_nic')}); opening the audit pane…"))
            self.query_one("#prov-title", Static).update(safe.text(f"Run {message.run_id} succeeded"))
            self.set_timer(1.0, self._to_audit)
            return
        errors = message.outcome.errors if message.outcome else {}
        reasons = [f"✗ {KIND.get(key, key)} {ev.name} failed: {ev.error}" + (f" Fix: {ev.fix}" if ev.fix else "")
                   for key, ev in errors.items()]
        for line in reasons:
            log.write(safe.text(line))
        self._show_failure_actions(reasons)

    def on_worker_state_changed(self, event: Any) -> None:
        """A crashed run (e.g. another process holds the plan's lock) offers the same choices as a failed one."""
        # (Textual also runs the mixin's handler, which opens the error modal: handlers run along the MRO.)
        from textual.worker import WorkerState

        if event.state == WorkerState.ERROR and event.worker.group == "provision":
            self.finished = True
            self._show_failure_actions()

    def _show_failure_actions(self, reasons: list[str] | None = None) -> None:
        self.failed = True
        self.query_one("#failure-actions").display = True
        box = self.query_one("#failure-reason", Static)
        box.update(safe.join_lines([*(reasons or []), NEXT_STEPS]))
        box.display = True
        for b in ("retry", "teardown", "later"):
            self._bindings_show(b)
        self.query_one("#prov-title", Static).update("The run stopped — retry, resume later, or tear down")

    def _bindings_show(self, name: str) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("retry", "teardown"):
            return self.failed
        if action == "later":
            return self.finished  # after a failure "resume later"; after success esc goes back to the start
        if action == "cancel":
            return not self.finished
        return True

    def _to_audit(self) -> None:
        from screens.audit import AuditScreen

        self.app.push_screen(AuditScreen(from_run=self.handle.journal.run_id))

    def action_cancel(self) -> None:
        """Cancel the run after confirming (nothing is deleted)."""
        if self.finished:
            return
        from screens.modals import ConfirmModal

        def answer(yes: bool | None) -> None:
            if yes:
                for w in self.app.workers:
                    if w.group == "provision":
                        w.cancel()

        self.app.push_screen(ConfirmModal("Cancel the run?", "Running operations are abandoned; what exists stays "
                                          "and the run can be resumed or torn down.", yes="Cancel run",
                                          no="Keep going"), answer)

    def action_retry(self) -> None:
        """Resume the same run (GET each resource; create what is missing)."""
        if not self.failed:
            return
        self.failed = self.finished = False
        self.query_one("#failure-actions").display = False
        self.query_one("#failure-reason").display = False
        self.refresh_bindings()
        self.start(fresh=False)

    def action_later(self) -> None:
        """Leave the run as it is; it is listed on the welcome screen (at once, not after a restart)."""
        while len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        for screen in self.app.screen_stack:
            if hasattr(screen, "load_runs"):
                screen.load_runs()

    def action_teardown(self) -> None:
        """Tear down what this run created."""
        if self.handle is not None:
            self.plink.confirm_teardown(self.handle.journal.run_id, after=self.action_later)

    @on(Button.Pressed, "#retry")
    def _retry(self) -> None:
        self.action_retry()

    @on(Button.Pressed, "#later")
    def _later(self) -> None:
        self.action_later()

    @on(Button.Pressed, "#teardown")
    def _teardown(self) -> None:
        self.action_teardown()

    def commands(self) -> list[tuple[str, str, str]]:
        """Screen-aware palette commands."""
        return [("Cancel run", "Stop the run (confirm first)", "cancel"),
                ("Retry run", "Resume the failed run", "retry"),
                ("Resume later", "Keep the run as it is; back to the start", "later"),
                ("Tear down run", "Delete what this run created", "teardown")]

"""Welcome: demo or real Azure, start a setup, audit a subscription directly, resume or tear down a run."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, DataTable, Label, OptionList, Static
from textual.widgets.option_list import Option

from screens import safe
from screens.step import WizardStep
from screens.widgets.choice import Choice

# Short enough for a 60-column terminal (a radio label is one line: a longer one is cut mid-word).
CLOUD_CHOICES = [("demo", "Demo cloud (embedded emulator: offline, free)"),
                 ("azure", "Real Azure (your subscription: costs money)")]


class WelcomeScreen(WizardStep):
    """The first screen; paints before any Azure SDK is imported."""

    STEP = "welcome"
    HEADING = "plinktui — Azure Key Vault over Private Link: guided setup, proof from inside the VNet, audits"
    BINDINGS = [
        *WizardStep.BINDINGS,
        Binding("s", "start", "Setup", id="welcome.setup"),
        Binding("u", "audit", "Audit", id="welcome.audit"),
        Binding("t", "teardown", "Tear down run", id="welcome.teardown"),
        Binding("m", "resume", "Resume run", id="welcome.resume"),
    ]

    def compose_form(self) -> ComposeResult:
        yield Choice("Cloud", CLOUD_CHOICES, "demo" if self.plink.demo else "azure", id="cloud")
        yield Static(id="target-status", markup=False)  # holds a subscription id from flags or the az profile
        yield Label("What do you want to do?")
        yield OptionList(
            Option("Set up a private endpoint for a Key Vault (guided)", id="setup"),
            Option("Audit the private endpoints of this subscription", id="audit"),
            id="actions",
        )
        yield Label("Previous runs (resume or tear down)", id="runs-label")
        yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield Static("", id="other-runs", classes="note", markup=False)
        yield Button("Resume selected run", id="resume")
        yield Button("Tear down selected run", id="teardown", variant="error")

    _has_runs = False

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#back", Button).display = False
        table = self.query_one("#runs", DataTable)
        table.add_columns("run", "plan", "state", "started")
        self.refresh_status()

    def refresh_status(self) -> None:
        """Show where ARM is (demo cloud or real Azure) and whether it is ready."""
        self.query_one("#target-status", Static).update(safe.text(self.plink.target_status))
        self.revalidate()
        self.load_runs()  # the runs shown are the chosen cloud's

    def extra_problem(self) -> str:
        return "" if self.plink.gw is not None else "connecting…"

    @on(Choice.Changed, "#cloud")
    def _cloud(self, event: Choice.Changed) -> None:
        """Real Azure or the demo cloud: reopen the gateway (the demo cloud starts in a worker)."""
        demo = event.value == "demo"
        if demo != self.plink.demo:
            self.plink.reconnect(demo=demo)

    @work(exclusive=True, group="runs", exit_on_error=False, thread=True)
    def load_runs(self) -> None:
        """Read the run journals (files only; no Azure call)."""
        import json

        from plinktui.cloud import run_cloud
        from plinktui.journal import Journal
        from plinktui.settings import runs_dir

        runs = Journal.list_runs()
        for r in runs:
            try:  # read only (opening a journal would tidy files a running apply may be writing)
                r["cloud"] = run_cloud(json.loads((runs_dir() / f"{r['run_id']}.json").read_text()).get("target"))
            except (OSError, ValueError, AttributeError):
                r["cloud"] = "?"
        self.app.call_from_thread(self._show_runs, runs)

    def _show_runs(self, all_runs: list[dict[str, Any]]) -> None:
        from plinktui.cloud import describe_cloud

        # Runs of another cloud are listed apart and never acted on from here (their resources are elsewhere).
        here = self.plink.cloud()
        runs = [r for r in all_runs if r.get("cloud") == here]
        others: dict[str, int] = {}
        for r in all_runs:
            if r.get("cloud") != here:
                others[r.get("cloud") or "?"] = others.get(r.get("cloud") or "?", 0) + 1
        note = self.query_one("#other-runs", Static)
        # cloud names come from journals (files): shown literally
        note.update(safe.text("; ".join(f"{n} run{'s' * (n != 1)} on {describe_cloud(c)}" for c, n in others.items())
                              + " (switch the cloud above to resume or tear them down)" if others else ""))
        note.display = bool(others)
        table = self.query_one("#runs", DataTable)
        table.clear()
        for r in reversed(runs[-20:]):
            # journals are files: their fields are shown literally
            table.add_row(*safe.row((r.get("run_id") or "", r.get("plan") or "", r.get("state") or "",
                                     (r.get("started") or "")[:19])), key=r.get("run_id"))
        has = bool(runs)
        for wid in ("#runs", "#runs-label", "#resume", "#teardown"):
            self.query_one(wid).display = has
        self._has_runs = has
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``m``/``t`` only when there is a run to resume or tear down."""
        if action in ("resume", "teardown"):
            return self._has_runs
        if action == "back":
            return False  # the first screen: ctrl+q is the way out
        return True

    def command_available(self, action: str) -> bool:
        if action == "audit":
            return self.plink.gw is not None
        return super().command_available(action)

    def _selected_run(self) -> str | None:
        table = self.query_one("#runs", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def action_start(self) -> None:
        """Start the guided setup."""
        self.action_next()

    def action_audit(self) -> None:
        """Open the audit pane on this subscription directly."""
        if self.plink.gw is None:
            self.notify("still connecting to the cloud…", severity="warning")
            return
        if not self.plink.gw.target.subscription_id:
            # Real Azure without --subscription or an az CLI default: sign in and pick one, then the audit opens.
            from screens.signin import SignInScreen

            self.app.push_screen(SignInScreen(then="audit"))
            return
        from screens.audit import AuditScreen

        self.app.push_screen(AuditScreen())

    def action_resume(self) -> None:
        """Resume the selected run in the provisioning pane."""
        run_id = self._selected_run()
        if run_id and self.plink.gw is not None:
            from screens.provision import ProvisionScreen

            self.app.push_screen(ProvisionScreen(resume_run=run_id))

    def action_teardown(self, from_key: bool = True) -> None:
        """Tear down the selected run (after confirming); the key acts only on a row the user has focused."""
        table = self.query_one("#runs", DataTable)
        if from_key and not table.has_focus:
            table.focus()
            self.notify("Choose the run to tear down (↑/↓), then press t again.")
            return
        run_id = self._selected_run()
        if run_id:
            self.plink.confirm_teardown(run_id, after=self.load_runs)

    @on(OptionList.OptionSelected, "#actions")
    def _action(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == "audit":
            self.action_audit()
        else:
            self.action_start()

    @on(Button.Pressed, "#resume")
    def _resume(self) -> None:
        self.action_resume()

    @on(Button.Pressed, "#teardown")
    def _teardown(self) -> None:
        self.action_teardown(from_key=False)

    def autopilot_ready(self) -> bool:
        return self.plink.gw is not None

    def commands(self) -> list[tuple[str, str, str]]:
        return [("Start setup", "Guided private endpoint setup", "next"),
                ("Audit subscription", "Open the audit pane directly", "audit"),
                ("Resume run", "Resume the selected run", "resume"),
                ("Tear down run", "Delete what the selected run created", "teardown")]

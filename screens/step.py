"""The base of every wizard screen: a form on the left, the explanation on the right, Back/Next at the bottom.

Next is enabled only while every visible field passes its core validator and the screen's own checks
(:meth:`WizardStep.extra_problem`); the reason it is disabled is shown next to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Static

from screens import concepts, safe
from screens.modals import ReportsWorkerErrors
from screens.widgets.field import ValidatedField
from screens.widgets.panel import ExplainPanel, StepHeader

if TYPE_CHECKING:
    from screens.app import PlinkApp
    from screens.state import WizardState


class WizardStep(ReportsWorkerErrors, Screen[None]):
    """One step of the setup wizard."""

    STEP = "welcome"
    HEADING = ""
    FIRST_FOCUS: str | None = None
    """Where focus lands when the step opens (the control the user acts on first)."""
    BINDINGS = [
        Binding("escape", "back", "Back", id="wizard.back"),
        Binding("ctrl+n", "next", "Next", id="wizard.next"),
    ]

    def compose(self) -> ComposeResult:
        yield StepHeader(self.STEP)
        with Horizontal(id="body"):
            with VerticalScroll(id="form"):
                yield Static(self.HEADING, classes="heading")
                yield from self.compose_form()
            yield ExplainPanel(concepts.SCREEN_HELP.get(self.STEP, ""))
        with Horizontal(id="nav"):
            yield Button("← Back", id="back")
            yield Static("", id="why-disabled")
            yield Button("Next →", id="next", variant="primary")
        yield Footer()

    def compose_form(self) -> ComposeResult:
        """The screen's fields."""
        yield from ()

    # ------------------------------------------------------------------ state
    @property
    def plink(self) -> PlinkApp:
        """The app, typed."""
        return cast("PlinkApp", self.app)

    @property
    def state(self) -> WizardState:
        """The wizard's answers."""
        return self.plink.state

    def on_mount(self) -> None:
        self.call_after_refresh(self.revalidate)
        if self.FIRST_FOCUS:
            self.call_after_refresh(self._first_focus)

    def _first_focus(self) -> None:
        try:
            widget = self.query_one(self.FIRST_FOCUS or "")
        except Exception:  # noqa: BLE001 - not composed (the app is quitting)
            return
        if widget.focusable:
            widget.focus()

    def fields(self) -> list[ValidatedField]:
        """Visible validated fields."""
        return [f for f in self.query(ValidatedField) if f.display and all(a.display for a in f.ancestors
                                                                           if hasattr(a, "display"))]

    def extra_problem(self) -> str:
        """A screen-level reason Next must stay disabled ("" when none)."""
        return ""

    def problem(self) -> str:
        """Why Next is disabled, or ""."""
        for f in self.fields():
            if not f.valid:
                return f"{f.label.split(' (')[0]}: {f.error or 'not valid'}"
        return self.extra_problem()

    def revalidate(self) -> None:
        """Enable Next only when everything passes."""
        try:
            nxt = self.query_one("#next", Button)
            why = self.query_one("#why-disabled", Static)
        except Exception:  # noqa: BLE001 - not composed yet
            return
        problem = self.problem()
        nxt.disabled = bool(problem)
        why.update(safe.text(problem))

    @on(ValidatedField.Updated)
    def _field_updated(self) -> None:
        self.revalidate()

    # ------------------------------------------------------------------ navigation
    def save(self) -> None:
        """Write the answers into the wizard state."""

    def next_screen(self) -> Screen[Any] | None:
        """The screen that follows: the app owns the step order, so a step never imports the next one."""
        return self.plink.next_step(self)

    def action_next(self) -> None:
        """Save and go on, when valid."""
        self.revalidate()
        if self.query_one("#next", Button).disabled:
            safe.notify(self, self.problem() or "not ready", severity="warning")
            return
        self.save()
        nxt = self.next_screen()
        if nxt is not None:
            self.app.push_screen(nxt)

    def action_back(self) -> None:
        """Go to the previous screen."""
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        self.action_next()

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.action_back()

    # ------------------------------------------------------------------ presenter autopilot
    def autopilot_ready(self) -> bool:
        """True when the screen is composed and mounted and its workers finished: it can be filled in.

        A timer beat can land between ``push_screen`` and the new screen's compose (a loaded machine makes that gap
        wide); filling then would query widgets that do not exist yet and pause the autopilot.
        """
        return self.is_mounted and not any(w.node is self and w.is_running for w in self.app.workers)

    def autopilot_fill(self) -> None:
        """Put the story's default answers in the form."""

    def command_available(self, action: str) -> bool:
        """Palette: Next only while it is enabled, Back only where there is a step to go back to."""
        if action == "next":
            try:
                return not self.query_one("#next", Button).disabled
            except Exception:  # noqa: BLE001 - not composed yet
                return False
        if action == "back":
            return len(self.app.screen_stack) > 2
        return self.check_action(action, ()) is True

    def commands(self) -> list[tuple[str, str, str]]:
        """Screen-aware palette commands: (title, help, action)."""
        return [("Next step", "Go to the next wizard step", "next"), ("Back", "Previous step", "back")]

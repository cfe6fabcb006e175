"""Modal screens: the billable/destructive confirmation (``ModalScreen[bool]``) and the readable error."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from screens import safe


class ConfirmModal(ModalScreen[bool]):
    """Ask before anything that costs money or deletes: ``y`` confirms, ``n``/``esc`` declines."""

    DEFAULT_CSS = """
    ConfirmModal { align: center middle; }
    ConfirmModal > Vertical { width: 70; height: auto; border: thick $warning; background: $surface; padding: 1 2; }
    ConfirmModal .title { text-style: bold; margin-bottom: 1; }
    ConfirmModal Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    ConfirmModal Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
        Binding("escape", "answer(False)", "Cancel", id="confirm.cancel"),
    ]

    def __init__(self, title: str, body: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.title_text, self.body, self.yes, self.no = title, body, yes, no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(safe.text(self.title_text), classes="title")
            yield Static(safe.lines(self.body))  # names and ids in the question are shown literally
            with Horizontal():
                yield Button(f"{self.no} (n)", id="no")
                yield Button(f"{self.yes} (y)", id="yes", variant="warning")

    def action_answer(self, value: bool) -> None:
        """Close with the answer."""
        self.dismiss(value)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class ErrorModal(ModalScreen[None]):
    """A worker's error in plain words, with the fix when known; never a traceback."""

    DEFAULT_CSS = """
    ErrorModal { align: center middle; }
    ErrorModal > Vertical { width: 80; height: auto; border: thick $error; background: $surface; padding: 1 2; }
    ErrorModal .title { text-style: bold; color: $error; margin-bottom: 1; }
    ErrorModal Button { margin-top: 1; }
    """
    BINDINGS = [Binding("escape,enter", "close", "Close", id="error.close")]

    def __init__(self, title: str, message: str, fix: str | None = None) -> None:
        super().__init__()
        self.title_text, self.message, self.fix = title, message, fix

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(safe.text(self.title_text), classes="title")
            yield Static(safe.lines(self.message))  # an error quotes what Azure or an SSH server said
            if self.fix:
                yield Static(safe.lines(f"Fix: {self.fix}"))
            yield Button("Close (esc)", id="close", variant="primary")

    def action_close(self) -> None:
        """Dismiss."""
        self.dismiss(None)

    @on(Button.Pressed)
    def _pressed(self) -> None:
        self.dismiss(None)


def describe_error(exc: BaseException) -> tuple[str, str | None]:
    """One readable sentence and a fix for any exception a worker raised (Azure errors are classified)."""
    from plinktui.cloud import TargetError
    from plinktui.signin import SignInError, sign_in_problem

    problem = sign_in_problem(exc)
    error = SignInError(*problem) if problem is not None else exc
    if isinstance(error, SignInError):  # what happened, and the fix apart
        return error.sentence, error.fix
    if isinstance(exc, TargetError):  # one line that already says what to change
        return str(exc), None
    from plinktui.engine import classify

    _cls, message, fix = classify(exc)
    return message, fix


class ReportsWorkerErrors:
    """Mixin for screens: a worker that ends in ERROR opens an :class:`ErrorModal` (the one place errors surface)."""

    def on_worker_state_changed(self, event: object) -> None:
        from textual.worker import WorkerState

        worker = getattr(event, "worker", None)
        if getattr(event, "state", None) == WorkerState.ERROR and worker is not None:
            app = getattr(self, "app")  # noqa: B009 - mixin: the screen provides it
            app.show_worker_error(worker)

"""Presenter autopilot: plays the demo story with the default answers, pausing at each step.

Each tick (about 1.5 s) the controller looks at the current screen: once the screen's workers have finished it
fills in the story's answers; on the next tick it presses Next. ``space`` does the next beat at once, ``a`` toggles
auto-advance. Confirmation modals are answered "yes" (the demo cloud costs nothing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from screens import safe

if TYPE_CHECKING:
    from screens.app import PlinkApp


class Autopilot:
    """Drives the wizard from a timer."""

    def __init__(self, app: PlinkApp, step_seconds: float = 1.5, auto: bool = True) -> None:
        self.app = app
        self.step_seconds = step_seconds
        self.auto = auto
        self.filled: set[int] = set()
        self.finished = False

    def start(self) -> None:
        """Begin ticking."""
        self.app.set_interval(self.step_seconds, self.tick, name="autopilot")

    def tick(self) -> None:
        """One timer beat: advance only when auto-advance is on."""
        if self.auto and not self.finished:
            self.beat()

    def beat(self) -> None:
        """Do the next thing for the current screen (fill, then Next); a hiccup pauses, never crashes."""
        try:
            self._beat()
        except Exception as exc:  # noqa: BLE001 - the presenter takes over by hand; the UI stays up
            self.auto = False
            safe.notify(self.app, f"autopilot paused: {type(exc).__name__}: {exc}; continue by hand",
                        severity="warning")

    def _beat(self) -> None:
        from screens.audit import AuditScreen
        from screens.modals import ConfirmModal
        from screens.step import WizardStep

        screen = self.app.screen
        if isinstance(screen, ConfirmModal):
            screen.dismiss(True)
            return
        if isinstance(screen, AuditScreen):
            if screen.result is not None:
                self.finished = True
            return
        if not isinstance(screen, WizardStep):
            return  # provisioning: it moves on by itself
        if not screen.autopilot_ready():
            return
        if id(screen) not in self.filled:
            screen.autopilot_fill()
            screen.revalidate()
            self.filled.add(id(screen))
            return
        if not screen.problem():
            screen.action_next()

    def toggle(self) -> bool:
        """Flip auto-advance; returns the new state."""
        self.auto = not self.auto
        return self.auto

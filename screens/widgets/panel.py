"""The side panel that explains the concept chosen on each screen, and the wizard's step header."""

from __future__ import annotations

from rich.markdown import Markdown
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

STEPS = (("welcome", "Start"), ("signin", "Sign-in"), ("scenario", "Scenario"), ("network", "Network"),
         ("vault", "Vault"), ("dns", "DNS"), ("testvm", "Test VM"), ("review", "Review"),
         ("provision", "Provision"), ("audit", "Audit"))


class ExplainPanel(VerticalScroll):
    """Plain-words explanation of the concepts on this screen."""

    DEFAULT_CSS = """
    ExplainPanel { width: 46; border-left: tall $primary 40%; padding: 0 1; background: $boost; }
    ExplainPanel > Static { margin: 0; padding: 0; }
    """

    def __init__(self, text: str, **kwargs: object) -> None:
        super().__init__(id="explain", **kwargs)  # type: ignore[arg-type]
        self.text = text

    def compose(self) -> ComposeResult:
        # One Static with Rich's Markdown: a Textual Markdown widget makes a widget per block, and styling
        # those dominated the time to switch screens.
        yield Static(Markdown(self.text), id="explain-text")


class StepHeader(Static):
    """A breadcrumb of the wizard's steps with the current one highlighted."""

    DEFAULT_CSS = """
    StepHeader { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    """

    def __init__(self, current: str) -> None:
        super().__init__(id="steps")
        self.current = current

    def render(self) -> str:
        full = "plinktui ›" + "›".join(f"[b reverse] {label} [/]" if key == self.current else f" {label} "
                                       for key, label in STEPS)
        width = self.content_size.width or self.app.size.width
        if len("plinktui ›" + "›".join(f" {label} " for _key, label in STEPS)) <= width:
            return full
        # Narrow terminal: the step's number and name instead of a breadcrumb cut mid-word.
        index = next((i for i, (key, _label) in enumerate(STEPS) if key == self.current), 0)
        return f"plinktui › step {index + 1} of {len(STEPS)}: [b reverse] {STEPS[index][1]} [/]"

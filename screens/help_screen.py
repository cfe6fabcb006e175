"""Context help (``?``/F1): the current screen's explanation plus the key bindings that apply there."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

GLOBAL_KEYS = """\
| key | does |
|---|---|
| `?` / `F1` | this help |
| `ctrl+p` | command palette (screen-aware) |
| `esc` | back / close |
| `ctrl+n` | next step |
| `f2` | side panel on / off (collapsed below 100 columns) |
| `s` `u` | welcome: start a setup / audit this subscription |
| `m` `t` | welcome: resume / tear down the chosen run (only when there are runs) |
| `p` `w` | review: provision (asks first) / save the plan to the plans folder |
| `x` | review: export the plan as an ARM template (deployable; `az bicep decompile` makes Bicep) |
| `r` `l` `t` | provision, after a failure: retry / resume later / tear down |
| `y` `n` | confirmations: yes / no |
| `c` | audit: copy the highlighted finding's az command |
| `j` `k` `g` `G` | move in tables |
| `ctrl+d` `ctrl+u` | page down / up in tables |
| `enter` | close an error message |
| `q` | close this help |
| `/` | filter the audit tables |
| `r` | re-run the audit and probes |
| `e` | export the audit (JSON, Markdown, SARIF, SVG) |
| `f` | hub-and-spoke story: apply the fix |
| `ctrl+t` | light / dark theme |
| `space` / `a` | autopilot: continue / toggle auto-advance |
| `R` | demo: reset the demo cloud (teardown + purge) |
| `f` `r` | hub-and-spoke demo: apply the fix / re-audit |
| `ctrl+q` | quit |
"""


class HelpScreen(ModalScreen[None]):
    """Help for the screen underneath."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90; height: 80%; border: thick $primary; background: $surface;
                                  padding: 0 1; }
    """
    BINDINGS = [Binding("escape,question_mark,f1,q", "close", "Close help", id="help.close")]

    def __init__(self, screen_help: str) -> None:
        super().__init__()
        self.screen_help = screen_help

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(self.screen_help + "\n\n## Keys\n" + GLOBAL_KEYS)

    def action_close(self) -> None:
        """Close."""
        self.dismiss(None)

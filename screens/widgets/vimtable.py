"""A DataTable with the vim keys auditors expect (j/k/g/G, ctrl+d/ctrl+u)."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable


class VimTable(DataTable[str]):
    """DataTable + j/k/g/G navigation."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("g", "scroll_top", "Top", show=False, id="table.top"),
        Binding("G", "scroll_bottom", "Bottom", show=False, id="table.bottom"),
        Binding("ctrl+d", "page_down", "Page down", show=False, id="table.pagedown"),
        Binding("ctrl+u", "page_up", "Page up", show=False, id="table.pageup"),
    ]

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def action_scroll_top(self) -> None:
        """First row."""
        self.move_cursor(row=0)

    def action_scroll_bottom(self) -> None:
        """Last row."""
        self.move_cursor(row=max(0, self.row_count - 1))

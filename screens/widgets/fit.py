"""Terminal-size handling: the "make the terminal larger" view, and the app classes that adapt the layout.

The app carries ``-narrow`` below :data:`NARROW_WIDTH` columns (the side panel collapses; ``f2`` brings it back) and
``-too-small`` below :data:`MIN_WIDTH` × :data:`MIN_HEIGHT` (every screen's widgets are hidden and
:class:`TooSmall` says what size is needed). Hidden widgets are not laid out, so no widget is ever asked to render
into zero columns (that is what crashed Rich's line wrapping at 52 columns and fewer).
"""

from __future__ import annotations

from textual.widgets import Static

from screens import safe

NARROW_WIDTH = 100
"""Below this many columns the explanation panel collapses and tables keep the most important columns first."""
MIN_WIDTH = 60
MIN_HEIGHT = 20
"""The smallest terminal the screens are laid out for; below it the app shows :class:`TooSmall` instead."""


def size_classes(width: int, height: int) -> dict[str, bool]:
    """The app's size classes for a terminal of ``width`` × ``height``."""
    return {"-narrow": width < NARROW_WIDTH, "-too-small": width < MIN_WIDTH or height < MIN_HEIGHT}


def too_small_text(width: int, height: int) -> str:
    """What the user should do, with the sizes."""
    return (f"plinktui needs a terminal of at least {MIN_WIDTH}×{MIN_HEIGHT}; this one is {width}×{height}. "
            "Make the window larger (or the font smaller) and the screen comes back. ctrl+q quits.")


class TooSmall(Static):
    """Shown instead of a screen's widgets while the terminal is below the minimum size (one per screen)."""

    DEFAULT_CSS = """
    TooSmall { display: none; width: 1fr; height: 1fr; content-align: center middle; padding: 0 1;
               text-style: bold; }
    """

    def __init__(self) -> None:
        super().__init__("", markup=False, classes="too-small")

    def on_mount(self) -> None:
        self.refresh_size()

    def refresh_size(self) -> None:
        """Say the current size."""
        width, height = self.app.size
        self.update(safe.text(too_small_text(width, height)))

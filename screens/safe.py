"""Untrusted text for Textual: ``rich.text.Text`` built from :func:`plinktui.untrusted.visible`, never markup.

A ``str`` handed to a Textual widget is parsed as markup (``Static``/``Label`` with ``markup=True``, ``Tree`` labels,
``DataTable`` cells, ``notify``): a tag value ``[@click=app.quit]`` becomes an action, ``[black on black]`` hides
text, ``[/x]`` raises ``MarkupError``. And Rich keeps ESC, so ``ESC ] 52 ; … ESC \\`` would reach the terminal. Every
value that came from a subscription, a VM, a journal or an exception therefore goes to a widget as :func:`text`
(one line) or :func:`lines` (a body that keeps its newlines), and notifications through :func:`notify`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text

from plinktui.untrusted import visible, visible_lines


def text(value: object, style: str = "") -> Text:
    """One line of untrusted text as plain ``Text`` (controls shown as ``\\x1b``, brackets shown as typed)."""
    if isinstance(value, Text):
        return value if value.plain == visible(value.plain) else Text(visible(value.plain), style=value.style)
    return Text(visible(value), style=style)


def lines(value: object, style: str = "") -> Text:
    """Untrusted multi-line text (newlines kept, every other control shown) as plain ``Text``."""
    return Text(visible_lines(value.plain if isinstance(value, Text) else value), style=style)


def row(cells: Iterable[object]) -> tuple[Text, ...]:
    """A table row of untrusted cells; cells already built as ``Text`` keep their style."""
    return tuple(text(c) for c in cells)


def notify(target: Any, message: object, **kwargs: Any) -> None:
    """``target.notify`` (an App, Screen or Widget) with the message shown literally, never parsed as markup."""
    if "title" in kwargs:
        kwargs["title"] = visible(kwargs["title"])
    target.notify(visible_lines(message), markup=False, **kwargs)


def join_lines(items: Iterable[object], style: str = "") -> Text:
    """Several untrusted lines, each through :func:`text` (so none can add lines of its own), one per line."""
    return Text("\n", style=style).join(text(i) for i in items)

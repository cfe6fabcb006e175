"""Command palette provider: the current screen's commands plus the app's."""

from __future__ import annotations

from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider


class ScreenCommands(Provider):
    """Commands from ``screen.commands()`` (title, help, action) and the app's global ones."""

    def _commands(self) -> list[tuple[str, str, Any]]:
        target = self.screen  # Textual hands providers the screen the palette was opened from
        app: Any = self.app
        out: list[tuple[str, str, Any]] = []
        getter = getattr(target, "commands", None)
        if callable(getter):
            for title, help_text, action in getter():
                if can_run(target, action):
                    out.append((title, help_text, partial(target.run_action, action)))
        for title, help_text, action in app.global_commands():
            if can_run(app, action):
                out.append((title, help_text, partial(app.run_action, action)))
        return out

    async def discover(self) -> Hits:
        for title, help_text, cb in self._commands():
            yield DiscoveryHit(title, cb, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, cb in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), cb, help=help_text)


def can_run(node: Any, action: str) -> bool:
    """Whether the palette may offer ``action`` now: the node's ``command_available`` if it has one, else its
    ``check_action`` (False hides a key binding, None dims it: either way the palette leaves it out)."""
    available = getattr(node, "command_available", None)
    if callable(available):
        return bool(available(action))
    return node.check_action(action, ()) is True

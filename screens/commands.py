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
                out.append((title, help_text, partial(target.run_action, action)))
        for title, help_text, action in app.global_commands():
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

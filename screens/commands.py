"""Command palette provider: the current screen's commands plus the app's."""

from __future__ import annotations

from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider


class ScreenCommands(Provider):
    """Commands from ``screen.commands()`` (title, help, action) and the app's global ones."""

    def _commands(self) -> list[tuple[str, str, Any]]:
        screen = self.screen
        app: Any = self.app
        out: list[tuple[str, str, Any]] = []
        # the palette is itself a screen: the one below it is the one the user is looking at
        target = app.screen_stack[-2] if len(app.screen_stack) > 1 and screen is app.screen_stack[-1] else screen
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

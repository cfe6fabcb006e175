"""Case-insensitive ARM routing: ``/subscriptions/{sub}/resourceGroups/{rg}/...`` templates to handlers.

ARM treats path literals case-insensitively (``resourcegroups`` and ``resourceGroups``, ``/ALL`` and ``/aLL``); names
keep the case the caller sent. Routes are indexed by segment count so a lookup scans only same-length templates.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

Handler = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Route:
    """One template: literal segments (lower-cased) and ``{name}`` captures."""

    method: str
    segments: tuple[str, ...]
    handler: Handler
    template: str

    def match(self, parts: list[str], lowered: list[str]) -> dict[str, str] | None:
        params: dict[str, str] = {}
        for seg, part, low in zip(self.segments, parts, lowered, strict=True):
            if seg[0] == "{":
                params[seg[1:-1]] = part
            elif seg != low:
                return None
        return params


class Router:
    """Templates grouped by length; ``resolve`` tells a missing route from a wrong method."""

    def __init__(self) -> None:
        self._by_len: dict[int, list[Route]] = {}

    def add(self, method: str, template: str, handler: Handler) -> None:
        """Register ``handler`` for ``method`` on ``template`` (``{x}`` segments capture)."""
        segs = tuple(s if s.startswith("{") else s.lower() for s in template.strip("/").split("/"))
        self._by_len.setdefault(len(segs), []).append(Route(method.upper(), segs, handler, template))

    def resolve(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """Find the route: (route, params, path_known). path_known without a route means a wrong method."""
        parts = [p for p in path.strip("/").split("/") if p != ""]
        lowered = [p.lower() for p in parts]
        known = False
        best: tuple[Route, dict[str, str]] | None = None
        for route in self._by_len.get(len(parts), []):
            params = route.match(parts, lowered)
            if params is None:
                continue
            known = True
            if route.method == method.upper():
                # Prefer the template with the most literal segments (specific beats generic).
                if best is None or _literals(route) > _literals(best[0]):
                    best = (route, params)
        if best:
            return best[0], best[1], True
        return None, {}, known


def _literals(route: Route) -> int:
    return sum(1 for s in route.segments if not s.startswith("{"))

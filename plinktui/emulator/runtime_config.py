"""What ``POST /_emulator/config`` (and the matching ``emulator serve`` flags) may change, with types and ranges.

The control endpoint has no authentication (it is on loopback), so it checks every value as strictly as ARM checks a
request body: JSON ``true``/``false`` only for a switch (the string ``"false"`` is not false), numbers within a
range (a page size of 0 would make clients page for ever), no unknown keys. A body with any bad value changes
nothing. A new setting is one line in :data:`SETTINGS` plus its field on ``EmulatorConfig``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    """A changeable setting: its JSON type (``bool``, ``int`` or ``float``) and, for numbers, the allowed range."""

    kind: type
    low: float | None = None
    high: float | None = None

    def check(self, name: str, value: Any) -> Any:
        """``value`` converted to :attr:`kind`, or ``ValueError`` saying what is allowed."""
        if self.kind is bool:
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be true or false (a JSON boolean), not {value!r}"[:200])
            return value
        number_ok = isinstance(value, int) if self.kind is int else isinstance(value, int | float)
        if isinstance(value, bool) or not number_ok or (isinstance(value, float) and not math.isfinite(value)):
            what = "an integer" if self.kind is int else "a number"
            raise ValueError(f"{name} must be {what} from {self._range()}, not {value!r}"[:200])
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            raise ValueError(f"{name} must be from {self._range()}, not {value!r}"[:200])
        return self.kind(value)

    def _range(self) -> str:
        def fmt(x: float | None) -> str:
            return "" if x is None else (f"{x:g}" if self.kind is float else str(int(x)))

        return f"{fmt(self.low)} to {fmt(self.high)}"


SETTINGS: dict[str, Setting] = {
    "latency_scale": Setting(float, 0, 1000),  # x the LRO latency profile; 1000 turns a 60 s PE into 17 hours
    "request_latency_ms": Setting(float, 0, 60_000),  # an added round trip on every request
    "page_size": Setting(int, 1, 10_000),  # items per list page: 0 would make clients page for ever
    "reader_only": Setting(bool),  # the caller has Reader rights (writes answer 403)
    "throttle": Setting(bool),  # ARM token buckets and the Resource Graph quota (docs/tenant-scale.md)
}
"""Everything ``POST /_emulator/config`` may set: key -> type and range."""


def check_config(data: Any) -> dict[str, Any]:
    """Validate a whole config body; returns the converted values, or raises ``ValueError`` listing every problem."""
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object, e.g. {\"page_size\": 50}")
    problems = [f"unknown setting {str(k)[:60]!r} (known: {', '.join(SETTINGS)})" for k in data if k not in SETTINGS]
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in SETTINGS:
            try:
                values[key] = SETTINGS[key].check(key, value)
            except ValueError as exc:
                problems.append(str(exc))
    if problems:
        raise ValueError("; ".join(problems))
    return values

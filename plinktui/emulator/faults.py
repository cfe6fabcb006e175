"""Injectable faults, replayable from a seed.

A rule names a fault, where it applies (method, a path substring) and how often (a probability, and optionally a
count). Rules are set with ``--fault SPEC`` (repeatable) or ``POST /_emulator/faults``.

Faults:
    throttle        429 TooManyRequests with ``Retry-After`` (``retry_after`` may be an integer, an HTTP date, or huge)
    unavailable     503 ServiceUnavailable, no Retry-After header
    server_error    500 InternalServerError
    another_op      409 AnotherOperationInProgress
    reset           the connection is dropped before the request is handled
    reset_after     the request is handled, then the connection is dropped before the answer
    poll_error      500 on an operation status poll
    lro_failed      the LRO ends Failed (on a Key Vault PATCH of a Failed vault: the repair does not take)
    lro_canceled    the LRO ends Canceled (likewise)
    lro_stuck       the LRO never finishes
    registering     provider registration reads "Registering"
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any

PHASES = {
    "throttle": "request", "unavailable": "request", "server_error": "request", "another_op": "request",
    "reset": "request", "reset_after": "response", "poll_error": "poll", "lro_failed": "lro",
    "lro_canceled": "lro", "lro_stuck": "lro", "registering": "provider",
}


@dataclass
class FaultRule:
    """One fault and where it strikes."""

    fault: str
    method: str | None = None
    path: str | None = None
    probability: float = 1.0
    count: int | None = None
    retry_after: str | None = None

    def __post_init__(self) -> None:
        if self.fault not in PHASES:
            raise ValueError(f"unknown fault {self.fault!r}; choose from {', '.join(sorted(PHASES))}")
        if not 0.0 <= float(self.probability) <= 1.0:
            raise ValueError("probability must be between 0 and 1")

    @classmethod
    def parse(cls, spec: str) -> FaultRule:
        """``throttle:p=0.2,method=PUT,path=virtualNetworks,retry_after=2,count=3``."""
        name, _, rest = spec.partition(":")
        kwargs: dict[str, Any] = {}
        for item in filter(None, rest.split(",")):
            key, _, value = item.partition("=")
            key = {"p": "probability"}.get(key.strip(), key.strip())
            if key == "probability":
                kwargs[key] = float(value)
            elif key == "count":
                kwargs[key] = int(value)
            elif key in ("method", "path", "retry_after"):
                kwargs[key] = value
            else:
                raise ValueError(f"unknown fault option {key!r} in {spec!r}")
        return cls(fault=name.strip(), **kwargs)


class Faults:
    """The active rules and the seeded random source that decides when they strike."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.rules: list[FaultRule] = []
        self.fired: dict[str, int] = {}

    def set(self, rules: list[FaultRule], seed: int | None = None) -> None:
        """Replace the rules (and reseed, so a schedule replays exactly)."""
        self.rules = list(rules)
        if seed is not None:
            self.seed = seed
        self.rng = random.Random(self.seed)

    def pick(self, phase: str, method: str, path: str) -> FaultRule | None:
        """The rule that strikes this request in this phase, if any."""
        low = path.lower()
        for rule in self.rules:
            if PHASES[rule.fault] != phase:
                continue
            if rule.method and rule.method.upper() != method.upper():
                continue
            if rule.path and rule.path.lower() not in low:
                continue
            if rule.count is not None and rule.count <= 0:
                continue
            if rule.probability < 1.0 and self.rng.random() >= rule.probability:
                continue
            if rule.count is not None:
                rule.count -= 1
            self.fired[rule.fault] = self.fired.get(rule.fault, 0) + 1
            return rule
        return None

    def describe(self) -> dict[str, Any]:
        """For the control endpoint."""
        return {"seed": self.seed, "rules": [asdict(r) for r in self.rules], "fired": dict(self.fired)}

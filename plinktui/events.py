"""The words a run speaks in: event kinds, error classes, the :class:`Event` record and :class:`NodeError`.

Every layer (walker, engine, kinds, teardown, the CLI and the TUI) uses these names, so a kind of event or a class
of error is spelled once. They are ``StrEnum`` members: each compares equal to (and serialises as) its plain string.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    """What happened to a node (or, with an empty key, to the run)."""

    QUEUED = "queued"
    RUNNING = "running"
    WAITING = "waiting"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    INFO = "info"


class ErrorClass(StrEnum):
    """How a failure is treated: retried, shown with a fix for the user, or reported as it is."""

    RETRYABLE = "retryable"
    USER = "user"
    FATAL = "fatal"


@dataclass
class Event:
    """One thing that happened to one node (or to the run when ``key`` is empty)."""

    kind: str
    key: str = ""
    rtype: str = ""
    name: str = ""
    id: str | None = None
    elapsed: float = 0.0
    message: str = ""
    error: str | None = None
    error_class: str | None = None  # an ErrorClass
    fix: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, without empty fields."""
        return {k: v for k, v in asdict(self).items() if v not in (None, "", {}) or k == "kind"}


Emit = Callable[[Event], Awaitable[None]]


async def no_emit(event: Event) -> None:
    """An :data:`Emit` that drops every event."""
    return None


class NodeError(Exception):
    """A node failed; carries the classification and the fix shown to the user."""

    def __init__(self, message: str, error_class: str = ErrorClass.FATAL, fix: str | None = None):
        super().__init__(message)
        self.error_class = ErrorClass(error_class)
        self.fix = fix

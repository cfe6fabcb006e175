"""Typed messages that workers post back to screens (results of Azure calls, engine events, audits)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


class TargetReady(Message):
    """The cloud target is resolved and a gateway is open."""

    def __init__(self, description: str) -> None:
        super().__init__()
        self.description = description


class EngineEvent(Message):
    """One provisioning-engine event (``plinktui.engine.Event``)."""

    def __init__(self, event: Any) -> None:
        super().__init__()
        self.event = event


@dataclass
class NameCheck:
    """Result of a live vault-name availability check."""

    name: str
    available: bool
    reason: str = ""


class VaultNameChecked(Message):
    """A vault-name availability check finished."""

    def __init__(self, result: NameCheck) -> None:
        super().__init__()
        self.result = result


class ProvisionFinished(Message):
    """The engine returned (``outcome`` is a ``RunOutcome``; ``cancelled`` when the user stopped it)."""

    def __init__(self, outcome: Any, run_id: str, cancelled: bool = False) -> None:
        super().__init__()
        self.outcome = outcome
        self.run_id = run_id
        self.cancelled = cancelled


class AuditFinished(Message):
    """An audit finished (``result`` is an ``audits.report.AuditResult``)."""

    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result

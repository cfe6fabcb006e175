"""Emulator provider: privatedns (being built)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator


def register(emu: Emulator) -> None:
    """Mount this provider's routes."""

"""Where plinktui keeps things, and the few settings read from the environment (prefix ``PLINKTUI_``).

XDG locations, so that a test or a demo can move everything by setting ``XDG_STATE_HOME``/``XDG_CONFIG_HOME``.
"""

from __future__ import annotations

import os
import pathlib
from dataclasses import dataclass

APP = "plinktui"


def _xdg(var: str, fallback: str) -> pathlib.Path:
    base = os.environ.get(var)
    root = pathlib.Path(base) if base else pathlib.Path.home() / fallback
    return root / APP


def state_dir() -> pathlib.Path:
    """Run journals, generated SSH keys, pinned host keys and the demo cloud's state (created 0700)."""
    d = pathlib.Path(os.environ["PLINKTUI_STATE_DIR"]) if os.environ.get("PLINKTUI_STATE_DIR") else _xdg(
        "XDG_STATE_HOME", ".local/state"
    )
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


def config_dir() -> pathlib.Path:
    """User configuration (themes, defaults)."""
    return _xdg("XDG_CONFIG_HOME", ".config")


def runs_dir() -> pathlib.Path:
    """One journal per provisioning run."""
    d = state_dir() / "runs"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


def demo_dir() -> pathlib.Path:
    """The embedded demo cloud: its state file, certificate and the demo SSH keys."""
    d = state_dir() / "demo"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


@dataclass(frozen=True)
class Settings:
    """Settings read once from the environment."""

    log_level: str = "WARNING"
    total_timeout: float = 600.0
    """Upper bound, in seconds, on any one ARM operation including its retries and LRO polling."""

    @classmethod
    def from_env(cls) -> Settings:
        """Read ``PLINKTUI_LOG_LEVEL`` and ``PLINKTUI_TOTAL_TIMEOUT``."""
        return cls(
            log_level=os.environ.get("PLINKTUI_LOG_LEVEL", "WARNING").upper(),
            total_timeout=float(os.environ.get("PLINKTUI_TOTAL_TIMEOUT", "600")),
        )


def plans_dir() -> pathlib.Path:
    """Where the TUI's `w` and ``setup --plain`` save plans by default (not the current directory)."""
    return config_dir() / "plans"

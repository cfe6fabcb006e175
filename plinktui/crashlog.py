"""Where an unexpected error's full traceback goes: a 0600 file under the state directory, never the terminal."""

from __future__ import annotations

import os
import time
import traceback
from pathlib import Path


def write_crash_log(error: BaseException | None = None, text: str | None = None) -> Path:
    """Write ``error``'s traceback (or ``text``) to ``<state dir>/logs/crash-<time>-<pid>.log``; return the path."""
    from plinktui.settings import state_dir

    if text is None:
        text = "".join(traceback.format_exception(error)) if error is not None else "unknown error"
    d = state_dir() / "logs"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = d / f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path

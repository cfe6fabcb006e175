"""Run ``plinktui`` and die with SIGKILL right after its Nth journal write: a deterministic crash point.

``python -m tests.crashpoint N ARGS...`` runs ``plinktui ARGS...``; after the Nth durable journal write (the rename
is done, nothing after it runs) the process kills itself with SIGKILL, exactly as ``kill -9`` would at that moment.
With N = 0 it only counts: at exit it prints ``journal-writes <count>`` on stderr, so a test learns how many
transitions a clean run makes.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from plinktui import journal


def main() -> int:
    crash_at = int(sys.argv[1])
    writes = 0
    write = journal.atomic_write

    def counted(*args: Any, **kwargs: Any) -> None:
        nonlocal writes
        write(*args, **kwargs)
        writes += 1
        if writes == crash_at:
            os.kill(os.getpid(), signal.SIGKILL)

    journal.atomic_write = counted  # type: ignore[assignment]
    from plinktui.cli import main as cli_main

    try:
        return cli_main(sys.argv[2:])
    finally:
        print(f"journal-writes {writes}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())

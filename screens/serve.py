"""``plinktui demo --serve``: the same app in a browser, for live demo sessions (textual-serve).

Each browser tab that connects starts its own ``plinktui demo`` process behind a websocket. The server listens on
loopback unless told otherwise: whoever reaches it drives the demo.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import shlex
import sys

DEFAULT_PORT = 8000


def demo_command(autopilot: bool = False) -> str:
    """The command each browser session runs (this interpreter, so the served app is the installed one)."""
    return shlex.join([sys.executable, "-m", "plinktui", "demo", *(["--autopilot"] if autopilot else [])])


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and 127.0.0.0/8 (or ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(host: str = "127.0.0.1", port: int = DEFAULT_PORT, autopilot: bool = False) -> int:
    """Serve the demo to browsers until interrupted; returns the exit code."""
    try:
        from textual_serve.server import Server
    except ImportError:
        print("plinktui: --serve needs textual-serve (pip install textual-serve)", file=sys.stderr)
        return 2

    class DemoServer(Server):
        def initialize_logging(self) -> None:
            # Plain one-line logs: textual-serve's default handler prints tracebacks with local variables.
            logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)

    if not is_loopback(host):
        print(f"plinktui: serving on {host}: anyone who can reach {host}:{port} drives the demo", file=sys.stderr)
    os.environ["PLINKTUI_FORCE_TUI"] = "1"  # the sessions' output is a pipe to the server, not a terminal
    DemoServer(demo_command(autopilot), host=host, port=port, title="plinktui demo").serve()
    return 0

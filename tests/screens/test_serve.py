"""``plinktui demo --serve``: a browser's websocket gets the real app (live demo sessions)."""

from __future__ import annotations

import asyncio
import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import time

import aiohttp

from screens.serve import demo_command, is_loopback

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _wait_listening(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited"
        try:
            _r, w = await asyncio.open_connection("127.0.0.1", port)
            w.close()
            return
        except OSError:
            await asyncio.sleep(0.2)
    raise AssertionError("the server did not listen")


def _start_server(tmp_path: pathlib.Path, port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"),
               XDG_CONFIG_HOME=str(tmp_path / "cfg"), PLINKTUI_DEMO_LATENCY_SCALE="0")
    return subprocess.Popen([sys.executable, "-m", "plinktui", "demo", "--serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


async def test_a_websocket_client_sees_the_welcome_screen(tmp_path) -> None:
    port = _free_port()
    proc = _start_server(tmp_path, port)
    try:
        await _wait_listening(port, proc)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/") as page:
                assert page.status == 200
                assert f"ws://127.0.0.1:{port}/ws" in await page.text()  # the page's websocket: loopback
            screen = ""
            async with http.ws_connect(f"http://127.0.0.1:{port}/ws?width=120&height=40") as ws:
                await ws.send_json(["resize", {"width": 120, "height": 40}])
                deadline = time.monotonic() + 90
                while time.monotonic() < deadline and "Audit the private endpoints" not in screen:
                    try:
                        msg = await ws.receive(timeout=5)
                    except TimeoutError:
                        continue
                    if msg.type == aiohttp.WSMsgType.BINARY:
                        screen += ANSI.sub("", msg.data.decode("utf-8", "replace"))
                    elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                        break
        assert "Set up a private endpoint for a Key Vault" in screen, screen[-2000:]
        assert "Audit the private endpoints of this subscription" in screen
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_the_served_command_and_the_loopback_default() -> None:
    assert demo_command().endswith("-m plinktui demo")
    assert demo_command(autopilot=True).endswith("demo --autopilot")
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1") and not is_loopback("example.org")
    from plinktui.cli import build_parser

    args = build_parser().parse_args(["demo", "--serve"])
    assert (args.serve, args.host, args.port) == (True, "127.0.0.1", 8000)

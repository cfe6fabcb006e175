"""The embedded demo cloud: the emulator running in a background thread of this process.

``plinktui demo`` and every command given ``--demo`` use it. Its state lives in the state directory
(``plinktui locate`` prints where), so a run set up in one command can be audited or torn down by the next. It runs on
its own event loop in a daemon thread, so a busy UI never delays an ARM answer and vice versa.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import os
import threading
from dataclasses import dataclass

from plinktui import settings

DEMO_LATENCY_SCALE = 0.15
"""A full walkthrough (VM 60 s, endpoint 60 s at scale 1) then takes well under a minute of waiting."""


@dataclass(frozen=True)
class DemoCloud:
    """Where the embedded emulator listens."""

    endpoint: str
    ca_cert: str
    subscription_id: str
    tenant_id: str
    demo_key: str
    """The demo SSH private key that the seeded jumpbox trusts (mode 0600)."""
    subscription_ids: tuple[str, ...] = ()
    """Every subscription of the demo tenant (the hub-spoke story has two)."""


CLOUD_FILE = "cloud.json"
"""In the demo directory while a demo cloud runs: its endpoint, CA file and identity endpoint, so other clients (the
Azure CLI) can sign in to the very cloud the TUI shows (0600: it holds the identity header)."""


def write_cloud_file(demo_dir: os.PathLike[str] | str, identity: dict[str, object]) -> None:
    """Write the running demo cloud's identity (without counters) atomically, readable by the user only."""
    import json
    import pathlib

    path = pathlib.Path(demo_dir) / CLOUD_FILE
    tmp = path.with_name(CLOUD_FILE + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({k: v for k, v in identity.items() if k != "stats"}, fh)
    os.replace(tmp, path)


STORIES = ("setup", "hub-spoke")
"""``plinktui demo --story``: the single-VNet setup walkthrough, or the hub-and-spoke landing zone audit."""

_lock = threading.Lock()
_futures: dict[str, concurrent.futures.Future[DemoCloud]] = {}


def _latency_scale() -> float:
    raw = os.environ.get("PLINKTUI_DEMO_LATENCY_SCALE")
    try:
        return float(raw) if raw else DEMO_LATENCY_SCALE
    except ValueError:
        return DEMO_LATENCY_SCALE


def _start(latency_scale: float, ready: concurrent.futures.Future[DemoCloud], story: str = "setup") -> None:
    from plinktui.emulator.hubspoke import seed_hubspoke
    from plinktui.emulator.seed import seed_demo
    from plinktui.emulator.server import Emulator, EmulatorConfig

    hub_spoke = story == "hub-spoke"
    demo_dir = settings.demo_dir() / "hub-spoke" if hub_spoke else settings.demo_dir()
    demo_dir.mkdir(parents=True, exist_ok=True)
    if hub_spoke:  # the story always starts from its broken landing zone
        (demo_dir / "state.json").unlink(missing_ok=True)

    def main() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        emu = Emulator(EmulatorConfig(latency_scale=latency_scale, subscriptions=2 if hub_spoke else 1),
                       state_path=demo_dir / "state.json", cert_dir=demo_dir)

        async def boot() -> DemoCloud:
            await emu.start()
            key = seed_hubspoke(emu, demo_dir) if hub_spoke else seed_demo(emu, demo_dir)
            emu.store.flush()
            write_cloud_file(demo_dir, emu.identity())
            return DemoCloud(emu.endpoint, emu.ca_cert, emu.config.subscription_id, emu.config.tenant_id, str(key),
                             tuple(emu.tenancy.ids))

        try:
            ready.set_result(loop.run_until_complete(boot()))
        except BaseException as exc:  # reported to the caller, which prints one line
            ready.set_exception(exc)
            return

        def stop() -> None:
            fut = asyncio.run_coroutine_threadsafe(emu.stop(), loop)
            try:
                fut.result(timeout=5)
            except Exception:
                pass

        atexit.register(stop)
        loop.run_forever()

    threading.Thread(target=main, name=f"plinktui-demo-cloud-{story}", daemon=True).start()


async def ensure_demo_cloud(latency_scale: float | None = None, story: str = "setup") -> DemoCloud:
    """Start the demo cloud of a story once per process (later calls, from any thread or loop, get the running one).

    The hub-spoke story's cloud (two subscriptions) keeps its state in ``<demo dir>/hub-spoke``, apart from the
    setup story's.
    """
    with _lock:
        fut = _futures.get(story)
        if fut is None:
            fut = _futures[story] = concurrent.futures.Future()
            _start(_latency_scale() if latency_scale is None else latency_scale, fut, story)
    return await asyncio.wait_for(asyncio.wrap_future(fut), timeout=60)

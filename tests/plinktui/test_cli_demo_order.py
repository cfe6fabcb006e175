"""The README's headless example and the presenter autopilot share one demo cloud, in either order.

Both put a Key Vault endpoint into the seeded workload VNet. Whichever runs second finds the
``privatelink.vaultcore.azure.net`` zone the first one linked to that VNet (in another resource group) and uses it:
no second zone, no refused second link, and both end with a proven private path. The headless run is the real CLI
(a subprocess on the demo cloud's state file); the autopilot runs in-process on the same state under Pilot.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

from plinktui import settings
from plinktui.emulator.embedded import DemoCloud
from plinktui.emulator.seed import seed_demo
from plinktui.emulator.server import Emulator, EmulatorConfig
from screens.app import PlinkApp
from screens.audit import AuditScreen
from screens.modals import ErrorModal
from tests.tui_helpers import wait_for

ROOT = pathlib.Path(__file__).resolve().parents[2]
ZONE = "privatelink.vaultcore.azure.net"


def _headless() -> dict:
    """``plinktui --demo setup --plan examples/plan-demo.toml --yes`` as the README shows it (JSON lines)."""
    env = {**os.environ, "PLINKTUI_DEMO_LATENCY_SCALE": "0"}
    r = subprocess.run([sys.executable, "-m", "plinktui", "--demo", "setup", "--plan",
                        str(ROOT / "examples" / "plan-demo.toml"), "--yes", "--json"], capture_output=True, text=True,
                       timeout=300, env=env, cwd=ROOT)
    lines = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    assert r.returncode == 0 and lines and lines[-1]["kind"] == "summary", (r.returncode, r.stdout[-2000:], r.stderr)
    summary = lines[-1]
    assert summary["state"] == "succeeded" and summary["failed"] == {}, summary
    assert summary["endpoint_ip"].startswith("10.") and summary["public_network_access"] == "Disabled", summary
    return {"summary": summary, "plan": next(x for x in lines if x["kind"] == "plan")}


async def _demo_cloud() -> tuple[Emulator, DemoCloud]:
    """The demo cloud exactly as ``plinktui demo`` boots it (same state file and seed), on this test's loop."""
    d = settings.demo_dir()
    emu = Emulator(EmulatorConfig(latency_scale=0), state_path=d / "state.json", cert_dir=d)
    await emu.start()
    key = seed_demo(emu, d)
    emu.store.flush()
    return emu, DemoCloud(emu.endpoint, emu.ca_cert, emu.config.subscription_id, emu.config.tenant_id, str(key))


async def _autopilot() -> tuple[str, list[str], list[str]]:
    emu, cloud = await _demo_cloud()
    try:
        app = PlinkApp({}, demo=True, autopilot=True, step_seconds=0.2, demo_cloud=cloud)
        async with app.run_test(size=(160, 50)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal) or (
                isinstance(app.screen, AuditScreen) and app.screen.result is not None) or (
                app.autopilot is not None and not app.autopilot.auto), timeout=180, what="the autopilot's audit pane")
            assert app.autopilot is not None and app.autopilot.auto, f"autopilot paused on {type(app.screen).__name__}"
            assert not isinstance(app.screen, ErrorModal), app.screen.message
            fqdn = f"{app.state.vault_name}.vault.azure.net"
            verdicts = [v.verdict for v in app.screen.result.probes if v.fqdn == fqdn]
            zones = [z.id async for z in app.gw.privatedns.private_zones.list() if z.name == ZONE]
        return fqdn, verdicts, zones
    finally:
        await emu.stop()


async def test_headless_example_then_autopilot() -> None:
    first = _headless()
    assert "creates it and links it" in first["plan"]["zone"]["reason"]
    fqdn, verdicts, zones = await _autopilot()
    assert verdicts and all(v == "pass" for v in verdicts), (fqdn, verdicts)
    assert zones == [first["plan"]["zone"]["id"]]  # the autopilot used the zone the headless run linked


async def test_autopilot_then_headless_example() -> None:
    fqdn, verdicts, zones = await _autopilot()
    assert verdicts and all(v == "pass" for v in verdicts), (fqdn, verdicts)
    second = _headless()
    assert second["plan"]["zone"]["id"] == zones[0] and second["plan"]["zone"]["existing_link"], second["plan"]
    assert "already linked to the VNet" in second["plan"]["zone"]["reason"]

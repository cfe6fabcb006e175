"""``plinktui demo --story hub-spoke --autopilot``: on a two-subscription landing zone seeded like the demo, the story
audits, shows the VNet x endpoint view with the broken spoke, applies the PL031 fix through the SDK and re-audits to a
passing probe from each spoke's own VM."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

from plinktui.emulator.embedded import DemoCloud
from plinktui.emulator.hubspoke import seed_hubspoke
from screens.app import PresenterApp
from screens.hubspoke import HubSpokeScreen, proven_vnets
from tests.tui_helpers import wait_for


async def test_hub_spoke_story_fixes_the_broken_spoke_and_proves_both(emu_factory, tmp_path) -> None:
    emu = await emu_factory(latency_scale=0, subscriptions=2)
    key = seed_hubspoke(emu, tmp_path / "demo")
    ids = emu.tenancy.ids
    cloud = DemoCloud(emu.endpoint, emu.ca_cert, ids[0], emu.config.tenant_id, str(key), tuple(ids))
    app = PresenterApp({}, demo=True, demo_cloud=cloud, story="hub-spoke", step_seconds=0.2)
    seen_broken: list[list[str]] = []
    seen_first: list[object] = []
    async with app.run_test(size=(150, 45)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, HubSpokeScreen), what="the hub-spoke screen")
        screen = app.screen

        def first_result() -> bool:
            if screen.result is not None and not seen_broken:
                seen_broken.append(proven_vnets(screen.result)[1])
                seen_first.append(screen.result)
            return bool(seen_broken)

        await wait_for(pilot, first_result, timeout=60, what="the first audit")
        first: Any = seen_first[0]
        pl022 = [f for f in first.findings if f.check_id == "PL022"]
        assert pl022 and all("vnet-spoke-b resolves through a hub resolver" in f.remediation.text for f in pl022)
        assert all(f.remediation.command.startswith("az network vnet peering list") for f in pl022)
        await wait_for(pilot, lambda: app.autopilot.finished, timeout=90, what="the story's end")
        status = str(screen.query_one("#hs-status", Static).render())
        findings = str(screen.query_one("#hs-findings", Static).render())
    assert seen_broken == [["vnet-spoke-b"]]
    assert screen.fixed and "2 of 2 spokes proven private" in status and "PL031" in status
    assert "vnet-spoke-a proven private from vm-spoke-a" in findings
    assert "vnet-spoke-b proven private from vm-spoke-b" in findings and "no errors" in findings
    proven, broken = proven_vnets(screen.result)
    assert proven == ["vnet-spoke-a", "vnet-spoke-b"] and broken == []

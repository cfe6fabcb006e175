"""Brownfield through the TUI: the retry button resumes the run, and a resumed run never adopts the foreign subnet.

The wizard names the demo cloud's existing ``snet-endpoints`` as a "new" subnet with its own prefix (the exact
scenario of the bug: preflight passed, apply refused, resume adopted, teardown deleted). The first attempt fails on
the endpoint (its operation fails three times), "r" retries (a resume), and teardown afterwards leaves the subnet in place.
"""

from __future__ import annotations

import pathlib

from plinktui.emulator.faults import FaultRule
from plinktui.journal import Journal
from screens.app import PlinkApp
from screens.audit import AuditScreen
from screens.modals import ErrorModal
from screens.provision import ProvisionScreen
from screens.runner import teardown_run
from tests.tui_helpers import RG, seeded, wait_for

SIZE = (160, 50)


async def test_tui_retry_resumes_without_adopting_the_existing_subnet(emu_factory, tmp_path: pathlib.Path) -> None:
    emu, cloud = await seeded(emu_factory, tmp_path)
    app = PlinkApp({}, demo=True, demo_cloud=cloud)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.gw is not None, what="gateway")
        app.state.subnet_mode, app.state.subnet_prefix = "new", "10.20.2.0/24"  # the existing subnet's own prefix
        plan = app.state.to_plan()
        assert plan.network.subnet == "snet-endpoints" and plan.network.subnet_prefix == "10.20.2.0/24"

        emu.faults.set([FaultRule("lro_failed", method="PUT", path="privateEndpoints", count=3)])
        screen = ProvisionScreen(plan=plan)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.failed, timeout=60, what="the first attempt to fail")
        run_id = screen.handle.journal.run_id
        entry = Journal.open(run_id).resources["subnet"]
        assert entry["status"] == "reused" and entry["owned"] is False

        emu.faults.set([])
        await pilot.press("r")  # retry = resume the same run
        await wait_for(pilot, lambda: isinstance(app.screen, (AuditScreen, ErrorModal)), timeout=60,
                       what="audit pane after the retried run")
        assert not isinstance(app.screen, ErrorModal), app.screen.message
        journal = Journal.open(run_id)
        assert journal.state == "succeeded" and journal.resources["subnet"]["owned"] is False

        async def quiet(event: object) -> None:
            return None

        result = await teardown_run(app.gw, run_id, quiet)
        assert result.ok and "subnet" in result.kept and "pe" in result.deleted, result
        vnet = await app.gw.network.virtual_networks.get(RG, "vnet-workload")
        assert {s.name: s.address_prefix for s in vnet.subnets}["snet-endpoints"] == "10.20.2.0/24"


async def test_dns_screen_shows_the_zone_already_linked_to_the_vnet(emu_factory, tmp_path: pathlib.Path) -> None:
    from textual.widgets import Static

    from screens.dns import DnsScreen
    from tests.tui_helpers import VNET_ID, ZONE

    emu, cloud = await seeded(emu_factory, tmp_path)
    app = PlinkApp({}, demo=True, demo_cloud=cloud)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.gw is not None, what="gateway")
        gw = app.gw
        await gw.resources.resource_groups.create_or_update("rg-central-dns", {"location": "westus2"})
        await gw.result(gw.privatedns.private_zones.begin_create_or_update("rg-central-dns", ZONE,
                                                                           {"location": "global"}))
        await gw.result(gw.privatedns.virtual_network_links.begin_create_or_update(
            "rg-central-dns", ZONE, "link-hub", {"location": "global", "properties": {
                "virtualNetwork": {"id": VNET_ID}, "registrationEnabled": False}}))
        screen = DnsScreen()
        await app.push_screen(screen)
        note = screen.query_one("#zone-found", Static)
        await wait_for(pilot, lambda: "Looking" not in str(note.render()), what="the zone lookup")
        text = " ".join(str(note.render()).split())
        assert "resource group rg-central-dns" in text and "already linked to the VNet by link-hub" in text, text
        assert "no new zone and no new link" in text

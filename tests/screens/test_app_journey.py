"""The whole journey on the emulator, driven with keys: welcome → … → review → provision → audit pane proving the
private path (the endpoint's NIC and IP, a passing DNS verdict and healthstatus addr = the VM's private IP)."""

from __future__ import annotations

import re

from textual.widgets import Button, DataTable, Select, Static

from screens.app import PlinkApp
from screens.audit import AuditScreen
from screens.dns import DnsScreen
from screens.modals import ConfirmModal, ErrorModal
from screens.network import NetworkScreen
from screens.provision import ProvisionScreen
from screens.review import ReviewScreen
from screens.scenario import ScenarioScreen
from screens.signin import SignInScreen
from screens.testvm import TestVmScreen as VmScreen
from screens.vault import VaultScreen
from screens.welcome import WelcomeScreen
from tests.tui_helpers import row_dicts, seeded_cloud, wait_for

SIZE = (160, 50)


def _rows(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def _next(pilot, screen_type) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, screen_type), what=screen_type.__name__)
    screen = app.screen
    await wait_for(pilot, lambda: not screen.query_one("#next", Button).disabled,
                   what=f"Next enabled on {screen_type.__name__} ({screen.problem()})")
    await pilot.press("ctrl+n")


async def test_whole_journey_on_the_emulator(emu_factory, tmp_path) -> None:
    cloud = await seeded_cloud(emu_factory, tmp_path)
    app = PlinkApp({}, demo=True, demo_cloud=cloud)
    async with app.run_test(size=SIZE) as pilot:
        await _next(pilot, WelcomeScreen)
        await _next(pilot, SignInScreen)
        await _next(pilot, ScenarioScreen)

        await wait_for(pilot, lambda: isinstance(app.screen, NetworkScreen), what="network")
        net = app.screen
        await wait_for(pilot, lambda: net._loaded, what="regions and VNets")
        assert "westus2" in str(net.query_one("#region-filter", Static).render())
        assert net.query_one("#region", Select).value == "westus2"
        await wait_for(pilot, lambda: net.query_one("#subnet", Select).value == "snet-endpoints", what="subnet")
        await _next(pilot, NetworkScreen)

        await wait_for(pilot, lambda: isinstance(app.screen, VaultScreen), what="vault")
        app.screen.query_one("#vault-region", Select).value = "eastus2"
        await wait_for(pilot, lambda: "available" in str(app.screen.query_one("#availability", Static).render()),
                       what="live name check")
        vault_name = app.state.vault_name
        await _next(pilot, VaultScreen)
        await _next(pilot, DnsScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, VmScreen), what="test vm")
        await wait_for(pilot, lambda: app.screen.query_one("#existing-vm", Select).value == "vm-jumpbox",
                       what="jumpbox listed")
        await _next(pilot, VmScreen)

        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), what="review")
        review = app.screen
        await wait_for(pilot, lambda: review.preflight_result is not None, what="preflight")
        plan_rows = _rows(review.query_one("#plan-table", DataTable))
        assert ["reuse", "virtual network", "vnet-workload", "westus2"] in plan_rows
        assert ["create", "key vault", vault_name, "eastus2"] in plan_rows
        await _next(pilot, ReviewScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="confirmation")
        await pilot.press("y")

        await wait_for(pilot, lambda: isinstance(app.screen, ProvisionScreen), what="provision")
        await wait_for(pilot, lambda: isinstance(app.screen, (AuditScreen, ErrorModal)), timeout=60,
                       what="audit pane")
        assert not isinstance(app.screen, ErrorModal), app.screen.message
        audit = app.screen
        await wait_for(pilot, lambda: audit.result is not None, timeout=60, what="audit result")
        await wait_for(pilot, lambda: audit.query_one("#dns", DataTable).row_count > 0, what="tables filled")

        endpoints = row_dicts(audit.query_one("#endpoints", DataTable))
        ep = next(r for r in endpoints if r["endpoint"] == f"pe-{vault_name}")
        nic, ip = ep["NIC"], ep["private IP"]
        assert nic.startswith(f"pe-{vault_name}.nic.")
        assert re.fullmatch(r"10\.20\.2\.\d+", ip)
        assert ep["connection"] == "Approved" and ep["verdict"].endswith("pass")

        dns = row_dicts(audit.query_one("#dns", DataTable))
        probe = next(r for r in dns if r["FQDN"] == f"{vault_name}.vault.azure.net")
        jumpbox_ip = next(vm.private_ip for vm in audit.result.inventory.vms if vm.name == "vm-jumpbox")
        assert probe["VM"] == "vm-jumpbox"
        assert probe["resolved IPs"] == ip                # DNS from inside the VNet: the endpoint's private IP
        assert probe["healthstatus addr"] == jumpbox_ip   # healthstatus addr: the vault saw the VM's private IP
        assert probe["verdict"] == "✓ pass"
        banner = str(audit.query_one("#banner", Static).render())
        # the whole scope first (the demo subscription has other, broken endpoints), then this run's proof
        assert re.match(r"[✓✗?] \d+ of \d+ endpoints? proven · \d+ errors? · \d+ warnings?\n", banner), banner
        assert f"✓ private path proven for pe-{vault_name}: {vault_name}.vault.azure.net → {ip}" in banner

        # R resets the demo for the next session: teardown (+ purge) of the run, back to the welcome screen.
        from plinktui.journal import Journal

        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="reset confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: [r["state"] for r in Journal.list_runs()] == ["torn_down"], timeout=60,
                       what="run torn down")
        await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen), what="back to welcome")
        assert app.state.vault_name != vault_name  # a fresh unique name for the next story

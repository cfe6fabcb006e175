"""Pilot tests of the wizard's other paths on the emulator: your own Private Link Service, an existing vault,
a new VNet, and a provisioning failure that is retried."""

from __future__ import annotations

from textual.widgets import Button, Checkbox, DataTable, Select, Static, Tree

from screens.app import PlinkApp
from screens.dns import DnsScreen
from screens.network import NetworkScreen
from screens.review import ReviewScreen
from screens.scenario import ScenarioScreen
from screens.signin import SignInScreen
from screens.testvm import TestVmScreen as VmScreen
from screens.vault import VaultScreen
from screens.welcome import WelcomeScreen
from screens.widgets.field import ValidatedField
from tests.tui_helpers import advance, seeded_cloud, table_rows, wait_for

SIZE = (160, 50)


def _tree_labels(tree: Tree) -> list[str]:
    out, todo = [], [tree.root]
    while todo:
        node = todo.pop()
        out.append(str(node.label))
        todo.extend(node.children)
    return out


async def test_own_private_link_service_reaches_the_plan_and_review(emu_factory, tmp_path) -> None:
    cloud = await seeded_cloud(emu_factory, tmp_path)
    app = PlinkApp({}, demo=True, demo_cloud=cloud)
    async with app.run_test(size=SIZE) as pilot:
        await advance(pilot, WelcomeScreen)
        await advance(pilot, SignInScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, ScenarioScreen), what="scenario")
        app.screen.query_one("#pls", Checkbox).value = True
        assert "never needs a load balancer" in str(app.screen.query_one(".note", Static).render())
        await advance(pilot, ScenarioScreen)

        await wait_for(pilot, lambda: isinstance(app.screen, NetworkScreen), what="network")
        net = app.screen
        await wait_for(pilot, lambda: net.query_one("#subnet", Select).value == "snet-endpoints", what="subnet")
        assert net.query_one("#pls-box").display
        prefix = net.query_one("#pls-prefix", ValidatedField)
        await wait_for(pilot, lambda: prefix.value.endswith("/28"), what="a free /28 suggested")
        suggested = prefix.value
        assert suggested.startswith("10.20.")  # inside vnet-workload (10.20.0.0/16), clear of its subnets
        # live CIDR validation through the core validators: too small, then outside the VNet
        prefix.input.value = "10.20.9.0/30"
        await pilot.pause()
        assert "smallest Azure subnet is /29" in str(prefix.query_one(".field-message", Static).render())
        await wait_for(pilot, lambda: net.query_one("#next", Button).disabled, what="Next disabled")
        prefix.input.value = "10.99.0.0/28"
        await wait_for(pilot, lambda: "not inside the VNet's address space" in net.problem(), what="outside VNet")
        assert net.query_one("#next", Button).disabled
        prefix.input.value = suggested
        net.query_one("#pls-visibility", ValidatedField).input.value = "not-a-guid"
        await wait_for(pilot, lambda: net.query_one("#next", Button).disabled, what="bad visibility refused")
        net.query_one("#pls-visibility", ValidatedField).input.value = "*"
        await advance(pilot, NetworkScreen)

        await wait_for(pilot, lambda: isinstance(app.screen, VaultScreen), what="vault")
        await wait_for(pilot, lambda: "available" in str(app.screen.query_one("#availability", Static).render()),
                       what="live name check")
        await advance(pilot, VaultScreen)
        await advance(pilot, DnsScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, VmScreen), what="test vm")
        await wait_for(pilot, lambda: app.screen.query_one("#existing-vm", Select).value == "vm-jumpbox",
                       what="jumpbox listed")
        await advance(pilot, VmScreen)

        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), what="review")
        review = app.screen
        await wait_for(pilot, lambda: review.preflight_result is not None, what="preflight")
        assert review.preflight_result.ok, review.preflight_result.problems
        plan = review.plan.to_dict()["private_link_service"]
        assert plan == {"enabled": True, "subnet": "snet-pls", "subnet_prefix": suggested, "visibility": ["*"],
                        "auto_approval": []}
        rows = table_rows(review.query_one("#plan-table", DataTable))
        assert ["create", "subnet (PLS)", "snet-pls", "westus2"] in rows
        assert ["create", "Standard LB", "lb-kv-demo", "westus2"] in rows
        assert ["create", "Private Link Service", "pls-kv-demo", "westus2"] in rows
        labels = _tree_labels(review.query_one("#deps", Tree))
        assert "Standard LB lb-kv-demo" in labels and "Private Link Service pls-kv-demo" in labels

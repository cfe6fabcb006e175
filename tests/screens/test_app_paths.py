"""Pilot tests of the wizard's other paths on the emulator: your own Private Link Service, an existing vault,
a new VNet, and a provisioning failure that is retried."""

from __future__ import annotations

from textual.widgets import Button, Checkbox, DataTable, Select, Static, Tree

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
from screens.widgets.choice import Choice
from screens.widgets.field import ValidatedField
from tests.tui_helpers import advance, row_dicts, seeded, seeded_cloud, table_rows, wait_for

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


async def _to_review_then_provision(pilot, app) -> None:
    """Review → confirm → provision → the audit pane with a result (fails on an error modal)."""
    await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), what="review")
    review = app.screen
    await wait_for(pilot, lambda: review.preflight_result is not None, what="preflight")
    await advance(pilot, ReviewScreen)
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="confirmation")
    await pilot.press("y")
    await wait_for(pilot, lambda: isinstance(app.screen, ProvisionScreen), what="provision")
    await wait_for(pilot, lambda: isinstance(app.screen, (AuditScreen, ErrorModal)), timeout=90, what="audit pane")
    assert not isinstance(app.screen, ErrorModal), app.screen.message
    audit = app.screen
    await wait_for(pilot, lambda: audit.result is not None, timeout=60, what="audit result")
    await wait_for(pilot, lambda: audit.query_one("#endpoints", DataTable).row_count > 0, what="tables filled")


async def _create_vault(cloud, name: str, region: str = "centralus") -> str:
    """A vault that exists before the wizard starts (public access on, no endpoint yet)."""
    from plinktui.cloud import Gateway, resolve_target

    target = await resolve_target(arm_endpoint=cloud.endpoint, ca_cert=cloud.ca_cert)
    async with Gateway(target, total_timeout=60) as gw:
        poller = await gw.keyvault.vaults.begin_create_or_update("rg-workload-westus2", name, {
            "location": region, "properties": {"tenantId": target.tenant_id, "sku": {"family": "A", "name": "standard"},
                                               "enableRbacAuthorization": True}})
        vault = await gw.result(poller)
    return vault.id


async def test_existing_vault_end_to_end(emu_factory, tmp_path) -> None:
    cloud = await seeded_cloud(emu_factory, tmp_path)
    vault_id = await _create_vault(cloud, "kv-existing-e2e")
    app = PlinkApp({}, demo=True, demo_cloud=cloud)
    async with app.run_test(size=SIZE) as pilot:
        await advance(pilot, WelcomeScreen)
        await advance(pilot, SignInScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, ScenarioScreen), what="scenario")
        scenario = app.screen
        scenario.query_one("#vault-mode", Choice).value = "existing"
        sel = scenario.query_one("#existing-vault", Select)
        await wait_for(pilot, lambda: any(v == vault_id for _l, v in sel._options), what="vault listed")
        sel.value = vault_id
        await advance(pilot, ScenarioScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, NetworkScreen), what="network")
        await wait_for(pilot, lambda: app.screen.query_one("#subnet", Select).value == "snet-endpoints",
                       what="subnet")
        await advance(pilot, NetworkScreen)
        await advance(pilot, VaultScreen)
        await advance(pilot, DnsScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, VmScreen), what="test vm")
        await wait_for(pilot, lambda: app.screen.query_one("#existing-vm", Select).value == "vm-jumpbox",
                       what="jumpbox listed")
        await advance(pilot, VmScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), what="review")
        review = app.screen
        await wait_for(pilot, lambda: review.preflight_result is not None, what="preflight")
        rows = table_rows(review.query_one("#plan-table", DataTable))
        assert ["reuse", "key vault", "kv-existing-e2e", "centralus"] in rows
        assert not any(r[1] == "key vault" and r[0] == "create" for r in rows)
        await _to_review_then_provision(pilot, app)

        audit = app.screen
        endpoints = row_dicts(audit.query_one("#endpoints", DataTable))
        ep = next(r for r in endpoints if r["endpoint"] == "pe-kv-existing-e2e")
        assert ep["private IP"].startswith("10.20.") and ep["connection"] == "Approved"
        await wait_for(pilot, lambda: audit.query_one("#dns", DataTable).row_count > 0, what="dns rows")
        probe = next(r for r in row_dicts(audit.query_one("#dns", DataTable))
                     if r["FQDN"] == "kv-existing-e2e.vault.azure.net")
        assert probe["VM"] == "vm-jumpbox" and probe["resolved IPs"] == ep["private IP"]
        assert probe["verdict"] == "✓ pass"
    # the reused vault is still there and was not re-created
    from plinktui.journal import Journal

    run = Journal.open(Journal.list_runs()[-1]["run_id"])
    assert "vault" not in (run.data.get("created") or {})


async def test_new_vnet_end_to_end(emu_factory, tmp_path) -> None:
    cloud = await seeded_cloud(emu_factory, tmp_path)
    app = PlinkApp({}, demo=True, demo_cloud=cloud)
    async with app.run_test(size=SIZE) as pilot:
        await advance(pilot, WelcomeScreen)
        await advance(pilot, SignInScreen)
        await advance(pilot, ScenarioScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, NetworkScreen), what="network")
        net = app.screen
        await wait_for(pilot, lambda: net._loaded, what="regions")
        net.query_one("#vnet-mode", Choice).value = "new"
        await pilot.pause()
        assert net.query_one("#new-vnet-box").display and not net.query_one("#existing-vnet-box").display
        net.query_one("#new-vnet-name", ValidatedField).input.value = "vnet-kv-e2e"
        net.query_one("#address-space", ValidatedField).input.value = "10.70.0.0/16"
        net.query_one("#subnet-prefix", ValidatedField).input.value = "10.80.1.0/24"  # outside the space
        await wait_for(pilot, lambda: "not inside the VNet's address space" in net.problem(), what="refused")
        net.query_one("#subnet-prefix", ValidatedField).input.value = "10.70.1.0/24"
        await advance(pilot, NetworkScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, VaultScreen), what="vault")
        await wait_for(pilot, lambda: "available" in str(app.screen.query_one("#availability", Static).render()),
                       what="live name check")
        vault_name = app.state.vault_name
        await advance(pilot, VaultScreen)
        await advance(pilot, DnsScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, VmScreen), what="test vm")
        vm = app.screen
        vm.query_one("#vm-mode", Choice).value = "new"
        vm.query_one("#ssh-source", ValidatedField).input.value = "203.0.113.7/32"
        await advance(pilot, VmScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), what="review")
        review = app.screen
        await wait_for(pilot, lambda: review.preflight_result is not None, what="preflight")
        rows = table_rows(review.query_one("#plan-table", DataTable))
        assert ["create", "virtual network", "vnet-kv-e2e", "westus2"] in rows
        assert ["create", "resource group", "rg-kv-demo", "westus2"] in rows
        assert ["create", "test VM", "vm-kv-probe", "westus2"] in rows
        await _to_review_then_provision(pilot, app)

        audit = app.screen
        ep = next(r for r in row_dicts(audit.query_one("#endpoints", DataTable))
                  if r["endpoint"] == f"pe-{vault_name}")
        assert ep["private IP"].startswith("10.70.1.") and ep["connection"] == "Approved"
        await wait_for(pilot, lambda: audit.query_one("#dns", DataTable).row_count > 0, what="dns rows")
        # the new test VM is probed with the key generated for it (not the demo jumpbox's key)
        probe = next(r for r in row_dicts(audit.query_one("#dns", DataTable)) if r["VM"] == "vm-kv-probe")
        assert probe["FQDN"] == f"{vault_name}.vault.azure.net" and probe["resolved IPs"] == ep["private IP"]
        assert probe["verdict"] == "✓ pass"
        # healthstatus: the vault saw the VM's private IP in the new VNet
        assert probe["healthstatus addr"].startswith("10.70.1.")
        banner = str(audit.query_one("#banner", Static).render())
        assert f"✓ private path proven for pe-{vault_name}: " in banner and "from vm-kv-probe" in banner
        vnet = next(v for v in audit.result.inventory.vnets if v.name == "vnet-kv-e2e")
        assert vnet.address_prefixes == ["10.70.0.0/16"] and [sn.prefixes for sn in vnet.subnets] == [["10.70.1.0/24"]]


def _log_text(screen) -> str:
    from textual.widgets import RichLog

    return "\n".join(line.text for line in screen.query_one("#log", RichLog).lines)


async def _failed_run(pilot, app, emu) -> ProvisionScreen:
    """Start a run of the demo plan with the endpoint's LRO failing on every in-run attempt; returns the stopped pane."""
    from plinktui.emulator.faults import FaultRule

    await wait_for(pilot, lambda: app.gw is not None, what="gateway")
    plan = app.state.to_plan()
    # count=3: a Failed LRO is retryable, so the engine tries the endpoint 3 times (1 + 2 retries) before it stops
    emu.faults.set([FaultRule("lro_failed", method="PUT", path="privateEndpoints", count=3)])
    screen = ProvisionScreen(plan=plan)
    await app.push_screen(screen)
    await wait_for(pilot, lambda: screen.failed, timeout=60, what="the run to stop")
    return screen


async def test_failed_run_shows_plain_words_and_retry_completes_it(emu_factory, tmp_path) -> None:
    from plinktui.journal import Journal

    emu, cloud = await seeded(emu_factory, tmp_path)
    app = PlinkApp({}, demo=True, demo_cloud=cloud)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _failed_run(pilot, app, emu)
        assert not isinstance(app.screen, ErrorModal)  # a failed resource is not a crash: no modal, the pane says it
        assert str(screen.query_one("#prov-title", Static).render()) == \
            "The run stopped — retry, resume later, or tear down"
        assert screen.query_one("#failure-actions").display
        assert [str(b.label) for b in screen.query("#failure-actions Button")] == \
            ["Retry (r)", "Resume later (l)", "Tear down (t)"]
        plan_pe = app.state.to_plan().private_endpoint.name
        said = f"✗ private endpoint {plan_pe} failed: InternalOperationError: The operation was failed (injected fault)."
        reason = str(screen.query_one("#failure-reason", Static).render())
        assert reason.startswith(said) and "Retry (r) resumes this run" in reason and "Tear down (t)" in reason
        log = _log_text(screen)
        assert said in log.replace("\n", "") and "Traceback" not in log
        rows = {r[2]: r[0] for r in table_rows(screen.query_one("#resources", DataTable))}
        assert rows[plan_pe] == "✗ failed"
        run_id = screen.handle.journal.run_id
        assert Journal.open(run_id).data["state"] != "succeeded"

        await pilot.press("r")  # the fault is spent: the retry resumes the same run and completes it
        await wait_for(pilot, lambda: not screen.query_one("#failure-reason").display, what="reason cleared")
        await wait_for(pilot, lambda: isinstance(app.screen, (AuditScreen, ErrorModal)), timeout=60,
                       what="audit pane after retry")
        assert not isinstance(app.screen, ErrorModal), app.screen.message
        audit = app.screen
        await wait_for(pilot, lambda: audit.result is not None, timeout=60, what="audit after the retried run")
        assert {r[2]: r[0] for r in table_rows(screen.query_one("#resources", DataTable))}[plan_pe] == "✓ done"
        assert [r["run_id"] for r in Journal.list_runs()] == [run_id]  # resumed, not a second run
        assert Journal.open(run_id).data["state"] == "succeeded"


async def test_failed_run_resume_later_then_resume_from_welcome(emu_factory, tmp_path) -> None:
    from plinktui.journal import Journal

    emu, cloud = await seeded(emu_factory, tmp_path)
    app = PlinkApp({}, demo=True, demo_cloud=cloud)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _failed_run(pilot, app, emu)
        run_id = screen.handle.journal.run_id
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen), what="welcome")
        welcome = app.screen  # the run is listed at once (no reload, no restart)
        await wait_for(pilot, lambda: welcome.query_one("#runs", DataTable).row_count == 1, what="run listed")
        assert table_rows(welcome.query_one("#runs", DataTable))[0][0] == run_id
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, (AuditScreen, ErrorModal)), timeout=60,
                       what="audit pane after resume")
        assert not isinstance(app.screen, ErrorModal), app.screen.message
        audit = app.screen
        await wait_for(pilot, lambda: audit.result is not None, timeout=60, what="audit after the resumed run")
        assert Journal.open(run_id).data["state"] == "succeeded"


async def test_network_new_subnet_follows_the_vnet_and_survives_back_and_next(emu_factory, tmp_path) -> None:
    """Issue 12, Why 4: the network screen dropped a new subnet after Back/Next, showed '✓ 251 usable addresses'
    for a prefix outside the VNet, and its hints ignored the chosen VNet; field messages carried plan keys."""
    cloud = await seeded_cloud(emu_factory, tmp_path)
    app = PlinkApp({}, demo=True, demo_cloud=cloud)
    async with app.run_test(size=SIZE) as pilot:
        await advance(pilot, WelcomeScreen)
        await advance(pilot, SignInScreen)
        await advance(pilot, ScenarioScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, NetworkScreen), what="network")
        net = app.screen
        await wait_for(pilot, lambda: net.query_one("#subnet", Select).value == "snet-endpoints", what="subnet")
        net.query_one("#subnet-mode", Choice).value = "new"
        net._sync()
        await pilot.pause()
        prefix = net.query_one("#subnet-prefix", ValidatedField)
        # the suggestion sits inside vnet-workload (10.20.0.0/16), clear of its subnets; the hint names the VNet
        assert prefix.value.startswith("10.20.") and prefix.valid
        message = prefix.query_one(".field-message", Static)
        assert str(message.render()).endswith("usable addresses (Azure reserves 5), inside vnet-workload")
        suggested = prefix.value
        prefix.input.value = "10.99.1.0/24"  # outside the VNet: an error on the field itself, not a ✓
        await wait_for(pilot, lambda: str(message.render()).startswith("✗"), what="outside refused")
        text = str(message.render())
        assert text.startswith("✗ 10.99.1.0/24 is not inside the VNet's address space (10.20.0.0/16)"), text
        assert "network.subnet_prefix" not in text and "usable" not in text
        assert net.problem().startswith("Subnet prefix: 10.99.1.0/24 is not inside")
        prefix.input.value = suggested
        net.query_one("#new-subnet-name", ValidatedField).input.value = "snet-new"
        await advance(pilot, NetworkScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, VaultScreen), what="vault")
        await pilot.press("escape")  # back to Network, back to Scenario, then Next builds Network anew
        await wait_for(pilot, lambda: app.screen is net, what="network again")
        await pilot.press("escape")
        await advance(pilot, ScenarioScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, NetworkScreen) and app.screen is not net, what="anew")
        net2 = app.screen
        await wait_for(pilot, lambda: net2._loaded, what="loaded")
        await pilot.pause(0.2)
        assert net2.query_one("#subnet-mode", Choice).value == "new"
        assert net2.query_one("#new-subnet-name", ValidatedField).value == "snet-new"
        assert net2.query_one("#subnet-prefix", ValidatedField).value == suggested
        await advance(pilot, NetworkScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, VaultScreen), what="vault again")
        assert (app.state.subnet_mode, app.state.subnet_name, app.state.subnet_prefix) == ("new", "snet-new",
                                                                                          suggested)


async def test_everything_checkable_is_checked_before_provision(emu_factory, tmp_path) -> None:
    """Issue 12, Why 3/4/7: a missing SSH key file passed Test VM and Review; Review said "create resource group"
    for an existing group and the confirmation counted it; focus landed nowhere on Sign-in and Vault; the duration
    estimate differed from the CLI's."""
    from textual.widgets import Input, OptionList

    from plinktui.dag import build_graph, duration_estimate

    cloud = await seeded_cloud(emu_factory, tmp_path)
    app = PlinkApp({}, demo=True, demo_cloud=cloud)
    async with app.run_test(size=SIZE) as pilot:
        await advance(pilot, WelcomeScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen), what="sign-in")
        await wait_for(pilot, lambda: isinstance(app.screen.focused, OptionList), what="focus on the list")
        await advance(pilot, SignInScreen)
        await advance(pilot, ScenarioScreen)
        await advance(pilot, NetworkScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, VaultScreen), what="vault")
        await wait_for(pilot, lambda: isinstance(app.screen.focused, Input)
                       and app.screen.focused.id == "vault-name-input", what="focus on the vault name")
        await advance(pilot, VaultScreen)
        await advance(pilot, DnsScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, VmScreen), what="test vm")
        vm = app.screen
        vm.query_one("#vm-mode", Choice).value = "new"
        vm._sync()
        vm.query_one("#ssh-source", ValidatedField).input.value = "203.0.113.7/32"
        vm.query_one("#ssh-key", ValidatedField).input.value = str(tmp_path / "missing" / "id_ed25519.pub")
        await wait_for(pilot, lambda: "cannot read" in vm.problem(), what="missing key refused")
        assert vm.query_one("#next", Button).disabled
        key = tmp_path / "id_ed25519.pub"
        key.write_text("ssh-ed25519 " + "A" * 68 + " me@laptop\n")
        vm.query_one("#ssh-key", ValidatedField).input.value = str(key)
        await advance(pilot, VmScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), what="review")
        review = app.screen
        await wait_for(pilot, lambda: review.preflight_result is not None, what="preflight")
        rows = row_dicts(review.query_one("#plan-table", DataTable))
        rg = next(r for r in rows if r["kind"] == "resource group")
        assert rg["action"] == "use existing" and rg["name"] == "rg-workload-westus2"
        creates = sum(1 for r in rows if r["action"] == "create")
        expected = duration_estimate(build_graph(review.plan, review.preflight_result.facts), app.latency_scale)
        assert str(review.query_one("#duration", Static).render()) == expected[:1].upper() + expected[1:]
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="confirmation")
        assert app.screen.body.startswith(f"{creates} resources will be created")
        await pilot.press("n")


async def test_a_soft_deleted_vault_name_comes_with_its_purge_command(gw) -> None:
    from screens.services import check_vault_name
    from tests.dns_world import make_rg, make_vault

    await make_rg(gw, "rg-sd")
    await make_vault(gw, "rg-sd", "kv-softdel-ui", tags=None, enablePurgeProtection=None)
    await gw.keyvault.vaults.delete("rg-sd", "kv-softdel-ui")
    check = await check_vault_name(gw, "kv-softdel-ui")
    assert not check.available
    assert check.reason.endswith("az keyvault purge --name kv-softdel-ui --location eastus")


async def test_a_provision_error_modal_can_be_left_and_leaves_no_running_journal(emu_factory, tmp_path) -> None:
    """Issue 12, Why 3: a missing key file opened an error modal at Provision that esc could not leave, and left
    the journal `running`."""
    from plinktui.journal import Journal

    cloud = await seeded_cloud(emu_factory, tmp_path)
    app = PlinkApp({}, demo=True, demo_cloud=cloud)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.gw is not None, what="gateway")
        app.state.subscription_id = cloud.subscription_id
        app.state.vm_mode, app.state.ssh_source = "new", "203.0.113.7/32"
        app.state.ssh_public_key = str(tmp_path / "gone" / "id_ed25519.pub")  # vanished after Review
        await app.push_screen(ProvisionScreen(plan=app.state.to_plan()))
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal), what="error modal")
        assert app.screen.title_text == "The run stopped" and "cannot read" in app.screen.message
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ProvisionScreen), what="modal left")
        assert Journal.list_runs() == []  # stopped before a journal existed: nothing to resume or tear down
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen), what="a way out")

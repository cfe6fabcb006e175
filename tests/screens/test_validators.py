"""Bad input on every input screen: the core validator's message appears inline and Next stays disabled."""

from __future__ import annotations

from textual.widgets import Button, Static

from screens.app import PlinkApp
from screens.dns import DnsScreen
from screens.network import NetworkScreen
from screens.state import WizardState
from screens.testvm import TestVmScreen as VmScreen
from screens.vault import VaultScreen
from screens.widgets.choice import Choice
from screens.widgets.field import ValidatedField
from tests.tui_helpers import wait_for

SIZE = (140, 48)


async def _type(pilot, field: ValidatedField, text: str) -> None:
    """Replace the Input's text (posts Input.Changed, like typing; the vault test types real keys)."""
    field.input.focus()
    field.input.value = text
    await pilot.pause()


async def _type_keys(pilot, field: ValidatedField, text: str) -> None:
    field.input.focus()
    field.input.value = ""
    await pilot.press(*list(text))
    await pilot.pause()


def _message(field: ValidatedField) -> str:
    return str(field.query_one(".field-message", Static).render())


def _next_disabled(screen) -> bool:
    return screen.query_one("#next", Button).disabled


async def _settled(pilot, screen, disabled: bool) -> bool:
    """Wait (bounded) until Next reaches the expected state, then report it (a loaded CI box can lag a frame)."""
    try:
        await wait_for(pilot, lambda: _next_disabled(screen) is disabled, timeout=5, what="Next state")
    except AssertionError:
        pass
    return _next_disabled(screen)


async def _open(screen_factory, **state):
    app = PlinkApp(connect=False, demo=True)
    for k, v in state.items():
        setattr(app.state, k, v)
    return app, screen_factory


NETWORK_BAD = [
    ("subnet-prefix", "10.70.1.0/30", "smallest Azure subnet is /29"),
    ("subnet-prefix", "10.70.1.7/24", "host bits are set"),
    ("address-space", "127.0.0.0/16", "loopback"),
    ("new-vnet-name", "-vnet", "must start with a letter or digit"),
]


async def _check_bad_inputs(pilot, screen, cases) -> None:
    """Each bad value shows the core validator's message inline and keeps Next disabled; a good one clears it."""
    for field_id, text, expect in cases:
        field = screen.query_one(f"#{field_id}", ValidatedField)
        good = field.value
        await _type(pilot, field, text)
        assert expect in _message(field), (field_id, text, _message(field))
        assert "-error" in field.query_one(".field-message").classes
        assert await _settled(pilot, screen, True), (field_id, text)
        screen.action_next()  # the key binding path must refuse as well
        await pilot.pause()
        assert pilot.app.screen is screen
        await _type(pilot, field, good)
        assert "-error" not in field.query_one(".field-message").classes, (field_id, good)


async def test_network_bad_input_blocks_next() -> None:
    app = PlinkApp(connect=False, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(NetworkScreen())
        await pilot.pause()
        screen = app.screen
        screen.query_one("#vnet-mode", Choice).value = "new"
        await pilot.pause()
        await _check_bad_inputs(pilot, screen, NETWORK_BAD)
        assert not await _settled(pilot, screen, False)  # all good again


async def test_network_subnet_outside_vnet_is_explained() -> None:
    app = PlinkApp(connect=False, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(NetworkScreen())
        await pilot.pause()
        screen = app.screen
        screen.query_one("#vnet-mode", Choice).value = "new"
        await pilot.pause()
        await _type(pilot, screen.query_one("#address-space", ValidatedField), "10.70.0.0/16")
        await _type(pilot, screen.query_one("#subnet-prefix", ValidatedField), "10.99.1.0/24")
        assert "not inside the VNet's address space" in str(screen.query_one("#why-disabled", Static).render())
        assert await _settled(pilot, screen, True)
        await _type(pilot, screen.query_one("#subnet-prefix", ValidatedField), "10.70.1.0/28")
        assert "11 usable addresses" in _message(screen.query_one("#subnet-prefix", ValidatedField))
        assert not await _settled(pilot, screen, False)


async def test_vault_bad_name_blocks_next() -> None:
    app = PlinkApp(connect=False, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(VaultScreen())
        await pilot.pause()
        screen = app.screen
        field = screen.query_one("#vault-name", ValidatedField)
        await _type_keys(pilot, field, "kv--double")
        assert "consecutive hyphens" in _message(field)
        assert await _settled(pilot, screen, True)
        await _type(pilot, field, "1kv")
        assert "must start with a letter" in _message(field)
        assert await _settled(pilot, screen, True)


async def test_vault_region_note_corrects_the_same_region_belief() -> None:
    app = PlinkApp(connect=False, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(VaultScreen())
        await pilot.pause()
        note = str(app.screen.query_one("#region-note", Static).render())
        assert "endpoint stays in the VNet's region (westus2)" in note
        assert "any region" in note


async def test_dns_bad_input_blocks_next() -> None:
    app = PlinkApp(connect=False, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(DnsScreen())
        await pilot.pause()
        screen = app.screen
        assert not await _settled(pilot, screen, False)  # the defaults are valid
        await _check_bad_inputs(pilot, screen, [("zone", "privatelink.vault.azure.net", "privatelink.vaultcore"),
                                                ("link-name", "link with spaces", "is not allowed")])
        assert not await _settled(pilot, screen, False)


async def test_testvm_bad_input_blocks_next() -> None:
    app = PlinkApp(connect=False, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(VmScreen())
        await pilot.pause()
        screen = app.screen
        screen.query_one("#vm-mode", Choice).value = "new"
        await pilot.pause()
        await _type(pilot, screen.query_one("#ssh-source", ValidatedField), "203.0.113.7/32")
        await _check_bad_inputs(pilot, screen, [
            ("ssh-source", "*", "must not open SSH to the whole internet"),
            ("ssh-source", "0.0.0.0/0", "must not open SSH to the whole internet"),
            ("admin-user", "root", "reserves"),
            ("vm-size", "B1s", "VM size"),
            ("ssh-key", "~/.ssh/id_ed25519", "private key"),
        ])


async def test_testvm_ssh_source_has_no_default() -> None:
    app = PlinkApp(connect=False, demo=True)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(VmScreen())
        await pilot.pause()
        screen = app.screen
        screen.query_one("#vm-mode", Choice).value = "new"
        await pilot.pause()
        field = screen.query_one("#ssh-source", ValidatedField)
        assert field.value == ""
        assert "there is no default" in _message(field)
        assert await _settled(pilot, screen, True)


def test_wizard_state_builds_a_valid_plan_through_the_core() -> None:
    s = WizardState(subscription_id="8f2e4c1a-7b3d-4e5f-9a6b-1c2d3e4f5a6b")
    plan = s.to_plan()
    assert plan.network.region == "westus2" and plan.vault.region == "eastus2"
    assert plan.vault.effective_public_access == "Disabled"  # no new test VM: no verify-then-disable
    assert plan.resource_group == "rg-workload-westus2"
    s.vm_mode, s.ssh_source = "new", "203.0.113.7/32"
    assert s.to_plan().vault.effective_public_access == "DisabledAfterVerify"

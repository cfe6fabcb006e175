"""Test VM: prove resolution from inside the VNet with an existing VM or a new small one (SSH source required)."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Select, Static

from plinktui import validation
from screens import safe
from screens.state import arm_id
from screens.step import WizardStep
from screens.widgets.choice import Choice
from screens.widgets.field import ValidatedField


class TestVmScreen(WizardStep):
    """Where the proof runs from."""

    STEP = "testvm"
    HEADING = "Test VM — proof from inside the VNet"

    def compose_form(self) -> ComposeResult:
        s = self.state
        yield Choice("Probe from", [("existing", "An existing VM in the VNet"), ("new", "A new small Linux VM"),
                                    ("none", "No VM (no proof from inside)")], s.vm_mode, id="vm-mode")
        with Vertical(id="existing-vm-box", classes="group"):
            yield Select([], prompt="VM in the VNet", id="existing-vm")
        with Vertical(id="new-vm-box", classes="group"):
            yield ValidatedField("VM name", field="test_vm.name", value=s.vm_name, id="vm-name")
            yield ValidatedField("Size", field="test_vm.size", value=s.vm_size, id="vm-size")
            yield ValidatedField("Admin user", field="test_vm.admin_username", value=s.admin_username,
                                 id="admin-user")
            yield ValidatedField("SSH public key ('generate', a .pub file, or the key line)",
                                 field="test_vm.ssh_public_key", value=s.ssh_public_key, id="ssh-key")
            yield ValidatedField("Address allowed to SSH (your IP/32; there is no 'anywhere' default)",
                                 field="test_vm.ssh_source", value=s.ssh_source, placeholder="203.0.113.7/32",
                                 id="ssh-source")
            yield Static("An SSH port open to the whole internet is found and attacked within minutes; the NSG "
                         "admits only the address you give.", classes="note")

    def on_mount(self) -> None:
        super().on_mount()
        self._vms_loaded = False
        self._sync()
        self.load_vms()

    @work(exclusive=True, group="vms", exit_on_error=False)
    async def load_vms(self) -> None:
        """VMs with a NIC in the chosen VNet."""
        from screens.services import list_vms_in_vnet

        sel = self.query_one("#existing-vm", Select)
        s = self.state
        if s.vnet_mode != "existing":
            self._vms_loaded = True
            sel.set_options([])
            self._sync()
            return
        sel.loading = True
        gw = await self.plink.gateway()
        vnet_id = arm_id(gw.subscription_id, s.vnet_rg, "Microsoft.Network/virtualNetworks", s.vnet_name)
        vms = await list_vms_in_vnet(gw, vnet_id)
        sel.set_options([(safe.text(f"{vm.name}  ({vm.private_ip})"), vm.name) for vm in vms])
        if any(vm.name == s.existing_vm for vm in vms):
            sel.value = s.existing_vm
        sel.loading = False
        self._vms_loaded = True
        self._sync()

    def _sync(self) -> None:
        mode = self.query_one("#vm-mode", Choice).value
        self.query_one("#existing-vm-box").display = mode == "existing"
        self.query_one("#new-vm-box").display = mode == "new"
        self.revalidate()

    @on(Choice.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        self._sync()

    def extra_problem(self) -> str:
        if self.query_one("#vm-mode", Choice).value == "new":
            return public_key_problem(self.query_one("#ssh-key", ValidatedField).value)
        if self.query_one("#vm-mode", Choice).value == "existing":
            if not getattr(self, "_vms_loaded", False):
                return "loading VMs…"
            if self.query_one("#existing-vm", Select).value is Select.NULL:
                return "pick a VM in the VNet (or create one)"
        return ""

    def save(self) -> None:
        s = self.state
        s.vm_mode = self.query_one("#vm-mode", Choice).value
        if s.vm_mode == "existing":
            s.existing_vm = str(self.query_one("#existing-vm", Select).value)
        elif s.vm_mode == "new":
            s.vm_name = self.query_one("#vm-name", ValidatedField).value
            s.vm_size = self.query_one("#vm-size", ValidatedField).value
            s.admin_username = self.query_one("#admin-user", ValidatedField).value
            s.ssh_public_key = self.query_one("#ssh-key", ValidatedField).value
            s.ssh_source = self.query_one("#ssh-source", ValidatedField).value
        if s.vm_mode != "new" and s.public_access == "DisabledAfterVerify":
            # Verify-then-disable needs a VM plinktui creates; switch access off directly instead.
            s.public_access = "Disabled"
            self.notify("Public access will be switched off directly (verify-then-disable needs a new test VM).")

    def next_screen(self) -> Screen[Any] | None:
        from screens.review import ReviewScreen

        return ReviewScreen()

    def autopilot_ready(self) -> bool:
        return getattr(self, "_vms_loaded", False) and super().autopilot_ready()

    def autopilot_fill(self) -> None:
        from screens.state import DEMO_JUMPBOX

        self.query_one("#vm-mode", Choice).value = "existing"
        try:
            self.query_one("#existing-vm", Select).value = DEMO_JUMPBOX
        except Exception:  # noqa: BLE001 - not in this VNet: leave the user's choice
            pass
        self._sync()


def public_key_problem(key: str) -> str:
    """Why the SSH public key cannot be used ("" when it can): a missing or unreadable file is found here, before
    Review, not when the VM is created."""
    from plinktui.plan import PlanError, load_public_key

    if not validation.validate_field("test_vm.ssh_public_key", key)[0]:
        return ""  # the field shows its own message
    try:
        load_public_key(key)
    except PlanError as exc:
        return exc.problems[0]
    return ""

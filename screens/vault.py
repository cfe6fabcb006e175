"""Vault: any region; the name validated as you type and its global availability checked live."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Label, Select, Static, Switch

from plinktui import validation as v
from screens import safe
from screens.messages import NameCheck
from screens.step import WizardStep
from screens.widgets.field import ValidatedField

COMMON_REGIONS = ["eastus", "eastus2", "westus2", "westus3", "centralus", "northeurope", "westeurope",
                  "uksouth", "francecentral", "germanywestcentral", "swedencentral", "japaneast", "australiaeast"]


class VaultScreen(WizardStep):
    """The Key Vault the endpoint reaches."""

    STEP = "vault"
    HEADING = "Key Vault — any region"
    FIRST_FOCUS = "#vault-name-input"

    def compose_form(self) -> ComposeResult:
        s = self.state
        existing = s.vault_mode == "existing"
        regions = sorted(set(COMMON_REGIONS) | {s.vault_region, s.region})
        yield Label("Vault region")
        yield Select([(r, r) for r in regions], value=s.vault_region, allow_blank=False, id="vault-region",
                     disabled=existing)
        yield Static("", id="region-note", classes="note")
        yield ValidatedField("Vault name (global: <name>.vault.azure.net)", field="vault.name",
                             value=s.vault_short_name, id="vault-name")
        yield Static("", id="availability", classes="note")
        yield Label("Authorization: Azure RBAC (recommended; access policies when off)")
        yield Switch(value=s.rbac, id="rbac")
        yield Label("Public network access")
        yield Select([("Off once the private path is verified (needs a new test VM)", "DisabledAfterVerify"),
                      ("Off (only private endpoints reach the data plane)", "Disabled"),
                      ("On (public and private)", "Enabled")],
                     value=s.effective_public_access, allow_blank=False, id="public-access")
        yield Static("With public access off, the Azure portal loses data-plane access (secrets, keys) unless "
                     "it runs from inside the VNet; management (ARM) keeps working.", classes="note")

    def on_mount(self) -> None:
        super().on_mount()
        self._check: NameCheck | None = None
        if self.state.vault_mode == "existing":
            self.query_one("#vault-name", ValidatedField).input.disabled = True
            self._check = NameCheck(self.state.vault_short_name, True, "existing vault (reused, never modified)")
        self._region_note()
        self._availability()

    def _region_note(self) -> None:
        region = str(self.query_one("#vault-region", Select).value)
        note = (f"The endpoint stays in the VNet's region ({self.state.region}); the vault is in {region}. "
                "That is fine: a private endpoint reaches a vault in any region.")
        if region == self.state.region:
            note = f"Same region as the VNet ({region}) — not required; the vault may be in any region."
        self.query_one("#region-note", Static).update(safe.text(note))

    @on(Select.Changed, "#vault-region")
    def _region(self) -> None:
        self._region_note()

    @on(ValidatedField.Updated, "#vault-name")
    def _vault_name_changed(self) -> None:
        if self.state.vault_mode == "existing":
            return
        self._check = None
        self._availability()

    def _availability(self) -> None:
        field = self.query_one("#vault-name", ValidatedField)
        note = self.query_one("#availability", Static)
        if self.state.vault_mode == "existing":
            note.update(safe.text(self._check.reason if self._check else ""))
        elif field.valid:
            note.update(safe.text(f"checking whether {field.value} is free…"))
            self.check_name(field.value)
        else:
            note.update("")
        self.revalidate()

    @work(exclusive=True, group="vault-name", exit_on_error=False)
    async def check_name(self, name: str) -> None:
        """Debounced live availability check (soft-deleted vaults included)."""
        import asyncio

        from screens.services import check_vault_name

        await asyncio.sleep(0.3)  # typing continues: the exclusive worker cancels this one
        result = await check_vault_name(await self.plink.gateway(), name)
        if self.query_one("#vault-name", ValidatedField).value != name:
            return
        self._check = result
        mark = "✓" if result.available else "✗"
        self.query_one("#availability", Static).update(safe.text(f"{mark} {name}: {result.reason}"))
        self.revalidate()

    def extra_problem(self) -> str:
        check: NameCheck | None = getattr(self, "_check", None)  # an autopilot beat can come before on_mount
        if check is None:
            return "checking the name…"
        if not check.available:
            return f"vault name {check.name} is not available"
        pa = str(self.query_one("#public-access", Select).value)
        if pa == "DisabledAfterVerify" and self.state.vm_mode != "new":
            return ""  # decided on the Test VM screen; the plan check explains it there
        return ""

    def save(self) -> None:
        s = self.state
        s.vault_region = str(self.query_one("#vault-region", Select).value)
        if s.vault_mode == "new":
            s.vault_name = self.query_one("#vault-name", ValidatedField).value
        s.rbac = self.query_one("#rbac", Switch).value
        s.public_access = str(self.query_one("#public-access", Select).value)

    def next_screen(self) -> Screen[Any] | None:
        from screens.dns import DnsScreen

        return DnsScreen()

    def autopilot_fill(self) -> None:
        from screens.state import DEMO_VAULT_REGION

        self.query_one("#vault-region", Select).value = DEMO_VAULT_REGION
        self.query_one("#public-access", Select).value = "Disabled"


def vault_name_problem(name: str) -> str:
    """The core validator's message for a vault name ("" when valid)."""
    ok, msg = v.validate_field("vault.name", name)
    return "" if ok else msg

"""Scenario: a new vault or an existing one; optionally your own Private Link Service (never needed for Key Vault)."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Checkbox, Select, Static

from screens import safe
from screens.step import WizardStep
from screens.widgets.choice import Choice, MarkedCheckbox


class ScenarioScreen(WizardStep):
    """What is being connected."""

    STEP = "scenario"
    HEADING = "Scenario"

    def compose_form(self) -> ComposeResult:
        yield Choice("Key Vault", [("new", "Create a new vault"), ("existing", "Use an existing vault")],
                     self.state.vault_mode, id="vault-mode")
        yield Select([], prompt="existing vault", id="existing-vault")
        yield MarkedCheckbox("Also publish my own service through a Private Link Service (Standard Load Balancer)",
                       self.state.pls_enabled, id="pls")
        yield Static("A Key Vault endpoint never needs a load balancer or a Private Link Service of your own: "
                     "Key Vault sits behind a Microsoft-managed one.", classes="note")

    def on_mount(self) -> None:
        super().on_mount()
        self._sync()

    def _sync(self) -> None:
        existing = self.query_one("#vault-mode", Choice).value == "existing"
        sel = self.query_one("#existing-vault", Select)
        sel.display = existing
        if existing and not sel._options[1:]:  # only the blank prompt so far
            self.load_vaults()
        self.revalidate()

    @work(exclusive=True, group="vaults", exit_on_error=False)
    async def load_vaults(self) -> None:
        """List the subscription's vaults."""
        from screens.services import list_vaults

        sel = self.query_one("#existing-vault", Select)
        sel.loading = True
        vaults = await list_vaults(await self.plink.gateway())
        self._vaults = {vid: (name, loc) for vid, name, loc in vaults}
        sel.set_options([(safe.text(f"{name} ({loc})"), vid) for vid, name, loc in vaults])
        sel.loading = False
        self.revalidate()

    @on(Choice.Changed)
    def _mode(self) -> None:
        self._sync()

    @on(Select.Changed)
    def _picked(self) -> None:
        self.revalidate()

    def extra_problem(self) -> str:
        if self.query_one("#vault-mode", Choice).value == "existing":
            if self.query_one("#existing-vault", Select).value is Select.NULL:
                return "pick the existing vault"
        return ""

    def save(self) -> None:
        self.state.vault_mode = self.query_one("#vault-mode", Choice).value
        self.state.pls_enabled = self.query_one("#pls", Checkbox).value
        if self.state.vault_mode == "existing":
            vid = str(self.query_one("#existing-vault", Select).value)
            self.state.existing_vault_id = vid
            name, loc = getattr(self, "_vaults", {}).get(vid, ("", ""))
            if loc:
                self.state.vault_region = loc

    def next_screen(self) -> Screen[Any] | None:
        from screens.network import NetworkScreen

        return NetworkScreen()

    def autopilot_fill(self) -> None:
        self.query_one("#vault-mode", Choice).value = "new"

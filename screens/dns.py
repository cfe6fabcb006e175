"""DNS: create or reuse ``privatelink.vaultcore.azure.net`` and link it to the VNet."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from screens.step import WizardStep
from screens.widgets.choice import Choice
from screens.widgets.field import ValidatedField


class DnsScreen(WizardStep):
    """The private DNS zone, the VNet link and the zone group."""

    STEP = "dns"
    HEADING = "DNS — make the vault name resolve to the private IP inside the VNet"

    def compose_form(self) -> ComposeResult:
        s = self.state
        yield ValidatedField("Private DNS zone (the name must be exact)", field="dns.zone", value=s.zone, id="zone")
        yield Choice("Zone", [("auto", "Reuse the zone if it exists, else create it"),
                              ("always", "Always create it (fails if it exists)"),
                              ("never", "Only reuse an existing zone")], s.create_zone, id="create-zone")
        yield ValidatedField("VNet link name", field="dns.link_name",
                             value=s.link_name or f"link-{s.vnet_name}"[:80], id="link-name")
        yield Static("The link makes the zone answer inside this VNet. A DNS zone group on the endpoint writes "
                     f"the A record {s.vault_short_name} → the endpoint's IP and keeps it in step with the NIC.",
                     classes="note")

    def save(self) -> None:
        s = self.state
        s.zone = self.query_one("#zone", ValidatedField).value
        s.create_zone = self.query_one("#create-zone", Choice).value
        s.link_name = self.query_one("#link-name", ValidatedField).value

    def next_screen(self) -> Screen[Any] | None:
        from screens.testvm import TestVmScreen

        return TestVmScreen()

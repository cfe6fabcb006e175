"""DNS: create or reuse ``privatelink.vaultcore.azure.net`` and link it to the VNet."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Static

from screens import safe
from screens.state import check_zone_id
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
        yield Static(f"Looking for a zone named {s.zone} already linked to VNet {s.vnet_name}…", id="zone-found",
                     classes="note")
        yield Choice("Zone", [("auto", "Reuse the zone linked to the VNet (any resource group or subscription), "
                                       "else the plan's, else create it"),
                              ("always", "Always create it (fails if it exists)"),
                              ("never", "Only reuse an existing zone")], s.create_zone, id="create-zone")
        yield ValidatedField("Or name the zone to use (its resource id, any subscription; empty = search)",
                             check=self._check_zone_id, value=s.zone_id, id="zone-id",
                             placeholder="/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Network/"
                                         "privateDnsZones/privatelink.vaultcore.azure.net")
        yield ValidatedField("VNet link name", field="dns.link_name",
                             value=s.link_name or f"link-{s.vnet_name}"[:80], id="link-name")
        yield Static("The link makes the zone answer inside this VNet. A DNS zone group on the endpoint writes "
                     f"the A record {s.vault_short_name} → the endpoint's IP and keeps it in step with the NIC.",
                     classes="note")

    def on_mount(self) -> None:
        super().on_mount()
        self.find_zone()

    def _check_zone_id(self, text: str) -> tuple[bool, str]:
        """A zone id is optional; when given it must name a private DNS zone called what the zone field says."""
        ok, msg = check_zone_id(text)
        if not ok or not text.strip():
            return ok, msg
        zone = self.query_one("#zone", ValidatedField).value if self.is_mounted else self.state.zone
        named = text.strip().rstrip("/").rsplit("/", 1)[-1]
        if named.lower() != zone.lower():
            return False, f"dns.zone_id: names a zone called {named!r}, but the zone is {zone!r} (change one of them)"
        return True, ""

    @on(ValidatedField.Updated, "#zone-id")
    @on(ValidatedField.Updated, "#zone")
    def _zone_changed(self, event: ValidatedField.Updated) -> None:
        if event.field.id == "zone" and self.is_mounted:
            self.query_one("#zone-id", ValidatedField).revalidate()
        if event.field.valid:
            self.save()
            self.find_zone()

    @work(exclusive=True, group="dns", exit_on_error=False)
    async def find_zone(self) -> None:
        """Show which zone the run will use and why (the same search preflight makes)."""
        from plinktui.dnszone import choose_zone
        from plinktui.plan import PlanError, from_dict

        note = self.query_one("#zone-found", Static)
        data = self.state.to_plan_dict()
        data["test_vm"] = {"enabled": False}  # later steps do not matter for the zone
        data["vault"]["public_network_access"] = data["vault"].get("public_network_access") or "Disabled"
        if data["vault"]["public_network_access"] == "DisabledAfterVerify":
            data["vault"]["public_network_access"] = "Disabled"
        try:
            plan = from_dict(data, source="wizard")
        except PlanError as exc:
            note.update(safe.text(f"Zone lookup waits for the earlier steps: {exc.problems[0]}"))
            return
        gw = await self.plink.gateway()
        sub, rg = plan.network.vnet_scope(gw.subscription_id, plan.resource_group)
        vnet_id = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/" \
                  f"{plan.network.vnet_name}"
        choice = await choose_zone(gw, plan, vnet_id)
        # zone names, groups and reasons come from the subscription: shown literally, never as markup
        lines = [f"Zone {plan.dns.zone} in {choice.where}: {choice.reason}"]
        lines += [f"✗ {msg} ({fix})" for _, msg, fix in choice.problems]
        note.update(safe.join_lines(lines))

    def save(self) -> None:
        s = self.state
        s.zone = self.query_one("#zone", ValidatedField).value
        s.create_zone = self.query_one("#create-zone", Choice).value
        s.zone_id = self.query_one("#zone-id", ValidatedField).value
        s.link_name = self.query_one("#link-name", ValidatedField).value


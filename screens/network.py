"""Network: region (from the subscription's locations), VNet (existing, filtered by region, or new), subnet."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Label, Select, Static

from plinktui import validation as v
from screens import safe
from screens.services import VnetInfo
from screens.state import check_subscription_list, split_list
from screens.step import WizardStep
from screens.widgets.choice import Choice
from screens.widgets.field import ValidatedField


def usable_hint(prefix: str) -> str:
    """The usable address count of a subnet prefix (Azure keeps 5)."""
    return f"✓ {v.usable_addresses(prefix)} usable addresses (Azure reserves 5)"


def pls_subnet_problem(name: str, prefix: str, space: list[str], endpoint_subnet: str,
                       existing: dict[str, str], new_endpoint_prefix: str | None) -> str:
    """Why the Private Link Service's subnet cannot be used ("" when it can); same rules as the plan check."""
    if name == endpoint_subnet:
        return f"private_link_service.subnet: must differ from the endpoint's subnet {endpoint_subnet!r}"
    if name in existing:
        return f"private_link_service.subnet: {name!r} already exists in the VNet; pick another name"
    checks = [v.check_subnet_in_vnet("private_link_service.subnet_prefix", prefix, space),
              v.check_subnet_free("private_link_service.subnet_prefix", prefix, existing)]
    if new_endpoint_prefix:
        checks.append(v.check_no_overlap("private_link_service.subnet_prefix", [new_endpoint_prefix, prefix]))
    return next((msg for ok, msg in checks if not ok), "")


class NetworkScreen(WizardStep):
    """Where the private endpoint lives."""

    STEP = "network"
    HEADING = "Network — the endpoint lives in the VNet's region"

    def compose_form(self) -> ComposeResult:
        s = self.state
        yield Label("VNet region (the portal's region filter)")
        yield Select([(s.region, s.region)], value=s.region, allow_blank=False, id="region")
        yield Choice("Virtual network", [("existing", "Use an existing VNet"), ("new", "Create a new VNet")],
                     s.vnet_mode, id="vnet-mode")
        with Vertical(id="existing-vnet-box", classes="group"):
            yield Static("", id="region-filter", classes="note")
            yield Select([], prompt="existing VNet in this region", id="vnet")
        with Vertical(id="new-vnet-box", classes="group"):
            yield ValidatedField("VNet name", field="network.vnet", value=s.vnet_name if s.vnet_mode == "new"
                                 else "vnet-kv", id="new-vnet-name")
            yield ValidatedField("Address space (comma-separated CIDRs)", field="network.address_space",
                                 value=s.address_space, id="address-space")
        yield Choice("Subnet for the endpoint", [("existing", "Use an existing subnet"), ("new", "Create a subnet")],
                     s.subnet_mode, id="subnet-mode")
        with Vertical(id="existing-subnet-box", classes="group"):
            yield Select([], prompt="existing subnet", id="subnet")
            yield Static("", id="subnet-info", classes="note")
        with Vertical(id="new-subnet-box", classes="group"):
            # A subnet the user chose to create survives Back/Next (the screen is rebuilt from the saved state).
            yield ValidatedField("Subnet name", field="network.subnet",
                                 value=s.subnet_name if s.subnet_mode == "new" else "snet-endpoints",
                                 id="new-subnet-name")
            yield ValidatedField("Subnet prefix", check=self._prefix_check, value=s.subnet_prefix,
                                 hint=self._prefix_hint, id="subnet-prefix")
        with Vertical(id="pls-box", classes="group"):
            yield Static("Your own Private Link Service (chosen on the Scenario screen): a Standard Load Balancer's "
                         "frontend in its own subnet publishes YOUR service to other VNets. The Key Vault endpoint "
                         "does not use it: Key Vault sits behind a Microsoft-managed Private Link Service.",
                         classes="note")
            yield ValidatedField("Private Link Service subnet name", field="private_link_service.subnet",
                                 value=s.pls_subnet, id="pls-subnet")
            yield ValidatedField("Private Link Service subnet prefix", field="private_link_service.subnet_prefix",
                                 value=s.pls_subnet_prefix, hint=usable_hint, id="pls-prefix")
            yield ValidatedField("Visible to subscriptions (comma-separated ids or *; empty = this subscription)",
                                 check=check_subscription_list("private_link_service.visibility", True),
                                 value=s.pls_visibility, placeholder="empty: only this subscription",
                                 id="pls-visibility")
            yield ValidatedField("Auto-approve connections from (comma-separated subscription ids)",
                                 check=check_subscription_list("private_link_service.auto_approval", False),
                                 value=s.pls_auto_approval, placeholder="empty: approve each connection by hand",
                                 id="pls-auto-approval")

    def on_mount(self) -> None:
        super().on_mount()
        self._vnets: list[VnetInfo] = []
        self._loaded = False
        self._pls_suggested = ""
        self.query_one("#pls-box").display = self.state.pls_enabled
        self._sync()
        self.load()

    @work(exclusive=True, group="network", exit_on_error=False)
    async def load(self) -> None:
        """Regions and VNets, in one worker."""
        import asyncio

        from screens.services import list_locations, list_vnets

        gw = await self.plink.gateway()
        self.query_one("#vnet", Select).loading = True
        regions, vnets = await asyncio.gather(list_locations(gw), list_vnets(gw))
        self._vnets = vnets
        region = self.query_one("#region", Select)
        current = region.value if region.value is not Select.NULL else self.state.region
        region.set_options([(safe.text(r), r) for r in regions] or [(safe.text(current), current)])
        if current in regions or not regions:
            region.value = current
        self._loaded = True
        self.query_one("#vnet", Select).loading = False
        self._fill_vnets()

    def _vnet(self) -> VnetInfo | None:
        sel = self.query_one("#vnet", Select)
        return next((x for x in self._vnets if x.id == sel.value), None)

    def _fill_vnets(self) -> None:
        region = str(self.query_one("#region", Select).value)
        sel = self.query_one("#vnet", Select)
        items = [x for x in self._vnets if x.location.lower() == region.lower()]
        self.query_one("#region-filter", Static).update(
            safe.text(f"Region filter: {region} — {len(items)} of {len(self._vnets)} VNets shown"))
        keep = sel.value
        sel.set_options([(safe.text(f"{x.name}  ({x.resource_group}, {', '.join(x.address_space)})"), x.id)
                         for x in items])
        want = next((x.id for x in items if x.id == keep or (x.name == self.state.vnet_name
                                                            and x.resource_group == self.state.vnet_rg)), None)
        if want:
            sel.value = want
        self._fill_subnets()

    def _fill_subnets(self) -> None:
        vnet = self._vnet()
        sel = self.query_one("#subnet", Select)
        keep = sel.value
        subnets = vnet.subnets if vnet else {}
        sel.set_options([(safe.text(f"{n}  {p}  ({v.usable_addresses(p)} usable)"), n) for n, p in subnets.items()])
        for cand in (keep, self.state.subnet_name):
            if cand in subnets:
                sel.value = cand
                break
        self._sync()

    def _sync(self) -> None:
        new_vnet = self.query_one("#vnet-mode", Choice).value == "new"
        self.query_one("#existing-vnet-box").display = not new_vnet
        self.query_one("#new-vnet-box").display = new_vnet
        subnet_mode = self.query_one("#subnet-mode", Choice)
        subnet_mode.display = not new_vnet
        new_subnet = new_vnet or subnet_mode.value == "new"
        self.query_one("#existing-subnet-box").display = not new_subnet
        self.query_one("#new-subnet-box").display = new_subnet
        info = self.query_one("#subnet-info", Static)
        vnet = self._vnet() if hasattr(self, "_vnets") else None
        sub = self.query_one("#subnet", Select).value
        if vnet and sub in vnet.subnets:
            info.update(safe.text(f"{vnet.subnets[sub]} · private endpoint network policies: {vnet.policies.get(sub)}"))
        else:
            info.update("")
        if new_subnet:
            self._suggest_subnet_prefix()
        self._suggest_pls_prefix()
        self.revalidate()

    def _space(self) -> tuple[list[str], dict[str, str], str]:
        """(address space, existing subnets, VNet name) of the VNet the new subnet goes into, as now chosen."""
        if self.query_one("#vnet-mode", Choice).value == "new":
            return (split_list(self.query_one("#address-space", ValidatedField).value), {},
                    self.query_one("#new-vnet-name", ValidatedField).value)
        vnet = self._vnet() if hasattr(self, "_vnets") else None
        return (vnet.address_space, dict(vnet.subnets), vnet.name) if vnet else ([], {}, "")

    def _prefix_check(self, text: str) -> tuple[bool, str]:
        """The subnet prefix: the field's rule, then inside the chosen VNet and clear of its subnets."""
        ok, msg = v.validate_field("network.subnet_prefix", text)
        if not ok:
            return ok, msg
        try:
            space, existing, _name = self._space()
        except Exception:  # noqa: BLE001 - not composed yet: the field's own rule is all there is
            return True, ""
        if space:
            for ok, msg in (v.check_subnet_in_vnet("network.subnet_prefix", text, space),
                            v.check_subnet_free("network.subnet_prefix", text, existing)):
                if not ok:
                    return ok, msg
        return True, ""

    def _prefix_hint(self, text: str) -> str:
        try:
            _space, _existing, name = self._space()
        except Exception:  # noqa: BLE001 - not composed yet
            name = ""
        return usable_hint(text) + (f", inside {name}" if name else "")

    def _suggest_subnet_prefix(self) -> None:
        """A new subnet on an existing VNet: suggest a free range of the VNet (the default belongs to the demo's
        new VNet) until the user types their own."""
        field = self.query_one("#subnet-prefix", ValidatedField)
        space, existing, _name = self._space()
        if not space or (field.valid and field.value != getattr(self, "_prefix_suggested", "")):
            field.revalidate()
            return
        like = v.parse_ipv4_network(field.value) or v.parse_ipv4_network("10.0.0.0/24")
        assert like is not None
        suggestion = v.suggest_free_subnet(existing.values(), like, space) if like.prefixlen >= 16 else None
        if suggestion and suggestion != field.value:
            self._prefix_suggested = suggestion
            field.value = suggestion
        field.revalidate()

    def _pls_context(self) -> tuple[list[str], dict[str, str], str | None]:
        """(VNet address space, its existing subnets, the endpoint's new subnet prefix or None) as now chosen."""
        if self.query_one("#vnet-mode", Choice).value == "new":
            space = split_list(self.query_one("#address-space", ValidatedField).value)
            return space, {}, self.query_one("#subnet-prefix", ValidatedField).value
        vnet = self._vnet() if hasattr(self, "_vnets") else None
        new_subnet = self.query_one("#subnet-mode", Choice).value == "new"
        return ((vnet.address_space if vnet else []), (dict(vnet.subnets) if vnet else {}),
                self.query_one("#subnet-prefix", ValidatedField).value if new_subnet else None)

    def _suggest_pls_prefix(self) -> None:
        """Fill a free /28 for the PLS subnet until the user types their own."""
        if not self.state.pls_enabled:
            return
        field = self.query_one("#pls-prefix", ValidatedField)
        if field.value and field.value != self._pls_suggested:
            return
        space, existing, new_prefix = self._pls_context()
        like = v.parse_ipv4_network("10.0.0.0/28")
        assert like is not None
        taken = [*existing.values(), *([new_prefix] if new_prefix else [])]
        suggestion = v.suggest_free_subnet(taken, like, space) if space else None
        if suggestion and suggestion != field.value:
            self._pls_suggested = suggestion
            field.value = suggestion

    @on(ValidatedField.Updated, "#address-space, #subnet-prefix")
    def _ranges_changed(self, event: ValidatedField.Updated) -> None:
        if event.field.id == "address-space":
            self.query_one("#subnet-prefix", ValidatedField).revalidate()  # the prefix must sit in the new space
        self._suggest_pls_prefix()

    @on(Select.Changed, "#region")
    def _region(self) -> None:
        if getattr(self, "_loaded", False):
            self._fill_vnets()

    @on(Select.Changed, "#vnet")
    def _vnet_changed(self) -> None:
        self._fill_subnets()

    @on(Select.Changed, "#subnet")
    @on(Choice.Changed)
    def _changed(self) -> None:
        self._sync()

    def extra_problem(self) -> str:
        problem = self._network_problem()
        if problem or not self.state.pls_enabled:
            return problem
        space, existing, new_prefix = self._pls_context()
        endpoint_subnet = (self.query_one("#new-subnet-name", ValidatedField).value
                           if new_prefix is not None else str(self.query_one("#subnet", Select).value))
        return pls_subnet_problem(self.query_one("#pls-subnet", ValidatedField).value,
                                  self.query_one("#pls-prefix", ValidatedField).value, space, endpoint_subnet,
                                  existing, new_prefix)

    def _network_problem(self) -> str:
        new_vnet = self.query_one("#vnet-mode", Choice).value == "new"
        if not new_vnet:
            vnet = self._vnet() if hasattr(self, "_vnets") else None
            if vnet is None:
                return "pick a VNet in this region" if getattr(self, "_loaded", False) else "loading VNets…"
            if self.query_one("#subnet-mode", Choice).value == "existing":
                if self.query_one("#subnet", Select).value is Select.NULL:
                    return "pick a subnet"
                return ""
            name = self.query_one("#new-subnet-name", ValidatedField).value
            if name in vnet.subnets:
                return f"subnet {name} already exists; pick it as existing or rename"
        return ""  # the prefix field itself checks the range against the chosen VNet (_prefix_check)

    def save(self) -> None:
        s = self.state
        s.region = str(self.query_one("#region", Select).value)
        s.vnet_mode = self.query_one("#vnet-mode", Choice).value
        if s.vnet_mode == "existing":
            vnet = self._vnet()
            assert vnet is not None
            s.vnet_name, s.vnet_rg, s.vnet_address_space = vnet.name, vnet.resource_group, vnet.address_space
            s.existing_subnets = dict(vnet.subnets)
            s.subnet_mode = self.query_one("#subnet-mode", Choice).value
            if s.subnet_mode == "existing":
                s.subnet_name = str(self.query_one("#subnet", Select).value)
                s.pe_network_policies = vnet.policies.get(s.subnet_name, "Disabled")
        else:
            s.vnet_name = self.query_one("#new-vnet-name", ValidatedField).value
            s.vnet_rg = ""
            s.address_space = self.query_one("#address-space", ValidatedField).value
            s.subnet_mode = "new"
        if s.subnet_mode == "new":
            s.subnet_name = self.query_one("#new-subnet-name", ValidatedField).value
            s.subnet_prefix = self.query_one("#subnet-prefix", ValidatedField).value
        if s.pls_enabled:
            s.pls_subnet = self.query_one("#pls-subnet", ValidatedField).value
            s.pls_subnet_prefix = self.query_one("#pls-prefix", ValidatedField).value
            s.pls_visibility = self.query_one("#pls-visibility", ValidatedField).value
            s.pls_auto_approval = self.query_one("#pls-auto-approval", ValidatedField).value
        if not s.link_name:
            s.link_name = f"link-{s.vnet_name}"[:80]

    def next_screen(self) -> Screen[Any] | None:
        from screens.vault import VaultScreen

        return VaultScreen()

    def autopilot_ready(self) -> bool:
        return getattr(self, "_loaded", False) and super().autopilot_ready()

    def autopilot_fill(self) -> None:
        from screens.state import DEMO_SUBNET, DEMO_VNET, DEMO_VNET_REGION

        region = self.query_one("#region", Select)
        if any(value == DEMO_VNET_REGION for _label, value in region._options):
            region.value = DEMO_VNET_REGION
        self._fill_vnets()
        self.query_one("#vnet-mode", Choice).value = "existing"
        sel = self.query_one("#vnet", Select)
        vnet = next((x for x in self._vnets if x.name == DEMO_VNET), None)
        if vnet:
            sel.value = vnet.id
            self._fill_subnets()
        self.query_one("#subnet-mode", Choice).value = "existing"
        subnet = self.query_one("#subnet", Select)
        if any(value == DEMO_SUBNET for _label, value in subnet._options):
            subnet.value = DEMO_SUBNET
        self._sync()

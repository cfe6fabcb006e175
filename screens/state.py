"""The wizard's answers, and the one place they become a :class:`plinktui.plan.Plan`.

The TUI never builds a plan by hand: :meth:`WizardState.to_plan_dict` produces the same TOML-shaped data a plan
file holds, and :func:`plinktui.plan.from_dict` validates it with the same validators, so a plan from the wizard,
from questionary and from a file are checked by one code path.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from plinktui.plan import DEFAULT_ZONE, Plan, from_dict
from plinktui.validation import validate_subscription_id, validate_zone_id

DEMO_RG = "rg-workload-westus2"
DEMO_VNET = "vnet-workload"
DEMO_VNET_REGION = "westus2"
DEMO_SUBNET = "snet-endpoints"
DEMO_VAULT_REGION = "eastus2"
DEMO_JUMPBOX = "vm-jumpbox"


def unique_vault_name(prefix: str = "kv-demo") -> str:
    """A vault name with a short random suffix (vault names are global, so a fixed name collides)."""
    return f"{prefix}-{secrets.token_hex(3)}"


def split_list(text: str) -> list[str]:
    """``"a, b,,c"`` -> ``["a", "b", "c"]`` (comma-separated answers such as subscription lists)."""
    return [p.strip() for p in text.split(",") if p.strip()]


def check_subscription_list(field: str, allow_star: bool) -> Callable[[str], tuple[bool, str]]:
    """A check for comma-separated subscription ids (empty is fine: only this subscription; ``*`` if allowed)."""
    example = "00000000-0000-0000-0000-000000000000" + (" or *" if allow_star else "")

    def check(text: str) -> tuple[bool, str]:
        for item in split_list(text):
            if item == "*" and allow_star:
                continue
            if not validate_subscription_id(item)[0]:
                return False, f"{field}: {item!r} is not a subscription id (GUID) (e.g. {example})"
        return True, ""
    return check


def check_zone_id(text: str) -> tuple[bool, str]:
    """``dns.zone_id`` as an optional answer: empty lets the run search every subscription for the zone."""
    return (True, "") if not text.strip() else validate_zone_id(text.strip())


def arm_id(sub: str, rg: str, provider_type: str, name: str) -> str:
    """Build a resource id."""
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{provider_type}/{name}"


@dataclass
class WizardState:
    """Everything the user chose, screen by screen (defaults are the demo story's answers)."""

    demo: bool = True
    subscription_id: str = ""
    subscription_name: str = ""
    signed_in_as: str = ""
    # scenario
    vault_mode: str = "new"  # new | existing
    pls_enabled: bool = False
    pls_subnet: str = "snet-pls"
    pls_subnet_prefix: str = ""  # "" = the Network screen suggests a free /28
    pls_visibility: str = ""  # comma-separated subscription ids or "*"; "" = only this subscription
    pls_auto_approval: str = ""
    # network
    region: str = DEMO_VNET_REGION
    vnet_mode: str = "existing"  # existing | new
    vnet_rg: str = DEMO_RG
    vnet_name: str = DEMO_VNET
    address_space: str = "10.70.0.0/16"
    vnet_address_space: list[str] = field(default_factory=list)
    subnet_mode: str = "existing"  # existing | new
    subnet_name: str = DEMO_SUBNET
    subnet_prefix: str = "10.70.1.0/24"
    existing_subnets: dict[str, str] = field(default_factory=dict)
    pe_network_policies: str = "Disabled"
    # vault
    vault_region: str = DEMO_VAULT_REGION
    vault_name: str = field(default_factory=unique_vault_name)
    existing_vault_id: str = ""
    rbac: bool = True
    public_access: str = ""  # "" = the safe default for the test-VM choice
    # dns
    zone: str = DEFAULT_ZONE
    create_zone: str = "auto"
    zone_id: str = ""  # an existing zone named outright (any subscription); "" = search for it
    link_name: str = ""
    # test vm
    vm_mode: str = "existing"  # existing | new | none
    existing_vm: str = DEMO_JUMPBOX
    vm_name: str = "vm-kv-probe"
    vm_size: str = "Standard_B1s"
    admin_username: str = "azureuser"
    ssh_public_key: str = "generate"
    ssh_source: str = ""
    # plan
    plan_name: str = "kv-demo"
    resource_group: str = ""

    @property
    def effective_rg(self) -> str:
        """Where new resources go: the existing VNet's group, else ``rg-<plan>``."""
        if self.resource_group:
            return self.resource_group
        if self.vnet_mode == "existing" and self.vnet_rg:
            return self.vnet_rg
        return f"rg-{self.plan_name}"

    @property
    def effective_public_access(self) -> str:
        """``DisabledAfterVerify`` only when a new test VM can verify; otherwise switch it off right away."""
        if self.public_access:
            return self.public_access
        return "DisabledAfterVerify" if self.vm_mode == "new" else "Disabled"

    @property
    def vault_short_name(self) -> str:
        """The vault's name (from the id when reusing one)."""
        if self.vault_mode == "existing" and self.existing_vault_id:
            return self.existing_vault_id.rstrip("/").rsplit("/", 1)[-1]
        return self.vault_name

    @property
    def probe_vm(self) -> str | None:
        """The VM the audit probes from (an existing VM or the new test VM)."""
        if self.vm_mode == "existing":
            return self.existing_vm or None
        if self.vm_mode == "new":
            return self.vm_name
        return None

    def to_plan_dict(self) -> dict[str, Any]:
        """The answers as plan-file data (same keys as a TOML plan)."""
        rg = self.effective_rg
        if self.vnet_mode == "existing":
            vnet = (arm_id(self.subscription_id, self.vnet_rg, "Microsoft.Network/virtualNetworks", self.vnet_name)
                    if self.vnet_rg and self.vnet_rg != rg and self.subscription_id else self.vnet_name)
        else:
            vnet = self.vnet_name
        network: dict[str, Any] = {"region": self.region, "vnet": vnet, "subnet": self.subnet_name,
                                   "private_endpoint_network_policies": self.pe_network_policies}
        if self.vnet_mode == "new":
            network["address_space"] = [p.strip() for p in self.address_space.split(",") if p.strip()]
        if self.vnet_mode == "new" or self.subnet_mode == "new":
            network["subnet_prefix"] = self.subnet_prefix
        vault: dict[str, Any] = {"region": self.vault_region, "rbac": self.rbac}
        if self.vault_mode == "existing":
            vault.update(name=self.existing_vault_id or self.vault_name, existing=True)
            if self.public_access:
                vault["public_network_access"] = self.public_access
        else:
            vault.update(name=self.vault_name, existing=False, public_network_access=self.effective_public_access)
        meta: dict[str, Any] = {"name": self.plan_name, "resource_group": rg}
        if self.subscription_id:
            meta["subscription"] = self.subscription_id
        dns: dict[str, Any] = {"zone": self.zone, "create_zone": self.create_zone}
        if self.link_name:
            dns["link_name"] = self.link_name
        if self.zone_id:
            dns["zone_id"] = self.zone_id
        data: dict[str, Any] = {"plan": meta, "network": network, "vault": vault,
                                "private_endpoint": {"name": f"pe-{self.vault_short_name}"}, "dns": dns}
        if self.pls_enabled:
            data["private_link_service"] = {
                "enabled": True, "subnet": self.pls_subnet, "subnet_prefix": self.pls_subnet_prefix,
                "visibility": split_list(self.pls_visibility), "auto_approval": split_list(self.pls_auto_approval)}
        if self.vm_mode == "new":
            data["test_vm"] = {"enabled": True, "name": self.vm_name, "size": self.vm_size,
                               "admin_username": self.admin_username, "ssh_public_key": self.ssh_public_key,
                               "ssh_source": self.ssh_source}
        else:
            data["test_vm"] = {"enabled": False}
        return data

    def to_plan(self) -> Plan:
        """Validate and build the plan (raises :class:`plinktui.plan.PlanError` listing every problem)."""
        return from_dict(self.to_plan_dict(), source="wizard")

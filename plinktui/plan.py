"""The provisioning plan: typed model, TOML loading (strict schema) and saving.

A plan says what the user wants; :mod:`plinktui.dag` turns it into resources and :mod:`plinktui.engine` creates
them. Loading never touches Azure: every field goes through its validator from :mod:`plinktui.validation`, unknown
keys are rejected by name, and every problem is reported at once (:class:`PlanError` carries the full list).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plinktui import validation as v
from plinktui.fsutil import atomic_write
from plinktui.untrusted import clip

DEFAULT_ZONE = "privatelink.vaultcore.azure.net"
DEFAULT_IMAGE = "Canonical:ubuntu-24_04-lts:server:latest"
DEFAULT_VM_SIZE = "Standard_B1s"
DEFAULT_ADMIN = "azureuser"


class PlanError(ValueError):
    """A plan that cannot be used; ``problems`` lists one message per field."""

    def __init__(self, problems: list[str], source: str = "plan"):
        self.problems = problems
        self.source = source
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass
class PlanMeta:
    """``[plan]``: the run's name, target subscription and resource group."""

    name: str
    subscription: str | None = None
    resource_group: str = ""


@dataclass
class NetworkSpec:
    """``[network]``: the VNet that hosts the endpoint (new when ``address_space`` is given)."""

    region: str
    vnet: str
    subnet: str
    address_space: list[str] = field(default_factory=list)
    subnet_prefix: str | None = None
    private_endpoint_network_policies: str = "Disabled"

    @property
    def vnet_name(self) -> str:
        """The VNet's name (``vnet`` may be a full resource id of an existing VNet)."""
        ref = v.parse_arm_id(self.vnet)
        return ref[3] if ref else self.vnet

    def vnet_scope(self, subscription: str, resource_group: str) -> tuple[str, str]:
        """(subscription, resource group) of the VNet."""
        ref = v.parse_arm_id(self.vnet)
        return (ref[0], ref[1]) if ref else (subscription, resource_group)

    @property
    def new_vnet(self) -> bool:
        """True when the plan creates the VNet (it lists an address space)."""
        return bool(self.address_space)

    @property
    def new_subnet(self) -> bool:
        """True when the plan creates the subnet (it gives a prefix)."""
        return self.subnet_prefix is not None


@dataclass
class VaultSpec:
    """``[vault]``: the Key Vault the endpoint reaches; may live in any region."""

    region: str
    name: str
    existing: bool = False
    public_network_access: str | None = None  # None: DisabledAfterVerify for a new vault, untouched if existing
    rbac: bool = True
    soft_delete_retention_days: int = 7

    @property
    def vault_name(self) -> str:
        """The vault's name (``name`` may be a full resource id of an existing vault)."""
        ref = v.parse_arm_id(self.name)
        return ref[3] if ref else self.name

    def vault_scope(self, subscription: str, resource_group: str) -> tuple[str, str]:
        """(subscription, resource group) of the vault."""
        ref = v.parse_arm_id(self.name)
        return (ref[0], ref[1]) if ref else (subscription, resource_group)

    @property
    def effective_public_access(self) -> str | None:
        """What plinktui sets; None means leave an existing vault as it is."""
        if self.public_network_access is not None:
            return self.public_network_access
        return None if self.existing else "DisabledAfterVerify"

    @property
    def fqdn(self) -> str:
        """The vault's data-plane host name in the public cloud."""
        return f"{self.vault_name}.vault.azure.net"


@dataclass
class EndpointSpec:
    """``[private_endpoint]``: lives in the VNet's region and subscription, whatever the vault's region."""

    name: str
    nic_name: str | None = None
    static_ip: str | None = None
    manual_approval: bool = False
    region: str | None = None  # optional; when given it must equal network.region


@dataclass
class DnsSpec:
    """``[dns]``: the private zone, where it lives, and the VNet link."""

    zone: str = DEFAULT_ZONE
    zone_resource_group: str | None = None
    link_name: str = ""
    create_zone: str = "auto"
    zone_id: str | None = None  # an explicit existing zone (any subscription); auto finds one otherwise


@dataclass
class PrivateLinkServiceSpec:
    """``[private_link_service]``: YOUR OWN service behind a Standard LB; a Key Vault endpoint never needs it."""

    enabled: bool = False
    subnet: str = "snet-pls"
    subnet_prefix: str | None = None
    visibility: list[str] = field(default_factory=list)
    auto_approval: list[str] = field(default_factory=list)


@dataclass
class TestVmSpec:
    """``[test_vm]``: a small Linux VM inside the VNet to prove resolution from there."""

    enabled: bool = False
    name: str = ""
    size: str = DEFAULT_VM_SIZE
    image: str = DEFAULT_IMAGE
    admin_username: str = DEFAULT_ADMIN
    ssh_public_key: str = "generate"
    ssh_source: str = ""

    @property
    def nsg_name(self) -> str:
        """Name of the VM's network security group."""
        return f"{self.name}-nsg"

    @property
    def pip_name(self) -> str:
        """Name of the VM's public IP."""
        return f"{self.name}-pip"

    @property
    def nic_name(self) -> str:
        """Name of the VM's NIC."""
        return f"{self.name}-nic"


@dataclass
class Plan:
    """A complete provisioning plan."""

    plan: PlanMeta
    network: NetworkSpec
    vault: VaultSpec
    private_endpoint: EndpointSpec
    dns: DnsSpec = field(default_factory=DnsSpec)
    private_link_service: PrivateLinkServiceSpec = field(default_factory=PrivateLinkServiceSpec)
    test_vm: TestVmSpec = field(default_factory=TestVmSpec)
    source: str | None = field(default=None, compare=False)  # file it came from (not saved)

    @property
    def name(self) -> str:
        """The plan's name."""
        return self.plan.name

    @property
    def resource_group(self) -> str:
        """Resource group for everything the plan creates."""
        return self.plan.resource_group

    @property
    def zone_resource_group(self) -> str:
        """Resource group of the private DNS zone."""
        return self.dns.zone_resource_group or self.plan.resource_group

    def to_dict(self) -> dict[str, Any]:
        """The plan as plain TOML-able data (defaults written out, ``None`` left out)."""
        out: dict[str, Any] = {}
        for section in SCHEMA:
            obj = getattr(self, section)
            data = {k: getattr(obj, k) for k in SCHEMA[section] if getattr(obj, k) is not None}
            out[section] = data
        if not self.private_link_service.enabled:
            out.pop("private_link_service")
        if not self.test_vm.enabled:
            out["test_vm"] = {"enabled": False}
        return out

    def to_toml(self) -> str:
        """Serialise to TOML that :func:`loads` reads back to an equal plan."""
        lines = [f"# plinktui plan {self.name!r}"]
        for section, data in self.to_dict().items():
            lines.append("")
            lines.append(f"[{section}]")
            for key, value in data.items():
                lines.append(f"{key} = {_toml_value(value)}")
        return "\n".join(lines) + "\n"

    def save(self, path: str | Path) -> Path:
        """Write the plan as TOML (atomically) and return the path."""
        p = Path(path).expanduser()
        atomic_write(p, self.to_toml(), mode=0o666)  # a plan holds no secret: the umask decides, as for any file
        return p


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(x) for x in value) + "]"
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


# Every key of every section: the one place the schema lives (docs/plan.md documents each).
SCHEMA: dict[str, tuple[str, ...]] = {
    "plan": ("name", "subscription", "resource_group"),
    "network": ("region", "vnet", "address_space", "subnet", "subnet_prefix", "private_endpoint_network_policies"),
    "vault": ("region", "name", "existing", "public_network_access", "rbac", "soft_delete_retention_days"),
    "private_endpoint": ("name", "nic_name", "static_ip", "manual_approval", "region"),
    "dns": ("zone", "zone_resource_group", "link_name", "create_zone", "zone_id"),
    "private_link_service": ("enabled", "subnet", "subnet_prefix", "visibility", "auto_approval"),
    "test_vm": ("enabled", "name", "size", "image", "admin_username", "ssh_public_key", "ssh_source"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "plan": ("name",),
    "network": ("region", "vnet", "subnet"),
    "vault": ("region", "name"),
    "private_endpoint": (),
}
BOOL_KEYS = {("vault", "existing"), ("vault", "rbac"), ("private_endpoint", "manual_approval"),
             ("private_link_service", "enabled"), ("test_vm", "enabled")}
LIST_KEYS = {("network", "address_space"), ("private_link_service", "visibility"),
             ("private_link_service", "auto_approval")}
INT_KEYS = {("vault", "soft_delete_retention_days")}


class _Collector:
    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.problems: list[str] = []

    def section(self, name: str) -> dict[str, Any]:
        sec = self.data.get(name, {})
        if not isinstance(sec, dict):
            self.problems.append(f"[{name}] must be a table")
            return {}
        return sec

    def get(self, sec: str, key: str, default: Any = None) -> Any:
        table = self.section(sec)
        if key not in table:
            if key in REQUIRED.get(sec, ()):
                self.problems.append(f"{sec}.{key}: is required")
            return default
        value = table[key]
        if (sec, key) in BOOL_KEYS:
            if not isinstance(value, bool):
                self.problems.append(f"{sec}.{key}: must be true or false (e.g. true)")
                return default
            return value
        if (sec, key) in LIST_KEYS:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                self.problems.append(f"{sec}.{key}: must be a list of strings (e.g. [\"10.70.0.0/16\"])")
                return default
            return value
        if (sec, key) in INT_KEYS:
            if isinstance(value, bool) or not isinstance(value, int):
                self.problems.append(f"{sec}.{key}: must be a whole number (e.g. 7)")
                return default
            ok, msg = v.validate_field(f"{sec}.{key}", str(value))
            if not ok:
                self.problems.append(msg)
            return value
        if not isinstance(value, str):
            self.problems.append(f"{sec}.{key}: must be a string")
            return default
        ok, msg = v.validate_field(f"{sec}.{key}", value)
        if not ok:
            self.problems.append(msg)
        return value


def _shown(name: Any) -> str:
    """A key from the file as safe to print: control characters escaped (no terminal escapes), long names cut."""
    return clip(name, 60)


def from_dict(data: dict[str, Any], source: str = "plan") -> Plan:
    """Build and validate a :class:`Plan` from parsed TOML; raise :class:`PlanError` listing every problem."""
    c = _Collector(data)
    for sec, table in data.items():
        if sec not in SCHEMA:
            c.problems.append(f"unknown section [{_shown(sec)}] (known: {', '.join(SCHEMA)})")
            continue
        if isinstance(table, dict):
            for key in table:
                if key not in SCHEMA[sec]:
                    c.problems.append(f"{sec}.{_shown(key)}: unknown key (known in [{sec}]: {', '.join(SCHEMA[sec])})")
    for sec in REQUIRED:
        if sec not in data and sec != "private_endpoint":
            c.problems.append(f"[{sec}] section is required")

    name = c.get("plan", "name", "plan")
    meta = PlanMeta(name=name, subscription=c.get("plan", "subscription"),
                    resource_group=c.get("plan", "resource_group") or f"rg-{name}")
    network = NetworkSpec(
        region=c.get("network", "region", ""), vnet=c.get("network", "vnet", ""),
        subnet=c.get("network", "subnet", ""), address_space=c.get("network", "address_space", []),
        subnet_prefix=c.get("network", "subnet_prefix"),
        private_endpoint_network_policies=c.get("network", "private_endpoint_network_policies", "Disabled"))
    for prefix in network.address_space:
        ok, msg = v.validate_address_prefix(prefix)
        if not ok:
            c.problems.append(msg)
    vault = VaultSpec(
        region=c.get("vault", "region", ""), name=c.get("vault", "name", ""),
        existing=c.get("vault", "existing", False), public_network_access=c.get("vault", "public_network_access"),
        rbac=c.get("vault", "rbac", True), soft_delete_retention_days=c.get("vault", "soft_delete_retention_days", 7))
    static_ip = c.get("private_endpoint", "static_ip")
    pe = EndpointSpec(
        name=c.get("private_endpoint", "name") or f"pe-{vault.vault_name}", nic_name=c.get("private_endpoint", "nic_name"),
        static_ip=static_ip or None, manual_approval=c.get("private_endpoint", "manual_approval", False),
        region=c.get("private_endpoint", "region"))
    if pe.region is not None:
        ok, msg = v.validate_region(pe.region)
        if not ok:
            c.problems.append(msg.replace("region:", "private_endpoint.region:", 1))
    dns = DnsSpec(zone=c.get("dns", "zone", DEFAULT_ZONE), zone_resource_group=c.get("dns", "zone_resource_group"),
                  link_name=c.get("dns", "link_name") or f"link-{network.vnet_name}"[:80],
                  create_zone=c.get("dns", "create_zone", "auto"), zone_id=c.get("dns", "zone_id") or None)
    pls = PrivateLinkServiceSpec(
        enabled=c.get("private_link_service", "enabled", False),
        subnet=c.get("private_link_service", "subnet", "snet-pls"),
        subnet_prefix=c.get("private_link_service", "subnet_prefix"),
        visibility=c.get("private_link_service", "visibility", []),
        auto_approval=c.get("private_link_service", "auto_approval", []))
    vm = TestVmSpec(
        enabled=c.get("test_vm", "enabled", False), name=c.get("test_vm", "name") or f"vm-{name}",
        size=c.get("test_vm", "size", DEFAULT_VM_SIZE), image=c.get("test_vm", "image", DEFAULT_IMAGE),
        admin_username=c.get("test_vm", "admin_username", DEFAULT_ADMIN),
        ssh_public_key=c.get("test_vm", "ssh_public_key", "generate"), ssh_source=c.get("test_vm", "ssh_source", ""))
    plan = Plan(plan=meta, network=network, vault=vault, private_endpoint=pe, dns=dns, private_link_service=pls,
                test_vm=vm, source=source)
    if not c.problems:
        c.problems.extend(cross_field_problems(plan))
    if c.problems:
        raise PlanError(c.problems, source)
    return plan


def cross_field_problems(plan: Plan) -> list[str]:
    """Rules that involve more than one field; pure (Azure-backed checks are in preflight)."""
    out: list[str] = []
    net = plan.network

    def add(res: tuple[bool, str]) -> None:
        if not res[0]:
            out.append(res[1])

    if net.new_vnet and v.parse_arm_id(net.vnet):
        out.append("network.vnet: a resource id names an existing VNet; drop address_space, or give a plain name "
                   "for a new VNet (e.g. 'vnet-workloads')")
    if not plan.vault.existing and v.parse_arm_id(plan.vault.name):
        out.append("vault.name: a resource id names an existing vault; set existing = true or give a plain name "
                   "(e.g. 'kv-contoso-01')")
    if net.new_vnet:
        add(v.check_no_overlap("network.address_space", net.address_space))
        if not net.new_subnet:
            out.append("network.subnet_prefix: a new VNet (address_space given) needs a prefix for its subnet "
                       f"(e.g. {_example_subnet(net.address_space)!r})")
    if net.new_subnet and net.new_vnet:
        add(v.check_subnet_in_vnet("network.subnet_prefix", net.subnet_prefix or "", net.address_space))
    if plan.private_endpoint.region and plan.private_endpoint.region != net.region:
        out.append(f"private_endpoint.region: an endpoint must be in its VNet's region ({net.region}), whatever the "
                   f"vault's region; {plan.private_endpoint.region!r} is not (e.g. {net.region!r})")
    if plan.private_endpoint.static_ip and net.new_subnet:
        add(v.check_static_ip_in_subnet(plan.private_endpoint.static_ip, net.subnet_prefix or ""))
    if plan.vault.effective_public_access == "DisabledAfterVerify" and not plan.test_vm.enabled:
        out.append("vault.public_network_access: DisabledAfterVerify needs [test_vm] enabled = true to verify from "
                   "inside the VNet (e.g. set 'Disabled', or enable the test VM)")
    zone_ref = v.parse_arm_id(plan.dns.zone_id) if plan.dns.zone_id else None
    if zone_ref is not None:
        if zone_ref[3].lower() != plan.dns.zone.lower():
            out.append(f"dns.zone_id: names a zone called {zone_ref[3]!r}, but dns.zone is {plan.dns.zone!r}; "
                       "they must be the same name (e.g. drop dns.zone)")
        if plan.dns.create_zone == "always":
            out.append("dns.zone_id: names an existing zone, so create_zone cannot be 'always' (e.g. 'auto')")
        if plan.dns.zone_resource_group:
            out.append("dns.zone_resource_group: zone_id already says where the zone is; drop one of them")
    pls = plan.private_link_service
    if pls.enabled:
        if not pls.subnet_prefix:
            out.append("private_link_service.subnet_prefix: is required when the service is enabled "
                       "(e.g. '10.70.2.0/28')")
        elif net.new_vnet:
            add(v.check_subnet_in_vnet("private_link_service.subnet_prefix", pls.subnet_prefix, net.address_space))
            if net.subnet_prefix:
                add(v.check_no_overlap("private_link_service.subnet_prefix", [net.subnet_prefix, pls.subnet_prefix]))
        if pls.subnet == net.subnet:
            out.append("private_link_service.subnet: must differ from network.subnet (e.g. 'snet-pls')")
        for sub in pls.visibility + pls.auto_approval:
            if sub != "*":
                ok, msg = v.validate_subscription_id(sub)
                if not ok:
                    out.append(msg.replace("plan.subscription", "private_link_service.visibility/auto_approval"))
    vm = plan.test_vm
    if vm.enabled:
        if not vm.ssh_source:
            out.append("test_vm.ssh_source: is required when the test VM is enabled: the one address allowed to "
                       "reach SSH, never '*' (e.g. '203.0.113.7/32')")
        if not vm.name:
            out.append("test_vm.name: is required (e.g. 'vm-kv-probe')")
    return out


def _example_subnet(space: list[str]) -> str:
    net = v.parse_ipv4_network(space[0]) if space else None
    if net is None:
        return "10.70.1.0/24"
    return str(next(net.subnets(new_prefix=max(24, net.prefixlen))))


def loads(text: str, source: str = "plan") -> Plan:
    """Parse TOML text into a validated :class:`Plan`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise PlanError([f"not valid TOML: {e}"], source) from None
    return from_dict(data, source)


def load(path: str | Path) -> Plan:
    """Read and validate a plan file; relative key paths in it are resolved against its folder."""
    p = Path(path).expanduser()
    try:
        text = p.read_text()
    except OSError as e:
        raise PlanError([f"cannot read the plan file: {e.strerror or e}"], str(p)) from None
    plan = loads(text, str(p))
    key = plan.test_vm.ssh_public_key
    if key != "generate" and not v.is_public_key_text(key):
        kp = Path(key).expanduser()
        if not kp.is_absolute():
            plan.test_vm.ssh_public_key = str((p.parent / kp).resolve())
    return plan


def read_public_key(plan: Plan) -> str | None:
    """The public key text the VM gets, or None when it must be generated; raises PlanError if unreadable."""
    return load_public_key(plan.test_vm.ssh_public_key)


def load_public_key(key: str) -> str | None:
    """``test_vm.ssh_public_key`` as key text (None for ``generate``); raises PlanError when the file is missing,
    unreadable or holds no OpenSSH public key (checked before anything is created, not at the VM's PUT)."""
    if key == "generate":
        return None
    if v.is_public_key_text(key):
        return key.strip()
    try:
        text = Path(key).expanduser().read_text().strip()
    except OSError as e:
        raise PlanError([f"test_vm.ssh_public_key: cannot read {key}: {e.strerror or e} "
                         "(e.g. '~/.ssh/id_ed25519.pub' or 'generate')"]) from None
    if not v.is_public_key_text(text):
        raise PlanError([f"test_vm.ssh_public_key: {key} does not hold an OpenSSH public key "
                         "(e.g. '~/.ssh/id_ed25519.pub' or 'generate')"])
    return text

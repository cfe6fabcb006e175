"""Field validators shared by plan loading, the Textual wizard and the questionary prompts.

Every field validator has the signature ``str -> tuple[bool, str]``: ``(True, "")`` when the value is
acceptable, otherwise ``(False, message)`` where the message names the field, the rule that failed and a valid
example. Validators are pure (no I/O, no clock) so the TUI can call them on every keystroke.

Cross-field checks (subnet inside the VNet, no overlap, ...) are pure functions over already-valid values.
Checks that need Azure (regions, vault-name availability, existing resources) live in :mod:`plinktui.preflight`.

Naming rules follow Microsoft's "Naming rules and restrictions for Azure resources" page
(Microsoft.Network, Microsoft.KeyVault, Microsoft.Compute, Microsoft.Resources).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

Result = tuple[bool, str]
Validator = Callable[[str], Result]

OK: Result = (True, "")

# Azure refuses these as VM admin user names (Compute "osProfile.adminUsername" reserved list).
RESERVED_ADMIN_NAMES: frozenset[str] = frozenset(
    {
        "administrator", "admin", "user", "user1", "test", "user2", "test1", "user3", "admin1", "1", "123", "a",
        "actuser", "adm", "admin2", "aspnet", "backup", "console", "david", "guest", "john", "owner", "root",
        "server", "sql", "support", "support_388945a0", "sys", "test2", "test3", "user4", "user5",
    }
)

# Address ranges Azure does not allow in a VNet's address space (Azure Virtual Network FAQ).
FORBIDDEN_RANGES: tuple[tuple[ipaddress.IPv4Network, str], ...] = (
    (ipaddress.IPv4Network("224.0.0.0/4"), "multicast"),
    (ipaddress.IPv4Network("255.255.255.255/32"), "broadcast"),
    (ipaddress.IPv4Network("127.0.0.0/8"), "loopback"),
    (ipaddress.IPv4Network("169.254.0.0/16"), "link-local"),
    (ipaddress.IPv4Network("168.63.129.16/32"), "Azure's internal DNS/health address"),
)

# Azure keeps the network address, the default gateway (.1), two DNS addresses (.2, .3) and broadcast.
AZURE_RESERVED_PER_SUBNET = 5
SMALLEST_SUBNET_PREFIX = 29
LARGEST_VNET_PREFIX = 2  # Azure accepts address spaces from /2 to /29

PUBLIC_ACCESS_CHOICES = ("Enabled", "Disabled", "DisabledAfterVerify")
CREATE_ZONE_CHOICES = ("auto", "always", "never")
PE_NETWORK_POLICY_CHOICES = ("Disabled", "Enabled", "NetworkSecurityGroupEnabled", "RouteTableEnabled")


def _fail(field: str, rule: str, example: str) -> Result:
    return False, f"{field}: {rule} (e.g. {example!r})"


@dataclass(frozen=True)
class _NameRule:
    """An Azure naming rule: length bounds, allowed characters and start/end constraints."""

    field: str
    low: int
    high: int
    chars: str  # regex character class body
    chars_words: str
    start: str
    start_words: str
    end: str
    end_words: str
    example: str

    def __call__(self, value: str) -> Result:
        if not isinstance(value, str) or not value:
            return _fail(self.field, f"must not be empty ({self.low}-{self.high} characters)", self.example)
        if not self.low <= len(value) <= self.high:
            return _fail(self.field, f"must be {self.low}-{self.high} characters, got {len(value)}", self.example)
        bad = sorted({c for c in value if not re.fullmatch(f"[{self.chars}]", c)})
        if bad:
            shown = "".join(bad[:5])
            return _fail(self.field, f"may contain only {self.chars_words}; {shown!r} is not allowed", self.example)
        if not re.fullmatch(f"[{self.start}]", value[0]):
            return _fail(self.field, f"must start with {self.start_words}", self.example)
        if not re.fullmatch(f"[{self.end}]", value[-1]):
            return _fail(self.field, f"must end with {self.end_words}", self.example)
        return OK


_NET_CHARS = r"A-Za-z0-9_.\-"
_NET_WORDS = "letters, digits, underscores, periods and hyphens"


def _net_rule(field: str, high: int, example: str, low: int = 1) -> _NameRule:
    return _NameRule(field, low, high, _NET_CHARS, _NET_WORDS, "A-Za-z0-9", "a letter or digit",
                     "A-Za-z0-9_", "a letter, digit or underscore", example)


validate_vnet_name = _net_rule("network.vnet", 64, "vnet-workloads", low=2)
validate_subnet_name = _net_rule("network.subnet", 80, "snet-endpoints")
validate_private_endpoint_name = _net_rule("private_endpoint.name", 64, "pe-kv-contoso")
validate_nic_name = _net_rule("private_endpoint.nic_name", 80, "pe-kv-contoso-nic")
validate_link_name = _net_rule("dns.link_name", 80, "link-vnet-workloads")
validate_pls_subnet_name = _net_rule("private_link_service.subnet", 80, "snet-pls")
_nsg_rule = _net_rule("network security group name", 80, "vm-test-nsg")


ARM_ID_RE = re.compile(r"/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/([^/]+/[^/]+)/([^/]+)", re.I)


def parse_arm_id(value: str) -> tuple[str, str, str, str] | None:
    """Split ``/subscriptions/S/resourceGroups/G/providers/NS/type/name`` into (S, G, NS/type, name)."""
    m = ARM_ID_RE.fullmatch(value.strip()) if isinstance(value, str) else None
    return (m.group(1), m.group(2), m.group(3), m.group(4)) if m else None


def _id_or_name(name_rule: Validator, rtype: str, example_id: str) -> Validator:
    def check(value: str) -> Result:
        if isinstance(value, str) and value.startswith("/"):
            parts = parse_arm_id(value)
            if parts is None or parts[2].lower() != rtype.lower():
                field = name_rule("")[1].split(":")[0]
                return _fail(field, f"a resource id must look like /subscriptions/<sub>/resourceGroups/<rg>/providers/"
                             f"{rtype}/<name>", example_id)
            ok, msg = validate_resource_group(parts[1])
            if not ok:
                return ok, msg
            return name_rule(parts[3])
        return name_rule(value)

    check.__doc__ = f"A name, or the full resource id of an existing {rtype}."
    return check


def validate_resource_group(value: str) -> Result:
    """Resource group: 1-90 letters, digits, underscores, parentheses, hyphens, periods; no trailing period."""
    field, example = "plan.resource_group", "rg-kv-private"
    if not isinstance(value, str) or not value:
        return _fail(field, "must not be empty (1-90 characters)", example)
    if len(value) > 90:
        return _fail(field, f"must be 1-90 characters, got {len(value)}", example)
    if not re.fullmatch(r"[\w().\-]+", value):
        return _fail(field, "may contain only letters, digits, underscores, parentheses, hyphens and periods", example)
    if value.endswith("."):
        return _fail(field, "must not end with a period", example)
    return OK


def validate_plan_name(value: str) -> Result:
    """Plan name: 1-40 lowercase letters, digits and hyphens, starting with a letter (it seeds other names)."""
    field, example = "plan.name", "kv-demo"
    if not isinstance(value, str) or not re.fullmatch(r"[a-z][a-z0-9-]{0,39}", value):
        return _fail(field, "must be 1-40 lowercase letters, digits or hyphens and start with a letter", example)
    if value.endswith("-"):
        return _fail(field, "must not end with a hyphen", example)
    return OK


def validate_vault_name(value: str) -> Result:
    """Key Vault: 3-24 chars, letters/digits/hyphens, starts with a letter, ends alphanumeric, no ``--``."""
    field, example = "vault.name", "kv-contoso-01"
    if not isinstance(value, str) or not value:
        return _fail(field, "must not be empty (3-24 characters)", example)
    if not 3 <= len(value) <= 24:
        return _fail(field, f"must be 3-24 characters, got {len(value)}", example)
    if not re.fullmatch(r"[A-Za-z0-9-]+", value):
        return _fail(field, "may contain only letters, digits and hyphens", example)
    if not value[0].isalpha():
        return _fail(field, "must start with a letter", example)
    if not re.fullmatch(r"[A-Za-z0-9]", value[-1]):
        return _fail(field, "must end with a letter or digit", example)
    if "--" in value:
        return _fail(field, "must not contain consecutive hyphens ('--')", example)
    return OK


def validate_vm_name(value: str) -> Result:
    """Linux VM name: 1-64 letters, digits, hyphens and periods; starts alphanumeric; no trailing period/hyphen."""
    field, example = "test_vm.name", "vm-kv-probe"
    if not isinstance(value, str) or not value:
        return _fail(field, "must not be empty (1-64 characters)", example)
    if len(value) > 64:
        return _fail(field, f"must be 1-64 characters, got {len(value)}", example)
    if not re.fullmatch(r"[A-Za-z0-9.-]+", value):
        return _fail(field, "may contain only letters, digits, hyphens and periods", example)
    if not value[0].isalnum():
        return _fail(field, "must start with a letter or digit", example)
    if value[-1] in ".-":
        return _fail(field, "must not end with a period or hyphen", example)
    if value.isdigit():
        return _fail(field, "must not be only digits", example)
    return OK


def validate_admin_username(value: str) -> Result:
    """Linux admin user: 1-32 chars, lowercase letter or underscore first, not one of Azure's reserved names."""
    field, example = "test_vm.admin_username", "azureuser"
    if not isinstance(value, str) or not value:
        return _fail(field, "must not be empty (1-32 characters)", example)
    if value.lower() in RESERVED_ADMIN_NAMES:
        return _fail(field, f"{value!r} is a name Azure reserves for VMs (like admin, root, guest, test)", example)
    if len(value) > 32:
        return _fail(field, f"must be 1-32 characters, got {len(value)}", example)
    if not re.fullmatch(r"[a-z_][a-z0-9_.-]*", value):
        return _fail(field, "must start with a lowercase letter or underscore and contain only a-z, 0-9, _ . -",
                     example)
    if value.endswith("."):
        return _fail(field, "must not end with a period", example)
    return OK


def validate_region(value: str) -> Result:
    """Region programmatic name (lowercase letters and digits), e.g. ``westus2``; existence is checked later."""
    field, example = "region", "westus2"
    if not isinstance(value, str) or not re.fullmatch(r"[a-z][a-z0-9]{1,39}", value):
        return _fail(field, "must be a region's programmatic name: lowercase letters and digits, no spaces", example)
    return OK


def _region_validator(field: str) -> Validator:
    def check(value: str) -> Result:
        ok, msg = validate_region(value)
        return (ok, msg.replace("region:", f"{field}:", 1)) if not ok else OK

    check.__doc__ = f"Region name for {field}."
    return check


validate_network_region = _region_validator("network.region")
validate_vault_region = _region_validator("vault.region")


def parse_ipv4_network(value: str) -> ipaddress.IPv4Network | None:
    """Parse strict IPv4 CIDR notation, or return None."""
    if not isinstance(value, str) or "/" not in value:
        return None
    try:
        net = ipaddress.ip_network(value.strip(), strict=True)
    except ValueError:
        return None
    return net if isinstance(net, ipaddress.IPv4Network) and value.strip() == value else None


def _cidr(field: str, value: str, example: str) -> tuple[ipaddress.IPv4Network | None, Result]:
    if not isinstance(value, str) or "/" not in value:
        return None, _fail(field, "must be IPv4 CIDR notation address/prefix", example)
    try:
        net = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None, _fail(field, "must be IPv4 CIDR notation address/prefix", example)
    if not isinstance(net, ipaddress.IPv4Network):
        return None, _fail(field, "must be an IPv4 range (IPv6-only spaces are not supported)", example)
    if str(net) != value:
        return None, _fail(field, f"host bits are set; the network is {net}", example)
    for bad, why in FORBIDDEN_RANGES:
        if net.overlaps(bad):
            return None, _fail(field, f"overlaps {bad} ({why}), which Azure does not allow in a VNet", example)
    return net, OK


def validate_address_prefix(value: str) -> Result:
    """One VNet address-space entry: IPv4 CIDR, /2 to /29, no forbidden range."""
    field, example = "network.address_space", "10.70.0.0/16"
    net, res = _cidr(field, value, example)
    if net is None:
        return res
    if not LARGEST_VNET_PREFIX <= net.prefixlen <= SMALLEST_SUBNET_PREFIX:
        return _fail(field, f"prefix must be /{LARGEST_VNET_PREFIX} to /{SMALLEST_SUBNET_PREFIX}", example)
    return OK


def validate_address_space(value: str) -> Result:
    """Comma-separated VNet address space (one or more CIDRs that do not overlap each other)."""
    parts = [p.strip() for p in value.split(",")] if isinstance(value, str) else []
    if not parts or not all(parts):
        return _fail("network.address_space", "must list one or more IPv4 CIDR ranges", "10.70.0.0/16")
    for p in parts:
        ok, msg = validate_address_prefix(p)
        if not ok:
            return ok, msg
    return check_no_overlap("network.address_space", parts)


def _subnet_prefix_validator(field: str, example: str) -> Validator:
    def check(value: str) -> Result:
        net, res = _cidr(field, value, example)
        if net is None:
            return res
        if net.prefixlen > SMALLEST_SUBNET_PREFIX:
            return _fail(field, f"/{net.prefixlen} is too small; the smallest Azure subnet is /29 "
                         f"(8 addresses, {AZURE_RESERVED_PER_SUBNET} reserved by Azure)", example)
        if net.prefixlen < LARGEST_VNET_PREFIX:
            return _fail(field, f"prefix must be /{LARGEST_VNET_PREFIX} to /{SMALLEST_SUBNET_PREFIX}", example)
        return OK

    check.__doc__ = f"Subnet prefix for {field}: IPv4 CIDR, /29 or larger, no forbidden range."
    return check


validate_subnet_prefix = _subnet_prefix_validator("network.subnet_prefix", "10.70.1.0/24")
validate_pls_subnet_prefix = _subnet_prefix_validator("private_link_service.subnet_prefix", "10.70.2.0/28")


def usable_addresses(prefix: str) -> int:
    """How many addresses a subnet leaves for resources after Azure's 5 reserved ones (0 when invalid)."""
    net = parse_ipv4_network(prefix)
    if net is None:
        return 0
    return max(0, net.num_addresses - AZURE_RESERVED_PER_SUBNET)


def validate_ssh_source(value: str) -> Result:
    """The one source the NSG admits on port 22: an IPv4 address or CIDR; never ``*``/``Internet``/``0.0.0.0/0``."""
    field, example = "test_vm.ssh_source", "203.0.113.7/32"
    if not isinstance(value, str) or not value.strip():
        return _fail(field, "is required: the address allowed to reach SSH (there is no default)", example)
    if value.strip().lower() in {"*", "any", "internet", "0.0.0.0/0", "0.0.0.0"}:
        return _fail(field, "must not open SSH to the whole internet; give your own address", example)
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError:
        return _fail(field, "must be an IPv4 address or CIDR range with no host bits set", example)
    if not isinstance(net, ipaddress.IPv4Network):
        return _fail(field, "must be an IPv4 address or range", example)
    if net.prefixlen < 8:
        return _fail(field, f"/{net.prefixlen} is far too wide for SSH; narrow it to your address", example)
    return OK


_KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
              "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com")


def is_public_key_text(value: str) -> bool:
    """True when ``value`` looks like one OpenSSH public key line (type, base64 blob, optional comment)."""
    parts = value.strip().split()
    return (len(parts) >= 2 and parts[0] in _KEY_TYPES
            and re.fullmatch(r"[A-Za-z0-9+/]+={0,3}", parts[1]) is not None and len(parts[1]) >= 32)


def validate_ssh_public_key(value: str) -> Result:
    """``generate``, a path to an OpenSSH public key file, or the key text itself; never a private key."""
    field, example = "test_vm.ssh_public_key", "~/.ssh/id_ed25519.pub"
    if not isinstance(value, str) or not value.strip():
        return _fail(field, "must be 'generate', a path to a public key file, or the key text", example)
    v = value.strip()
    if "PRIVATE KEY" in v:
        return _fail(field, "looks like a private key; give the .pub file instead", example)
    if not value.strip(" \t\r\n").isprintable():  # NUL, escapes (strip() would drop \x1c-\x1f): never echoed
        return _fail(field, "must be a single path or key line (no control characters)", example)
    if v == "generate" or is_public_key_text(v):
        return OK
    if v.endswith(".pub") or "/" in v or v.startswith("~"):
        if not v.endswith(".pub") and re.search(r"id_[a-z0-9]+$", v):
            return _fail(field, "points at a private key file; use the matching .pub", example)
        return OK
    return _fail(field, "must be 'generate', a path to a public key file, or the key text", example)


def validate_vm_size(value: str) -> Result:
    """VM size like ``Standard_B1s``."""
    field, example = "test_vm.size", "Standard_B1s"
    if not isinstance(value, str) or not re.fullmatch(r"(Standard|Basic)_[A-Za-z0-9_]{1,40}", value):
        return _fail(field, "must be an Azure VM size name", example)
    return OK


def validate_image(value: str) -> Result:
    """Marketplace image URN ``publisher:offer:sku:version``."""
    field, example = "test_vm.image", "Canonical:ubuntu-24_04-lts:server:latest"
    parts = value.split(":") if isinstance(value, str) else []
    if len(parts) != 4 or not all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]*", p) for p in parts):
        return _fail(field, "must be a marketplace URN publisher:offer:sku:version", example)
    return OK


def validate_static_ip(value: str) -> Result:
    """Optional fixed private IP for the endpoint; empty means dynamic."""
    field, example = "private_endpoint.static_ip", "10.70.1.10"
    if value == "":
        return OK
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return _fail(field, "must be an IPv4 address inside the subnet, or empty for dynamic", example)
    if not isinstance(ip, ipaddress.IPv4Address):
        return _fail(field, "must be an IPv4 address", example)
    return OK


def validate_dns_zone(value: str) -> Result:
    """The private DNS zone for Key Vault: ``privatelink.vaultcore.<cloud suffix>``."""
    field, example = "dns.zone", "privatelink.vaultcore.azure.net"
    if not isinstance(value, str) or not value:
        return _fail(field, "must not be empty", example)
    if len(value) > 253 or not re.fullmatch(r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", value):
        return _fail(field, "must be a lowercase DNS name", example)
    if not value.startswith("privatelink.vaultcore."):
        return _fail(field, "Key Vault endpoints resolve only through a zone named privatelink.vaultcore.<cloud>",
                     example)
    return OK


def validate_zone_id(value: str) -> Result:
    """``dns.zone_id``: the full resource id of an existing private DNS zone (any subscription)."""
    field = "dns.zone_id"
    example = ("/subscriptions/<sub>/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/"
               "privatelink.vaultcore.azure.net")
    parts = parse_arm_id(value) if isinstance(value, str) else None
    if parts is None or parts[2].lower() != "microsoft.network/privatednszones":
        return _fail(field, "must be the resource id of a private DNS zone", example)
    ok, msg = validate_resource_group(parts[1])
    if not ok:
        return _fail(field, "its resource group " + msg.split(": ", 1)[-1], example)
    ok, msg = validate_dns_zone(parts[3])
    if not ok:
        return _fail(field, "its zone name " + msg.split(": ", 1)[-1], example)
    return OK


def _choice(field: str, choices: Iterable[str]) -> Validator:
    options = tuple(choices)

    def check(value: str) -> Result:
        if value in options:
            return OK
        return _fail(field, "must be one of " + ", ".join(options), options[0])

    check.__doc__ = f"{field}: one of {', '.join(options)}."
    return check


validate_public_network_access = _choice("vault.public_network_access", PUBLIC_ACCESS_CHOICES[::-1])
validate_create_zone = _choice("dns.create_zone", CREATE_ZONE_CHOICES)
validate_pe_network_policies = _choice("network.private_endpoint_network_policies", PE_NETWORK_POLICY_CHOICES)


def validate_retention_days(value: str) -> Result:
    """Soft-delete retention: 7-90 days."""
    field, example = "vault.soft_delete_retention_days", "7"
    if not isinstance(value, str) or not re.fullmatch(r"\d{1,3}", value.strip()) or not 7 <= int(value) <= 90:
        return _fail(field, "must be a whole number of days from 7 to 90", example)
    return OK


def validate_subscription_id(value: str) -> Result:
    """Subscription id (a GUID)."""
    field, example = "plan.subscription", "00000000-0000-0000-0000-000000000000"
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", value):
        return _fail(field, "must be a subscription id (GUID)", example)
    return OK


# The registry the TUI and questionary look fields up in ("section.key" -> validator).
FIELD_VALIDATORS: dict[str, Validator] = {
    "plan.name": validate_plan_name,
    "plan.subscription": validate_subscription_id,
    "plan.resource_group": validate_resource_group,
    "network.region": validate_network_region,
    "network.vnet": _id_or_name(validate_vnet_name, "Microsoft.Network/virtualNetworks",
                                "/subscriptions/<sub>/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub"),
    "network.address_space": validate_address_space,
    "network.subnet": validate_subnet_name,
    "network.subnet_prefix": validate_subnet_prefix,
    "network.private_endpoint_network_policies": validate_pe_network_policies,
    "vault.region": validate_vault_region,
    "vault.name": _id_or_name(validate_vault_name, "Microsoft.KeyVault/vaults",
                              "/subscriptions/<sub>/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-shared"),
    "vault.public_network_access": validate_public_network_access,
    "vault.soft_delete_retention_days": validate_retention_days,
    "private_endpoint.name": validate_private_endpoint_name,
    "private_endpoint.nic_name": validate_nic_name,
    "private_endpoint.static_ip": validate_static_ip,
    "dns.zone": validate_dns_zone,
    "dns.zone_resource_group": validate_resource_group,
    "dns.link_name": validate_link_name,
    "dns.create_zone": validate_create_zone,
    "dns.zone_id": validate_zone_id,
    "private_link_service.subnet": validate_pls_subnet_name,
    "private_link_service.subnet_prefix": validate_pls_subnet_prefix,
    "test_vm.name": validate_vm_name,
    "test_vm.size": validate_vm_size,
    "test_vm.image": validate_image,
    "test_vm.admin_username": validate_admin_username,
    "test_vm.ssh_public_key": validate_ssh_public_key,
    "test_vm.ssh_source": validate_ssh_source,
}


def validator_for(field: str) -> Validator:
    """The ``str -> (ok, message)`` validator for a field ("section.key"), its messages naming that field.

    This is what the TUI ``Input`` adapter and the questionary ``validate=`` hook should use.
    """
    return lambda value: validate_field(field, value)


def validate_field(field: str, value: str) -> Result:
    """Validate ``value`` for ``field`` ("section.key"), renaming the message to that field."""
    check = FIELD_VALIDATORS.get(field)
    if check is None:
        return OK
    ok, msg = check(value)
    if ok:
        return OK
    head, _, rest = msg.partition(": ")
    return False, f"{field}: {rest}" if head != field and rest else msg


# ---------------------------------------------------------------- cross-field rules (pure, on valid values)


def check_no_overlap(field: str, prefixes: Iterable[str]) -> Result:
    """Fail when any two of ``prefixes`` overlap."""
    nets = [(p, parse_ipv4_network(p)) for p in prefixes]
    for i, (a, na) in enumerate(nets):
        for b, nb in nets[i + 1:]:
            if na is not None and nb is not None and na.overlaps(nb):
                return _fail(field, f"{a} overlaps {b}; ranges must not overlap", "10.70.0.0/16, 10.71.0.0/16")
    return OK


def check_subnet_in_vnet(field: str, subnet_prefix: str, address_space: Iterable[str]) -> Result:
    """The subnet must sit entirely inside one of the VNet's address ranges."""
    sn = parse_ipv4_network(subnet_prefix)
    space = [s for s in address_space]
    nets = [n for n in (parse_ipv4_network(s) for s in space) if n is not None]
    if sn is None:
        return _fail(field, "must be IPv4 CIDR notation", "10.70.1.0/24")
    if not any(sn.subnet_of(n) for n in nets):
        example = str(next(nets[0].subnets(new_prefix=max(24, nets[0].prefixlen)))) if nets else "10.70.1.0/24"
        return _fail(field, f"{subnet_prefix} is not inside the VNet's address space ({', '.join(space)})", example)
    return OK


def check_subnet_free(field: str, subnet_prefix: str, existing: dict[str, str]) -> Result:
    """The new subnet must not overlap the VNet's existing subnets (name -> prefix)."""
    sn = parse_ipv4_network(subnet_prefix)
    if sn is None:
        return _fail(field, "must be IPv4 CIDR notation", "10.70.1.0/24")
    for name, prefix in existing.items():
        other = parse_ipv4_network(prefix)
        if other is not None and sn.overlaps(other):
            return _fail(field, f"{subnet_prefix} overlaps existing subnet {name!r} ({prefix})",
                         suggest_free_subnet(existing.values(), sn) or "a free range in the VNet")
    return OK


def suggest_free_subnet(taken: Iterable[str], like: ipaddress.IPv4Network,
                        space: Iterable[str] = ()) -> str | None:
    """A range of the same size as ``like`` that overlaps none of ``taken`` (inside ``space`` when given)."""
    used = [n for n in (parse_ipv4_network(t) for t in taken) if n is not None]
    parents = [n for n in (parse_ipv4_network(s) for s in space) if n is not None] or [like.supernet(
        new_prefix=max(LARGEST_VNET_PREFIX, min(16, like.prefixlen)))]
    for parent in parents:
        if like.prefixlen < parent.prefixlen:
            continue
        for i, cand in enumerate(parent.subnets(new_prefix=like.prefixlen)):
            if i > 4096:
                break
            if not any(cand.overlaps(u) for u in used):
                return str(cand)
    return None


def check_static_ip_in_subnet(static_ip: str, subnet_prefix: str) -> Result:
    """A static endpoint IP must be a usable host of the subnet (not one of Azure's 5 reserved addresses)."""
    field = "private_endpoint.static_ip"
    sn = parse_ipv4_network(subnet_prefix)
    try:
        ip = ipaddress.IPv4Address(static_ip)
    except ValueError:
        return _fail(field, "must be an IPv4 address", "10.70.1.10")
    if sn is None:
        return OK
    example = str(sn.network_address + 4)
    if ip not in sn:
        return _fail(field, f"{ip} is outside the subnet {sn}", example)
    offset = int(ip) - int(sn.network_address)
    if offset < 4 or ip == sn.broadcast_address:
        return _fail(field, f"{ip} is one of the 5 addresses Azure reserves in {sn} (first four and last)", example)
    return OK


AZURE_REGIONS = frozenset("""
eastus eastus2 southcentralus westus2 westus3 australiaeast southeastasia northeurope swedencentral uksouth
westeurope centralus southafricanorth centralindia eastasia japaneast koreacentral canadacentral francecentral
germanywestcentral italynorth norwayeast polandcentral spaincentral switzerlandnorth mexicocentral uaenorth
brazilsouth israelcentral qatarcentral northcentralus westus japanwest westcentralus southafricawest
australiacentral australiacentral2 australiasoutheast koreasouth southindia westindia jioindiawest jioindiacentral
canadaeast francesouth germanynorth norwaywest switzerlandwest ukwest uaecentral brazilsoutheast swedensouth
newzealandnorth indonesiacentral malaysiawest chilecentral austriaeast belgiumcentral denmarkeast taiwannorth
taiwannorthwest israelnorthwest centraluseuap eastus2euap
usgovvirginia usgovarizona usgovtexas usdodcentral usdodeast
chinaeast chinaeast2 chinaeast3 chinanorth chinanorth2 chinanorth3
""".split())
"""Azure's region names (public, US Government and China clouds), for front ends that cannot ask the subscription
(``plinktui setup --plain`` asks before signing in). The TUI lists the subscription's own locations instead."""


def check_known_region(field: str) -> Validator:
    """The field's region validator, plus: the name is one of :data:`AZURE_REGIONS` (so ``mars`` is refused when
    typed, not at the end)."""

    def check(value: str) -> Result:
        ok, msg = validate_field(field, value)
        if not ok:
            return ok, msg
        if value not in AZURE_REGIONS:
            return _fail(field, f"{value!r} is not an Azure region (`az account list-locations -o table` lists "
                                "them)", "westus2")
        return OK

    return check

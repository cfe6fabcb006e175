"""One plan factory for the tests: the walkthrough plan (resource group, VNet + subnet, vault, private endpoint, DNS
link, optionally a test VM) as TOML, with the parts a test varies as arguments."""

from __future__ import annotations

import pathlib

DISABLED = 'public_network_access = "Disabled"'


def plan_toml(name: str = "par", *, vault: str | None = None, octet: int = 70, vault_extra: str = DISABLED,
              test_vm: bool = False, admin: str = "azureuser", ssh_source: str = "203.0.113.7/32",
              replace: dict[str, str] | None = None) -> str:
    """The walkthrough plan named ``name`` (resource group ``rg-<name>``, VNet ``10.<octet>.0.0/16``).

    Args:
        vault: the vault's name (default ``kv<name>0001``).
        vault_extra: extra ``[vault]`` lines (default: public network access Disabled; ``""`` keeps the default).
        test_vm: add a test VM ``vm-<name>`` with a generated key.
        replace: exact text replacements applied last (each must occur).
    """
    text = f"""
[plan]
name = "{name}"
resource_group = "rg-{name}"
[network]
region = "westus2"
vnet = "vnet-{name}"
address_space = ["10.{octet}.0.0/16"]
subnet = "snet-endpoints"
subnet_prefix = "10.{octet}.1.0/24"
[vault]
region = "eastus2"
name = "{vault or f'kv{name}0001'}"
{vault_extra}
[private_endpoint]
name = "pe-{name}"
[dns]
link_name = "link-{name}"
"""
    if test_vm:
        text += f"""[test_vm]
enabled = true
name = "vm-{name}"
admin_username = "{admin}"
ssh_public_key = "generate"
ssh_source = "{ssh_source}"
"""
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def plan_file(directory: pathlib.Path, name: str = "par", **kwargs: object) -> pathlib.Path:
    """:func:`plan_toml` written to ``<directory>/<name>.toml``."""
    path = pathlib.Path(directory) / f"{name}.toml"
    path.write_text(plan_toml(name, **kwargs))  # type: ignore[arg-type]
    return path

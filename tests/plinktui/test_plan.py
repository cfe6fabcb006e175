"""Plan files: strict schema, defaults, every problem reported at once, TOML round trip."""

from __future__ import annotations

import pathlib

import pytest

from plinktui import plan as plan_mod

BASE = """
[plan]
name = "demo"
[network]
region = "westus2"
vnet = "vnet-demo"
address_space = ["10.70.0.0/16"]
subnet = "snet-endpoints"
subnet_prefix = "10.70.1.0/24"
[vault]
region = "eastus2"
name = "kvdemo0001"
[private_endpoint]
name = "pe-demo"
[test_vm]
enabled = true
ssh_source = "203.0.113.7/32"
"""


def test_defaults() -> None:
    p = plan_mod.loads(BASE)
    assert p.resource_group == "rg-demo"
    assert p.vault.effective_public_access == "DisabledAfterVerify"
    assert p.vault.rbac is True and p.vault.soft_delete_retention_days == 7
    assert p.dns.zone == "privatelink.vaultcore.azure.net" and p.dns.create_zone == "auto"
    assert p.test_vm.image == "Canonical:ubuntu-24_04-lts:server:latest"
    assert p.test_vm.size == "Standard_B1s" and p.test_vm.admin_username == "azureuser"
    assert p.test_vm.name == "vm-demo" and p.test_vm.ssh_public_key == "generate"
    assert p.dns.link_name == "link-vnet-demo"


def test_round_trip() -> None:
    p = plan_mod.loads(BASE)
    assert plan_mod.loads(p.to_toml()) == p


def test_unknown_keys_and_sections_are_named() -> None:
    with pytest.raises(plan_mod.PlanError) as e:
        plan_mod.loads(BASE + '\n[extras]\nx = 1\n'.replace("[extras]", "[extras]") + "")
    assert any("unknown section [extras]" in p for p in e.value.problems)
    with pytest.raises(plan_mod.PlanError) as e:
        plan_mod.loads(BASE.replace('name = "pe-demo"', 'name = "pe-demo"\nnic = "x"'))
    assert any(p.startswith("private_endpoint.nic: unknown key") for p in e.value.problems)


def test_every_problem_is_reported() -> None:
    bad = (BASE.replace("kvdemo0001", "kv--demo").replace('ssh_source = "203.0.113.7/32"', 'ssh_source = "*"')
           + 'admin_username = "admin"\n')
    with pytest.raises(plan_mod.PlanError) as e:
        plan_mod.loads(bad)
    text = " | ".join(e.value.problems)
    assert "vault.name" in text and "'--'" in text
    assert "test_vm.ssh_source" in text
    assert "test_vm.admin_username" in text


def test_cross_field_rules() -> None:
    with pytest.raises(plan_mod.PlanError, match="not inside the VNet's address space"):
        plan_mod.loads(BASE.replace('subnet_prefix = "10.70.1.0/24"', 'subnet_prefix = "10.99.1.0/24"'))
    with pytest.raises(plan_mod.PlanError, match="endpoint must be in its VNet's region"):
        plan_mod.loads(BASE.replace('name = "pe-demo"', 'name = "pe-demo"\nregion = "eastus2"'))
    with pytest.raises(plan_mod.PlanError, match="needs .test_vm. enabled"):
        plan_mod.loads(BASE.replace("enabled = true", "enabled = false"))
    with pytest.raises(plan_mod.PlanError, match="overlaps"):
        plan_mod.loads(BASE.replace('["10.70.0.0/16"]', '["10.70.0.0/16", "10.70.8.0/24"]'))


def test_types_are_checked() -> None:
    with pytest.raises(plan_mod.PlanError, match="must be true or false"):
        plan_mod.loads(BASE.replace("enabled = true", 'enabled = "yes"'))
    with pytest.raises(plan_mod.PlanError, match="not valid TOML"):
        plan_mod.loads("[plan\nname=")


def test_key_path_resolves_next_to_plan(tmp_path: pathlib.Path) -> None:
    key = tmp_path / "k.pub"
    key.write_text("ssh-ed25519 " + "A" * 68 + " me\n")
    f = tmp_path / "p.toml"
    f.write_text(BASE + 'ssh_public_key = "k.pub"\n')
    p = plan_mod.load(f)
    assert p.test_vm.ssh_public_key == str(key)
    assert plan_mod.read_public_key(p).startswith("ssh-ed25519 ")


def test_missing_key_file_is_a_plan_error(tmp_path: pathlib.Path) -> None:
    f = tmp_path / "p.toml"
    f.write_text(BASE + 'ssh_public_key = "nope.pub"\n')
    with pytest.raises(plan_mod.PlanError, match="cannot read"):
        plan_mod.read_public_key(plan_mod.load(f))


def test_example_plan_loads() -> None:
    root = pathlib.Path(__file__).resolve().parents[2]
    p = plan_mod.load(root / "examples" / "plan-demo.toml")
    assert p.network.region != p.vault.region  # the walkthrough: endpoint in the VNet's region, vault elsewhere

"""Plain mode (questionary): same validators, same plan, plan saved to a file; non-TTY points to --plan."""

from __future__ import annotations

import argparse
import subprocess
import sys

from plinktui import plan as plan_mod
from screens import plain


def _args(**kw) -> argparse.Namespace:
    base = {"plan": None, "resume": None, "subscription": ["8f2e4c1a-7b3d-4e5f-9a6b-1c2d3e4f5a6b"], "yes": False}
    base.update(kw)
    return argparse.Namespace(**base)


def test_validators_are_the_core_ones() -> None:
    q = next(q for q in plain.QUESTIONS if q.attr == "ssh_source")
    check = plain.validator_for(q)
    assert check("203.0.113.7/32") is True
    assert "must not open SSH to the whole internet" in check("*")
    q = next(q for q in plain.QUESTIONS if q.attr == "subnet_prefix")
    assert "smallest Azure subnet is /29" in plain.validator_for(q)("10.0.0.0/30")


def test_answers_make_the_same_plan_and_save_it(tmp_path, capsys) -> None:
    answers = {"plan_name": "kv-plain", "vault_mode": "new", "region": "westus2", "vnet_mode": "new",
               "vnet_name": "vnet-kv", "address_space": "10.70.0.0/16", "subnet_name": "snet-pe",
               "subnet_prefix": "10.70.1.0/28", "vault_region": "eastus2", "vault_name": "kv-plain-01",
               "zone": "privatelink.vaultcore.azure.net", "create_zone": "auto", "vm_mode": "none",
               "save_path": str(tmp_path / "kv-plain.toml"), "apply": "no", "pls_enabled": "no"}
    asked: list[str] = []

    def prompter(q: plain.Question, default: str):
        asked.append(q.attr)
        if q.field and q.attr in answers:  # every text answer passes the same validator first
            assert plain.validator_for(q)(answers[q.attr]) is True, q.attr
        return answers[q.attr]

    assert plain.run_plain(_args(), prompter=prompter) == 0
    assert "existing_vault_id" not in asked and "ssh_source" not in asked  # only the questions that apply
    saved = plan_mod.load(tmp_path / "kv-plain.toml")
    assert saved.network.new_vnet and saved.network.subnet_prefix == "10.70.1.0/28"
    assert saved.vault.vault_name == "kv-plain-01" and saved.vault.region == "eastus2"
    assert saved.vault.effective_public_access == "Disabled"
    assert "plinktui setup --plan" in capsys.readouterr().out


def test_invalid_combination_is_asked_again(tmp_path) -> None:
    rounds = {"n": 0}
    answers = {"plan_name": "kv-plain", "vault_mode": "new", "region": "westus2", "vnet_mode": "new",
               "vnet_name": "vnet-kv", "address_space": "10.70.0.0/16", "subnet_name": "snet-pe",
               "vault_region": "eastus2", "vault_name": "kv-plain-02", "zone": "privatelink.vaultcore.azure.net",
               "create_zone": "auto", "vm_mode": "none", "save_path": str(tmp_path / "p.toml"), "apply": "no",
               "pls_enabled": "no"}

    def prompter(q: plain.Question, default: str):
        if q.attr == "subnet_prefix":
            rounds["n"] += 1
            return "10.99.1.0/24" if rounds["n"] == 1 else "10.70.1.0/24"  # first outside the VNet
        return answers[q.attr]

    assert plain.run_plain(_args(), prompter=prompter) == 0
    assert rounds["n"] == 2
    assert plan_mod.load(tmp_path / "p.toml").network.subnet_prefix == "10.70.1.0/24"


def test_own_private_link_service_in_plain_mode(tmp_path) -> None:
    answers = {"plan_name": "kv-pls", "vault_mode": "new", "pls_enabled": "yes", "region": "westus2",
               "vnet_mode": "new", "vnet_name": "vnet-kv", "address_space": "10.70.0.0/16", "subnet_name": "snet-pe",
               "subnet_prefix": "10.70.1.0/24", "pls_subnet": "snet-pls", "pls_subnet_prefix": "10.70.2.0/28",
               "pls_visibility": "*", "pls_auto_approval": "8f2e4c1a-7b3d-4e5f-9a6b-1c2d3e4f5a6b",
               "vault_region": "eastus2", "vault_name": "kv-pls-01", "zone": "privatelink.vaultcore.azure.net",
               "create_zone": "auto", "vm_mode": "none", "save_path": str(tmp_path / "pls.toml"), "apply": "no"}
    defaults: dict[str, str] = {}

    def prompter(q: plain.Question, default: str):
        defaults[q.attr] = default
        if q.check or q.field:
            assert plain.validator_for(q)(answers[q.attr]) is True, q.attr
        return answers[q.attr]

    assert plain.run_plain(_args(), prompter=prompter) == 0
    assert defaults["pls_enabled"] == "no"  # a yes/no question defaults to the state's bool
    pls = plan_mod.load(tmp_path / "pls.toml").private_link_service
    assert pls.enabled and pls.subnet == "snet-pls" and pls.subnet_prefix == "10.70.2.0/28"
    assert pls.visibility == ["*"] and pls.auto_approval == ["8f2e4c1a-7b3d-4e5f-9a6b-1c2d3e4f5a6b"]
    vis = next(q for q in plain.QUESTIONS if q.attr == "pls_visibility")
    assert "is not a subscription id" in plain.validator_for(vis)("not-a-guid")
    auto = next(q for q in plain.QUESTIONS if q.attr == "pls_auto_approval")
    assert "is not a subscription id" in plain.validator_for(auto)("*")  # '*' only makes sense for visibility
    assert plain.validator_for(auto)("") is True


def test_non_tty_points_to_plan() -> None:
    code = ("import argparse, sys; from screens.plain import run_plain; "
            "sys.exit(run_plain(argparse.Namespace(plan=None, resume=None, subscription=[])))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert r.returncode == 2
    assert "--plan" in r.stderr and "Traceback" not in r.stderr


def test_region_is_checked_when_typed_not_at_the_end() -> None:
    """Issue 12, Why 4: plain mode accepted region `mars` and failed only at the end."""
    for attr, field in (("region", "network.region"), ("vault_region", "vault.region")):
        check = plain.validator_for(next(q for q in plain.QUESTIONS if q.attr == attr))
        assert check("westus2") is True and check("usgovvirginia") is True
        message = check("mars")
        assert isinstance(message, str) and message.startswith(f"{field}: 'mars' is not an Azure region")
        assert "az account list-locations" in message
        assert isinstance(check("West US 2"), str)  # the format rule still comes first


def test_existing_vm_is_explained_and_the_plan_goes_to_the_plans_dir(capsys) -> None:
    """Issue 12, Why 4: "An existing VM … vm-jumpbox" became a bare `[test_vm] enabled = false`, and the plan was
    saved into the current directory by default."""
    from plinktui.settings import plans_dir

    answers = {"plan_name": "kv-jump", "vault_mode": "new", "region": "westus2", "vnet_mode": "existing",
               "vnet_rg": "rg-workload-westus2", "vnet_name": "vnet-workload", "subnet_mode": "existing",
               "subnet_name": "snet-endpoints", "vault_region": "eastus2", "vault_name": "kv-jump-01",
               "zone": "privatelink.vaultcore.azure.net", "create_zone": "auto", "vm_mode": "existing",
               "existing_vm": "vm-jumpbox", "apply": "no", "pls_enabled": "no"}
    defaults: dict[str, str] = {}

    def prompter(q: plain.Question, default: str):
        defaults[q.attr] = default
        return default if q.attr == "save_path" else answers[q.attr]

    assert plain.run_plain(_args(), prompter=prompter) == 0
    assert defaults["save_path"] == str(plans_dir() / "kv-jump.toml")
    assert plan_mod.load(plans_dir() / "kv-jump.toml").test_vm.enabled is False
    out = capsys.readouterr().out
    assert ("The proof runs from your existing VM vm-jumpbox: plinktui creates no test VM for it, which is why the "
            "plan says [test_vm] enabled = false.") in out

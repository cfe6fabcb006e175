"""Least privilege: the audit and the preflight never write; no SDK client carries the auto provider-registration
policy; NSG rules never open SSH to everyone; vaults end with RBAC on and public access off only after the private
path is verified (re-read to confirm)."""

from __future__ import annotations

import argparse
import importlib.util
import json
import pathlib
import sys
from typing import Any

import pytest
from azure.mgmt.core.policies import (
    ARMAutoResourceProviderRegistrationPolicy,
    AsyncARMAutoResourceProviderRegistrationPolicy,
)

from plinktui import plan as plan_mod
from plinktui import preflight, provision_cli
from tests.factories import plan_toml

ROOT = pathlib.Path(__file__).resolve().parents[2]
OPEN = {"*", "0.0.0.0/0", "0.0.0.0", "internet", "any", "::/0"}

PLAN = plan_toml("lp", vault="kvleastpriv01", octet=64, vault_extra="", test_vm=True, ssh_source="198.51.100.9/32")


def _soak():
    spec = importlib.util.spec_from_file_location("plinktui_bench_soak", ROOT / "bench" / "soak.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_audit_through_the_cli_sends_zero_writes(tmp_path: pathlib.Path) -> None:
    emu = _soak().Emu(tmp_path, 0.0, str(pathlib.Path(sys.executable).parent / "plinktui"), ("--seed-demo",))
    try:
        plan = tmp_path / "lp.toml"  # something to audit: an endpoint to a vault (no VM, so nothing to probe)
        plan.write_text(PLAN.replace("enabled = true", "enabled = false").replace(
            '[private_endpoint]', 'public_network_access = "Disabled"\n[private_endpoint]'))
        rc, out, err, _, _, _ = emu.cli(["setup", "--plan", str(plan), "--yes", "--json"], 300, 120)
        assert rc == 0, (out + err)[-400:]
        _, before = emu.call("GET", "/_emulator/stats", auth=False)
        outs = []
        for fmt in ("json", "markdown", "sarif", "table"):
            rc, out, err, _, _, hung = emu.cli(["audit", "--format", fmt, "--probe", "none"], 300, 120)
            assert not hung and rc in (0, 1), (fmt, rc, (out + err)[-400:])
            outs.append(out)
        _, after = emu.call("GET", "/_emulator/stats", auth=False)
    finally:
        emu.stop()
    report = json.loads(outs[0])
    assert report["endpoints"], "the seeded demo subscription has endpoints to audit"
    assert after["requests"] > before["requests"], "the audit must have read something"
    assert after["writes"] == before["writes"], (before, after)
    wrote = {m: n - before["by_method"].get(m, 0) for m, n in after["by_method"].items()
             if m in ("PUT", "PATCH", "DELETE") and n != before["by_method"].get(m, 0)}
    assert wrote == {}
    print(f"audit: {after['requests'] - before['requests']} ARM requests, {after['writes'] - before['writes']} writes")


async def test_preflight_is_read_only(emu, gw, tmp_path: pathlib.Path) -> None:
    plan = plan_mod.loads(PLAN, source="lp")
    before = emu.stats.writes
    res = await preflight.run(gw, plan)
    assert not res.errors, [str(p) for p in res.errors]
    # and again with part of the plan already in place (existing group and VNet, a taken vault name)
    await gw.resources.resource_groups.create_or_update("rg-lp", {"location": "westus2"})
    mid = emu.stats.writes
    res = await preflight.run(gw, plan)
    assert emu.stats.writes == mid and mid == before + 1


async def test_no_client_carries_the_auto_registration_policy(gw) -> None:
    child = gw.for_subscription("00000000-0000-0000-0000-000000000001")
    clients = [gw.network, gw.keyvault, gw.privatedns, gw.compute, gw.resources, gw.subscriptions,
               child.network, child.keyvault]
    for client in clients:
        policies = [p for p in client._client._pipeline._impl_policies]  # noqa: SLF001 - inspecting, not changing
        names = [type(getattr(p, "_policy", p)).__name__ for p in policies]
        assert not any(isinstance(getattr(p, "_policy", p), ARMAutoResourceProviderRegistrationPolicy |
                                  AsyncARMAutoResourceProviderRegistrationPolicy) for p in policies), names
        assert not any("Registration" in n for n in names), names
        assert any("Retry" in n for n in names), names  # the bounded retry policy is there instead


def test_open_ssh_sources_are_refused_by_the_plan() -> None:
    for src in ("*", "0.0.0.0/0", "Internet", "any"):
        with pytest.raises(plan_mod.PlanError) as err:
            plan_mod.loads(PLAN.replace('ssh_source = "198.51.100.9/32"', f'ssh_source = "{src}"'))
        assert any(p.startswith("test_vm.ssh_source") for p in err.value.problems)


def _args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    provision_cli.add_setup_arguments(p)
    provision_cli.add_target_arguments(p)
    return p.parse_args(argv)


async def test_nsg_and_vault_end_least_privileged_after_verification(emu, gw, tmp_path: pathlib.Path,
                                                                    capsys) -> None:
    plan = tmp_path / "lp.toml"
    plan.write_text(PLAN)
    capsys.readouterr()
    rc = await provision_cli.run_setup(_args(["--plan", str(plan), "--yes", "--json", "--arm-endpoint", emu.endpoint,
                                              "--ca-cert", emu.ca_cert]))
    lines: list[dict[str, Any]] = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    assert rc == 0 and lines[-1]["state"] == "succeeded", lines[-1]
    # NSG: inbound SSH only from the plan's address
    nsg = await gw.network.network_security_groups.get("rg-lp", "vm-lp-nsg")
    inbound = [r for r in nsg.security_rules if r.direction == "Inbound" and r.access == "Allow"]
    assert inbound
    for rule in inbound:
        sources = {rule.source_address_prefix, *(rule.source_address_prefixes or [])} - {None}
        assert sources == {"198.51.100.9/32"} and not (sources & OPEN), rule
    # vault: created with public access on (needed until the private path is proven), switched off after verify
    created = [e for e in lines if e.get("key") == "vault" and e["kind"] == "succeeded"]
    disabling = [i for i, e in enumerate(lines) if "disabling vault public access" in (e.get("message") or "")]
    verified = [i for i, e in enumerate(lines) if e.get("key") == "verify" and e["kind"] == "succeeded"]
    assert created and disabling and verified and disabling[0] < verified[0]
    resolved = lines[verified[0]]["data"]
    assert resolved["endpoint_ip"] in resolved["resolved_from_vm"], resolved
    vault = await gw.keyvault.vaults.get("rg-lp", "kvleastpriv01")  # re-read from ARM
    assert vault.properties.enable_rbac_authorization is True
    assert vault.properties.public_network_access == "Disabled"
    assert vault.properties.network_acls.default_action == "Deny"
    assert lines[-1]["public_network_access"] == "Disabled"

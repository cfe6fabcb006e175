"""Regression tests for defects the fault soak found (renderer, node events, vault repair, stuck faults, temp files); each
names the defect it pins."""

from __future__ import annotations

import argparse
import io
import json
import pathlib
import sys

import pytest

from plinktui import provision_cli
from plinktui.journal import Journal
from tests.factories import plan_toml

PLAN = plan_toml("reg", vault="kvregress0001", octet=71)


def _args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    provision_cli.add_setup_arguments(p)
    provision_cli.add_target_arguments(p)
    return p.parse_args(argv)


def test_renderer_writes_to_the_current_stdout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Defect: Renderer bound sys.stdout at import time, so a redirected stdout (tests, TUI) lost every event."""
    buf = io.StringIO()
    monkeypatch.setattr(sys, "stdout", buf)
    provision_cli.Renderer("json").line("hello")
    assert json.loads(buf.getvalue()) == {"kind": "info", "message": "hello"}


async def test_created_node_emits_succeeded_with_its_id(emu, tmp_path: pathlib.Path, capsys) -> None:
    """Defect: apply_node passed ``id`` twice to Event, so every freshly created resource 'failed' with TypeError."""
    plan = tmp_path / "reg.toml"
    plan.write_text(PLAN)
    capsys.readouterr()
    rc = await provision_cli.run_setup(_args(["--plan", str(plan), "--yes", "--json", "--arm-endpoint",
                                              emu.endpoint, "--ca-cert", emu.ca_cert]))
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    assert lines[-1]["kind"] == "summary" and lines[-1]["failed"] == {}, lines[-1]
    assert rc == 0
    created = [e for e in lines if e["kind"] == "succeeded" and e.get("key") == "vnet"]
    assert created and created[0]["id"].endswith("/virtualNetworks/vnet-reg")
    assert Journal.open(lines[-1]["run_id"]).state == "succeeded"


async def _control(emu, method: str, path: str) -> dict:
    import ssl

    import aiohttp

    ctx = ssl.create_default_context(cafile=emu.ca_cert)
    async with aiohttp.ClientSession() as s, s.request(method, emu.endpoint + path, ssl=ctx) as r:
        assert r.status == 200
        return await r.json()


async def test_a_successful_patch_repairs_a_vault_whose_create_failed(emu, gw) -> None:
    """Defect (soak): after an LRO Failed on the vault PUT, resume PATCHed it but the vault stayed 'Failed' in ARM
    while the journal said succeeded."""
    from azure.core.exceptions import HttpResponseError

    from plinktui.emulator.faults import FaultRule

    await gw.resources.resource_groups.create_or_update("rg-kvfail", {"location": "eastus2"})
    emu.faults.set([FaultRule("lro_failed", method="PUT", path="/vaults/", count=1)])
    with pytest.raises(HttpResponseError):
        await gw.result(gw.keyvault.vaults.begin_create_or_update("rg-kvfail", "kvfailrepair01", {
            "location": "eastus2", "properties": {"tenantId": gw.target.tenant_id, "accessPolicies": [],
                                                  "sku": {"family": "A", "name": "standard"}}}))
    assert (await gw.keyvault.vaults.get("rg-kvfail", "kvfailrepair01")).properties.provisioning_state == "Failed"
    await gw.keyvault.vaults.update("rg-kvfail", "kvfailrepair01", {"properties": {"enableRbacAuthorization": True}})
    after = await gw.keyvault.vaults.get("rg-kvfail", "kvfailrepair01")
    assert after.properties.provisioning_state == "Succeeded" and after.properties.enable_rbac_authorization


async def test_clearing_faults_releases_stuck_operations(emu, gw) -> None:
    """Defect (soak): a stuck LRO stayed 'Updating' for ever after the faults were cleared, and a re-PUT joined it,
    so no resume could ever finish the resource."""
    import asyncio

    from plinktui.emulator.faults import FaultRule

    await gw.resources.resource_groups.create_or_update("rg-stuck", {"location": "westus2"})
    emu.faults.set([FaultRule("lro_stuck", method="PUT", path="virtualNetworks")])
    body = {"location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.9.0.0/16"]}}}
    with pytest.raises(TimeoutError):
        await gw.result(gw.network.virtual_networks.begin_create_or_update("rg-stuck", "vnet-stuck", body), timeout=2)
    stuck = await gw.network.virtual_networks.get("rg-stuck", "vnet-stuck")
    assert stuck.provisioning_state != "Succeeded"
    described = await _control(emu, "DELETE", "/_emulator/faults")
    assert described["rules"] == []
    await asyncio.sleep(0)
    assert (await gw.network.virtual_networks.get("rg-stuck", "vnet-stuck")).provisioning_state == "Succeeded"


def test_open_removes_temp_files_of_dead_writers(tmp_path: pathlib.Path) -> None:
    """Defect (soak): kill -9 during the journal's atomic write left ``.RUN.json.PID.tmp`` files behind for ever."""
    import os
    import subprocess

    j = Journal.create("tmpk", {"plan": {"name": "tmpk"}}, target={})
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = j.path.with_name(f".{j.path.name}.{dead.pid}.tmp")
    alive = j.path.with_name(f".{j.path.name}.{os.getpid()}.tmp")
    stale.write_text("{partial")
    alive.write_text("{in progress")
    again = Journal.open(j.run_id, j.path.parent)
    assert again.run_id == j.run_id
    assert not stale.exists() and alive.exists()

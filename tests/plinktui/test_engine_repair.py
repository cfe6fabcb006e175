"""Repairs and retries in the engine: a vault repair is checked, and a Failed/Canceled LRO is retryable."""

from __future__ import annotations

import argparse
import json
import pathlib
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest

from plinktui import provision_cli
from plinktui.emulator.faults import FaultRule
from plinktui.engine import RESUME_FIX, classify
from plinktui.journal import Journal
from tests.factories import plan_file


async def _setup(emu: Any, tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str],
                 argv: list[str]) -> tuple[int, list[dict[str, Any]]]:
    p = argparse.ArgumentParser()
    provision_cli.add_setup_arguments(p)
    provision_cli.add_target_arguments(p)
    args = p.parse_args([*argv, "--yes", "--json", "--arm-endpoint", emu.endpoint, "--ca-cert", emu.ca_cert])
    capsys.readouterr()
    rc = await provision_cli.run_setup(args)
    return rc, [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]


def _plan(tmp_path: pathlib.Path, name: str, vault: str) -> str:
    return str(plan_file(tmp_path, name, vault=vault, octet=72))


async def test_vault_repair_patch_that_leaves_it_failed_fails_the_node(emu, gw, tmp_path, capsys) -> None:
    """Fix 1: the failed-vault branch used to mark the node succeeded whatever the PATCH left behind."""
    emu.faults.set([FaultRule("lro_failed", method="PUT", path="/vaults/", count=1),
                    FaultRule("lro_failed", method="PATCH", path="/vaults/")])  # every repair PATCH fails to take
    rc, lines = await _setup(emu, tmp_path, capsys, ["--plan", _plan(tmp_path, "fuvault", "kvfuvault0001")])
    summary = lines[-1]
    assert rc == 1 and summary["kind"] == "summary", summary
    failed = summary["failed"]["vault"]
    run_id = summary["run_id"]
    assert failed["class"] == "retryable"
    assert failed["error"] == "Key Vault kvfuvault0001 is still Failed after the repair PATCH"
    assert f"plinktui setup --resume {run_id}" in failed["fix"] and f"plinktui teardown {run_id} --purge" in \
        failed["fix"]
    assert emu.faults.fired["lro_failed"] == 3  # the PUT (1st attempt), then a repair PATCH on each of 2 retries
    journal = Journal.open(run_id)
    assert journal.resources["vault"]["status"] == "failed" and journal.state == "failed"
    vault = await gw.keyvault.vaults.get("rg-fuvault", "kvfuvault0001")
    assert vault.properties.provisioning_state == "Failed"  # the journal agrees with ARM: not "succeeded"

    emu.faults.set([])
    rc, lines = await _setup(emu, tmp_path, capsys, ["--resume", run_id])
    assert rc == 0 and lines[-1]["failed"] == {}, lines[-1]
    assert (await gw.keyvault.vaults.get("rg-fuvault", "kvfuvault0001")).properties.provisioning_state == "Succeeded"
    assert Journal.open(run_id).resources["vault"]["status"] == "succeeded"


async def test_vault_create_that_ends_failed_is_repaired_within_the_run(emu, gw, tmp_path, capsys) -> None:
    """Fix 1 + 2: the Failed LRO is retryable, the retry PATCHes the vault, and the node succeeds only because the
    vault really reads Succeeded."""
    emu.faults.set([FaultRule("lro_failed", method="PUT", path="/vaults/", count=1)])
    rc, lines = await _setup(emu, tmp_path, capsys, ["--plan", _plan(tmp_path, "furepair", "kvfurepair0001")])
    assert rc == 0 and lines[-1]["failed"] == {}, lines[-1]
    assert any(e["kind"] == "info" and e.get("key") == "vault" and "retrying" in e.get("message", "") for e in lines)
    assert any(e["kind"] == "succeeded" and e.get("key") == "vault" and e.get("message") == "reconciled (PATCH)"
               for e in lines)
    vault = await gw.keyvault.vaults.get("rg-furepair", "kvfurepair0001")
    assert vault.properties.provisioning_state == "Succeeded" and vault.properties.public_network_access == "Disabled"


@pytest.mark.parametrize("fault,code", [("lro_failed", "InternalOperationError"),
                                        ("lro_canceled", "OperationCanceled")])
async def test_failed_or_canceled_lro_is_retryable_with_resume_fix(emu, gw, fault: str, code: str) -> None:
    """Fix 2: the SDK's error for an LRO that ended Failed/Canceled was classed fatal with no fix."""
    await gw.resources.resource_groups.create_or_update("rg-lroclass", {"location": "westus2"})
    emu.faults.set([FaultRule(fault, method="PUT", path="virtualNetworks", count=1)])
    body = {"location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.9.0.0/16"]}}}
    poller = await gw.network.virtual_networks.begin_create_or_update("rg-lroclass", f"vnet-{fault[4:]}", body,
                                                                      polling_interval=0.05)
    with pytest.raises(HttpResponseError) as info:
        await poller.result()
    cls, message, fix = classify(info.value)
    assert (cls, fix) == ("retryable", RESUME_FIX)
    assert message.startswith(f"{code}: ")


class _Resp:
    """A minimal HTTP response for building HttpResponseError the way azure-core does (no SDK is faked)."""

    def __init__(self, status: int, code: str) -> None:
        self.status_code, self.reason, self.request = status, "x", HttpRequest("GET", "https://x")
        self.headers = {"content-type": "application/json"}
        self._body = json.dumps({"error": {"code": code, "message": "m"}}).encode()
        self.content_type = "application/json"

    def text(self, encoding: str | None = None) -> str:
        return self._body.decode()

    def body(self) -> bytes:
        return self._body


def test_user_fixable_errors_stay_user_even_when_an_lro_ends_with_them() -> None:
    """Fix 2 must not swallow real user errors: 400s with a cause, and LROs failing with a user-fixable code."""
    assert classify(HttpResponseError(response=_Resp(400, "InvalidParameter")))[0] == "user"
    assert classify(HttpResponseError(response=_Resp(400, "SomethingNew")))[0] == "user"
    lro_quota = classify(HttpResponseError(response=_Resp(200, "QuotaExceeded")))
    assert lro_quota[0] == "user" and "quota" in (lro_quota[2] or "")
    assert classify(HttpResponseError(response=_Resp(200, "InternalOperationError")))[:3:2] == \
        ("retryable", RESUME_FIX)

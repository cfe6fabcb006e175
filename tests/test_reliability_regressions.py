"""Regression tests for defects found while proving reliability (issue 6); each names the defect it pins."""

from __future__ import annotations

import argparse
import io
import json
import pathlib
import sys

import pytest

from plinktui import provision_cli
from plinktui.journal import Journal

PLAN = """
[plan]
name = "reg"
resource_group = "rg-reg"
[network]
region = "westus2"
vnet = "vnet-reg"
address_space = ["10.71.0.0/16"]
subnet = "snet-endpoints"
subnet_prefix = "10.71.1.0/24"
[vault]
region = "eastus2"
name = "kvregress0001"
public_network_access = "Disabled"
[private_endpoint]
name = "pe-reg"
[dns]
link_name = "link-reg"
"""


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

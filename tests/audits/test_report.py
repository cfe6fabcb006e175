"""Renderers (JSON schema keys, SARIF 2.1.0 structure, Markdown, table), probe planning and CLI error paths."""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys

import pytest

from audits import checks, cli, report
from audits.probing import plan_probes
from tests.audit_inventory import NET, SUB, FakeVerdict, healthy, plant

ENDPOINT_KEYS = {"id", "name", "region", "vnet", "subnet", "nic_id", "nic_name", "private_ips", "target_id",
                 "group_ids", "connection_state", "fqdns", "zone_group"}
FINDING_KEYS = {"check_id", "severity", "resource_id", "title", "detail", "remediation"}
PROBE_KEYS = {"vm", "fqdn", "resolved_ips", "cname_chain", "expected_ip", "verdict", "healthstatus_addr"}


def _result(defect: str = "PL004", probes=()) -> report.AuditResult:
    inv = plant(defect).inventory()
    return report.AuditResult(inventory=inv, findings=checks.run_all(inv, list(probes)), probes=list(probes),
                              stats={"arm_requests": 12, "seconds": 0.5})


def test_json_schema_keys():
    v = FakeVerdict("vm-1", "kv001.vault.azure.net", ["10.1.0.4"], ["kv001.privatelink.vaultcore.azure.net"],
                    "10.1.0.4", "pass", [], healthstatus_addr="10.1.0.10")
    doc = json.loads(report.render_json(_result(probes=[v])))
    assert doc["schema"] == "plinktui.audit/v1"
    assert ENDPOINT_KEYS <= set(doc["endpoints"][0])
    ep = doc["endpoints"][0]
    assert ep["private_ips"] == ["10.1.0.4"] and ep["fqdns"] == ["kv001.vault.azure.net"]
    assert ep["nic_name"] == "pe-1.nic.0001" and ep["group_ids"] == ["vault"] and ep["connection_state"] == "Approved"
    assert FINDING_KEYS <= set(doc["findings"][0])
    assert set(doc["findings"][0]["remediation"]) == {"text", "command"}
    assert PROBE_KEYS <= set(doc["probes"][0])
    assert doc["stats"]["arm_requests"] == 12 and "seconds" in doc["stats"]
    assert [f["check_id"] for f in doc["findings"]] == ["PL004"]


def test_zone_group_inferred_from_records_or_null():
    doc = json.loads(report.render_json(_result("PL007")))
    assert doc["endpoints"][0]["zone_group"] == {"source": "records", "names": [],
                                                 "zones": ["privatelink.vaultcore.azure.net"]}
    doc2 = json.loads(report.render_json(_result("PL002")))
    assert doc2["endpoints"][0]["zone_group"] is None


def test_sarif_structure():
    doc = json.loads(report.render_sarif(_result("PL011")))
    assert doc["version"] == "2.1.0" and "sarif-2.1.0" in doc["$schema"]
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} == set(checks.CATALOGUE)
    assert all(r["defaultConfiguration"]["level"] in ("error", "warning", "note") for r in rules)
    (res,) = run["results"]
    assert res["ruleId"] == "PL011" and rules[res["ruleIndex"]]["id"] == "PL011"
    assert res["level"] == "error" and res["message"]["text"]
    loc = res["locations"][0]["logicalLocations"][0]
    assert loc["fullyQualifiedName"].endswith("/A/kv001") and loc["kind"] == "resource"


def test_sarif_info_maps_to_note():
    doc = json.loads(report.render_sarif(_result("PL015")))
    assert doc["runs"][0]["results"][0]["level"] == "note"


def test_markdown_and_table_show_findings_and_fixes():
    r = _result("PL014")
    md = report.render_markdown(r)
    assert "| warning | PL014" in md and "az network private-dns link vnet update" in md
    table = report.render_table(r)
    assert "PL014" in table and "$ az network private-dns link vnet update" in table and "pe-1" in table
    assert table.strip().splitlines()[-1].startswith("0 error(s), 1 warning(s)")


def test_healthy_report_has_no_findings():
    inv = healthy().inventory()
    r = report.AuditResult(inventory=inv, findings=checks.run_all(inv), stats={"arm_requests": 3})
    assert json.loads(report.render_json(r))["findings"] == []
    assert "No findings." in report.render_markdown(r)


def test_reports_scrub_secret_looking_text():
    v = FakeVerdict("vm-1", "kv001.vault.azure.net", [], [], "10.1.0.4", "fail", ["PL022"],
                    detail="curl said Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig and sig=abcdEFGH1234%3D")
    for fmt in report.RENDERERS:
        text = report.render(_result(probes=[v]), fmt)
        assert "eyJhbGciOiJIUzI1NiJ9" not in text and "abcdEFGH1234" not in text, fmt


def test_probe_plan_picks_a_vm_per_vnet_and_notes_vnets_without_one():
    w = healthy(i=1)
    healthy(w, i=2)
    inv = w.inventory()
    from audits.inventory import Vm

    inv.vms.append(Vm(id=f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1",
                      name="vm1", location="westus2", nic_ids=[], os_type="Linux", power_state="running",
                      vnet_id=f"{NET}/virtualNetworks/vnet-1", private_ip="10.1.0.10", public_ip="20.1.2.3"))
    plans, notes = plan_probes(inv)
    assert [p.vm.name for p in plans] == ["vm1"]
    assert [(t.fqdn, t.expected_ip, t.vault) for t in plans[0].targets] == [("kv001.vault.azure.net", "10.1.0.4", True)]
    assert len(notes) == 1 and "vnet-2" in notes[0] and "no running Linux VM" in notes[0]
    forced, _ = plan_probes(inv, probe_vm="vm1")
    assert len(forced) == 1 and len(forced[0].targets) == 2
    missing, n2 = plan_probes(inv, probe_vm="nope")
    assert missing == [] and "not found" in n2[0]


def _args(**kw) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    cli.add_arguments(p)
    base = ["--format", "json", "--probe", "none"]
    for k, v in kw.items():
        base += [f"--{k.replace('_', '-')}", v]
    return p.parse_args(base)


async def test_cli_unreachable_endpoint_is_exit_2_with_one_line(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rc = await cli.run(_args(arm_endpoint=f"https://127.0.0.1:{port}", subscription=SUB))
    err = capsys.readouterr().err
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and "cannot reach" in err and "Traceback" not in err


async def test_cli_rejects_mixed_scopes(capsys):
    p = argparse.ArgumentParser()
    cli.add_arguments(p)
    rc = await cli.run(p.parse_args(["--subscription", SUB, "--all-subscriptions"]))
    assert rc == 2 and "either" in capsys.readouterr().err


def test_add_arguments_tolerates_a_parent_that_defines_subscription():
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--subscription")
    parent.add_argument("--arm-endpoint")
    p = argparse.ArgumentParser(parents=[parent])
    cli.add_arguments(p)
    ns = p.parse_args(["--subscription", "a,b", "--json"])
    assert cli._subscriptions(ns) == ["a", "b"] and ns.json


def test_audit_modules_do_not_import_textual():
    code = ("import sys, audits.cli, audits.engine, audits.collector, audits.report, audits.probing, audits.checks; "
            "bad=[m for m in sys.modules if m.split('.')[0] in ('textual','questionary')]; print(bad); "
            "sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("fmt", sorted(report.RENDERERS))
def test_every_format_renders(fmt):
    assert report.render(_result("PL001"), fmt).strip()


@pytest.mark.parametrize("exc,needle", [
    ("ClientAuthenticationError", "authentication failed"),
    ("TargetError", "cannot reach ARM endpoint"),
    ("TimeoutError", "--timeout"),
    ("SSLError", "TLS"),
])
def test_one_line_reasons(exc, needle):
    import ssl

    from azure.core.exceptions import ClientAuthenticationError

    from plinktui.cloud import TargetError

    made = {"ClientAuthenticationError": ClientAuthenticationError(message="token expired\nsecond line"),
            "TargetError": TargetError("cannot reach ARM endpoint https://127.0.0.1:1: refused"),
            "TimeoutError": TimeoutError(), "SSLError": ssl.SSLError(1, "CERTIFICATE_VERIFY_FAILED")}[exc]
    line = cli._one_line(made)
    assert needle in line and "\n" not in line

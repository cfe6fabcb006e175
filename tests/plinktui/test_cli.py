"""The command line as real users meet it: sign-in without credentials, runs that belong to a cloud, plans
and crashes.

No test here reaches beyond loopback: the subprocesses run DefaultAzureCredential with
``AZURE_TOKEN_CREDENTIALS=dev`` (developer tools only: no managed-identity endpoint) and no ``az`` on PATH.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import socket
import subprocess
import sys

import pytest
from azure.core.exceptions import ClientAuthenticationError

from plinktui import provision_cli
from plinktui.azprofile import cli_default_subscription
from plinktui.cloud import PUBLIC_ARM, TargetError, resolve_target, run_cloud
from plinktui.signin import looks_offline, sign_in_problem
from screens.modals import describe_error

SUB_A = "11111111-1111-1111-1111-111111111111"
SUB_B = "22222222-2222-2222-2222-222222222222"
SUB_GOV = "33333333-3333-3333-3333-333333333333"


def _profile(d: pathlib.Path, bom: bool = True) -> None:
    d.mkdir(parents=True, exist_ok=True)
    data = {"installationId": "x", "subscriptions": [
        {"id": SUB_A, "name": "dev", "isDefault": False, "environmentName": "AzureCloud", "tenantId": "t"},
        {"id": SUB_B, "name": "prod", "isDefault": True, "environmentName": "AzureCloud", "tenantId": "t"},
        {"id": SUB_GOV, "name": "gov", "isDefault": True, "environmentName": "AzureUSGovernment", "tenantId": "t"}]}
    (d / "azureProfile.json").write_text(json.dumps(data), encoding="utf-8-sig" if bom else "utf-8")


def test_the_az_cli_current_subscription_is_read_like_az_account_show(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("AZURE_CONFIG_DIR", raising=False)
    assert cli_default_subscription() is None  # no profile: nothing guessed
    _profile(tmp_path / ".azure")  # the CLI writes the file with a BOM
    assert (cli_default_subscription() or {}).get("id") == SUB_B
    assert (cli_default_subscription("https://management.usgovcloudapi.net/") or {}).get("id") == SUB_GOV
    assert cli_default_subscription("https://arm.contoso.example") is None  # an unknown cloud: not guessed
    monkeypatch.setenv("AZURE_CONFIG_DIR", str(tmp_path / "elsewhere"))
    assert cli_default_subscription() is None
    _profile(tmp_path / "elsewhere", bom=False)
    assert (cli_default_subscription() or {}).get("id") == SUB_B
    (tmp_path / "elsewhere" / "azureProfile.json").write_text("{not json")
    assert cli_default_subscription() is None


async def test_resolve_target_defaults_to_the_cli_subscription(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("AZURE_CONFIG_DIR", str(tmp_path))
    _profile(tmp_path)
    assert (await resolve_target()).subscription_id == SUB_B  # public ARM: no network call to resolve it
    assert (await resolve_target(subscription=SUB_A)).subscription_id == SUB_A  # --subscription wins
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUB_A)
    assert (await resolve_target()).subscription_id == SUB_A  # and so does the environment


def test_offline_is_told_apart_from_not_signed_in() -> None:
    offline = ClientAuthenticationError("DeviceCodeCredential: request failed")
    offline.__cause__ = socket.gaierror(-3, "Temporary failure in name resolution")
    assert looks_offline(offline)
    message, fix = sign_in_problem(offline) or ("", "")
    assert "looks offline" in message and "az login" not in fix and "plinktui demo" in fix
    message, fix = sign_in_problem(ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token")) \
        or ("", "")
    assert message.startswith("not signed in to Azure") and "az login" in fix
    assert sign_in_problem(ValueError("x")) is None
    # what azure-identity's DeviceCodeCredential raises when login.microsoftonline.com does not resolve
    device = ClientAuthenticationError("Authentication failed: HTTPSConnection(host='login.microsoftonline.com', "
                                       "port=443): Failed to resolve 'login.microsoftonline.com' ([Errno -2] Name "
                                       "or service not known)")
    assert (sign_in_problem(device) or ("", ""))[0].endswith("this machine looks offline (the sign-in host does not "
                                                             "resolve)")
    assert describe_error(offline)[0].startswith("Cannot reach the Microsoft sign-in service")


def _no_credentials_env(tmp_path: pathlib.Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "PLINKTUI_", "MSI_", "IDENTITY_"))}
    env.update(HOME=str(home), AZURE_TOKEN_CREDENTIALS="dev", PATH=str(pathlib.Path(sys.executable).parent),
               XDG_STATE_HOME=str(tmp_path / "state"), XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    return env


def _plinktui(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "plinktui", *argv], env=env, capture_output=True, text=True,
                          timeout=120)


def test_audit_and_setup_without_credentials_say_az_login_in_one_line(tmp_path) -> None:
    env = _no_credentials_env(tmp_path)
    audit = _plinktui(env, "audit", "--subscription", SUB_A)
    assert audit.returncode == 2 and audit.stdout == ""
    assert audit.stderr.splitlines() == [
        "plinktui audit: not signed in to Azure: no credential was found (az login, environment variables or a "
        "managed identity); run `az login` (or `az login --use-device-code` on a machine without a browser), "
        "then try again"]
    plan = pathlib.Path(__file__).resolve().parents[2] / "examples" / "plan-demo.toml"
    setup = _plinktui(env, "setup", "--plan", str(plan), "--subscription", SUB_A, "--yes")
    assert setup.returncode == 2
    assert len(setup.stderr.splitlines()) == 1 and "run `az login`" in setup.stderr
    assert "DefaultAzureCredential failed" not in setup.stderr + setup.stdout


def test_sdk_logging_is_silenced_unless_a_log_level_is_given(monkeypatch) -> None:
    import logging

    from plinktui import cli

    monkeypatch.delenv("PLINKTUI_LOG_LEVEL", raising=False)
    assert cli.build_parser().parse_args(["audit"]).log_level is None
    for name in ("azure", "msal"):
        monkeypatch.setattr(logging.getLogger(name), "level", logging.NOTSET)
    cli._logging(None)
    assert logging.getLogger("azure.identity").getEffectiveLevel() == logging.CRITICAL
    assert logging.getLogger("msal").getEffectiveLevel() == logging.CRITICAL
    logging.getLogger("azure").setLevel(logging.NOTSET)
    logging.getLogger("msal").setLevel(logging.NOTSET)
    cli._logging("INFO")  # whoever asks for a level gets the SDK's own account of every credential it tried
    assert logging.getLogger("azure.identity").getEffectiveLevel() <= logging.WARNING


def _args(**kw: object) -> argparse.Namespace:
    base = {"arm_endpoint": None, "ca_cert": None, "subscription": None, "demo": False}
    return argparse.Namespace(**(base | kw))


async def test_a_demo_run_goes_back_to_the_demo_cloud_without_flags(monkeypatch) -> None:
    seen: list[dict[str, object]] = []

    async def fake_resolve(**kw: object) -> object:
        seen.append(kw)
        raise TargetError("stop here")

    monkeypatch.setattr("plinktui.cloud.resolve_target", fake_resolve)
    demo_run = {"arm_endpoint": "https://127.0.0.1:45678", "subscription_id": SUB_A, "is_emulator": True,
                "cloud": "demo", "ca_cert": "/gone/ca.pem"}
    with pytest.raises(TargetError, match="stop here"):
        await provision_cli._gateway(_args(), demo_run)
    assert seen[-1]["demo"] is True and seen[-1]["arm_endpoint"] is None  # not the old session's port
    azure_run = {"arm_endpoint": PUBLIC_ARM, "subscription_id": SUB_A, "is_emulator": False, "cloud": PUBLIC_ARM}
    with pytest.raises(TargetError, match=r"belongs to Azure \(https://management.azure.com\).*drop --demo"):
        await provision_cli._gateway(_args(demo=True), azure_run)
    with pytest.raises(TargetError, match="stop here"):
        await provision_cli._gateway(_args(), azure_run)
    assert seen[-1]["demo"] is False


def test_runs_record_their_cloud_and_old_journals_are_recognised(tmp_path) -> None:
    from plinktui.settings import demo_dir

    assert run_cloud({"cloud": "demo"}) == "demo"
    assert run_cloud({"is_emulator": True, "ca_cert": str(demo_dir() / "ca.pem")}) == "demo"  # before `cloud`
    assert run_cloud({"is_emulator": True, "ca_cert": str(tmp_path / "ca.pem"),
                      "arm_endpoint": "https://127.0.0.1:9/"}) == "https://127.0.0.1:9"
    assert run_cloud({}) == PUBLIC_ARM


def test_a_demo_run_audits_with_the_demo_key_and_tears_down_without_flags(tmp_path) -> None:
    """Why 6: `teardown RUN` of a demo run without --demo failed with an SSL object repr; Why 7: `audit --demo`
    skipped the probes for want of ~/.ssh/id_ed25519 although the demo has its own key."""
    env = _no_credentials_env(tmp_path) | {"PLINKTUI_DEMO_LATENCY_SCALE": "0"}
    plan = pathlib.Path(__file__).resolve().parents[2] / "examples" / "plan-demo.toml"
    setup = _plinktui(env, "--demo", "setup", "--plan", str(plan), "--yes")
    assert setup.returncode == 0, setup.stderr
    # the estimate is worded as on the TUI's Review (one function: plinktui.dag.duration_estimate)
    assert re.search(r"expected duration in Azure: about \d+ (min \d+ )?s \(critical path: rg → ", setup.stdout)
    run_id = re.findall(r"plinktui teardown (\S+) --purge", setup.stdout)[-1]
    journal = json.loads(next((tmp_path / "state").rglob(f"{run_id}.json")).read_text())
    assert journal["target"]["cloud"] == "demo"

    # HOME has no ~/.ssh at all; the jumpbox trusts the demo key (the run's own VM trusts the run's key)
    audit = _plinktui(env, "audit", "--demo", "--probe-vm", "vm-jumpbox", "--format", "json")
    report = json.loads(audit.stdout)
    assert not any("no SSH key" in n for n in report["notes"]), report["notes"]
    assert any(p["verdict"] == "pass" and p["fqdn"] == "kv-demo-plinktui01.vault.azure.net"
               for p in report["probes"]), report["probes"]

    teardown = _plinktui(env, "teardown", run_id, "--purge", "--yes", "--json")  # no --demo, no endpoint
    assert teardown.returncode == 0, teardown.stderr
    assert json.loads(teardown.stdout.strip().splitlines()[-1])["state"] == "torn_down"


def test_an_unexpected_cli_error_is_one_line_with_its_log(monkeypatch, capsys) -> None:
    """Why 1: an unhandled error anywhere: a short message, the full traceback in a log file, a non-zero exit."""
    from plinktui import cli
    from plinktui.settings import state_dir

    def boom(args: object, parser: object) -> int:
        raise KeyError("surprise")

    monkeypatch.setattr(cli, "_dispatch", boom)
    assert cli.main(["runs"]) == 2
    err = capsys.readouterr().err
    logs = list((state_dir() / "logs").glob("crash-*.log"))
    assert len(logs) == 1 and "KeyError: 'surprise'" in logs[0].read_text() and "Traceback" in logs[0].read_text()
    assert err == f"plinktui: KeyError: 'surprise' (full traceback: {logs[0]})\n"


def test_a_plan_whose_key_file_is_gone_says_which_plan_once(tmp_path) -> None:
    """Why 3: `--resume` said `the plan plan is not valid` (and "nothing was created" for a fresh plan)."""
    from plinktui import plan as plan_mod
    from plinktui.journal import Journal

    env = _no_credentials_env(tmp_path)
    example = pathlib.Path(__file__).resolve().parents[2] / "examples" / "plan-demo.toml"
    text = example.read_text().replace('ssh_public_key = "generate"', 'ssh_public_key = "/nowhere/id.pub"')
    plan_file = tmp_path / "p.toml"
    plan_file.write_text(text)
    fresh = _plinktui(env, "--demo", "setup", "--plan", str(plan_file), "--yes")
    assert fresh.returncode == 2
    assert fresh.stderr.splitlines()[0] == f"plinktui: the plan {plan_file} is not valid; nothing was created:"
    assert "cannot read /nowhere/id.pub" in fresh.stderr

    import unittest.mock

    # the journal is written where the subprocess looks (its XDG_STATE_HOME)
    with unittest.mock.patch.dict(os.environ, {"XDG_STATE_HOME": env["XDG_STATE_HOME"]}):
        journal = Journal.create("kv-demo", plan_mod.load(plan_file).to_dict(), plan_file=str(plan_file),
                                 target={"cloud": "demo", "is_emulator": True})
    resumed = _plinktui(env, "setup", "--resume", journal.run_id, "--yes")
    assert resumed.returncode == 2
    assert resumed.stderr.splitlines()[0] == (f"plinktui: the plan of run {journal.run_id} is not valid; "
                                              "nothing was created:")
    assert "the plan plan" not in resumed.stderr

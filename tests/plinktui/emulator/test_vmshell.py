"""The demo VM shell answers in the exact formats of docs/probe-formats.md, and runs nothing else."""

from __future__ import annotations

import ast
import pathlib

import pytest

from plinktui.emulator.vmshell import (
    HttpAnswer,
    Resolution,
    StaticVmView,
    format_run_command_message,
    run_command,
    run_script,
    run_shell_script,
    run_shell_script_status,
)

FQDN = "fabrikam.vault.azure.net"
PL = "fabrikam.privatelink.vaultcore.azure.net"
PUBLIC_CHAIN = [FQDN, PL, "data-prod-eus.vaultcore.azure.net", "data-prod-eus-region.vaultcore.azure.net"]
NETINFO = ("x-ms-keyvault-network-info", "addr=10.4.5.6;act_addr_fam=InterNetworkV6;")
HEALTH_HEADERS = [
    ("Cache-Control", "no-cache"),
    ("Pragma", "no-cache"),
    ("Content-Type", "application/json; charset=utf-8"),
    ("x-ms-request-id", "6c090c46-0a1c-48ab-b740-3442ce17e75e"),
    ("x-ms-keyvault-service-version", "1.2.27.0"),
    NETINFO,
    ("Strict-Transport-Security", "max-age=31536000;includeSubDomains"),
    ("Content-Length", "4"),
]


def vm(**kw: object) -> StaticVmView:
    base = dict(
        name="vm-probe",
        private_ip="10.4.5.6",
        public_ip="20.30.40.50",
        host_key_public="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample root@vm-probe",
        answers={
            FQDN: Resolution(FQDN, [FQDN, PL], ["10.1.2.3"]),
            "public.vault.azure.net": Resolution("public.vault.azure.net", PUBLIC_CHAIN, ["52.168.109.101"]),
            "broken.vault.azure.net": Resolution("broken.vault.azure.net", ["broken.vault.azure.net"], [],
                                                 servfail=True),
        },
        http={FQDN: HttpAnswer(200, HEALTH_HEADERS, "null")},
    )
    base.update(kw)
    return StaticVmView(**base)  # type: ignore[arg-type]


def test_host_private_chain_is_exactly_the_fixture() -> None:
    out, err, rc = run_command(f"host {FQDN}", vm())
    assert (out, err, rc) == (
        "fabrikam.vault.azure.net is an alias for fabrikam.privatelink.vaultcore.azure.net.\n"
        "fabrikam.privatelink.vaultcore.azure.net has address 10.1.2.3\n", "", 0)


def test_host_public_chain_is_exactly_the_fixture() -> None:
    v = vm(answers={FQDN: Resolution(FQDN, PUBLIC_CHAIN, ["52.168.109.101"])})
    out, _, rc = run_command(f"host {FQDN}", v)
    assert rc == 0
    assert out == (
        "fabrikam.vault.azure.net is an alias for fabrikam.privatelink.vaultcore.azure.net.\n"
        "fabrikam.privatelink.vaultcore.azure.net is an alias for data-prod-eus.vaultcore.azure.net.\n"
        "data-prod-eus.vaultcore.azure.net is an alias for data-prod-eus-region.vaultcore.azure.net.\n"
        "data-prod-eus-region.vaultcore.azure.net has address 52.168.109.101\n"
    )


def test_host_failures() -> None:
    assert run_command("host nope.vault.azure.net", vm()) == (
        "Host nope.vault.azure.net not found: 3(NXDOMAIN)\n", "", 1)
    assert run_command("host broken.vault.azure.net", vm()) == (
        "Host broken.vault.azure.net not found: 2(SERVFAIL)\n", "", 1)


def test_nslookup_linux_shape() -> None:
    out, err, rc = run_command(f"nslookup {FQDN}", vm())
    assert rc == 0 and err == ""
    assert out == (
        "Server:\t\t127.0.0.53\nAddress:\t127.0.0.53#53\n\nNon-authoritative answer:\n"  # systemd-resolved's stub
        "fabrikam.vault.azure.net\tcanonical name = fabrikam.privatelink.vaultcore.azure.net.\n"
        "Name:\tfabrikam.privatelink.vaultcore.azure.net\nAddress: 10.1.2.3\n\n"
    )
    out, _, rc = run_command("nslookup nope.vault.azure.net", vm(dns_servers=["10.0.0.53"]))
    assert rc == 1
    assert out == "Server:\t\t127.0.0.53\nAddress:\t127.0.0.53#53\n\n** server can't find nope.vault.azure.net: NXDOMAIN\n\n"


def test_dig_short_both_argument_orders() -> None:
    expected = ("fabrikam.privatelink.vaultcore.azure.net.\n10.1.2.3\n", "", 0)
    assert run_command(f"dig +short {FQDN}", vm()) == expected
    assert run_command(f"dig {FQDN} +short", vm()) == expected
    assert run_command("dig +short nope.vault.azure.net", vm()) == ("", "", 0)


def test_getent_dns_and_hosts_file() -> None:
    assert run_command(f"getent hosts {FQDN}", vm()) == (
        "10.1.2.3        fabrikam.privatelink.vaultcore.azure.net fabrikam.vault.azure.net\n", "", 0)
    v = vm(etc_hosts=[("10.9.9.9", [FQDN, "kv"])])
    # glibc reads /etc/hosts first: the planted line wins over DNS (PL024)
    assert run_command(f"getent hosts {FQDN}", v) == ("10.9.9.9        fabrikam.vault.azure.net kv\n", "", 0)
    assert run_command("getent hosts nope.vault.azure.net", vm()) == ("", "", 2)
    assert run_command("getent hosts localhost", vm()) == ("127.0.0.1       localhost\n", "", 0)


def test_cat_files() -> None:
    v = vm(dns_servers=["10.0.0.53", "10.0.0.54"], etc_hosts=[("10.9.9.9", [FQDN])])
    out, _, rc = run_command("cat /etc/resolv.conf", v)  # Ubuntu's systemd-resolved stub
    assert rc == 0 and out.startswith("# This is /run/systemd/resolve/stub-resolv.conf managed by")
    lines = [ln for ln in out.splitlines() if ln and not ln.startswith("#")]
    assert lines[:2] == ["nameserver 127.0.0.53", "options edns0 trust-ad"]
    assert lines[2].startswith("search ") and lines[2].endswith(".bx.internal.cloudapp.net")
    out, _, rc = run_command("cat /run/systemd/resolve/resolv.conf", v)  # the upstream servers
    assert rc == 0 and out.startswith("# This is /run/systemd/resolve/resolv.conf managed by")
    lines = [ln for ln in out.splitlines() if ln and not ln.startswith("#")]
    assert lines[:2] == ["nameserver 10.0.0.53", "nameserver 10.0.0.54"] and lines[2] == lines[2].lower()
    out, _, _ = run_command("cat /etc/hosts", v)
    assert out.startswith("127.0.0.1 localhost\n") and out.endswith(f"10.9.9.9 {FQDN}\n")
    assert run_command("cat /etc/ssh/ssh_host_ed25519_key.pub", v)[0] == v.host_key_public + "\n"
    assert run_command("cat /etc/shadow", v) == ("", "cat: /etc/shadow: No such file or directory\n", 1)


def test_curl_include_prints_fixture_headers_with_crlf() -> None:
    out, err, rc = run_command(f"curl -sS -i --max-time 5 https://{FQDN}/healthstatus", vm())
    assert rc == 0 and err == ""
    head, body = out.split("\r\n\r\n", 1)
    assert body == "null"
    assert head.split("\r\n") == [
        "HTTP/1.1 200 OK",
        "Cache-Control: no-cache",
        "Pragma: no-cache",
        "Content-Type: application/json; charset=utf-8",
        "x-ms-request-id: 6c090c46-0a1c-48ab-b740-3442ce17e75e",
        "x-ms-keyvault-service-version: 1.2.27.0",
        "x-ms-keyvault-network-info: addr=10.4.5.6;act_addr_fam=InterNetworkV6;",
        "Strict-Transport-Security: max-age=31536000;includeSubDomains",
        "Content-Length: 4",
    ]
    # without -i only the body; without -s the progress meter goes to stderr
    out, err, rc = run_command(f"curl https://{FQDN}/healthstatus", vm())
    assert (out, rc) == ("null", 0) and "% Total" in err


def test_curl_failures() -> None:
    assert run_command("curl -sS https://nope.vault.azure.net/healthstatus", vm()) == (
        "", "curl: (6) Could not resolve host: nope.vault.azure.net\n", 6)
    assert run_command("curl -s https://nope.vault.azure.net/healthstatus", vm()) == ("", "", 6)
    out, err, rc = run_command("curl -sS -m 5 https://public.vault.azure.net/healthstatus", vm())
    assert rc == 28 and err == "curl: (28) Connection timed out after 5001 milliseconds\n"
    assert run_command("curl --bogus https://x.y/", vm())[2] == 2


def test_unknown_command_is_127_and_nothing_runs() -> None:
    assert run_command("rm -rf /", vm()) == ("", "bash: line 1: rm: command not found\n", 127)
    assert run_command("$(touch /tmp/x)", vm())[2] == 127
    assert run_command("python3 -c 'import os'", vm())[2] == 127


def test_batches_operators_redirections_and_status() -> None:
    v = vm()
    out, err, rc = run_command('echo a; nope; echo "rc=$?" \'$?\' && true && hostname', v)
    assert (out, rc) == ("a\nrc=127 $?\nvm-probe\n", 0)
    assert err == "bash: line 1: nope: command not found\n"
    out, err, rc = run_command("host nope.vault.azure.net 2>&1 && echo yes || echo no", v)
    assert out == "Host nope.vault.azure.net not found: 3(NXDOMAIN)\nno\n" and rc == 0
    assert run_command("curl -sS https://nope.vault.azure.net/x 2>&1", v)[0].startswith("curl: (6)")
    assert run_command("echo hidden >/dev/null; echo to-err >&2", v) == ("", "to-err\n", 0)
    assert run_command("echo 'unterminated", v)[2] == 2
    assert run_command("echo a | cat", v)[2] == 2


def test_run_command_message_format_and_truncation() -> None:
    msg = run_shell_script(f"host {FQDN}\n", vm())
    assert msg == (
        "Enable succeeded: \n[stdout]\n"
        "fabrikam.vault.azure.net is an alias for fabrikam.privatelink.vaultcore.azure.net.\n"
        "fabrikam.privatelink.vaultcore.azure.net has address 10.1.2.3\n\n[stderr]\n"
    )
    failed = run_shell_script("true\nnope\n", vm())
    assert failed.startswith("Enable failed: failed to execute command: command terminated with exit status=127\n")
    assert failed.endswith("[stderr]\n/var/lib/waagent/run-command/download/0/script.sh: line 2: nope: command not found\n")
    status = run_shell_script_status("nope", vm())
    assert status["code"] == "ProvisioningState/failed/127" and status["level"] == "Error"
    # Azure keeps the LAST 4,096 bytes of each stream
    big = "".join(f"line {i:05d}\n" for i in range(1000))
    msg = format_run_command_message(big, "", 0)
    stdout = msg.split("[stdout]\n", 1)[1].rsplit("\n[stderr]\n", 1)[0]
    assert len(stdout.encode()) == 4096 and stdout.endswith("line 00999\n")


def test_run_script_reports_last_status() -> None:
    assert run_script("nope\ntrue\n", vm())[2] == 0
    assert run_script("true\nnope", vm())[2] == 127


def test_vmshell_has_no_way_to_execute_anything() -> None:
    src = pathlib.Path(__file__).resolve().parents[3] / "plinktui" / "emulator" / "vmshell.py"
    tree = ast.parse(src.read_text())
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)
                for a in (n.names if isinstance(n, ast.Import) else [ast.alias(n.module or "")])}
    assert not imported & {"subprocess", "os", "pty", "socket", "asyncio"}
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert not calls & {"eval", "exec", "open", "compile", "__import__"}


@pytest.mark.parametrize("cmd", ["host", "nslookup", "getent hosts", "dig +short"])
def test_case_and_trailing_dot_do_not_matter(cmd: str) -> None:
    assert run_command(f"{cmd} FABRIKAM.vault.azure.net.", vm())[2] == 0

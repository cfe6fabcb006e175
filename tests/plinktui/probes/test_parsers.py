"""Probe parsers: every shape of docs/probe-formats.md, round trips through the demo VM shell, and
hostile input (binary, ANSI, CRLF, truncation, 1 MB) that must never raise and never yield a pass."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plinktui.emulator.vmshell import HttpAnswer, Resolution, StaticVmView, run_command, run_shell_script
from plinktui.probes.batch import UnsafeName, check_fqdn, new_nonce, probe_commands, split_sections, wrap
from plinktui.probes.parsers import (
    clean_text,
    parse_curl_healthstatus,
    parse_dig_short,
    parse_getent,
    parse_host,
    parse_nslookup,
    parse_resolv_conf,
    parse_run_command_message,
    parse_run_command_result,
)
from plinktui.probes.ssh import verdict_from_sections
from plinktui.probes.verdict import ProbeTarget, evaluate, is_private_ip

FQDN = "fabrikam.vault.azure.net"
PL = "fabrikam.privatelink.vaultcore.azure.net"

# ---- the shapes of probe-outputs.md, verbatim -----------------------------------------------------------------

HOST_NO_PE = """fabrikam.vault.azure.net is an alias for data-prod-eus.vaultcore.azure.net.
data-prod-eus.vaultcore.azure.net is an alias for data-prod-eus-region.vaultcore.azure.net.
data-prod-eus-region.vaultcore.azure.net has address 52.168.109.101
"""
WIN_NO_PE = """Non-authoritative answer:
Address:  52.168.109.101
Aliases:  fabrikam.vault.azure.net
          data-prod-eus.vaultcore.azure.net
          data-prod-eus-region.vaultcore.azure.net
"""
HOST_OUTSIDE = """fabrikam.vault.azure.net is an alias for fabrikam.privatelink.vaultcore.azure.net.
fabrikam.privatelink.vaultcore.azure.net is an alias for data-prod-eus.vaultcore.azure.net.
data-prod-eus.vaultcore.azure.net is an alias for data-prod-eus-region.vaultcore.azure.net.
data-prod-eus-region.vaultcore.azure.net has address 52.168.109.101
"""
HOST_INSIDE = """fabrikam.vault.azure.net is an alias for fabrikam.privatelink.vaultcore.azure.net.
fabrikam.privatelink.vaultcore.azure.net has address 10.1.2.3
"""
WIN_INSIDE = """Non-authoritative answer:
Address:  10.1.2.3
Aliases:  fabrikam.vault.azure.net
          fabrikam.privatelink.vaultcore.azure.net
"""
GETENT_INSIDE = "10.1.2.3        fabrikam.privatelink.vaultcore.azure.net fabrikam.vault.azure.net\n"
CURL_200 = (
    "HTTP/1.1 200 OK\r\nCache-Control: no-cache\r\nPragma: no-cache\r\n"
    "Content-Type: application/json; charset=utf-8\r\nx-ms-request-id: 6c090c46-0a1c-48ab-b740-3442ce17e75e\r\n"
    "x-ms-keyvault-service-version: 1.2.27.0\r\nx-ms-keyvault-network-info: addr=10.4.5.6;act_addr_fam=InterNetworkV6;\r\n"
    "Strict-Transport-Security: max-age=31536000;includeSubDomains\r\nContent-Length: 4\r\n\r\nnull"
)
CURL_403 = (
    "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json; charset=utf-8\r\n"
    "x-ms-keyvault-network-info: conn_type=Ipv4;addr=20.30.40.50;act_addr_fam=InterNetwork;\r\n\r\n"
    '{"error":{"code":"Forbidden","message":"Public network access is disabled and request is not from a trusted '
    'service nor via an approved private link.","innererror":{"code":"ForbiddenByConnection"}}}'
)
PUBLIC_CHAIN = [FQDN, "data-prod-eus.vaultcore.azure.net", "data-prod-eus-region.vaultcore.azure.net"]


def test_host_fixture_shapes() -> None:
    a = parse_host(HOST_NO_PE, query=FQDN)
    assert (a.status, a.chain, a.addresses) == ("ok", PUBLIC_CHAIN, ["52.168.109.101"])
    a = parse_host(HOST_OUTSIDE, query=FQDN)
    assert a.chain == [FQDN, PL, "data-prod-eus.vaultcore.azure.net", "data-prod-eus-region.vaultcore.azure.net"]
    assert a.addresses == ["52.168.109.101"]
    a = parse_host(HOST_INSIDE, query=FQDN)
    assert (a.status, a.chain, a.addresses) == ("ok", [FQDN, PL], ["10.1.2.3"])
    assert parse_host("Host nope.vault.azure.net not found: 3(NXDOMAIN)\n", exit_status=1).status == "nxdomain"
    assert parse_host("Host x.vault.azure.net not found: 2(SERVFAIL)\n", query="x.vault.azure.net").status == "servfail"
    assert parse_host(";; connection timed out; no servers could be reached\n").status == "servfail"


def test_nslookup_windows_fixture_shapes() -> None:
    a = parse_nslookup(WIN_NO_PE, query=FQDN)
    assert (a.status, a.chain, a.addresses) == ("ok", PUBLIC_CHAIN, ["52.168.109.101"])
    a = parse_nslookup(WIN_INSIDE, query=FQDN)
    assert (a.status, a.chain, a.addresses) == ("ok", [FQDN, PL], ["10.1.2.3"])
    # real Windows adds Server/Address lines and a Name: line for the last name; CRLF line ends
    real = ("Server:  UnKnown\r\nAddress:  168.63.129.16\r\n\r\nNon-authoritative answer:\r\n"
            f"Name:    {PL}\r\nAddress:  10.1.2.3\r\nAliases:  {FQDN}\r\n\r\n")
    a = parse_nslookup(real, query=FQDN)
    assert (a.chain, a.addresses, a.server) == ([FQDN, PL], ["10.1.2.3"], "168.63.129.16")
    nx = "Server:  UnKnown\r\nAddress:  168.63.129.16\r\n\r\n*** UnKnown can't find nope.vault.azure.net: Non-existent domain\r\n"
    assert parse_nslookup(nx, query="nope.vault.azure.net").status == "nxdomain"


def test_nslookup_linux_shape() -> None:
    text = ("Server:\t\t168.63.129.16\nAddress:\t168.63.129.16#53\n\nNon-authoritative answer:\n"
            f"{FQDN}\tcanonical name = {PL}.\nName:\t{PL}\nAddress: 10.1.2.3\n\n")
    a = parse_nslookup(text, query=FQDN, exit_status=0)
    assert (a.status, a.chain, a.addresses, a.server) == ("ok", [FQDN, PL], ["10.1.2.3"], "168.63.129.16")
    nx = "Server:\t\t168.63.129.16\nAddress:\t168.63.129.16#53\n\n** server can't find nope.vault.azure.net: NXDOMAIN\n\n"
    assert parse_nslookup(nx, query="nope.vault.azure.net", exit_status=1).status == "nxdomain"


def test_getent_fixture_shape() -> None:
    g = parse_getent(GETENT_INSIDE, query=FQDN)
    assert (g.status, g.addresses, g.canonical, g.aliases) == ("ok", ["10.1.2.3"], PL, [FQDN])
    assert parse_getent("", query=FQDN, exit_status=2).status == "notfound"
    assert parse_getent("", query=FQDN).status == "unknown"  # empty without the exit status proves nothing
    assert parse_getent(GETENT_INSIDE, query="other.vault.azure.net").status == "unknown"


def test_dig_short_and_resolv_conf() -> None:
    d = parse_dig_short(f"{PL}.\n10.1.2.3\n", query=FQDN)
    assert (d.status, d.chain, d.addresses) == ("ok", [FQDN, PL], ["10.1.2.3"])
    assert parse_dig_short("", query=FQDN).status == "unknown"
    r = parse_resolv_conf("# comment\nnameserver 10.0.0.53\nnameserver 168.63.129.16\nsearch abc.bx.internal.cloudapp.net\n"
                          "options edns0 trust-ad\n")
    assert (r.status, r.nameservers, r.search) == ("ok", ["10.0.0.53", "168.63.129.16"], ["abc.bx.internal.cloudapp.net"])
    assert parse_resolv_conf("nameserver 127.0.0.53\n").uses_stub_resolver


def test_curl_fixture_and_403() -> None:
    h = parse_curl_healthstatus(CURL_200, exit_status=0)
    assert (h.status, h.http_status, h.header_present, h.addr) == ("ok", 200, True, "10.4.5.6")
    h = parse_curl_healthstatus(CURL_403)
    assert (h.http_status, h.addr, h.inner_error) == (403, "20.30.40.50", "ForbiddenByConnection")
    fw = CURL_403.replace("ForbiddenByConnection", "ForbiddenByFirewall")
    assert parse_curl_healthstatus(fw).inner_error == "ForbiddenByFirewall"
    h = parse_curl_healthstatus("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnull")
    assert (h.status, h.header_present, h.addr) == ("ok", False, None)
    # a proxy's CONNECT answer comes first; the vault's response is the one that counts
    proxied = "HTTP/1.1 200 Connection established\r\n\r\n" + CURL_200
    assert parse_curl_healthstatus(proxied).addr == "10.4.5.6"
    e = parse_curl_healthstatus(f"curl: (6) Could not resolve host: {FQDN}\n", exit_status=6)
    assert (e.status, e.curl_exit) == ("curl_error", 6)
    assert parse_curl_healthstatus("", exit_status=28).curl_exit == 28
    # truncated headers, two network-info headers, a bad addr: unknown
    assert parse_curl_healthstatus(CURL_200.split("Strict")[0]).status == "unknown"
    dup = CURL_200.replace("Content-Length: 4", "x-ms-keyvault-network-info: addr=10.1.1.1;")
    assert parse_curl_healthstatus(dup).status == "unknown"
    assert parse_curl_healthstatus(CURL_200.replace("addr=10.4.5.6", "addr=10.4.5")).status == "unknown"


def test_run_command_messages() -> None:
    r = parse_run_command_message("Enable succeeded: \n[stdout]\nhello\n\n[stderr]\nwarn\n")
    assert (r.status, r.succeeded, r.exit_status, r.stdout, r.stderr) == ("ok", True, 0, "hello\n", "warn\n")
    r = parse_run_command_message("Enable failed: failed to execute command: command terminated with exit status=127"
                                  "\n[stdout]\n\n[stderr]\n/bin/sh: 1: ech: not found\n")
    assert (r.succeeded, r.exit_status, r.stderr) == (False, 127, "/bin/sh: 1: ech: not found\n")
    big = "x" * 4095 + "\n"
    assert parse_run_command_message(f"Enable succeeded: \n[stdout]\n{big}\n[stderr]\n").stdout_truncated
    assert not parse_run_command_message("Enable succeeded: \n[stdout]\nshort\n\n[stderr]\n").stdout_truncated
    for bad in ("", "garbage", "Enable succeeded: \n[stdout]\nno stderr marker", None, 42, b"bytes"):
        assert parse_run_command_message(bad).status == "unknown"
    # the ARM example's (Windows) shape: two statuses
    win = [{"code": "ComponentStatus/StdOut/succeeded", "message": "out"},
           {"code": "ComponentStatus/StdErr/succeeded", "message": ""}]
    assert parse_run_command_result(win).stdout == "out"
    linux = [{"code": "ProvisioningState/succeeded", "message": "Enable succeeded: \n[stdout]\nA\n\n[stderr]\n"}]
    assert parse_run_command_result(linux).stdout == "A\n"
    assert parse_run_command_result([]).status == "unknown"


# ---- verdicts --------------------------------------------------------------------------------------------------


def verdict(host: str, getent: str, curl: str | None = CURL_200, *, expected: str = "10.1.2.3",
            vm_ip: str = "10.4.5.6", getent_rc: int = 0, host_rc: int = 0):
    return evaluate(vm="vm", target=ProbeTarget(FQDN, [expected]), vm_private_ip=vm_ip,
                    host=parse_host(host, query=FQDN, exit_status=host_rc),
                    getent=parse_getent(getent, query=FQDN, exit_status=getent_rc),
                    health=parse_curl_healthstatus(curl) if curl is not None else None)


def test_verdict_pass_and_each_finding() -> None:
    ok = verdict(HOST_INSIDE, GETENT_INSIDE)
    assert (ok.verdict, ok.findings, ok.resolved_ips, ok.cname_chain, ok.healthstatus_addr) == (
        "pass", [], ["10.1.2.3"], [FQDN, PL], "10.4.5.6")
    routed = verdict(HOST_INSIDE, GETENT_INSIDE, vm_ip="10.4.5.7")
    assert routed.verdict == "pass" and "custom routing" in routed.detail
    pub = verdict(HOST_OUTSIDE, "52.168.109.101  data-prod-eus-region.vaultcore.azure.net " + FQDN + "\n", CURL_403)
    assert pub.verdict == "fail" and {"PL020", "PL023"} <= set(pub.findings)
    stale = verdict(HOST_INSIDE.replace("10.1.2.3", "10.1.2.9"), GETENT_INSIDE.replace("10.1.2.3", "10.1.2.9"))
    assert stale.findings == ["PL021"]
    nx = verdict("Host fabrikam.vault.azure.net not found: 3(NXDOMAIN)\n", "", f"curl: (6) Could not resolve host: {FQDN}\n",
                 host_rc=1, getent_rc=2)
    assert nx.verdict == "fail" and nx.findings == ["PL022"]
    hosts = verdict(HOST_INSIDE, f"10.9.9.9        {FQDN}\n")
    assert hosts.findings == ["PL024"] and "10.9.9.9" in hosts.detail
    no_header = verdict(HOST_INSIDE, GETENT_INSIDE, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnull")
    assert no_header.findings == ["PL023"]
    public_addr = verdict(HOST_INSIDE, GETENT_INSIDE, CURL_200.replace("10.4.5.6", "20.30.40.50"))
    assert public_addr.findings == ["PL023"]
    assert verdict(HOST_INSIDE, GETENT_INSIDE, None).verdict == "unknown"  # a vault needs the HTTP proof
    d = ok.to_dict()
    assert {"vm", "fqdn", "resolved_ips", "cname_chain", "expected_ip", "verdict", "findings", "healthstatus_addr",
            "detail"} <= set(d)


def test_private_ranges() -> None:
    assert all(is_private_ip(ip) for ip in ("10.0.0.1", "172.16.0.1", "192.168.1.1", "100.64.0.1", "fd00::1"))
    assert not any(is_private_ip(ip) for ip in ("52.168.109.101", "8.8.8.8", "not-an-ip", "172.32.0.1"))


# ---- batching --------------------------------------------------------------------------------------------------


def test_fqdns_are_validated_before_reaching_a_shell() -> None:
    for bad in ("a.b; rm -rf /", "$(id).vault.azure.net", "x y.com", "`id`.a", "a.b\nc", "nodot", "", "-x.y"):
        with pytest.raises(UnsafeName):
            probe_commands(bad, vault=True)
    assert check_fqdn(FQDN) == FQDN


def test_sections_are_only_trusted_with_both_markers() -> None:
    n = new_nonce()
    vm = StaticVmView(name="vm", private_ip="10.4.5.6",
                      answers={FQDN: Resolution(FQDN, [FQDN, PL], ["10.1.2.3"])})
    out = run_command(wrap(n, "host", f"host {FQDN}") + "; " + wrap(n, "getent", "getent hosts nope.example.com"), vm)[0]
    secs = split_sections(out, n)
    assert secs["host"].output == HOST_INSIDE and secs["host"].exit_status == 0
    assert secs["getent"].output == "" and secs["getent"].exit_status == 2
    assert split_sections(out, "othernonce") == {}
    assert "host" not in split_sections(out[5:], n)  # begin marker cut: section gone
    assert "getent" not in split_sections(out[:-5], n)  # end marker cut: section gone
    forged = out + out  # repeated markers are ambiguous: dropped
    assert split_sections(forged, n) == {}


# ---- round trips through the demo VM shell (hypothesis) ----------------------------------------------------------

label = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=12)
names = st.lists(label, min_size=2, max_size=4).map(".".join)
ipv4 = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))


@st.composite
def resolutions(draw):
    chain = draw(st.lists(names, min_size=1, max_size=4, unique=True))
    state = draw(st.sampled_from(["ok", "ok", "nxdomain", "servfail"]))
    addrs = draw(st.lists(ipv4, min_size=1, max_size=3, unique=True)) if state == "ok" else []
    return Resolution(chain[0], chain, addrs, nxdomain=state == "nxdomain", servfail=state == "servfail")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(resolutions())
def test_round_trip_shell_to_parsers(res: Resolution) -> None:
    vm = StaticVmView(name="vm", private_ip="10.4.5.6", answers={res.query: res})
    q = res.query
    state = "nxdomain" if res.nxdomain else "servfail" if res.servfail else "ok"
    for cmd, parser in (("host", parse_host), ("nslookup", parse_nslookup)):
        out, _, rc = run_command(f"{cmd} {q}", vm)
        a = parser(out, query=q, exit_status=rc)
        assert a.status == state, (cmd, out, a.reason)
        if state == "ok":
            assert (a.chain, a.addresses) == (res.chain, res.addresses)
    out, _, rc = run_command(f"dig +short {q}", vm)
    d = parse_dig_short(out, query=q, exit_status=rc)
    if state == "ok":
        assert (d.chain, d.addresses) == (res.chain, res.addresses)
    else:
        assert d.status == "unknown"
    out, _, rc = run_command(f"getent hosts {q}", vm)
    g = parse_getent(out, query=q, exit_status=rc)
    if state == "ok":
        assert (g.status, g.addresses, g.canonical, g.aliases) == ("ok", res.addresses, res.chain[-1], res.chain[:-1])
    else:
        assert g.status == "notfound"


@settings(max_examples=100, deadline=None)
@given(ipv4, st.sampled_from([200, 403]), st.booleans())
def test_round_trip_healthstatus(addr: str, status: int, with_header: bool) -> None:
    headers = [("Content-Type", "application/json")]
    if with_header:
        headers.append(("x-ms-keyvault-network-info", f"addr={addr};act_addr_fam=InterNetwork;"))
    body = '{"error":{"code":"Forbidden","innererror":{"code":"ForbiddenByConnection"}}}' if status == 403 else "null"
    vm = StaticVmView(name="vm", private_ip="10.4.5.6", answers={FQDN: Resolution(FQDN, [FQDN], [addr])},
                      http={FQDN: HttpAnswer(status, headers, body)})
    out, _, rc = run_command(f"curl -sS -i --max-time 5 https://{FQDN}/healthstatus", vm)
    h = parse_curl_healthstatus(out, exit_status=rc)
    assert (h.status, h.http_status, h.header_present) == ("ok", status, with_header)
    assert h.addr == (addr if with_header else None)
    assert h.inner_error == ("ForbiddenByConnection" if status == 403 else None)


def test_run_command_round_trip_and_4k_truncation() -> None:
    vm = StaticVmView(name="vm", private_ip="10.4.5.6", answers={FQDN: Resolution(FQDN, [FQDN, PL], ["10.1.2.3"])},
                      http={FQDN: HttpAnswer(200, [("x-ms-keyvault-network-info", "addr=10.4.5.6;")], "null")})
    n = new_nonce()
    script = [wrap(n, f"t0.{k}", c) for k, c in probe_commands(FQDN, vault=True).items()]
    out = parse_run_command_message(run_shell_script("\n".join(script), vm))
    v = verdict_from_sections(vm="vm", target=ProbeTarget(FQDN, ["10.1.2.3"]), vm_private_ip="10.4.5.6",
                              sections=split_sections(out.stdout, n), resolv=None, prefix="t0.")
    assert v.verdict == "pass"
    # 40 copies overflow 4 KB: Azure keeps the tail, so the first copies lose their begin markers
    many = [wrap(n, f"t{i}.host", f"host {FQDN}") for i in range(40)]
    out = parse_run_command_message(run_shell_script("\n".join(many), vm))
    secs = split_sections(out.stdout, n)
    assert out.stdout_truncated and "t0.host" not in secs and "t39.host" in secs


# ---- hostile input (hypothesis): never raise, never pass ---------------------------------------------------------

ANSI = ["\x1b[31m", "\x1b[0m", "\x1b]0;title\x07", "\x1b[2J", "\x1b[?25l", "\x1bc"]
VALID = [HOST_INSIDE, HOST_OUTSIDE, GETENT_INSIDE, CURL_200, CURL_403, WIN_INSIDE,
         "Enable succeeded: \n[stdout]\n" + HOST_INSIDE + "\n[stderr]\n"]


@st.composite
def hostile(draw):
    kind = draw(st.sampled_from(["text", "binary", "ansi", "crlf", "cut", "mix", "big"]))
    if kind == "text":
        return draw(st.text(max_size=400))
    if kind == "binary":
        return draw(st.binary(max_size=400))
    base = draw(st.sampled_from(VALID))
    if kind == "ansi":
        pos = sorted(draw(st.lists(st.integers(0, len(base)), max_size=5)))
        out, last = [], 0
        for p in pos:
            out += [base[last:p], draw(st.sampled_from(ANSI))]
            last = p
        return "".join(out) + base[last:]
    if kind == "crlf":
        return base.replace("\n", "\r\n").replace("\r\r", "\r")
    if kind == "cut":
        k = draw(st.integers(0, max(0, len(base) - 1)))
        cut = base[:k]
        return cut if not cut.endswith("\n") else cut + draw(st.sampled_from(["1", "x", "10."]))
    if kind == "mix":
        return base[: draw(st.integers(0, len(base)))] + draw(st.text(max_size=100)) + \
            base[draw(st.integers(0, len(base))):]
    return draw(st.sampled_from(["A", "\x00", "10.1.2.3\n"])) * draw(st.integers(300_000, 1_100_000))


PARSERS = {
    "host": lambda t: parse_host(t, query=FQDN),
    "nslookup": lambda t: parse_nslookup(t, query=FQDN),
    "dig": lambda t: parse_dig_short(t, query=FQDN),
    "getent": lambda t: parse_getent(t, query=FQDN),
    "resolv": parse_resolv_conf,
    "curl": parse_curl_healthstatus,
    "runcommand": parse_run_command_message,
}
FUZZ_EXAMPLES = 300


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_fuzz_parsers_never_raise(name: str) -> None:
    parser = PARSERS[name]
    seen = 0

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(hostile())
    def run(text: object) -> None:
        nonlocal seen
        seen += 1
        result = parser(text)
        assert result.status in {"ok", "noanswer", "nxdomain", "servfail", "unknown", "notfound", "curl_error"}

    run()
    print(f"fuzz {name}: {seen} examples")
    assert seen >= FUZZ_EXAMPLES


def test_fuzz_verdict_never_passes_on_garbage() -> None:
    seen = 0

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(hostile(), hostile(), hostile(), st.sampled_from(["host", "getent", "curl", "all"]))
    def run(a: object, b: object, c: object, which: str) -> None:
        nonlocal seen
        seen += 1
        # one, or all, of the three inputs replaced by hostile text; the rest stay valid and passing
        host = a if which in ("host", "all") else HOST_INSIDE
        getent = b if which in ("getent", "all") else GETENT_INSIDE
        curl = c if which in ("curl", "all") else CURL_200
        v = evaluate(vm="vm", target=ProbeTarget(FQDN, ["10.1.2.3"]), vm_private_ip="10.4.5.6",
                     host=parse_host(host, query=FQDN), getent=parse_getent(getent, query=FQDN),
                     health=parse_curl_healthstatus(curl))
        if v.verdict == "pass":
            # the only acceptable pass: the hostile text still read as exactly the valid answer
            assert parse_host(host, query=FQDN).addresses == ["10.1.2.3"]
            assert parse_getent(getent, query=FQDN).addresses == ["10.1.2.3"]
            assert parse_curl_healthstatus(curl).addr == "10.4.5.6"
            assert clean_text(host)[0] is not None

    run()
    print(f"fuzz verdict: {seen} examples")
    assert seen >= FUZZ_EXAMPLES


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_one_megabyte_inputs_are_refused_not_parsed(name: str) -> None:
    huge = HOST_INSIDE * (1_048_576 // len(HOST_INSIDE) + 1)
    assert len(huge) > 1_000_000
    assert PARSERS[name](huge).status == "unknown"
    assert PARSERS[name](huge.encode()).status == "unknown"


def test_ansi_and_crlf_are_stripped_safely() -> None:
    colored = "\x1b[1m" + HOST_INSIDE.replace("10.1.2.3", "\x1b[32m10.1.2.3\x1b[0m").replace("\n", "\r\n")
    assert parse_host(colored, query=FQDN).addresses == ["10.1.2.3"]
    # a NUL inside an address must not be deleted into a different valid address
    assert parse_host(HOST_INSIDE.replace("10.1.2.3", "10.1.2.3\x004"), query=FQDN).status == "unknown"
    # an address cut mid-line (no final newline) is not read as a shorter address
    assert parse_host(HOST_INSIDE[:-2], query=FQDN).status == "unknown"


STUB = """# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).
# Do not edit.

nameserver 127.0.0.53
options edns0 trust-ad
search abc.bx.internal.cloudapp.net
"""
UPLINK = """# This is /run/systemd/resolve/resolv.conf managed by man:systemd-resolved(8).

nameserver 10.0.0.53
nameserver 168.63.129.16
search abc.bx.internal.cloudapp.net
"""


def test_systemd_resolved_stub_is_completed_by_its_upstream_file() -> None:
    from plinktui.probes.batch import Section, resolver_from_sections

    stub = parse_resolv_conf(STUB)
    assert stub.uses_stub_resolver and stub.nameservers == ["127.0.0.53"]
    both = resolver_from_sections({"resolv": Section(STUB, 0), "upstream": Section(UPLINK, 0)})
    assert both is not None and both.nameservers == ["10.0.0.53", "168.63.129.16"] and both.stub == "127.0.0.53"
    assert not both.uses_stub_resolver and both.search == ["abc.bx.internal.cloudapp.net"]
    # an image without systemd-resolved: the upstream read fails, /etc/resolv.conf stands as it is
    plain = "nameserver 168.63.129.16\n"
    alone = resolver_from_sections({"resolv": Section(plain, 0), "upstream": Section("cat: ...: No such file", 1)})
    assert alone is not None and alone.nameservers == ["168.63.129.16"] and alone.stub == ""
    unknown = resolver_from_sections({"resolv": Section(STUB, 0), "upstream": Section("", 1)})
    assert unknown is not None and unknown.uses_stub_resolver  # the stub note stays when the upstream is unknown

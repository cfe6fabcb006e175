"""Parsers for what DNS and HTTP probes print on a VM: host, nslookup (Linux and Windows), getent, dig +short,
/etc/resolv.conf, ``curl -i .../healthstatus`` and Azure Run Command messages.

Every parser takes untrusted text (it came from a machine we are auditing) and never raises. Anything it cannot
read completely and unambiguously becomes ``status == "unknown"`` with a ``reason``: a line it does not recognise,
a chain that does not link up, an address that is not an IP, output that does not end with a newline (it may have
been cut mid-address: ``10.1.2.34`` cut to ``10.1.2.3`` must not look like a match), or more than
:data:`MAX_TEXT` characters. Names come back lower-case without the trailing dot.

The shapes are those recorded in ``docs/probe-formats.md``.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT = 256 * 1024  # more than any honest probe output; bigger input is refused, not parsed in part
RUN_COMMAND_LIMIT = 4096  # Azure keeps only the last 4,096 bytes of each Run Command stream

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_][^\x1b]*(?:\x1b\\)?|[@-Z\\-_])")
# Control characters other than tab and newline make a line unreadable instead of vanishing: deleting a NUL
# between "10.1.2.3" and "4" would forge a different address.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]")
_NAME_RE = re.compile(r"^(?=.{1,254}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$")
_IPV4_RE = re.compile(r"^[0-9]{1,3}(?:\.[0-9]{1,3}){3}$")
_IPV6_RE = re.compile(r"^[0-9A-Fa-f:.]{2,45}$")


# ----------------------------------------------------------------------------------------------------------------
# Helpers


def clean_text(text: object) -> tuple[str | None, str]:
    """Normalise untrusted probe output.

    Args:
        text: str or bytes (anything else is refused).

    Returns:
        (text, "") with ANSI escapes removed, CRLF and lone CR turned into LF and other control characters replaced
        by U+FFFD; or (None, reason) when the input is not text or is larger than :data:`MAX_TEXT`.
    """
    if isinstance(text, bytes | bytearray):
        if len(text) > MAX_TEXT * 4:
            return None, f"output too large ({len(text)} bytes)"
        text = bytes(text).decode("utf-8", errors="replace")
    if not isinstance(text, str):
        return None, "output is not text"
    if len(text) > MAX_TEXT:
        return None, f"output too large ({len(text)} characters)"
    text = _ANSI.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("\ufffd", text)
    return text, ""


def norm_name(name: str) -> str:
    """A DNS name compared the way DNS compares: case-insensitive, trailing dot ignored."""
    return name.strip().rstrip(".").lower()


def is_name(text: str) -> bool:
    """True for an ASCII host name (labels of letters, digits, '-' and '_', optional trailing dot)."""
    return bool(_NAME_RE.match(text))


def is_ipv4(text: str) -> bool:
    """True for a dotted-quad IPv4 address written in ASCII digits."""
    if not _IPV4_RE.match(text):
        return False
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def is_ipv6(text: str) -> bool:
    """True for an IPv6 address written in ASCII."""
    if ":" not in text or not _IPV6_RE.match(text):
        return False
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


# ----------------------------------------------------------------------------------------------------------------
# DNS answers (host, nslookup, dig +short)


@dataclass
class DnsAnswer:
    """A parsed DNS lookup.

    status: "ok" (addresses or at least a chain), "noanswer" (name exists, no A record), "nxdomain", "servfail"
    (any resolver failure: SERVFAIL, REFUSED, timeout) or "unknown" (could not read it; see ``reason``).
    """

    status: str
    query: str | None = None
    chain: list[str] = field(default_factory=list)  # [query, alias1, ..., name holding the A records]
    addresses: list[str] = field(default_factory=list)  # IPv4 A records of the last name
    ipv6: list[str] = field(default_factory=list)
    server: str | None = None  # the resolver nslookup says it asked
    reason: str = ""

    @property
    def ok(self) -> bool:
        """True when the lookup answered at least one IPv4 address."""
        return self.status == "ok" and bool(self.addresses)


def _unknown(query: str | None, reason: str) -> DnsAnswer:
    return DnsAnswer(status="unknown", query=query, reason=reason)


def _prepare(text: object, query: str | None) -> tuple[list[str] | None, str | None, str]:
    """Clean text and check its completeness. Returns (lines, normalised query, reason-if-unusable)."""
    q = norm_name(query) if isinstance(query, str) and query.strip() else None
    cleaned, why = clean_text(text)
    if cleaned is None:
        return None, q, why
    if not cleaned.strip():
        return None, q, "empty output"
    if not cleaned.endswith("\n"):
        return None, q, "output does not end with a newline (truncated?)"
    return _lines(cleaned), q, ""


def _walk_chain(start: str, aliases: dict[str, str]) -> list[str] | None:
    """Follow CNAMEs from start; None when they loop or when some alias is not on the path."""
    chain = [start]
    while chain[-1] in aliases:
        nxt = aliases[chain[-1]]
        if nxt in chain:
            return None
        chain.append(nxt)
    return chain if len(chain) - 1 == len(aliases) else None


def _add_alias(aliases: dict[str, str], src: str, dst: str) -> bool:
    src, dst = norm_name(src), norm_name(dst)
    if aliases.get(src, dst) != dst:
        return False  # one name, two different targets: not a real answer
    aliases[src] = dst
    return True


_HOST_ALIAS = re.compile(r"^(\S+) is an alias for (\S+)$")
_HOST_ADDR = re.compile(r"^(\S+) has address (\S+)$")
_HOST_ADDR6 = re.compile(r"^(\S+) has IPv6 address (\S+)$")
_HOST_MX = re.compile(r"^(\S+) mail is handled by \d+ (\S+)$")
_HOST_NOTFOUND = re.compile(r"^Host (\S+) not found: (\d+)\((\w+)\)$")
_NO_SERVERS = "no servers could be reached"
_FAILURE_CODES = {"NXDOMAIN": "nxdomain", "SERVFAIL": "servfail", "REFUSED": "servfail", "TIMEOUT": "servfail"}


def parse_host(text: object, query: str | None = None, exit_status: int | None = None) -> DnsAnswer:
    """Parse Linux ``host NAME`` output.

    Args:
        text: the output (stdout, or stdout and stderr merged).
        query: the name that was asked; when given, the answer must start from it.
        exit_status: the command's exit status when known; an answer that contradicts it is unknown.

    Returns:
        A :class:`DnsAnswer`.
    """
    lines, q, why = _prepare(text, query)
    if lines is None:
        return _unknown(q, why)
    aliases: dict[str, str] = {}
    owners: list[str] = []
    v4: list[str] = []
    v6: list[str] = []
    failure: tuple[str, str] | None = None
    timed_out = False
    for line in lines:
        line = line.strip()
        if m := _HOST_ALIAS.match(line):
            src, dst = m.group(1), m.group(2)
            if not (is_name(src) and dst.endswith(".") and is_name(dst)) or not _add_alias(aliases, src, dst):
                return _unknown(q, f"bad alias line: {line[:120]!r}")
        elif m := _HOST_ADDR.match(line):
            if not (is_name(m.group(1)) and is_ipv4(m.group(2))):
                return _unknown(q, f"bad address line: {line[:120]!r}")
            owners.append(norm_name(m.group(1)))
            v4.append(m.group(2))
        elif m := _HOST_ADDR6.match(line):
            if not (is_name(m.group(1)) and is_ipv6(m.group(2))):
                return _unknown(q, f"bad IPv6 address line: {line[:120]!r}")
            owners.append(norm_name(m.group(1)))
            v6.append(m.group(2))
        elif _HOST_MX.match(line):
            continue
        elif m := _HOST_NOTFOUND.match(line):
            if failure is not None or not is_name(m.group(1)):
                return _unknown(q, f"bad failure line: {line[:120]!r}")
            failure = (norm_name(m.group(1)), m.group(3))
        elif line.startswith(";;"):
            # resolver chatter (";; Truncated, retrying in TCP mode."); only a total timeout matters
            timed_out |= _NO_SERVERS in line
        else:
            return _unknown(q, f"unrecognised line: {line[:120]!r}")
    if failure is not None:
        if aliases or owners:
            return _unknown(q, "failure line mixed with answers")
        name, code = failure
        status = _FAILURE_CODES.get(code.upper())
        if status is None or (q is not None and name != q) or exit_status == 0:
            return _unknown(q, f"unexpected failure report: {name} {code}")
        return DnsAnswer(status=status, query=q or name, chain=[q or name], reason=code.upper())
    if not aliases and not owners:
        if timed_out:
            return DnsAnswer(status="servfail", query=q, chain=[q] if q else [], reason=_NO_SERVERS)
        return _unknown(q, "no answer lines")
    start = q or (next(iter(aliases)) if aliases else owners[0])
    chain = _walk_chain(start, aliases)
    if chain is None:
        return _unknown(q, "alias lines do not form one chain from the query")
    if any(owner != chain[-1] for owner in owners):
        return _unknown(q, "an address belongs to a name that is not the end of the chain")
    if exit_status not in (None, 0):
        return _unknown(q, f"answer printed but exit status {exit_status}")
    status = "ok" if (v4 or v6) else "noanswer"
    return DnsAnswer(status=status, query=start, chain=chain, addresses=_dedupe(v4), ipv6=_dedupe(v6))


_NS_SERVER = re.compile(r"^Server:\s+(\S+)$")
_NS_ADDRESS = re.compile(r"^Address(?:es)?:\s+(\S+?)(?:#(\d+))?$")
_NS_CANON = re.compile(r"^(\S+)\s+canonical name = (\S+)$")
_NS_NAME = re.compile(r"^Name:\s+(\S+)$")
_NS_ALIASES = re.compile(r"^Aliases:\s+(\S+)$")
_NS_LINUX_FAIL = re.compile(r"^\*\* server can't find (\S+?): (\w+)$")
_NS_WIN_FAIL = re.compile(r"^\*\*\* (\S+) can't find (\S+?): (.+)$")
_NS_NOANSWER = re.compile(r"^\*\*\* Can't find (\S+?): No answer$")
_WIN_FAILURES = {
    "non-existent domain": "nxdomain",
    "server failed": "servfail",
    "no response from server": "servfail",
    "query refused": "servfail",
}


def parse_nslookup(text: object, query: str | None = None, exit_status: int | None = None) -> DnsAnswer:
    """Parse ``nslookup NAME`` output, Linux (BIND) or Windows shape.

    Linux prints ``NAME<TAB>canonical name = X.`` lines then ``Name:`` / ``Address:`` pairs; Windows prints
    ``Address(es):`` then an ``Aliases:`` block whose continuation lines are indented (the fixture's Windows shape
    lists the whole chain there; real Windows adds a ``Name:`` line for the last name).

    Args:
        text: the output.
        query: the name asked, checked against the chain when given.
        exit_status: the exit status when known.

    Returns:
        A :class:`DnsAnswer`.
    """
    lines, q, why = _prepare(text, query)
    if lines is None:
        return _unknown(q, why)
    server: str | None = None
    in_answer = False
    aliases: dict[str, str] = {}
    win_aliases: list[str] = []
    names: list[str] = []
    records: list[tuple[str | None, str]] = []  # (owner from the last Name: line, ip)
    cur_name: str | None = None
    block: str | None = None  # "aliases" / "addresses" while reading indented continuation lines
    failure: tuple[str, str] | None = None
    timed_out = False
    for raw in lines:
        line = raw.strip()
        if raw[:1] in (" ", "\t") and block is not None and len(line.split()) == 1:
            if block == "aliases" and is_name(line):
                win_aliases.append(norm_name(line))
                continue
            if block == "addresses" and (is_ipv4(line) or is_ipv6(line)):
                records.append((cur_name, line))
                continue
            return _unknown(q, f"bad continuation line: {line[:120]!r}")
        block = None
        if line == "Non-authoritative answer:":
            in_answer = True
        elif m := _NS_SERVER.match(line):
            server = m.group(1)
        elif m := _NS_ADDRESS.match(line):
            ip = m.group(1)
            if not (is_ipv4(ip) or is_ipv6(ip)):
                return _unknown(q, f"bad address line: {line[:120]!r}")
            if not in_answer:
                server = ip if server in (None, "UnKnown") else server
                continue
            records.append((cur_name, ip))
            block = "addresses" if line.startswith("Addresses") else None
        elif m := _NS_CANON.match(line):
            src, dst = m.group(1), m.group(2)
            if not (is_name(src) and dst.endswith(".") and is_name(dst)) or not _add_alias(aliases, src, dst):
                return _unknown(q, f"bad canonical name line: {line[:120]!r}")
            in_answer = True
        elif m := _NS_NAME.match(line):
            if not is_name(m.group(1)):
                return _unknown(q, f"bad name line: {line[:120]!r}")
            cur_name = norm_name(m.group(1))
            names.append(cur_name)
            in_answer = True
        elif m := _NS_ALIASES.match(line):
            if not is_name(m.group(1)):
                return _unknown(q, f"bad aliases line: {line[:120]!r}")
            win_aliases.append(norm_name(m.group(1)))
            block = "aliases"
        elif m := _NS_LINUX_FAIL.match(line):
            if failure is not None or not is_name(m.group(1)):
                return _unknown(q, f"bad failure line: {line[:120]!r}")
            failure = (norm_name(m.group(1)), _FAILURE_CODES.get(m.group(2).upper(), ""))
        elif _NS_NOANSWER.match(line):
            continue  # the AAAA half of a Linux lookup found nothing; the A half is judged on its own
        elif m := _NS_WIN_FAIL.match(line):
            if failure is not None or not is_name(m.group(2)):
                return _unknown(q, f"bad failure line: {line[:120]!r}")
            failure = (norm_name(m.group(2)), _WIN_FAILURES.get(m.group(3).strip().lower(), ""))
        elif line.startswith(";;") or line.startswith("*** Request to") or line in (
            "DNS request timed out.",
        ) or line.startswith("timeout was "):
            timed_out |= _NO_SERVERS in line or "timed-out" in line
        else:
            return _unknown(q, f"unrecognised line: {line[:120]!r}")
    if failure is not None:
        name, status = failure
        if records or aliases or win_aliases or not status or (q is not None and name != q) or exit_status == 0:
            return _unknown(q, "unexpected failure report")
        return DnsAnswer(status=status, query=q or name, chain=[q or name], server=server, reason=status.upper())
    if not records and not aliases and not win_aliases and not names:
        if timed_out:
            return DnsAnswer(status="servfail", query=q, chain=[q] if q else [], server=server, reason=_NO_SERVERS)
        return _unknown(q, "no answer lines")
    if aliases and win_aliases:
        return _unknown(q, "Linux and Windows answer shapes mixed")
    chain: list[str] | None
    if aliases:
        chain = _walk_chain(q or next(iter(aliases)), aliases)
    elif win_aliases:
        chain = list(win_aliases)
        if names and names[-1] != chain[-1]:
            chain.append(names[-1])
        if len(set(chain)) != len(chain):
            chain = None
    elif names:
        chain = [names[0]]
    else:
        chain = [q] if q else None
    if not chain:
        return _unknown(q, "answer lines do not form one chain from the query")
    if q is not None and chain[0] != q:
        return _unknown(q, f"answer is for {chain[0]}, not for {q}")
    if any(n != chain[-1] for n in names) or any(o is not None and o != chain[-1] for o, _ in records):
        return _unknown(q, "an address belongs to a name that is not the end of the chain")
    if exit_status not in (None, 0):
        return _unknown(q, f"answer printed but exit status {exit_status}")
    v4 = _dedupe([ip for _, ip in records if is_ipv4(ip)])
    v6 = _dedupe([ip for _, ip in records if is_ipv6(ip)])
    status = "ok" if (v4 or v6) else "noanswer"
    return DnsAnswer(status=status, query=chain[0], chain=chain, addresses=v4, ipv6=v6, server=server)


def parse_dig_short(text: object, query: str | None = None, exit_status: int | None = None) -> DnsAnswer:
    """Parse ``dig +short NAME``: alias names (with a trailing dot) first, then addresses.

    Empty output is ``unknown``: dig +short prints nothing for NXDOMAIN, SERVFAIL and an empty answer alike.
    """
    lines, q, why = _prepare(text, query)
    if lines is None:
        return _unknown(q, why if why != "empty output" else "no answer (dig +short hides NXDOMAIN vs SERVFAIL)")
    alias_list: list[str] = []
    v4: list[str] = []
    v6: list[str] = []
    for raw in lines:
        line = raw.strip()
        if _NO_SERVERS in line and line.startswith(";;"):
            if alias_list or v4 or v6:
                return _unknown(q, "timeout mixed with answers")
            return DnsAnswer(status="servfail", query=q, chain=[q] if q else [], reason=_NO_SERVERS)
        if is_ipv4(line):
            v4.append(line)
        elif is_ipv6(line):
            v6.append(line)
        elif line.endswith(".") and is_name(line):
            if v4 or v6:
                return _unknown(q, "alias after an address")
            alias_list.append(norm_name(line))
        else:
            return _unknown(q, f"unrecognised line: {line[:120]!r}")
    if exit_status not in (None, 0):
        return _unknown(q, f"answer printed but exit status {exit_status}")
    chain = ([q] if q else []) + alias_list
    if len(set(chain)) != len(chain):
        return _unknown(q, "CNAME loop")
    return DnsAnswer(status="ok" if (v4 or v6) else "noanswer", query=q, chain=chain, addresses=_dedupe(v4),
                     ipv6=_dedupe(v6))


# ----------------------------------------------------------------------------------------------------------------
# getent hosts


@dataclass
class GetentAnswer:
    """A parsed ``getent hosts NAME``: what applications get through glibc (``/etc/hosts`` first, then DNS).

    status: "ok", "notfound" (exit status 2, no output) or "unknown".
    """

    status: str
    query: str | None = None
    addresses: list[str] = field(default_factory=list)
    canonical: str | None = None
    aliases: list[str] = field(default_factory=list)
    reason: str = ""

    @property
    def names(self) -> list[str]:
        """Canonical name then aliases."""
        return ([self.canonical] if self.canonical else []) + self.aliases


def parse_getent(text: object, query: str | None = None, exit_status: int | None = None) -> GetentAnswer:
    """Parse ``getent hosts NAME``: ``IP<spaces>canonical alias...`` per address.

    Args:
        text: the output.
        query: the name asked; when given, it must appear among the names printed.
        exit_status: the exit status when known. Empty output is ``notfound`` only when it is 2.

    Returns:
        A :class:`GetentAnswer`.
    """
    q = norm_name(query) if isinstance(query, str) and query.strip() else None
    cleaned, why = clean_text(text)
    if cleaned is None:
        return GetentAnswer(status="unknown", query=q, reason=why)
    if not cleaned.strip():
        if exit_status == 2:
            return GetentAnswer(status="notfound", query=q, reason="not found")
        return GetentAnswer(status="unknown", query=q, reason="empty output")
    if not cleaned.endswith("\n"):
        return GetentAnswer(status="unknown", query=q, reason="output does not end with a newline (truncated?)")
    if exit_status not in (None, 0):
        return GetentAnswer(status="unknown", query=q, reason=f"output with exit status {exit_status}")
    addresses: list[str] = []
    names: list[str] | None = None
    for line in _lines(cleaned):
        fields = line.split()
        if len(fields) < 2 or not (is_ipv4(fields[0]) or is_ipv6(fields[0])):
            return GetentAnswer(status="unknown", query=q, reason=f"unrecognised line: {line[:120]!r}")
        if not all(is_name(f) for f in fields[1:]):
            return GetentAnswer(status="unknown", query=q, reason=f"bad name in line: {line[:120]!r}")
        line_names = [norm_name(f) for f in fields[1:]]
        if names is not None and line_names != names:
            return GetentAnswer(status="unknown", query=q, reason="lines disagree on the names")
        names = line_names
        addresses.append(fields[0])
    assert names is not None
    if q is not None and q not in names:
        return GetentAnswer(status="unknown", query=q, reason=f"answer does not mention {q}")
    return GetentAnswer(status="ok", query=q, addresses=_dedupe(addresses), canonical=names[0], aliases=names[1:])


# ----------------------------------------------------------------------------------------------------------------
# /etc/resolv.conf


@dataclass
class ResolvConf:
    """The resolver configuration of the probing VM. status: "ok" (at least one nameserver) or "unknown"."""

    status: str
    nameservers: list[str] = field(default_factory=list)
    search: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    reason: str = ""
    stub: str = ""
    """The local stub glibc talks to (systemd-resolved's 127.0.0.53) when ``nameservers`` came from its upstream
    file (/run/systemd/resolve/resolv.conf); empty otherwise."""

    @property
    def uses_stub_resolver(self) -> bool:
        """True when glibc talks to a local stub (systemd-resolved 127.0.0.53) whose upstream servers are unknown."""
        return any(ipaddress.ip_address(ns).is_loopback for ns in self.nameservers)


def with_upstream(main: ResolvConf | None, upstream: ResolvConf | None) -> ResolvConf | None:
    """/etc/resolv.conf, completed by systemd-resolved's upstream file when the former only names the local stub
    (current Ubuntu images): the answer lists the real upstream servers and remembers the stub."""
    if main is None or not main.uses_stub_resolver or upstream is None or upstream.status != "ok" \
            or upstream.uses_stub_resolver:
        return main
    return ResolvConf(status="ok", nameservers=list(upstream.nameservers), search=main.search or upstream.search,
                      options=list(main.options), stub=main.nameservers[0])


def parse_resolv_conf(text: object) -> ResolvConf:
    """Parse /etc/resolv.conf (comments with ``#`` or ``;``; unknown directives ignored, as glibc does)."""
    cleaned, why = clean_text(text)
    if cleaned is None:
        return ResolvConf(status="unknown", reason=why)
    res = ResolvConf(status="unknown")
    for line in cleaned.split("\n"):
        fields = line.split("#", 1)[0].split(";", 1)[0].split()
        if not fields:
            continue
        key, args = fields[0], fields[1:]
        if key == "nameserver" and len(args) == 1 and (is_ipv4(args[0]) or is_ipv6(args[0])):
            res.nameservers.append(args[0])
        elif key in ("search", "domain") and args and all(is_name(a) for a in args):
            res.search = [norm_name(a) for a in args]  # the last search/domain line wins
        elif key == "options":
            res.options.extend(args)
    if res.nameservers:
        res.status = "ok"
    else:
        res.reason = "no nameserver line"
    return res


# ----------------------------------------------------------------------------------------------------------------
# curl -i https://<vault>/healthstatus


@dataclass
class HealthStatus:
    """A parsed ``curl -sS -i https://<fqdn>/healthstatus``.

    status: "ok" (an HTTP response was read), "curl_error" (curl failed; ``curl_exit`` and ``curl_error``) or
    "unknown". ``addr`` is the ``addr=`` of ``x-ms-keyvault-network-info`` (the source IP as Key Vault saw it).
    """

    status: str
    http_status: int | None = None
    header_present: bool = False
    addr: str | None = None
    inner_error: str | None = None  # e.g. ForbiddenByConnection, ForbiddenByFirewall
    curl_exit: int | None = None
    curl_error: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    reason: str = ""


_CURL_ERR = re.compile(r"^curl: \((\d{1,3})\) (.*)$")
_STATUS_LINE = re.compile(r"^HTTP/(?:1\.0|1\.1|2|2\.0|3) (\d{3})(?: (.*))?$")
_HEADER = re.compile(r"^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$")
_NETINFO = "x-ms-keyvault-network-info"
_KNOWN_INNER = ("ForbiddenByConnection", "ForbiddenByFirewall", "ForbiddenByPolicy", "ForbiddenByRbac")


def _inner_error(body: str) -> str | None:
    try:
        doc: Any = json.loads(body) if len(body) <= 65536 else None
    except ValueError:
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("error"), dict):
        err: Any = doc["error"]
        code = err.get("code") if isinstance(err.get("code"), str) else None
        depth = 0
        while isinstance(err.get("innererror"), dict) and depth < 8:
            err = err["innererror"]
            depth += 1
            if isinstance(err.get("code"), str):
                code = err["code"]
        return code
    for name in _KNOWN_INNER:
        if name in body:
            return name
    return None


def parse_curl_healthstatus(text: object, exit_status: int | None = None) -> HealthStatus:
    """Parse ``curl -sS -i https://<fqdn>/healthstatus`` (stdout, possibly with stderr merged in).

    Args:
        text: the output; header lines may end with CRLF (as curl prints them) or LF.
        exit_status: curl's exit status when known (a non-zero status without a message is still a curl error).

    Returns:
        A :class:`HealthStatus`. Proxy ``Connection established`` and ``1xx`` blocks are skipped; several
        network-info headers, a bad ``addr=`` or headers without their terminating blank line are ``unknown``.
    """
    cleaned, why = clean_text(text)
    if cleaned is None:
        return HealthStatus(status="unknown", reason=why)
    lines = cleaned.split("\n")
    for line in lines:
        if m := _CURL_ERR.match(line.strip()):
            return HealthStatus(status="curl_error", curl_exit=int(m.group(1)), curl_error=m.group(2)[:300],
                                reason=f"curl: ({m.group(1)}) {m.group(2)[:200]}")
    if exit_status not in (None, 0):
        return HealthStatus(status="curl_error", curl_exit=exit_status, reason=f"curl exited {exit_status}")
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines):
        return HealthStatus(status="unknown", reason="empty output")
    while True:
        m = _STATUS_LINE.match(lines[i].strip()) if i < len(lines) else None
        if m is None:
            return HealthStatus(status="unknown", reason=f"no HTTP status line: {lines[i][:120]!r}"
                                if i < len(lines) else "no HTTP status line")
        code, reason_phrase = int(m.group(1)), (m.group(2) or "")
        headers: list[tuple[str, str]] = []
        i += 1
        while i < len(lines) and lines[i].strip():
            h = _HEADER.match(lines[i])
            if h is None:
                return HealthStatus(status="unknown", reason=f"bad header line: {lines[i][:120]!r}")
            headers.append((h.group(1), h.group(2)))
            i += 1
        if i >= len(lines) - 1:  # the last element of split() is what follows the final newline, not a blank line
            return HealthStatus(status="unknown", reason="headers not terminated by a blank line (truncated?)")
        i += 1  # the blank line
        interim = 100 <= code < 200 or (code == 200 and reason_phrase.lower() == "connection established")
        if interim and i < len(lines) and _STATUS_LINE.match(lines[i].strip()):
            continue
        break
    body = "\n".join(lines[i:])
    result = HealthStatus(status="ok", http_status=code, headers=headers)
    infos = [v for k, v in headers if k.lower() == _NETINFO]
    if len(infos) > 1:
        return HealthStatus(status="unknown", http_status=code, reason="several network-info headers")
    if infos:
        result.header_present = True
        pairs = dict(p.split("=", 1) for p in infos[0].split(";") if "=" in p)
        addr = pairs.get("addr", "").strip()
        if not (is_ipv4(addr) or is_ipv6(addr)):
            return HealthStatus(status="unknown", http_status=code, header_present=True,
                                reason=f"network-info header without a valid addr: {infos[0][:120]!r}")
        result.addr = addr
    if code >= 400:
        result.inner_error = _inner_error(body)
    return result


# ----------------------------------------------------------------------------------------------------------------
# Azure Run Command


@dataclass
class RunCommandOutput:
    """The streams of a RunShellScript run, split out of Azure's message.

    ``*_truncated`` is True when a stream is at Azure's 4,096-byte limit: its beginning may be missing.
    """

    status: str  # "ok" or "unknown"
    succeeded: bool | None = None
    exit_status: int | None = None
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    reason: str = ""


_RC_HEAD = re.compile(r"^Enable (succeeded|failed)([^\n]*)\n\[stdout\]\n")
_RC_EXIT = re.compile(r"exit status=(\d+)")


def parse_run_command_message(message: object) -> RunCommandOutput:
    """Split a Linux Run Command message ``Enable succeeded: \\n[stdout]\\n...\\n[stderr]\\n...`` into streams.

    Args:
        message: ``value[0].message`` of the RunCommandResult.

    Returns:
        A :class:`RunCommandOutput` (the streams are returned raw; each probe parser cleans its own part).
    """
    if not isinstance(message, str):
        return RunCommandOutput(status="unknown", reason="message is not text")
    if len(message) > MAX_TEXT:
        return RunCommandOutput(status="unknown", reason="message too large")
    m = _RC_HEAD.match(message)
    if m is None:
        return RunCommandOutput(status="unknown", reason=f"not a RunShellScript message: {message[:80]!r}")
    rest = message[m.end():]
    cut = rest.find("\n[stderr]\n")
    if cut < 0:
        return RunCommandOutput(status="unknown", reason="no [stderr] section")
    stdout, stderr = rest[:cut], rest[cut + len("\n[stderr]\n"):]
    succeeded = m.group(1) == "succeeded"
    code = _RC_EXIT.search(m.group(2))
    exit_status = 0 if succeeded else (int(code.group(1)) if code else None)
    return RunCommandOutput(
        status="ok",
        succeeded=succeeded,
        exit_status=exit_status,
        stdout=stdout,
        stderr=stderr,
        stdout_truncated=len(stdout.encode("utf-8", errors="replace")) >= RUN_COMMAND_LIMIT,
        stderr_truncated=len(stderr.encode("utf-8", errors="replace")) >= RUN_COMMAND_LIMIT,
    )


def parse_run_command_result(statuses: object) -> RunCommandOutput:
    """Read RunCommandResult.value, in either shape Azure uses.

    Linux RunShellScript answers one ``ProvisioningState/...`` status whose message holds both streams; Windows
    (and the ARM example) answer ``ComponentStatus/StdOut/...`` and ``ComponentStatus/StdErr/...`` separately.

    Args:
        statuses: a list of InstanceViewStatus objects or dicts (``code``, ``message``).

    Returns:
        A :class:`RunCommandOutput`.
    """
    if not isinstance(statuses, list | tuple) or not statuses:
        return RunCommandOutput(status="unknown", reason="no statuses in the Run Command result")
    items: list[tuple[str, object]] = []
    for s in statuses:
        code = s.get("code") if isinstance(s, dict) else getattr(s, "code", None)
        msg = s.get("message") if isinstance(s, dict) else getattr(s, "message", None)
        items.append((code if isinstance(code, str) else "", msg))
    for code, msg in items:
        if code.startswith("ProvisioningState/"):
            return parse_run_command_message(msg)
    out = next((m for c, m in items if "/StdOut/" in c), None)
    err = next((m for c, m in items if "/StdErr/" in c), "")
    if not isinstance(out, str) or not isinstance(err, str):
        return RunCommandOutput(status="unknown", reason="no stdout status in the Run Command result")
    succeeded = all(c.endswith("/succeeded") for c, _ in items)
    return RunCommandOutput(
        status="ok", succeeded=succeeded, exit_status=0 if succeeded else None, stdout=out, stderr=err,
        stdout_truncated=len(out.encode("utf-8", errors="replace")) >= RUN_COMMAND_LIMIT,
        stderr_truncated=len(err.encode("utf-8", errors="replace")) >= RUN_COMMAND_LIMIT,
    )

"""The demo VM's shell: a pure interpreter for the handful of commands a probe (or a presenter) types.

Nothing here executes anything on the host: there is no subprocess, no ``eval``, no file access. Every command is
answered from a :class:`VmView` (the emulator's DNS model for one VM) in the exact formats of the real Linux tools, as
recorded in ``docs/probe-formats.md``.

Supported command lines (one or several joined by ``;``, ``&&`` or ``||``; ``#`` starts a comment)::

    host NAME                      nslookup NAME                  dig +short NAME | dig NAME +short
    getent hosts NAME              cat /etc/resolv.conf | /etc/hosts | /etc/ssh/ssh_host_ed25519_key.pub
    curl [-s] [-S] [-i] [-k] [--max-time N | -m N] https://FQDN/PATH
    hostname                       true                           echo [-n] WORDS...

Redirections understood (so that probes can batch commands and still see each exit status): ``2>&1``, ``>&2``,
``1>&2``, ``>/dev/null``, ``2>/dev/null``. ``$?`` expands to the previous command's exit status outside single
quotes. Anything else answers ``bash: line 1: CMD: command not found`` with exit status 127.

Words are split by a small POSIX-style scanner (quotes, backslashes, operators) and each word's quotes are then
removed with :func:`shlex.split`. ``shlex`` alone cannot be used for the structure: it cannot tell ``2>&1`` from
``2 >&1`` and it loses whether ``$?`` was single-quoted.

curl with ``-i`` prints the status line and headers with CRLF line ends and a blank CRLF line before the body,
exactly as real curl copies them from the wire; the body follows unchanged (no newline is added).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

AZURE_DNS = "168.63.129.16"
RUN_COMMAND_LIMIT = 4096  # Azure keeps the last 4,096 bytes of each stream of a Run Command
_RUN_COMMAND_SCRIPT = "/var/lib/waagent/run-command/download/0/script.sh"


@dataclass
class Resolution:
    """What DNS answered for one name, as seen from the VM."""

    query: str  # the name asked
    chain: list[str]  # CNAME chain from the query: [query, alias1, ...]; the LAST name holds the A records
    addresses: list[str]  # A records of the last name (empty when nxdomain)
    nxdomain: bool = False  # NXDOMAIN for the last name in the chain (e.g. missing from a linked private zone)
    servfail: bool = False  # resolver failure (e.g. custom DNS server unreachable)
    timeout: bool = False  # no DNS server answered at all (servfail is set too): the tools say "timed out"


TIMED_OUT = ";; connection timed out; no servers could be reached"
"""What the BIND tools (host, nslookup, dig) print when no DNS server answers."""


@dataclass
class HttpAnswer:
    """What ``https://<fqdn>/healthstatus`` answered; the model returns None when it could not connect."""

    status: int  # 200 or 403
    headers: list[tuple[str, str]]
    body: str


class VmView(Protocol):
    """One demo VM as the emulator's DNS model sees it (the emulator implements this)."""

    name: str
    private_ip: str
    public_ip: str | None
    dns_servers: list[str]  # the VNet's custom DNS servers or ["168.63.129.16"]
    etc_hosts: list[tuple[str, list[str]]]  # extra /etc/hosts entries (ip, names) — lets tests plant PL024
    host_key_public: str  # "ssh-ed25519 AAAA... root@<name>"

    def resolve(self, name: str) -> Resolution: ...

    def https_get(self, fqdn: str, path: str) -> HttpAnswer | None: ...


@dataclass
class StaticVmView:
    """A VmView with fixed answers: for benchmarks, docs and tests of code that needs *a* VM, not the emulator's.

    Names are matched case-insensitively and without a trailing dot; unknown names are NXDOMAIN and unknown
    healthstatus hosts cannot be connected to.
    """

    name: str
    private_ip: str
    public_ip: str | None = None
    dns_servers: list[str] = field(default_factory=lambda: [AZURE_DNS])
    etc_hosts: list[tuple[str, list[str]]] = field(default_factory=list)
    host_key_public: str = ""
    answers: dict[str, Resolution] = field(default_factory=dict)
    http: dict[str, HttpAnswer] = field(default_factory=dict)

    def resolve(self, name: str) -> Resolution:
        """Return the planted resolution for ``name`` or NXDOMAIN."""
        res = self.answers.get(_norm(name))
        if res is None:
            return Resolution(query=name, chain=[name], addresses=[], nxdomain=True)
        return res

    def https_get(self, fqdn: str, path: str) -> HttpAnswer | None:
        """Return the planted answer for ``fqdn`` (any path) or None (cannot connect)."""
        return self.http.get(_norm(fqdn))


# ----------------------------------------------------------------------------------------------------------------
# Command line scanning


class _ShellSyntaxError(Exception):
    pass


_OPERATORS = ("&&", "||", ";", "|", "&")
_RC_SENTINEL = "\x00rc\x00"  # stands for an unquoted/double-quoted $? until the command runs
_REDIRECT = re.compile(r"^(\d?)(>>?|<)(&?)(.*)$")


@dataclass
class _Simple:
    words: list[str]  # raw words, quotes still in place ($? replaced by the sentinel)
    op_before: str  # the operator joining it to the previous command ("" for the first)


def _scan(line: str) -> list[_Simple]:
    """Split one command line into simple commands joined by operators, keeping each word's quotes."""
    commands: list[_Simple] = []
    words: list[str] = []
    cur: list[str] = []
    in_word = False
    op = ""
    i, n = 0, len(line)

    def end_word() -> None:
        nonlocal in_word
        if in_word:
            words.append("".join(cur))
            cur.clear()
            in_word = False

    def end_command(next_op: str) -> None:
        nonlocal op, words
        end_word()
        if not words:
            if next_op or op:
                raise _ShellSyntaxError(f"syntax error near unexpected token `{next_op or op}'")
            return
        commands.append(_Simple(words=words, op_before=op))
        words = []
        op = next_op

    while i < n:
        c = line[i]
        if c in " \t":
            end_word()
            i += 1
        elif c == "\n":
            if in_word or words:
                end_command(";")
            i += 1
        elif c == "#" and not in_word:
            while i < n and line[i] != "\n":
                i += 1
        elif c == "\\":
            cur.append(line[i : i + 2])
            in_word = True
            i += 2
        elif c == "'":
            j = line.find("'", i + 1)
            if j < 0:
                raise _ShellSyntaxError("unexpected EOF while looking for matching `''")
            cur.append(line[i : j + 1])
            in_word = True
            i = j + 1
        elif c == '"':
            j = i + 1
            buf = ['"']
            while j < n and line[j] != '"':
                if line[j] == "\\" and j + 1 < n:
                    buf.append(line[j : j + 2])
                    j += 2
                    continue
                if line.startswith("$?", j):
                    buf.append(_RC_SENTINEL)
                    j += 2
                    continue
                buf.append(line[j])
                j += 1
            if j >= n:
                raise _ShellSyntaxError('unexpected EOF while looking for matching `"\'')
            buf.append('"')
            cur.append("".join(buf))
            in_word = True
            i = j + 1
        elif line.startswith("$?", i):
            cur.append(_RC_SENTINEL)
            in_word = True
            i += 2
        elif c in "&|;":
            # "2>&1" keeps its "&": it belongs to a redirection word, not an operator
            if c == "&" and cur and cur[-1].endswith(">"):
                cur.append("&")
                i += 1
                continue
            tok = next(o for o in _OPERATORS if line.startswith(o, i))
            end_command(tok)
            i += len(tok)
        else:
            cur.append(c)
            in_word = True
            i += 1
    end_word()
    if words:
        commands.append(_Simple(words=words, op_before=op))
    elif op and op != ";":
        raise _ShellSyntaxError("syntax error: unexpected end of file")
    return commands


def _unquote(raw: str, rc: int) -> str:
    """Remove a raw word's quotes (shlex, POSIX rules) after expanding $?."""
    raw = raw.replace(_RC_SENTINEL, str(rc))
    parts = shlex.split(raw, comments=False, posix=True)
    return "".join(parts)


# ----------------------------------------------------------------------------------------------------------------
# Output formats


def _norm(name: str) -> str:
    return name.strip().rstrip(".").lower()


def _is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def resolv_conf_search_domain(vm_name: str) -> str:
    """Azure's per-VNet internal DNS suffix, made deterministic from the VM name (``<26 chars>.bx.internal...``)."""
    digest = base64.b32encode(hashlib.sha256(vm_name.encode()).digest()).decode().lower()
    return f"{digest[:26]}.bx.internal.cloudapp.net"


STUB_RESOLVER = "127.0.0.53"
"""systemd-resolved's stub listener: what current Ubuntu images put in /etc/resolv.conf and what nslookup shows."""
UPSTREAM_RESOLV_CONF = "/run/systemd/resolve/resolv.conf"

_SYSTEMD_HEAD = """# This is {path} managed by man:systemd-resolved(8).
# Do not edit.
#
# This file might be symlinked as /etc/resolv.conf. If you're looking at
# /etc/resolv.conf and seeing this text, you have followed the symlink.
#
"""
_STUB_BODY = """# This is a dynamic resolv.conf file for connecting local clients to the
# internal DNS stub resolver of systemd-resolved. This file lists all
# configured search domains.
#
# Run "resolvectl status" to see details about the uplink DNS servers
# currently in use.
#
"""
_UPLINK_BODY = """# This is a dynamic resolv.conf file for connecting local clients directly to
# all known uplink DNS servers. This file lists all configured search domains.
#
"""
_SYSTEMD_TAIL = """# Third party programs should typically not access this file directly, but only
# through the symlink at /etc/resolv.conf. To manage man:resolv.conf(5) in a
# different way, replace this symlink by a static file or a different symlink.
#
# See man:systemd-resolved.service(8) for details about the supported modes of
# operation for /etc/resolv.conf.

"""


def render_resolv_conf(vm: VmView) -> str:
    """The VM's /etc/resolv.conf as on current Ubuntu images: systemd-resolved's stub (127.0.0.53) and the search
    suffix; the real upstream servers are in :func:`render_upstream_resolv_conf`."""
    head = _SYSTEMD_HEAD.format(path="/run/systemd/resolve/stub-resolv.conf") + _STUB_BODY + _SYSTEMD_TAIL
    return head + f"nameserver {STUB_RESOLVER}\noptions edns0 trust-ad\nsearch {resolv_conf_search_domain(vm.name)}\n"


def render_upstream_resolv_conf(vm: VmView) -> str:
    """/run/systemd/resolve/resolv.conf: the VNet's DNS servers as Azure DHCP hands them out (168.63.129.16 unless
    the VNet names custom servers) and the search suffix."""
    head = _SYSTEMD_HEAD.format(path=UPSTREAM_RESOLV_CONF) + _UPLINK_BODY + _SYSTEMD_TAIL
    servers = "".join(f"nameserver {ip}\n" for ip in (vm.dns_servers or [AZURE_DNS])[:3])
    return head + servers + f"search {resolv_conf_search_domain(vm.name)}\n"


_ETC_HOSTS_BASE = """127.0.0.1 localhost

# The following lines are desirable for IPv6 capable hosts
::1 ip6-localhost ip6-loopback
fe00::0 ip6-localnet
ff00::0 ip6-mcastprefix
ff02::1 ip6-allnodes
ff02::2 ip6-allrouters
ff02::3 ip6-allhosts
"""


def render_etc_hosts(vm: VmView) -> str:
    """The VM's /etc/hosts: Ubuntu's cloud image default plus the planted entries."""
    extra = "".join(f"{ip} {' '.join(names)}\n" for ip, names in vm.etc_hosts if names)
    return _ETC_HOSTS_BASE + extra


def _hosts_lookup(vm: VmView, name: str) -> tuple[str, list[str]] | None:
    """glibc files-backend lookup of an IPv4 name: the first matching line wins; canonical = its first name."""
    want = _norm(name)
    for line in render_etc_hosts(vm).splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2 or not _is_ipv4(fields[0]):
            continue
        if any(_norm(n) == want for n in fields[1:]):
            return fields[0], fields[1:]
    return None


def _getent_line(ip: str, canonical: str, aliases: list[str]) -> str:
    # glibc getent.c print_hosts: printf("%-15s %s", addr, h_name) then " alias" for each alias
    return f"{ip:<15} {canonical}" + "".join(f" {a}" for a in aliases) + "\n"


def _cmd_host(args: list[str], vm: VmView) -> tuple[str, str, int]:
    names = [a for a in args if not a.startswith("-")]
    if len(names) != 1:
        return "", "Usage: host [-aCdilrTvVw] [-c class] [-N ndots] [-t type] [-W time]\n", 1
    res = vm.resolve(names[0])
    if res.timeout:
        return f"{TIMED_OUT}\n", "", 1
    if res.servfail:
        return f"Host {names[0]} not found: 2(SERVFAIL)\n", "", 1
    if res.nxdomain:
        return f"Host {names[0]} not found: 3(NXDOMAIN)\n", "", 1
    out = [f"{a} is an alias for {b}." for a, b in zip(res.chain, res.chain[1:], strict=False)]
    last = res.chain[-1] if res.chain else names[0]
    out += [f"{last} has address {ip}" for ip in res.addresses]
    return "".join(line + "\n" for line in out), "", 0


def _cmd_nslookup(args: list[str], vm: VmView) -> tuple[str, str, int]:
    names = [a for a in args if not a.startswith("-")]
    if len(names) != 1:
        return "", "Usage: nslookup [-opt ...] host\n", 1
    server = STUB_RESOLVER  # nslookup asks the resolver /etc/resolv.conf names: systemd-resolved's stub
    head = f"Server:\t\t{server}\nAddress:\t{server}#53\n\n"
    res = vm.resolve(names[0])
    if res.timeout:
        return f"{TIMED_OUT}\n\n", "", 1
    if res.servfail:
        return head + f"** server can't find {names[0]}: SERVFAIL\n\n", "", 1
    if res.nxdomain:
        return head + f"** server can't find {names[0]}: NXDOMAIN\n\n", "", 1
    body = ["Non-authoritative answer:"]
    body += [f"{a}\tcanonical name = {b}." for a, b in zip(res.chain, res.chain[1:], strict=False)]
    last = res.chain[-1] if res.chain else names[0]
    for ip in res.addresses:
        body += [f"Name:\t{last}", f"Address: {ip}"]
    return head + "\n".join(body) + "\n\n", "", 0


def _cmd_dig(args: list[str], vm: VmView) -> tuple[str, str, int]:
    names = [a for a in args if not a.startswith("+") and not a.startswith("-")]
    if "+short" not in args or len(names) != 1:
        return "", "dig: only 'dig +short NAME' is available on this demo VM\n", 1
    res = vm.resolve(names[0])
    if res.timeout:
        return f"{TIMED_OUT}\n", "", 9  # dig's exit status when no reply came
    if res.servfail or res.nxdomain:
        return "", "", 0  # dig +short prints nothing for NXDOMAIN/SERVFAIL and still exits 0
    out = [f"{alias}." for alias in res.chain[1:]] + list(res.addresses)
    return "".join(line + "\n" for line in out), "", 0


def _cmd_getent(args: list[str], vm: VmView) -> tuple[str, str, int]:
    if not args or args[0] != "hosts":
        db = args[0] if args else ""
        return "", f"Unknown database: {db}\nTry `getent --help' or `getent --usage' for more information.\n", 1
    if len(args) != 2:
        return "", "", 2  # getent hosts without a key enumerates; the demo VM keeps that out of scope
    name = args[1]
    hit = _hosts_lookup(vm, name)
    if hit is not None:
        ip, names = hit
        return _getent_line(ip, names[0], names[1:]), "", 0
    res = vm.resolve(name)
    if res.servfail or res.nxdomain or not res.addresses:
        return "", "", 2
    canonical = res.chain[-1] if res.chain else name
    aliases = list(res.chain[:-1]) if res.chain else []
    return "".join(_getent_line(ip, canonical, aliases) for ip in res.addresses), "", 0


def _cmd_cat(args: list[str], vm: VmView) -> tuple[str, str, int]:
    files: dict[str, Callable[[], str]] = {
        "/etc/resolv.conf": lambda: render_resolv_conf(vm),
        "/run/systemd/resolve/stub-resolv.conf": lambda: render_resolv_conf(vm),
        UPSTREAM_RESOLV_CONF: lambda: render_upstream_resolv_conf(vm),
        "/etc/hosts": lambda: render_etc_hosts(vm),
        "/etc/ssh/ssh_host_ed25519_key.pub": lambda: vm.host_key_public.rstrip("\n") + "\n",
        "/etc/hostname": lambda: vm.name + "\n",
    }
    out, err, rc = [], [], 0
    for path in args:
        render = files.get(path)
        if render is None:
            err.append(f"cat: {path}: No such file or directory\n")
            rc = 1
        else:
            out.append(render())
    return "".join(out), "".join(err), rc


_REASONS = {200: "OK", 403: "Forbidden", 401: "Unauthorized", 404: "Not Found", 500: "Internal Server Error"}
_CURL_TRY = "curl: try 'curl --help' or 'curl --manual' for more information\n"
_URL = re.compile(r"^(https?)://([A-Za-z0-9.-]+)(?::(\d+))?(/[^\s]*)?$")


def _cmd_curl(args: list[str], vm: VmView) -> tuple[str, str, int]:
    silent = show_error = include = False
    max_time: float | None = None
    urls: list[str] = []
    it = iter(args)
    for arg in it:
        if arg in ("--max-time", "-m"):
            value = next(it, None)
            try:
                max_time = float(value) if value is not None else None
            except ValueError:
                max_time = None
            if max_time is None:
                return "", f"curl: option {arg}: expected a proper numerical parameter\n" + _CURL_TRY, 2
        elif arg in ("--silent", "--show-error", "--include", "--insecure"):
            silent |= arg == "--silent"
            show_error |= arg == "--show-error"
            include |= arg == "--include"
        elif arg.startswith("-") and not arg.startswith("--") and len(arg) > 1 and set(arg[1:]) <= set("sSik"):
            silent |= "s" in arg
            show_error |= "S" in arg
            include |= "i" in arg
        elif arg.startswith("-"):
            return "", f"curl: option {arg}: is unknown\n" + _CURL_TRY, 2
        else:
            urls.append(arg)
    if len(urls) != 1:
        return "", "curl: no URL specified\n" + _CURL_TRY, 2
    m = _URL.match(urls[0])
    if not m:
        return "", "curl: (3) URL rejected: Malformed input to a URL function\n", 3

    def fail(code: int, message: str) -> tuple[str, str, int]:
        # -s silences error messages unless -S brings them back
        return "", ("" if silent and not show_error else f"curl: ({code}) {message}\n"), code

    scheme, host, port, path = m.group(1), m.group(2), m.group(3), m.group(4) or "/"
    hit = _hosts_lookup(vm, host)
    res = vm.resolve(host)
    dns_ips = [] if (res.nxdomain or res.servfail) else list(res.addresses)
    ips = [hit[0]] if hit is not None else dns_ips
    if not ips:
        return fail(6, f"Could not resolve host: {host}")
    port_no = int(port) if port else (443 if scheme == "https" else 80)
    if scheme != "https" or port_no != 443:
        return fail(7, f"Failed to connect to {host} port {port_no} after 3 ms: Couldn't connect to server")
    # A hosts-file entry pointing away from what DNS answers leads nowhere the model knows: treat it as a black hole.
    answer = vm.https_get(host, path) if (hit is None or hit[0] in dns_ips) else None
    if answer is None:
        if max_time is not None:
            return fail(28, f"Connection timed out after {int(max_time * 1000) + 1} milliseconds")
        return fail(28, f"Failed to connect to {host} port 443 after 134 ms: Connection timed out")
    out = ""
    if include:
        status_line = f"HTTP/1.1 {answer.status} {_REASONS.get(answer.status, '')}".rstrip()
        out = status_line + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in answer.headers) + "\r\n"
    progress = "" if silent else _curl_progress(len(answer.body.encode()))
    return out + answer.body, progress, 0


def _curl_progress(size: int) -> str:
    # curl draws its progress meter on stderr whenever stdout is not a terminal and -s is not given
    return (
        "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
        "                                 Dload  Upload   Total   Spent    Left  Speed\n"
        f"\r100 {size:>5}  100 {size:>5}    0     0    412      0 --:--:-- --:--:-- --:--:--   412\n"
    )


def _cmd_echo(args: list[str], vm: VmView) -> tuple[str, str, int]:
    newline = True
    if args and args[0] == "-n":
        newline, args = False, args[1:]
    return " ".join(args) + ("\n" if newline else ""), "", 0


_COMMANDS: dict[str, Callable[[list[str], VmView], tuple[str, str, int]]] = {
    "host": _cmd_host,
    "nslookup": _cmd_nslookup,
    "dig": _cmd_dig,
    "getent": _cmd_getent,
    "cat": _cmd_cat,
    "curl": _cmd_curl,
    "echo": _cmd_echo,
    "hostname": lambda args, vm: (vm.name + "\n", "", 0),
    "true": lambda args, vm: ("", "", 0),
}


# ----------------------------------------------------------------------------------------------------------------
# Entry points


def run_command(cmdline: str, vm: VmView, *, script_name: str = "bash", line_no: int = 1) -> tuple[str, str, int]:
    """Answer one command line the way bash on the demo VM would.

    Args:
        cmdline: the command line (an SSH exec request, or one line of a Run Command script).
        vm: the VM's view of DNS and HTTP.
        script_name: the name bash prefixes its own errors with (``bash`` for ``bash -c``, the script path for
            Run Command).
        line_no: the line number bash reports in its own errors.

    Returns:
        (stdout, stderr, exit status). Output of several commands is concatenated in order; ``2>&1`` interleaves
        one command's stderr into stdout.
    """
    out, err, rc = _run_line(cmdline, vm, 0, script_name, line_no)
    return out, err, rc


def _run_line(cmdline: str, vm: VmView, last_rc: int, script_name: str, line_no: int) -> tuple[str, str, int]:
    try:
        commands = _scan(cmdline)
    except _ShellSyntaxError as exc:
        return "", f"{script_name}: line {line_no}: {exc}\n", 2
    out: list[str] = []
    err: list[str] = []
    rc = last_rc
    for cmd in commands:
        if (cmd.op_before == "&&" and rc != 0) or (cmd.op_before == "||" and rc == 0):
            continue
        if cmd.op_before in ("|", "&"):
            err.append(f"{script_name}: line {line_no}: '{cmd.op_before}' is not available on this demo VM\n")
            rc = 2
            continue
        o, e, rc = _run_simple(cmd.words, vm, rc, script_name, line_no)
        out.append(o)
        err.append(e)
    return "".join(out), "".join(err), rc


def _run_simple(raw_words: list[str], vm: VmView, last_rc: int, script_name: str, line_no: int) -> tuple[str, str, int]:
    words: list[str] = []
    stdout_to = "out"  # where this command's stdout goes: out / err / null
    stderr_to = "err"
    for raw in raw_words:
        m = _REDIRECT.match(raw) if raw[:1].isdigit() or raw[:1] in "<>" else None
        if m is None:
            try:
                words.append(_unquote(raw, last_rc))
            except ValueError as exc:
                return "", f"{script_name}: line {line_no}: {exc}\n", 2
            continue
        fd, op, dup, target = m.group(1) or ("0" if m.group(2) == "<" else "1"), m.group(2), m.group(3), m.group(4)
        if dup and target in ("1", "2") and fd in ("1", "2"):
            dest = "out" if target == "1" else "err"
            # "2>&1" sends stderr wherever stdout goes *now*; ">&2" sends stdout to where stderr goes now
            if fd == "2":
                stderr_to = stdout_to if dest == "out" else stderr_to
            else:
                stdout_to = stderr_to if dest == "err" else stdout_to
        elif not dup and op != "<" and target == "/dev/null" and fd in ("1", "2"):
            if fd == "1":
                stdout_to = "null"
            else:
                stderr_to = "null"
        else:
            return "", f"{script_name}: line {line_no}: {raw}: redirection not available on this demo VM\n", 1
    if not words:
        return "", "", 0
    handler = _COMMANDS.get(words[0])
    if handler is None:
        name = words[0]
        return "", f"{script_name}: line {line_no}: {name}: command not found\n", 127
    o, e, rc = handler(words[1:], vm)
    streams: dict[str, list[str]] = {"out": [], "err": [], "null": []}
    streams[stdout_to].append(o)
    streams[stderr_to].append(e)
    return "".join(streams["out"]), "".join(streams["err"]), rc


def run_script(script: str, vm: VmView) -> tuple[str, str, int]:
    """Run a multi-line script as bash would run a file (no ``set -e``): the exit status is the last command's."""
    out: list[str] = []
    err: list[str] = []
    rc = 0
    # one logical line at a time so that bash's "line N" in error messages is right
    for no, line in enumerate(script.split("\n"), start=1):
        if not line.strip():
            continue
        o, e, rc = _run_line(line, vm, rc, _RUN_COMMAND_SCRIPT, no)
        out.append(o)
        err.append(e)
    return "".join(out), "".join(err), rc


def _tail_bytes(text: str, limit: int = RUN_COMMAND_LIMIT) -> str:
    data = text.encode("utf-8", errors="replace")
    if len(data) <= limit:
        return text
    # Azure cuts bytes, not characters: a split UTF-8 sequence at the cut is dropped
    return data[-limit:].decode("utf-8", errors="ignore")


def format_run_command_message(stdout: str, stderr: str, exit_status: int) -> str:
    """Azure's RunShellScript status message for given streams (each cut to its last 4,096 bytes)."""
    if exit_status == 0:
        head = "Enable succeeded: "
    else:
        head = f"Enable failed: failed to execute command: command terminated with exit status={exit_status}"
    return f"{head}\n[stdout]\n{_tail_bytes(stdout)}\n[stderr]\n{_tail_bytes(stderr)}"


def run_shell_script(script: str, vm: VmView) -> str:
    """Run a RunShellScript script and return Azure's message (``Enable succeeded: \\n[stdout]\\n...``).

    Args:
        script: the script; RunCommandInput.script lines joined with "\\n".
        vm: the VM's view.

    Returns:
        The ``message`` of the single InstanceViewStatus Azure returns for Linux Run Command.
    """
    out, err, rc = run_script(script, vm)
    return format_run_command_message(out, err, rc)


def run_shell_script_status(script: str, vm: VmView) -> dict[str, str]:
    """The whole InstanceViewStatus (``value[0]`` of RunCommandResult) for a RunShellScript run."""
    out, err, rc = run_script(script, vm)
    ok = rc == 0
    return {
        "code": "ProvisioningState/succeeded" if ok else f"ProvisioningState/failed/{rc}",
        "level": "Info" if ok else "Error",
        "displayStatus": "Provisioning succeeded" if ok else "Provisioning failed",
        "message": format_run_command_message(out, err, rc),
    }

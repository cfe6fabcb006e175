"""Batching several probe commands into one shell command line or script, and splitting the output back.

Each command is wrapped in marker lines carrying a random per-run nonce and, at the end, the command's exit status::

    echo '@@plinktui-<nonce>:<tag>:begin@@'; host fabrikam.vault.azure.net 2>&1; echo "@@plinktui-<nonce>:<tag>:end:$?@@"

Only text between a begin and an end marker with the right nonce is trusted, so output that was cut (Run Command keeps
only the last 4,096 bytes) or that tries to imitate a marker leaves a section missing, never a forged one.
FQDNs are validated and shell-quoted before they go anywhere near a command line.
"""

from __future__ import annotations

import re
import secrets
import shlex
from dataclasses import dataclass

from plinktui.probes.parsers import ResolvConf, is_name, parse_resolv_conf, with_upstream

_TAG = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


class UnsafeName(ValueError):
    """A name that is not a plain DNS name and therefore never goes into a shell command."""


def check_fqdn(fqdn: str) -> str:
    """Return ``fqdn`` if it is a plain DNS name (letters, digits, '-', '_', dots), else raise UnsafeName."""
    if not isinstance(fqdn, str) or not is_name(fqdn) or "." not in fqdn.strip("."):
        raise UnsafeName(f"not a DNS name: {str(fqdn)[:80]!r}")
    return fqdn


def new_nonce() -> str:
    """A fresh random marker nonce (hex)."""
    return secrets.token_hex(6)


def wrap(nonce: str, tag: str, command: str) -> str:
    """One command wrapped in markers, stderr merged into stdout, exit status in the end marker."""
    if not _TAG.match(tag):
        raise ValueError(f"bad tag {tag!r}")
    begin = shlex.quote(f"@@plinktui-{nonce}:{tag}:begin@@")
    return f'echo {begin}; {command} 2>&1; echo "@@plinktui-{nonce}:{tag}:end:$?@@"'


def probe_commands(fqdn: str, *, vault: bool, max_time: int = 5) -> dict[str, str]:
    """The per-FQDN probe commands by tag suffix: getent, host and (for vaults) curl of /healthstatus."""
    q = shlex.quote(check_fqdn(fqdn))
    cmds = {"getent": f"getent hosts {q}", "host": f"host {q}"}
    if vault:
        url = shlex.quote(f"https://{fqdn.rstrip('.')}/healthstatus")
        cmds["curl"] = f"curl -sS -i --max-time {int(max_time)} {url}"
    return cmds


@dataclass
class Section:
    """The merged output and exit status of one wrapped command."""

    output: str
    exit_status: int


def split_sections(text: str, nonce: str) -> dict[str, Section]:
    """Find every complete ``begin ... end:$?`` section for ``nonce``.

    Args:
        text: the combined output.
        nonce: the nonce used when wrapping.

    Returns:
        tag -> Section for each tag seen exactly once with a begin and an end marker in order; a tag that is missing,
        repeated or out of order is left out (callers treat it as unknown).
    """
    if not isinstance(text, str):
        return {}
    pattern = re.compile(rf"@@plinktui-{re.escape(nonce)}:([A-Za-z0-9_.-]{{1,40}}):(begin|end:(\d{{1,3}}))@@\n?")
    found: dict[str, Section] = {}
    seen: dict[str, int] = {}
    open_tag: str | None = None
    open_at = 0
    for m in pattern.finditer(text):
        tag = m.group(1)
        seen[tag] = seen.get(tag, 0) + 1
        if m.group(2) == "begin":
            open_tag, open_at = tag, m.end()
        elif open_tag == tag:
            found[tag] = Section(output=text[open_at:m.start()], exit_status=int(m.group(3)))
            open_tag = None
        else:
            open_tag = None
    # a tag whose markers appear more than once is ambiguous: drop it rather than guess which copy is real
    return {tag: sec for tag, sec in found.items() if seen.get(tag) == 2}


RESOLVER_FILES = {"resolv": "cat /etc/resolv.conf", "upstream": "cat /run/systemd/resolve/resolv.conf"}
"""The resolver configuration, both halves: glibc's file (on current Ubuntu images systemd-resolved's stub, which
hides the servers) and systemd-resolved's upstream file (absent on images without it: the section then fails)."""


def resolver_lines(nonce: str) -> list[str]:
    """The wrapped commands that read :data:`RESOLVER_FILES`."""
    return [wrap(nonce, tag, cmd) for tag, cmd in RESOLVER_FILES.items()]


def resolver_from_sections(sections: dict[str, Section]) -> ResolvConf | None:
    """The VM's resolver configuration from the ``resolv`` and ``upstream`` sections (None when unreadable)."""
    parsed = {tag: parse_resolv_conf(sec.output) for tag, sec in sections.items()
              if tag in RESOLVER_FILES and sec.exit_status == 0}
    return with_upstream(parsed.get("resolv"), parsed.get("upstream"))

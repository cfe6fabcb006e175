"""``plinktui audit``: headless, read-only audit of private endpoints with table/JSON/Markdown/SARIF output.

Exit codes (plinktui.exit_codes.ExitCode): 0 no failing finding, 1 failing findings (at or above ``--fail-on``),
2 usage, authentication or connection error — with ONE line on stderr and never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import pathlib
import ssl
import sys
from typing import Any

from plinktui.exit_codes import ExitCode
from plinktui.untrusted import guarded_stdio, visible

FORMATS = ("table", "json", "markdown", "sarif")


def _add(parser: argparse.ArgumentParser, *flags: str, **kwargs: Any) -> None:
    """Add an option unless the lead's shared parent parser already defines it (no conflicting option strings)."""
    if any(f in parser._option_string_actions for f in flags):  # noqa: SLF001 - argparse offers no public query
        return
    parser.add_argument(*flags, **kwargs)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the ``audit`` options on a (sub)parser."""
    _add(parser, "--format", choices=FORMATS, default=None, help="report format (default: table)")
    _add(parser, "--json", action="store_true", help="shorthand for --format json")
    _add(parser, "--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    _add(parser, "--fail-on", choices=("warning", "error"), default="error",
         help="lowest severity that makes the exit code 1 (default: error)")
    _add(parser, "--subscription", action="append", metavar="ID", help="subscription to audit (repeatable)")
    _add(parser, "--resource-group", "-g", metavar="NAME", help="only endpoints/NICs/vaults/PLS in this group")
    _add(parser, "--all-subscriptions", action="store_true", help="audit every subscription you can list")
    _add(parser, "--arm-endpoint", metavar="URL", help="ARM endpoint (sovereign cloud or plinktui emulator)")
    _add(parser, "--ca-cert", metavar="PEM", help="CA file that anchors trust in --arm-endpoint")
    _add(parser, "--probe", choices=("ssh", "run-command", "none"), default=None,
         help="prove resolution from a VM in each VNet (default: ssh when a VM and key exist, else none)")
    _add(parser, "--probe-vm", metavar="ID", help="VM (resource id or name) to probe from for every endpoint")
    _add(parser, "--known-hosts", metavar="FILE", help="pin SSH host keys from this known_hosts file")
    _add(parser, "--accept-new-host-key", action="store_true",
         help="trust an unknown SSH host key on first use (its fingerprint is shown and pinned)")
    _add(parser, "--ssh-key", metavar="PATH", help="SSH private key for the probe VM (default: ~/.ssh/id_ed25519)")
    _add(parser, "--ssh-user", metavar="NAME", help="SSH user (default: the VM's admin user)")
    _add(parser, "--ssh-jump", metavar="HOST", help="jump host ([user@]host[:port]) to reach private VMs")
    _add(parser, "--inventory", choices=("arm", "graph", "auto"), default="auto",
         help="inventory through ARM lists or Azure Resource Graph (auto: graph beyond two subscriptions, with "
              "--all-subscriptions or --management-group)")
    _add(parser, "--management-group", metavar="ID", help="audit every subscription under this management group")
    _add(parser, "--concurrency", type=int, default=8, help="ARM requests in flight per API (default 8)")
    _add(parser, "--timeout", type=float, default=600.0, help="seconds allowed for the inventory (default 600)")


def _subscriptions(args: argparse.Namespace) -> list[str]:
    raw = getattr(args, "subscription", None)
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    out: list[str] = []
    for item in items:
        out.extend(s.strip() for s in str(item).split(",") if s.strip())
    return list(dict.fromkeys(out))


def _one_line(exc: BaseException) -> str:
    """A single-line, secret-free reason for an error that stops the audit."""
    from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ServiceRequestError

    from plinktui.cloud import TargetError

    if isinstance(exc, TargetError):
        return str(exc)
    if isinstance(exc, ClientAuthenticationError):
        return f"authentication failed: {_first(exc.message or str(exc))}"
    if isinstance(exc, HttpResponseError):
        code = getattr(getattr(exc, "error", None), "code", None) or ""
        if exc.status_code == 401:
            return f"authentication failed (401 {code or 'Unauthorized'}): sign in again (az login) or check the token"
        if exc.status_code == 403:
            return f"access denied (403 {code}): the identity needs Reader on the subscription"
        return f"ARM error {exc.status_code} {code}: {_first(exc.message or str(exc))}"
    if isinstance(exc, ServiceRequestError):
        inner = exc.inner_exception if getattr(exc, "inner_exception", None) else exc
        if isinstance(inner, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
            return "TLS verification failed: wrong or missing --ca-cert for this endpoint"
        return f"cannot reach ARM: {_first(str(exc))}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {_first(str(exc))}"
    if isinstance(exc, TimeoutError):
        return "the audit did not finish within --timeout"
    if isinstance(exc, OSError):
        return f"I/O error: {_first(str(exc))}"
    return f"audit failed: {type(exc).__name__}: {_first(str(exc))}"


def _first(text: str) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line[:240]


async def run(args: argparse.Namespace) -> int:
    """Run ``plinktui audit`` with parsed arguments; returns the exit code."""
    fmt = "json" if getattr(args, "json", False) else (getattr(args, "format", None) or "table")
    subs = _subscriptions(args)
    scopes = [bool(subs), bool(getattr(args, "all_subscriptions", False)),
              bool(getattr(args, "management_group", None))]
    if sum(scopes) > 1:
        print("plinktui audit: use either --subscription, --all-subscriptions or --management-group, not several",
              file=sys.stderr)
        return int(ExitCode.ERROR)
    try:
        from audits.engine import ProbeOptions, run_audit
        from audits.report import render
        from plinktui.cloud import Gateway, resolve_target

        target = await resolve_target(arm_endpoint=getattr(args, "arm_endpoint", None),
                                      ca_cert=getattr(args, "ca_cert", None),
                                      subscription=subs[0] if subs else None, demo=bool(getattr(args, "demo", False)))
        probe_mode = getattr(args, "probe", None) or "auto"
        ssh_key = getattr(args, "ssh_key", None)
        if not ssh_key and getattr(args, "demo", False) and target.is_emulator:
            from plinktui.emulator.embedded import ensure_demo_cloud

            ssh_key = (await ensure_demo_cloud()).demo_key  # the demo VMs trust the demo key, not ~/.ssh's
        probe = ProbeOptions(mode=probe_mode, probe_vm=getattr(args, "probe_vm", None),
                             known_hosts=getattr(args, "known_hosts", None),
                             accept_new_host_key=bool(getattr(args, "accept_new_host_key", False)),
                             ssh_key=ssh_key, ssh_user=getattr(args, "ssh_user", None),
                             ssh_jump=getattr(args, "ssh_jump", None), state_dir=_state_dir())
        async with Gateway(target, total_timeout=float(getattr(args, "timeout", 600.0) or 600.0)) as gw:
            if not target.is_emulator:  # the emulator's local token needs no check (nor the run service's import)
                from plinktui.runservice import signed_in

                await signed_in(gw)  # one line saying `az login`, not a failure per client
            result = await run_audit(gw, subscriptions=subs or None,
                                     resource_group=getattr(args, "resource_group", None),
                                     all_subscriptions=bool(getattr(args, "all_subscriptions", False)),
                                     probe=probe, concurrency=int(getattr(args, "concurrency", 8) or 8),
                                     total_timeout=float(getattr(args, "timeout", 600.0) or 600.0),
                                     inventory=getattr(args, "inventory", None) or "auto",
                                     management_group=getattr(args, "management_group", None))
        text = render(result, fmt)
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("plinktui audit: interrupted", file=sys.stderr)
        return int(ExitCode.ERROR)
    except Exception as exc:  # noqa: BLE001 - the contract is one clear line and exit 2, never a traceback
        print(f"plinktui audit: {visible(_one_line(exc))}", file=sys.stderr)
        return int(ExitCode.ERROR)
    if not _emit(text, getattr(args, "output", None)):
        return int(ExitCode.ERROR)
    from audits.checks import failing

    return int(ExitCode.FINDINGS if failing(result.findings, getattr(args, "fail_on", "error")) else ExitCode.OK)


def _emit(text: str, out: str | None) -> bool:
    """Write the report to FILE or stdout; False (after one line on stderr) when that fails."""
    try:
        if out:
            pathlib.Path(out).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    except OSError as exc:
        print(f"plinktui audit: cannot write report: {visible(_first(str(exc)))}", file=sys.stderr)
        return False
    return True


def _state_dir() -> str:
    from plinktui import settings

    return str(settings.state_dir())


def main(argv: list[str] | None = None) -> int:
    """Standalone entry (``python -m audits.cli``), handy until the lead's ``plinktui audit`` wiring lands."""
    parser = argparse.ArgumentParser(prog="plinktui audit", description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    with guarded_stdio():
        return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())

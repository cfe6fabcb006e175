"""``plinktui``: the command line. Each subcommand imports what it needs when it runs, so ``--help`` and the
first TUI paint stay fast, and the headless commands never import textual or questionary."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from plinktui import __version__
from plinktui.exit_codes import ExitCode


def _target_flags(suppress: bool = False) -> argparse.ArgumentParser:
    """The global target flags, accepted before the subcommand and by every subcommand.

    The subcommands' copies default to SUPPRESS, so ``plinktui --demo setup`` keeps the top-level value instead of
    having the subparser's default overwrite it.
    """

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("cloud target")
    group.add_argument("--subscription", action="append", metavar="ID", default=default(None),
                       help="subscription id (repeatable for audit; default: the emulator's or AZURE_SUBSCRIPTION_ID)")
    group.add_argument("--arm-endpoint", metavar="URL", default=default(None),
                       help="ARM endpoint: a sovereign cloud, or a plinktui emulator (then no sign-in happens)")
    group.add_argument("--ca-cert", metavar="PEM", default=default(None),
                       help="CA file that anchors trust in --arm-endpoint")
    group.add_argument("--demo", action="store_true", default=default(False),
                       help="use the embedded demo cloud (offline)")
    group.add_argument("--log-level", default=default(os.environ.get("PLINKTUI_LOG_LEVEL") or None),
                       help="DEBUG, INFO, WARNING (default) or ERROR; logs go to stderr and never carry secrets "
                            "(the Azure SDK's own warnings, e.g. every credential DefaultAzureCredential tried, "
                            "appear only when a level is given)")
    return parent


def target_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The arguments for ``plinktui.cloud.resolve_target`` from the global flags."""
    subs = getattr(args, "subscription", None) or []
    return {"arm_endpoint": args.arm_endpoint, "ca_cert": args.ca_cert, "subscription": subs[0] if subs else None,
            "demo": bool(getattr(args, "demo", False))}


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree."""
    parser = argparse.ArgumentParser(
        prog="plinktui", parents=[_target_flags()],
        description="Azure Private Link for Key Vault: guided setup, proof from inside the VNet, subscription audits.")
    parser.add_argument("--version", action="version", version=f"plinktui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = _target_flags(suppress=True)

    demo = sub.add_parser("demo", parents=[common], help="the TUI on the embedded demo cloud (offline)")
    demo.add_argument("--autopilot", action="store_true", help="play the whole story for a presenter")
    demo.add_argument("--story", choices=("setup", "hub-spoke"), default="setup",
                      help="setup: the guided walkthrough (default); hub-spoke: audit a two-subscription landing zone, "
                           "fix the broken spoke and prove both")
    demo.add_argument("--serve", action="store_true",
                      help="serve the demo to browsers (textual-serve); each tab gets its own session")
    demo.add_argument("--port", type=int, default=8000, help="--serve: the port (default 8000)")
    demo.add_argument("--host", default="127.0.0.1", help="--serve: the address to listen on (default loopback)")

    setup = sub.add_parser("setup", parents=[common], help="apply a plan headless (or --plain questions)")
    runs = sub.add_parser("runs", parents=[common], help="list provisioning runs and their state")
    teardown = sub.add_parser("teardown", parents=[common], help="delete what a run created")
    from plinktui import provision_cli

    provision_cli.add_setup_arguments(setup)
    provision_cli.add_runs_arguments(runs)
    provision_cli.add_teardown_arguments(teardown)

    audit = sub.add_parser("audit", parents=[common], help="audit the private endpoints of subscriptions (read-only)")
    from audits import cli as audit_cli

    audit_cli.add_arguments(audit)

    emulator = sub.add_parser("emulator", help="the ARM emulator")
    esub = emulator.add_subparsers(dest="emulator_command", metavar="ACTION")
    serve = esub.add_parser("serve", help="run the emulator standalone; prints one JSON banner line when ready")
    from plinktui.emulator import cli as emulator_cli

    emulator_cli.add_arguments(serve)

    from plinktui import export

    export.add_arguments(sub.add_parser("export", help="write a plan as an ARM deployment template (infra as code)"))
    sub.add_parser("locate", help="print where plinktui keeps its state, runs and demo cloud")
    return parser


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record is emitted (the guarded stream while a command runs)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def _logging(level: str | None) -> None:
    from plinktui.untrusted import VisibleFormatter

    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(old)  # main() may run more than once in a process (tests, the TUI's helpers)
    handler = _StderrHandler()
    # Log records carry names, tags and SSH output: every record is made visible-safe, at every level.
    handler.setFormatter(VisibleFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(getattr(logging, (level or "WARNING").upper(), logging.WARNING))
    for name in ("azure", "msal"):
        # Without --log-level the user gets plinktui's one-line messages, not the SDK's: azure.identity alone logs
        # a paragraph per credential it tried, on every client, and says nothing about `az login`.
        logging.getLogger(name).setLevel(logging.CRITICAL if level is None else logging.NOTSET)
    # The SDK's HTTP logging policy redacts headers, but request/response bodies are never wanted in our logs.
    logging.getLogger("azure.core.pipeline.policies.http_logging_policy").setLevel(logging.WARNING)
    logging.getLogger("asyncssh").setLevel(max(logging.WARNING, logging.getLogger().level))


def _run_async(fn: Callable[[argparse.Namespace], Any], args: argparse.Namespace) -> int:
    return int(asyncio.run(fn(args)))


def _locate() -> int:
    from plinktui import settings

    print(f"state:  {settings.state_dir()}")
    print(f"runs:   {settings.runs_dir()}")
    print(f"demo:   {settings.demo_dir()}")
    print(f"config: {settings.config_dir()}")
    print(f"plans:  {settings.plans_dir()}")
    return ExitCode.OK


def _dispatch(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    command = args.command
    if command == "demo" and getattr(args, "serve", False):
        from screens.serve import serve

        return serve(args.host, args.port, autopilot=bool(args.autopilot))
    if command in (None, "demo"):
        if not sys.stdout.isatty() and not os.environ.get("PLINKTUI_FORCE_TUI"):
            print("plinktui: the TUI needs a terminal; use `plinktui setup --plan FILE --yes` or `plinktui audit` "
                  "in scripts", file=sys.stderr)
            return ExitCode.ERROR
        from screens.app import run as run_tui

        demo = command == "demo" or args.demo
        return int(run_tui(target_kwargs(args) | {"demo": demo}, demo=demo,
                           autopilot=bool(getattr(args, "autopilot", False)),
                           story=getattr(args, "story", None) or "setup"))
    if command == "setup":
        if getattr(args, "plain", False):
            from screens.plain import run_plain

            return int(run_plain(args))
        from plinktui import provision_cli

        return _run_async(provision_cli.run_setup, args)
    if command == "runs":
        from plinktui import provision_cli

        return _run_async(provision_cli.run_runs, args)
    if command == "teardown":
        from plinktui import provision_cli

        return _run_async(provision_cli.run_teardown, args)
    if command == "audit":
        from audits import cli as audit_cli

        return _run_async(audit_cli.run, args)
    if command == "emulator":
        if args.emulator_command != "serve":
            parser.parse_args(["emulator", "--help"])
            return ExitCode.ERROR
        from plinktui.emulator import cli as emulator_cli

        return _run_async(emulator_cli.serve, args)
    if command == "export":
        from plinktui import export

        return export.run(args)
    if command == "locate":
        return _locate()
    parser.print_help()
    return ExitCode.ERROR


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``plinktui`` console script."""
    from plinktui.untrusted import guarded_stdio

    parser = build_parser()
    try:
        with guarded_stdio():  # argparse echoes what it was given
            args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage line
        return int(exc.code or 0) and ExitCode.ERROR
    _logging(getattr(args, "log_level", None) or None)

    # The TUI and the --plain prompts draw with escape sequences of their own (and show values through
    # screens/safe.py); every other command's output goes through the terminal guard.
    interactive = args.command in (None, "demo") or (args.command == "setup" and getattr(args, "plain", False))
    try:
        with contextlib.nullcontext() if interactive else guarded_stdio():
            return _dispatch(args, parser)
    except KeyboardInterrupt:
        print("plinktui: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: one readable line, never a traceback
        logging.getLogger("plinktui").debug("unhandled error", exc_info=True)
        from plinktui.cloud import TargetError
        from plinktui.untrusted import visible

        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if not isinstance(exc, TargetError):
            from plinktui.crashlog import write_crash_log

            try:
                where = f" (full traceback: {write_crash_log(exc)})"
            except OSError:
                where = ""
            reason = f"{type(exc).__name__}: {reason}{where}"
        print(f"plinktui: {visible(reason)}", file=sys.stderr)
        return ExitCode.ERROR


if __name__ == "__main__":
    sys.exit(main())

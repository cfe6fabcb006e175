"""``plinktui emulator serve``: the emulator as a standalone process for demos, offline training and users' CI.

It prints ONE JSON line when ready (endpoint, CA file, subscription and tenant ids, how to reach the demo VMs over
SSH) and stops cleanly on SIGINT or SIGTERM, persisting its state.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import pathlib
import signal
import sys

from plinktui.exit_codes import ExitCode


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``plinktui emulator serve``."""
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--state", metavar="FILE", help="state file (persisted atomically; default: in memory)")
    parser.add_argument("--latency-scale", type=float, default=0.0,
                        help="multiply the LRO latency profile (1 = Azure-like; default 0 = instant)")
    parser.add_argument("--request-latency-ms", type=float, default=0.0,
                        help="add this network round trip to every request")
    parser.add_argument("--page-size", type=int, default=100, help="items per list page (default 100)")
    parser.add_argument("--reader-only", action="store_true",
                        help="the caller has Reader rights: writes get 403 AuthorizationFailed")
    parser.add_argument("--subscriptions", type=int, default=1, metavar="N",
                        help="subscriptions in the emulated tenant (default 1; the banner lists subscription_ids)")
    parser.add_argument("--throttle", action="store_true",
                        help="model ARM's throttling (token buckets per subscription and principal) and Resource "
                             "Graph's user quota; also POST /_emulator/config {\"throttle\": true}")
    parser.add_argument("--fault", action="append", default=[], metavar="SPEC",
                        help="inject faults, e.g. throttle:p=0.2,retry_after=2 (repeatable; see README)")
    parser.add_argument("--fault-seed", type=int, default=0, help="seed that makes a fault schedule replayable")
    parser.add_argument("--seed-demo", action="store_true",
                        help="seed the demo subscription (workload VNet in westus2 with a jumpbox VM)")


def _check(args: argparse.Namespace) -> str | None:
    if not 0 <= args.port <= 65535:
        return "--port must be between 0 and 65535"
    from plinktui.emulator.runtime_config import SETTINGS

    for key in ("latency_scale", "request_latency_ms", "page_size"):  # the same ranges as POST /_emulator/config
        try:
            SETTINGS[key].check("--" + key.replace("_", "-"), getattr(args, key))
        except ValueError as exc:
            return str(exc)
    from plinktui.emulator.tenancy import MAX_SUBSCRIPTIONS

    if not 1 <= args.subscriptions <= MAX_SUBSCRIPTIONS:
        return f"--subscriptions must be between 1 and {MAX_SUBSCRIPTIONS}"
    return None


async def serve(args: argparse.Namespace) -> int:
    """Run until a signal arrives."""
    from plinktui import settings
    from plinktui.emulator.faults import FaultRule
    from plinktui.emulator.privatefs import UnsafeDirectory
    from plinktui.emulator.server import Emulator, EmulatorConfig

    problem = _check(args)
    if problem:
        print(f"plinktui emulator serve: {problem}", file=sys.stderr)
        return ExitCode.ERROR
    try:
        rules = [FaultRule.parse(spec) for spec in args.fault]
    except ValueError as exc:
        print(f"plinktui emulator serve: bad --fault: {exc}", file=sys.stderr)
        return ExitCode.ERROR
    state = pathlib.Path(args.state).resolve() if args.state else None
    cert_dir = state.parent if state else settings.state_dir() / "emulator"
    config = EmulatorConfig(latency_scale=args.latency_scale, request_latency_ms=args.request_latency_ms,
                            page_size=args.page_size, reader_only=args.reader_only, seed=args.fault_seed,
                            subscriptions=args.subscriptions, throttle=args.throttle)
    try:
        emu = Emulator(config, state_path=state, cert_dir=cert_dir)
    except UnsafeDirectory as exc:
        print(f"plinktui emulator serve: {exc}", file=sys.stderr)
        return ExitCode.ERROR
    except (OSError, ValueError) as exc:
        print(f"plinktui emulator serve: cannot load state {state}: {exc}", file=sys.stderr)
        return ExitCode.ERROR
    emu.faults.set(rules, args.fault_seed)
    try:
        await emu.start(port=args.port)
    except UnsafeDirectory as exc:
        print(f"plinktui emulator serve: {exc}", file=sys.stderr)
        return ExitCode.ERROR
    except OSError as exc:
        print(f"plinktui emulator serve: cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}",
              file=sys.stderr)
        return ExitCode.ERROR
    banner = emu.identity()
    banner.pop("stats", None)
    if args.seed_demo:
        from plinktui.emulator.seed import seed_demo

        banner["demo_ssh_key"] = str(seed_demo(emu, cert_dir))
    print(json.dumps(banner), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await emu.stop()
    return ExitCode.OK

"""Headless ``plinktui setup`` / ``plinktui runs`` / ``plinktui teardown``.

The lead's ``cli.py`` adds the global target flags (``--demo``, ``--arm-endpoint``, ``--ca-cert``,
``--subscription``) and calls ``run_setup(args)`` etc. Output: a live progress display on a TTY, one plain line per
event otherwise, one JSON object per line with ``--json`` (the last one is the summary and carries ``run_id``).
No traceback reaches the user: every failure ends in one clear line and an exit code
(0 done, 1 a resource failed, 2 usage / plan / preflight / connection error).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from plinktui.exit_codes import ExitCode
from plinktui.untrusted import control, guarded_stdio, visible

if TYPE_CHECKING:
    from plinktui.cloud import Gateway
    from plinktui.journal import Journal
    from plinktui.plan import Plan

STATUS_MARK = {"queued": "·", "running": "→", "waiting": "…", "succeeded": "✓", "failed": "✗", "skipped": "-",
               "cancelled": "!", "info": "i"}  # one mark per plinktui.events.EventKind


# ---------------------------------------------------------------------------------------------------- arguments


def add_setup_arguments(p: argparse.ArgumentParser) -> None:
    """Flags of ``plinktui setup``."""
    p.add_argument("--plan", metavar="FILE", help="plan file (TOML); see examples/plan-demo.toml")
    p.add_argument("--resume", metavar="RUN", help="continue an earlier run (see `plinktui runs`)")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation (required without a TTY)")
    p.add_argument("--max-parallel", type=int, default=8, metavar="N", help="resources created at once (default 8)")
    p.add_argument("--json", action="store_true", help="one JSON object per line; the last one is the summary")
    p.add_argument("--plain", action="store_true", help="plain prompts and output (no live display)")
    p.add_argument("--ignore-permissions", action="store_true",
                   help="go on when the permissions API says actions are missing (access granted elsewhere)")


def add_runs_arguments(p: argparse.ArgumentParser) -> None:
    """Flags of ``plinktui runs``."""
    p.add_argument("--json", action="store_true", help="print a JSON array of runs")


def add_teardown_arguments(p: argparse.ArgumentParser) -> None:
    """Flags of ``plinktui teardown``."""
    p.add_argument("run", metavar="RUN", help="run id (see `plinktui runs`)")
    p.add_argument("--purge", action="store_true", help="purge the soft-deleted vault so its name is free again")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation (required without a TTY)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--max-parallel", type=int, default=8, metavar="N", help="deletions at once (default 8)")


def add_target_arguments(p: argparse.ArgumentParser) -> None:
    """The global target flags (the lead's cli.py adds them; used here only by the standalone entry)."""
    p.add_argument("--demo", action="store_true")
    p.add_argument("--arm-endpoint")
    p.add_argument("--ca-cert")
    p.add_argument("--subscription", action="append")


# ---------------------------------------------------------------------------------------------------- output


class Renderer:
    """Turns engine events into output: JSON lines, plain lines, or a live ANSI table on a TTY.

    Names, messages and errors in events come from the cloud and the journal (untrusted): plain and live output
    show each of them through :func:`~plinktui.untrusted.visible`, and :meth:`line` treats its whole text as one
    untrusted line. JSON output keeps values raw (``json.dumps`` escapes controls).
    """

    def __init__(self, mode: str, out: TextIO | None = None, err: TextIO | None = None):
        self.mode = mode  # json | plain | live
        # Resolved at call time, not import time, so a redirected sys.stdout (tests, the TUI) gets the output.
        self.out, self.err = out or sys.stdout, err or sys.stderr
        self.rows: dict[str, dict[str, Any]] = {}
        self.drawn = 0
        self.finished = False

    def line(self, text: str) -> None:
        """A plain message (stderr in JSON mode so stdout stays machine-readable)."""
        if self.mode == "json":
            print(json.dumps({"kind": "info", "message": text}), file=self.out, flush=True)
        else:
            self._clear()
            print(visible(text), file=self.out, flush=True)
            if self.mode == "live" and self.rows and not self.finished:
                self._draw()

    def finish(self) -> None:
        """Leave the live table on screen; later lines print below it."""
        self.drawn = 0
        self.finished = True

    def obj(self, data: dict[str, Any]) -> None:
        """A JSON object (JSON mode only)."""
        if self.mode == "json":
            print(json.dumps(data, default=str), file=self.out, flush=True)

    async def event(self, ev: Any) -> None:
        """Render one engine event."""
        if self.mode == "json":
            print(json.dumps(ev.as_dict(), default=str), file=self.out, flush=True)
            return
        if self.mode == "plain":
            if ev.kind == "queued":
                return
            text = f"{ev.elapsed:7.1f}s  {visible(ev.kind):<9} {visible(ev.rtype.split('/')[-1]):<22} {visible(ev.name)}"
            if ev.message:
                text += f"  {visible(ev.message)}"
            if ev.error:
                text += f"  error ({visible(ev.error_class)}): {visible(ev.error)}"
            if ev.fix:
                text += f"  fix: {visible(ev.fix)}"
            print(text, file=self.out, flush=True)
            return
        row = self.rows.setdefault(ev.key or ev.name, {"start": ev.elapsed})
        row.update(kind=ev.kind, name=visible(ev.name), rtype=visible(ev.rtype.split("/")[-1]), elapsed=ev.elapsed,
                   note=visible(ev.error or ev.message or ""))
        if ev.kind == "running" and "began" not in row:
            row["began"] = ev.elapsed
        self._draw()
        if ev.kind == "failed":
            self._clear()
            print(f"✗ {visible(ev.name)}: {visible(ev.error)}" + (f"\n  fix: {visible(ev.fix)}" if ev.fix else ""),
                  file=self.out, flush=True)
            self.drawn = 0

    def _clear(self) -> None:
        if self.mode == "live" and self.drawn:
            control(self.out, f"\x1b[{self.drawn}F\x1b[J")
            self.drawn = 0

    def _draw(self) -> None:
        self._clear()
        width = os.get_terminal_size(self.out.fileno()).columns if self.out.isatty() else 120
        lines = []
        for row in self.rows.values():
            took = ""
            if "began" in row and row["kind"] in ("succeeded", "failed"):
                took = f"{row['elapsed'] - row['began']:.1f}s"
            text = f" {STATUS_MARK.get(row['kind'], ' ')} {row['rtype']:<22} {row['name']:<32} {visible(row['kind']):<9} {took:>6}"
            if row["note"] and row["kind"] not in ("queued", "running"):
                text += f"  {row['note']}"
            lines.append(text[: width - 1])
        self.out.write("\n".join(lines) + "\n")
        self.out.flush()
        self.drawn = len(lines)


def _mode(args: argparse.Namespace) -> str:
    if getattr(args, "json", False):
        return "json"
    if getattr(args, "plain", False) or not sys.stdout.isatty():
        return "plain"
    return "live"


def _fail(r: Renderer, message: str, code: ExitCode = ExitCode.ERROR, **extra: Any) -> int:
    if r.mode == "json":
        r.obj({"kind": "error", "message": message, **extra})
    else:
        print(f"plinktui: {visible(message)}", file=r.err, flush=True)
    return int(code)


def _subscription(args: argparse.Namespace) -> str | None:
    sub = getattr(args, "subscription", None)
    if isinstance(sub, list | tuple):
        return sub[0] if sub else None
    return sub


async def _gateway(args: argparse.Namespace, fallback: dict[str, Any] | None = None) -> Gateway:
    """The run service's gateway for these arguments (``fallback``: the journal target of the run resumed or torn
    down)."""
    from plinktui import runservice

    return await runservice.gateway(arm_endpoint=getattr(args, "arm_endpoint", None),
                                    ca_cert=getattr(args, "ca_cert", None), subscription=_subscription(args),
                                    demo=bool(getattr(args, "demo", False)), run_target=fallback)


def _confirm(prompt: str) -> bool:
    try:
        return input(f"{prompt} [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


async def _run_cancellable(coro: Any) -> Any:
    """Run ``coro`` so that SIGTERM/SIGINT cancel it (the journal is then left consistent)."""
    task = asyncio.ensure_future(coro)
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, task.cancel)
            installed.append(sig)
    try:
        return await task
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def _plain_error(exc: BaseException) -> str:
    """One line for an unexpected error (target errors already are one line meant for the user)."""
    from plinktui.cloud import TargetError
    from plinktui.engine import classify

    return str(exc) if isinstance(exc, TargetError) else classify(exc)[1]


def _freeze_heap() -> None:
    """Move every object to the GC's permanent generation before the process exits.

    The azure-mgmt SDKs leave hundreds of thousands of objects (model classes, serializers); the interpreter's
    final collection walks them all, which costs about a second at exit. The command is done at this point.
    """
    import gc

    gc.freeze()


# ---------------------------------------------------------------------------------------------------- setup


async def run_setup(args: argparse.Namespace) -> int:
    """``plinktui setup --plan FILE | --resume RUN``: validate, preflight, then apply with live progress."""
    r = Renderer(_mode(args))
    try:
        return await _run_cancellable(_setup(args, r))
    except asyncio.CancelledError:
        return _fail(r, "cancelled; the journal is consistent: resume with `plinktui setup --resume RUN`")
    except Exception as exc:  # noqa: BLE001 - last line of defence: one line, never a traceback
        return _fail(r, _plain_error(exc))
    finally:
        _freeze_heap()


def _preimport_sdks() -> None:
    """Import the azure-mgmt clients (about a second of CPU) while the plan is read and the target resolved."""
    import gc

    gc.disable()  # the imports allocate ~10^6 objects; collecting during them only burns time
    try:
        import azure.mgmt.compute.aio  # noqa: F401
        import azure.mgmt.keyvault.aio  # noqa: F401
        import azure.mgmt.network.aio  # noqa: F401
        import azure.mgmt.privatedns.aio  # noqa: F401
        import azure.mgmt.resource.resources.aio  # noqa: F401
        import azure.mgmt.resource.subscriptions.aio  # noqa: F401
    finally:
        gc.freeze()  # long-lived module objects: keep them out of every later collection
        gc.enable()


async def _setup(args: argparse.Namespace, r: Renderer) -> int:
    # run_in_executor starts the thread now (to_thread would wait for this coroutine's first await).
    preimport = asyncio.get_running_loop().run_in_executor(None, _preimport_sdks)
    try:
        return await _setup_inner(args, r, preimport)
    finally:
        with contextlib.suppress(BaseException):
            await preimport


async def _setup_inner(args: argparse.Namespace, r: Renderer, preimport: Any) -> int:
    from plinktui import plan as plan_mod
    from plinktui import runservice
    from plinktui.journal import JournalError, RunLock, runs_dir

    if not args.plan and not args.resume:
        return _fail(r, "give --plan FILE (a new run) or --resume RUN (see `plinktui runs`)")
    if args.plan and args.resume:
        return _fail(r, "give either --plan or --resume, not both")
    if not args.yes and not sys.stdin.isatty():
        return _fail(r, "no terminal to confirm on: add --yes to create resources without a prompt")
    if args.max_parallel < 1:
        return _fail(r, "--max-parallel must be at least 1")

    journal: Journal | None = None
    try:
        if args.resume:
            journal, plan = runservice.open_for_resume(args.resume)
        else:
            plan = plan_mod.load(args.plan)
        public_key = runservice.public_key(plan)
    except plan_mod.PlanError as e:
        if r.mode == "json":
            r.obj({"kind": "error", "message": "the plan is not valid; nothing was created", "problems": e.problems})
        else:
            what = f"the plan of run {args.resume}" if args.resume else f"the plan {args.plan}"
            print(f"plinktui: {what} is not valid; nothing was created:", file=r.err)
            for p in e.problems:
                print(f"  - {visible(p)}", file=r.err)
        return int(ExitCode.ERROR)
    except JournalError as e:
        return _fail(r, str(e))

    lock = journal.lock if journal else RunLock(runs_dir() / f"{plan.name}.lock")
    try:
        lock.acquire(wait=5.0, run_id=journal.run_id if journal else "")
    except JournalError as e:
        return _fail(r, str(e))
    try:
        from plinktui.cloud import TargetError

        try:
            gw_cm = await _gateway(args, journal.data.get("target") if journal else None)
        except TargetError as e:
            return _fail(r, str(e))
        async with gw_cm as gw:
            fresh = journal is None
            if journal is None:
                # Written before preflight so a run killed this early is still listed (and resumable); removed
                # again if preflight rejects the plan, since nothing was created.
                journal = runservice.new_journal(gw, plan, plan_file=str(plan.source),
                                                 demo=bool(getattr(args, "demo", False)))
            journal.lock = lock
            await preimport  # before the clients are built: no two threads importing the same SDK module
            try:
                return await _apply(args, r, gw, plan, journal, public_key, fresh)
            except BaseException:
                if fresh:
                    runservice.discard(journal)  # nothing was attempted in Azure: no run to list
                raise
    finally:
        lock.release()


async def _apply(args: argparse.Namespace, r: Renderer, gw: Gateway, plan: Plan, journal: Journal,
                 public_key: str | None, fresh: bool) -> int:
    from plinktui import runservice
    from plinktui.dag import existing_lines

    r.line(f"run {journal.run_id}: checking the plan against {gw.target.arm_endpoint} "
           f"(subscription {gw.subscription_id})")
    pf = await runservice.check(gw, plan, journal, fresh=fresh, check_permissions=not args.ignore_permissions)
    for p in pf.problems:
        if p.severity == "warning":
            r.line(f"warning: {p}")
    errors = pf.errors
    if errors:
        if fresh:
            runservice.discard(journal)
        if r.mode == "json":
            r.obj({"kind": "error", "message": "preflight failed; nothing was created",
                   "problems": [str(p) for p in errors], "missing_actions": pf.missing_actions,
                   **({} if fresh else {"run_id": journal.run_id})})
        else:
            print("plinktui: preflight failed; nothing was created:", file=r.err)
            for p in errors:
                print(f"  - {visible(p)}", file=r.err)
        return int(ExitCode.ERROR)
    graph = runservice.plan_graph(plan, pf)
    cp, path = graph.critical_path()
    scale = runservice.demo_latency_scale(gw, bool(getattr(args, "demo", False)))
    r.line(f"plan {plan.name}: {sum(1 for n in graph if n.mode == 'create')} to create, "
           f"{sum(1 for n in graph if n.mode == 'reuse')} reused; {runservice.estimate(graph, scale)}")
    for text in existing_lines(plan, graph, pf.facts):
        r.line(text)
    r.obj({"kind": "plan", "run_id": journal.run_id, "nodes": [
        {"key": n.key, "rtype": n.rtype, "name": n.name, "mode": n.mode, "deps": list(n.deps)} for n in graph],
        "critical_path": path, "zone": {"id": pf.facts.zone_id, "reason": pf.facts.zone_reason,
                                        "existing_link": pf.facts.existing_link}})
    if not args.yes and not _confirm("Create these resources?"):
        if fresh:
            runservice.discard(journal)
        return _fail(r, "nothing created (not confirmed)")
    ctx = await runservice.start(gw, plan, graph, journal, pf, key=public_key, emit=r.event)
    t0 = time.monotonic()
    outcome = await runservice.run(ctx, max_parallel=args.max_parallel)
    wall = time.monotonic() - t0
    s = journal.data.get("summary", {})
    summary = {"kind": "summary", "run_id": journal.run_id, "state": journal.state, "plan": plan.name,
               "vault_fqdn": plan.vault.fqdn, "endpoint_nic": s.get("endpoint_nic"),
               "endpoint_ip": s.get("endpoint_ip"), "connection": s.get("connection"),
               "public_network_access": s.get("public_network_access"), "seconds": round(wall, 2),
               "critical_path_units": cp, "arm_requests": gw.stats.requests,
               "failed": {k: {"error": e.error, "class": e.error_class, "fix": e.fix} for k, e in outcome.errors.items()}}
    if pf.facts.dns_hub_vnet_id:
        summary["dns_hub_vnet"] = pf.facts.dns_hub_vnet_id
    if pf.facts.hub_link_command:
        summary["hub_link_command"] = pf.facts.hub_link_command
    if r.mode == "json":
        r.obj(summary)
    else:
        r.finish()
        r.line("")
        if outcome.ok:
            r.line(f"done in {wall:.1f}s: {plan.vault.fqdn} -> {s.get('endpoint_ip')} "
                   f"(endpoint NIC {s.get('endpoint_nic')}); run {journal.run_id}")
        else:
            r.line(f"run {journal.run_id} ended with {len(outcome.errors)} failure(s); fix and resume: "
                   f"plinktui setup --resume {journal.run_id}")
        if pf.facts.hub_link_command:
            r.line("the VNet resolves through the hub's DNS resolver; the zone is not linked to the hub yet. "
                   f"Whoever owns the hub runs: {pf.facts.hub_link_command}")
        r.line(f"undo everything: plinktui teardown {journal.run_id} --purge")
    return int(ExitCode.OK if outcome.ok else ExitCode.FINDINGS)


# ---------------------------------------------------------------------------------------------------- runs


async def run_runs(args: argparse.Namespace) -> int:
    """``plinktui runs``: every journal with its state (``interrupted`` when its process died)."""
    from plinktui.journal import Journal

    try:
        runs = Journal.list_runs()
    except OSError as e:
        print(f"plinktui: cannot read runs: {visible(e)}", file=sys.stderr)
        return int(ExitCode.ERROR)
    if getattr(args, "json", False):
        print(json.dumps(runs))
        return int(ExitCode.OK)
    if not runs:
        print("no runs yet (plinktui setup --plan FILE starts one)")
        return int(ExitCode.OK)
    print(f"{'RUN':<40} {'PLAN':<16} {'STATE':<13} {'STARTED':<21} RESOURCES")
    for run in runs:  # journals are files anyone with access to the state directory could have edited
        print(f"{visible(run['run_id']):<40} {visible(run['plan']):<16} {visible(run['state']):<13} "
              f"{visible(run['started']):<21} {visible(run['resources'])}")
    return int(ExitCode.OK)


# ---------------------------------------------------------------------------------------------------- teardown


async def run_teardown(args: argparse.Namespace) -> int:
    """``plinktui teardown RUN [--purge] [--yes]``: delete what the run created, verify, optionally purge."""
    r = Renderer(_mode(args))
    try:
        return await _run_cancellable(_teardown(args, r))
    except asyncio.CancelledError:
        return _fail(r, "cancelled; run teardown again to finish")
    except Exception as exc:  # noqa: BLE001
        return _fail(r, _plain_error(exc))
    finally:
        _freeze_heap()


async def _teardown(args: argparse.Namespace, r: Renderer) -> int:
    from plinktui import runservice
    from plinktui.cloud import TargetError
    from plinktui.journal import Journal, JournalError

    if not args.yes and not sys.stdin.isatty():
        return _fail(r, "no terminal to confirm on: add --yes to delete without a prompt")
    try:
        journal = Journal.open(args.run)
    except JournalError as e:
        return _fail(r, str(e))
    owned = [visible(f"{e.get('rtype', '?').split('/')[-1]} {e.get('name')}") for e in journal.resources.values()
             if e.get("owned") and e.get("status") not in ("deleted", "reused", "skipped")]
    if not args.yes and not _confirm(f"Delete {len(owned)} resource(s) of run {visible(journal.run_id)}"
                                     f"{' and purge the vault' if args.purge else ''}? ({', '.join(owned)})"):
        return _fail(r, "nothing deleted (not confirmed)")
    try:
        gw_cm = await _gateway(args, journal.data.get("target"))
    except TargetError as e:
        return _fail(r, str(e))
    try:
        async with gw_cm as gw:
            res = await runservice.teardown_run(gw, journal, emit=r.event, purge=args.purge,
                                                max_parallel=args.max_parallel)
    except JournalError as e:
        return _fail(r, str(e))
    summary = {"kind": "summary", "run_id": journal.run_id, "state": journal.state, "deleted": res.deleted,
               "kept": res.kept, "kept_reasons": res.reasons, "failed": res.failed, "purged": res.purged,
               "keys_removed": len(res.keys_removed)}
    r.finish()
    if r.mode == "json":
        r.obj(summary)
    elif res.ok:
        r.line(f"run {journal.run_id} torn down: {len(res.deleted)} deleted, {len(res.kept)} left in place"
               + ("; vault purged, name free" if res.purged else ""))
        for key, why in res.reasons.items():
            r.line(f"  kept {key}: {why}")
    else:
        r.line(f"teardown of {journal.run_id} left {len(res.failed)} problem(s): "
               + "; ".join(f"{k}: {v}" for k, v in res.failed.items()))
    return int(ExitCode.OK if res.ok else ExitCode.FINDINGS)


# ---------------------------------------------------------------------------------------------------- standalone


def main(argv: list[str] | None = None) -> int:
    """Standalone entry (``python -m plinktui.provision_cli setup ...``) until/besides the lead's cli.py."""
    parser = argparse.ArgumentParser(prog="plinktui")
    sub = parser.add_subparsers(dest="cmd", required=True)
    commands: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Any]] = {
        "setup": (add_setup_arguments, run_setup), "runs": (add_runs_arguments, run_runs),
        "teardown": (add_teardown_arguments, run_teardown)}
    for name, (add, _) in commands.items():
        p = sub.add_parser(name)
        add(p)
        add_target_arguments(p)
    args = parser.parse_args(argv)
    with guarded_stdio():
        return asyncio.run(commands[args.cmd][1](args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

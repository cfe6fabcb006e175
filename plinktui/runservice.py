"""The headless run service: everything a run needs between "here is a plan" and "here is the outcome".

The CLI (``plinktui setup`` / ``teardown``) and the TUI's Provision screen are front ends of these functions, so a
run behaves the same whichever one starts it:

- :func:`gateway`: the gateway of a new run or of an earlier one (a run goes back to the cloud its journal records;
  ``--demo`` on another cloud's run is refused), signed in before anything else (:func:`signed_in`, which the
  audit command and the TUI's sign-in step call too);
- :func:`open_for_resume`: an earlier run, refused when it was torn down (or is being torn down);
- :func:`new_journal`: the journal (with the cloud the run belongs to), written before preflight so a run killed that
  early is still listed;
- :func:`check`: preflight against the target (only what the journal proves this run created counts as its own);
  :func:`preview`: preflight and graph of a plan before any run (the TUI's Review);
- :func:`plan_graph`, :func:`estimate` and :func:`start`: the graph, its expected duration (one wording), the context
  (the emulator's short poll intervals, what preflight read as absent, the zone it chose) and the run's SSH key
  (generated and recorded when the plan says so);
- :func:`run`: apply (or resume) the graph; :func:`discard`: drop the journal of a run that never touched Azure;
- :func:`teardown_run`: tear a run down under its plan's lock.

The plan's lock is held by the caller around :func:`check`..:func:`run` (:class:`~plinktui.journal.RunLock`).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from plinktui import plan as plan_mod
from plinktui.engine import Context, apply, ensure_public_key, make_context
from plinktui.events import Emit
from plinktui.journal import Journal, JournalError, RunState
from plinktui.signin import SIGN_IN_TIMEOUT, ensure_signed_in
from plinktui.walk import RunOutcome

if TYPE_CHECKING:
    from plinktui.cloud import Gateway
    from plinktui.dag import Graph
    from plinktui.plan import Plan
    from plinktui.preflight import PreflightResult
    from plinktui.teardown import TeardownResult


class RunRefused(JournalError):
    """The run cannot be resumed (torn down, or being torn down); the message says what to do instead."""


async def signed_in(gw: Gateway, *, timeout: float = SIGN_IN_TIMEOUT) -> None:
    """One token request before any ARM call, so a missing sign-in is one line that says what to do (`az login`)
    instead of a failure per client. The one way in: the CLI's runs and audits and the TUI's sign-in step all call it.
    The emulator's local token answers at once.

    Args:
        gw: the gateway whose credential signs in.
        timeout: seconds to wait (a device-code sign-in waits for a person and passes its own bound).

    Raises:
        plinktui.signin.SignInError: with what happened and the fix, apart (``what``, ``fix``) and in its message.
    """
    await ensure_signed_in(gw, timeout)


async def gateway(*, arm_endpoint: str | None, ca_cert: str | None, subscription: str | None, demo: bool,
                  run_target: dict[str, Any] | None = None, total_timeout: float | None = None) -> Gateway:
    """The gateway for a new run (``run_target`` None) or for the earlier run whose journal target is ``run_target``.

    A run on the demo cloud goes back to it without flags (its endpoint's port changes between sessions); ``demo``
    on another cloud's run is refused. The gateway is signed in to first (:func:`signed_in`).

    Raises:
        plinktui.cloud.TargetError: no usable target (the message says what to pass), or not signed in.
    """
    from plinktui.cloud import DEMO_CLOUD, Gateway, TargetError, describe_cloud, resolve_target, run_cloud

    fb = run_target or {}
    run_is_demo = bool(fb) and run_cloud(fb) == DEMO_CLOUD
    if demo and fb and not run_is_demo:
        raise TargetError(f"this run belongs to {describe_cloud(run_cloud(fb))}, not the demo cloud; drop --demo")
    demo = demo or (run_is_demo and not arm_endpoint)
    arm = arm_endpoint or (None if demo else fb.get("arm_endpoint"))
    ca = ca_cert or (fb.get("ca_cert") if arm and arm == fb.get("arm_endpoint") else None)
    if arm == "https://management.azure.com":
        arm = None
    target = await resolve_target(arm_endpoint=arm, ca_cert=ca, subscription=subscription or fb.get("subscription_id"),
                                  demo=demo)
    if total_timeout is None:
        from plinktui.settings import Settings

        total_timeout = Settings.from_env().total_timeout
    gw = Gateway(target, total_timeout=total_timeout)
    try:
        await signed_in(gw)
    except BaseException:
        await gw.close()
        raise
    return gw


def demo_latency_scale(gw: Gateway, demo: bool) -> float | None:
    """The embedded demo cloud's latency scale (for the "in the demo cloud about …" estimate), else None."""
    if not (demo and gw.target.is_emulator):
        return None
    from plinktui.emulator.embedded import _latency_scale

    return _latency_scale()


def open_for_resume(run_id: str) -> tuple[Journal, Plan]:
    """An earlier run and its plan (re-validated from the journal).

    Raises:
        RunRefused: the run was torn down or is being torn down.
        JournalError: no such run, or its journal cannot be read.
        plinktui.plan.PlanError: the journal's plan is not valid.
    """
    journal = Journal.open(run_id)
    if journal.state == RunState.TORN_DOWN:
        raise RunRefused(f"run {journal.run_id} was torn down; start a new run with --plan")
    if journal.state == RunState.TEARING_DOWN:
        raise RunRefused(f"run {journal.run_id} is being torn down; finish with `plinktui teardown "
                         f"{journal.run_id}`, then start a new run with --plan")
    return journal, plan_mod.from_dict(journal.data["plan"], source=f"run {journal.run_id}")


def public_key(plan: Plan) -> str | None:
    """The plan's SSH public key for the test VM (None: none needed, or ``generate``)."""
    return plan_mod.read_public_key(plan) if plan.test_vm.enabled else None


def new_journal(gw: Gateway, plan: Plan, plan_file: str | None, *, demo: bool = False) -> Journal:
    """A new journal for ``plan`` on this gateway's target, with the cloud the run belongs to (written at once)."""
    from plinktui.cloud import cloud_name

    journal = Journal.create(plan.name, plan.to_dict(), plan_file=plan_file, target={
        "arm_endpoint": gw.target.arm_endpoint, "subscription_id": gw.target.subscription_id,
        "is_emulator": gw.target.is_emulator, "cloud": cloud_name(gw.target, demo)})
    journal.data["target"]["ca_cert"] = gw.target.ca_cert
    journal.save()
    return journal


def discard(journal: Journal) -> None:
    """Remove the journal of a new run that never touched Azure (a journal would list a run that never was)."""
    if not journal.resources and not journal.data.get("generated_keys"):
        with contextlib.suppress(OSError):
            journal.path.unlink()


async def check(gw: Gateway, plan: Plan, journal: Journal, *, fresh: bool,
                check_permissions: bool = True) -> PreflightResult:
    """Preflight the plan; on resume only what the journal proves this run created counts as its own."""
    from plinktui import preflight

    return await preflight.run(gw, plan, run_id=None if fresh else journal.run_id,
                               check_permissions=check_permissions, owned=journal.proven_keys())


def plan_graph(plan: Plan, pf: PreflightResult) -> Graph:
    """The run's graph, shaped by what preflight found."""
    from plinktui.dag import build_graph

    return build_graph(plan, pf.facts)


async def preview(gw: Gateway, plan: Plan) -> tuple[PreflightResult, Graph]:
    """Preflight and graph of a plan before any run (nothing is written; ``facts.rg_exists`` says whether the
    resource group is used as it is)."""
    from plinktui import preflight

    pf = await preflight.run(gw, plan)
    return pf, plan_graph(plan, pf)


def estimate(graph: Graph, latency_scale: float | None = None) -> str:
    """The expected duration, worded the same in the TUI's Review and in ``plinktui setup``."""
    from plinktui.dag import duration_estimate

    return duration_estimate(graph, latency_scale)


async def start(gw: Gateway, plan: Plan, graph: Graph, journal: Journal, pf: PreflightResult, *,
                key: str | None, emit: Emit) -> Context:
    """The run's context (see :func:`~plinktui.engine.make_context`) with its SSH key in place."""
    ctx = make_context(gw, plan, graph, journal, tenant_id=pf.tenant_id, public_key=key, absent=pf.absent,
                       emit=emit, zone_id=pf.facts.zone_id)
    await ensure_public_key(ctx)
    return ctx


async def run(ctx: Context, *, max_parallel: int = 8) -> RunOutcome:
    """Apply (or resume) the run's graph; the journal ends ``succeeded``, ``failed`` or ``cancelled``."""
    return await apply(ctx, max_parallel=max_parallel)


async def teardown_run(gw: Gateway, journal: Journal, *, emit: Emit, purge: bool,
                       max_parallel: int = 8) -> TeardownResult:
    """Tear the run down under its plan's lock (reverse order; only what the journal and the tags say is ours).

    Raises:
        JournalError: another process holds the plan's lock.
    """
    from plinktui.teardown import teardown

    with journal.locked(wait=5.0):
        return await teardown(gw, journal, purge=purge, emit=emit, max_parallel=max_parallel)

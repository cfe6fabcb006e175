"""Glue between the TUI and the provisioning engine: open or create the run journal, then ``engine.apply``.

Mirrors ``plinktui setup`` (provision_cli) so the TUI and the CLI run the same engine the same way: journal
written before the first PUT, the plan's lock held during the run, generated keys recorded for teardown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plinktui.engine import Emit


@dataclass
class RunHandle:
    """A run being applied: its journal, plan and the engine outcome once finished."""

    journal: Any
    plan: Any
    outcome: Any = None


def create_journal(gw: Any, plan: Any, demo: bool = False) -> Any:
    """A new journal for ``plan`` on this gateway's target (with the cloud the run belongs to)."""
    from plinktui.cloud import cloud_name
    from plinktui.journal import Journal

    journal = Journal.create(plan.name, plan.to_dict(), plan_file=None, target={
        "arm_endpoint": gw.target.arm_endpoint, "subscription_id": gw.subscription_id,
        "is_emulator": gw.target.is_emulator, "cloud": cloud_name(gw.target, demo)})
    journal.data["target"]["ca_cert"] = gw.target.ca_cert
    journal.save()
    return journal


def open_run(run_id: str) -> RunHandle:
    """An existing run (for resume), its plan re-validated from the journal."""
    from plinktui import plan as plan_mod
    from plinktui.journal import Journal

    journal = Journal.open(run_id)
    plan = plan_mod.from_dict(journal.data["plan"], source=f"run {journal.run_id}")
    return RunHandle(journal, plan)


async def apply_run(gw: Any, handle: RunHandle, emit: Emit, *, facts: Any = None, tenant_id: str | None = None,
                    fresh: bool = True) -> Any:
    """Apply (or resume) the run; returns the engine's ``RunOutcome``.

    Raises:
        plinktui.journal.JournalError: another process holds the plan's lock.
    """
    from plinktui import plan as plan_mod
    from plinktui import preflight, sshkeys
    from plinktui.dag import build_graph
    from plinktui.engine import Context, apply, proven_keys

    plan, journal = handle.plan, handle.journal
    if facts is None or not fresh:
        # Retry resumes: preflight again, and only what the journal proves this run created counts as its own.
        pf = await preflight.run(gw, plan, run_id=None if fresh else journal.run_id,
                                 owned=proven_keys(journal))
        facts, tenant_id = pf.facts, pf.tenant_id
    public_key = plan_mod.read_public_key(plan) if plan.test_vm.enabled else None
    if plan.test_vm.enabled and public_key is None:
        pair = sshkeys.generate_for_run(journal)  # the journal names the key before the key exists
        public_key = pair.public_key
    with journal.locked():
        ctx = Context(gw=gw, plan=plan, graph=build_graph(plan, facts), journal=journal, emit=emit,
                      tenant_id=tenant_id, public_key=public_key,
                      poll_interval=0.1 if gw.target.is_emulator else 5.0, zone_ref=getattr(facts, "zone_id", None))
        handle.outcome = await apply(ctx)
    return handle.outcome


async def teardown_run(gw: Any, run_id: str, emit: Emit, *, purge: bool = True) -> Any:
    """Tear down a run (reverse order, only what the journal and the tag both say is ours)."""
    from plinktui.journal import Journal
    from plinktui.teardown import teardown

    journal = Journal.open(run_id)
    with journal.locked():
        return await teardown(gw, journal, purge=purge, emit=emit)

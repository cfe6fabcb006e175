"""The TUI's front end to the run service (:mod:`plinktui.runservice`), which ``plinktui setup`` also uses.

The screen keeps a :class:`RunHandle`; everything else (lock, preflight, graph, keys, context, apply, teardown) is
the service's, so a run started here behaves exactly as one started from the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from plinktui.engine import Emit

if TYPE_CHECKING:
    from plinktui.cloud import Gateway


@dataclass
class RunHandle:
    """A run being applied: its journal, plan and the engine outcome once finished."""

    journal: Any
    plan: Any
    outcome: Any = None


def create_journal(gw: Gateway, plan: Any, demo: bool = False) -> Any:
    """A new journal for ``plan`` on this gateway's target (with the cloud the run belongs to)."""
    from plinktui import runservice

    return runservice.new_journal(gw, plan, plan_file=None, demo=demo)


def open_run(run_id: str) -> RunHandle:
    """An existing run (for resume), its plan re-validated from the journal.

    Raises:
        plinktui.runservice.RunRefused: the run was torn down (or is being torn down).
    """
    from plinktui import runservice

    return RunHandle(*runservice.open_for_resume(run_id))


async def apply_run(gw: Gateway, handle: RunHandle, emit: Emit, *, facts: Any = None, tenant_id: str | None = None,
                    fresh: bool = True) -> Any:
    """Apply (or resume) the run; returns the engine's ``RunOutcome``.

    A new run reuses the Review screen's preflight (``facts``, ``tenant_id``); a resume preflights again.

    Raises:
        plinktui.journal.JournalError: another process holds the plan's lock.
    """
    from plinktui import runservice
    from plinktui.preflight import PreflightResult

    plan, journal = handle.plan, handle.journal
    with journal.locked():
        if facts is None or not fresh:
            pf = await runservice.check(gw, plan, journal, fresh=fresh)
        else:
            pf = PreflightResult(facts=facts, tenant_id=tenant_id, absent=facts.absent)
        ctx = await runservice.start(gw, plan, runservice.plan_graph(plan, pf), journal, pf,
                                     key=runservice.public_key(plan), emit=emit)
        handle.outcome = await runservice.run(ctx)
    return handle.outcome


async def teardown_run(gw: Gateway, run_id: str, emit: Emit, *, purge: bool = True) -> Any:
    """Tear down a run (reverse order, only what the journal and the tag both say is ours)."""
    from plinktui import runservice
    from plinktui.journal import Journal

    return await runservice.teardown_run(gw, Journal.open(run_id), emit=emit, purge=purge)

"""The generic DAG walker: run every node once its dependencies succeeded, bounded, longest chain first.

It knows nothing about Azure: ``run(node)`` does the work, :func:`~plinktui.errors.classify` says whether a failure
may be retried, and a :class:`RetryPolicy` says how often and how long to wait. Apply and teardown both walk with it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from plinktui.dag import Graph, Node
from plinktui.errors import classify
from plinktui.events import Emit, ErrorClass, Event, EventKind, NodeError, no_emit


@dataclass(frozen=True)
class RetryPolicy:
    """How a retryable node failure is retried (after temporalio's ``RetryPolicy``).

    ``maximum_attempts`` counts the first try; the n-th retry waits ``initial_interval * backoff_coefficient**(n-1)``
    seconds, at most ``maximum_interval``.
    """

    maximum_attempts: int = 3
    initial_interval: float = 0.5
    backoff_coefficient: float = 2.0
    maximum_interval: float = 5.0

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (0 for the first retry)."""
        return min(self.initial_interval * self.backoff_coefficient ** retry, self.maximum_interval)


DEFAULT_RETRY = RetryPolicy()


@dataclass
class RunOutcome:
    """How each node ended."""

    status: dict[str, str]
    errors: dict[str, Event]

    @property
    def ok(self) -> bool:
        """Every node succeeded."""
        return all(s == "succeeded" for s in self.status.values())


def _base(n: Node) -> dict[str, Any]:
    return {"key": n.key, "rtype": n.rtype, "name": n.name}


async def execute(graph: Graph, run: Callable[[Node], Awaitable[None]], *, max_parallel: int = 8,
                  emit: Emit = no_emit, retry: RetryPolicy = DEFAULT_RETRY, started: float | None = None,
                  on_error: Callable[[Node, BaseException], Awaitable[None]] | None = None) -> RunOutcome:
    """Run ``run(node)`` for every node once its dependencies succeeded, at most ``max_parallel`` at a time.

    Ready nodes start longest-remaining-chain first. A failed node's dependents are skipped; independent branches
    go on. Retryable failures are retried as ``retry`` says. Cancelling the caller cancels the running nodes, emits
    ``cancelled`` for them and re-raises.
    """
    t0 = started if started is not None else time.monotonic()
    max_parallel = max(1, int(max_parallel))
    prio = graph.remaining()
    order = {k: i for i, k in enumerate(graph.topo_order())}
    status = {k: "pending" for k in graph.nodes}
    errors: dict[str, Event] = {}
    running: dict[asyncio.Task[None], str] = {}

    def elapsed() -> float:
        return round(time.monotonic() - t0, 3)

    async def attempt(node: Node) -> None:
        last = max(1, retry.maximum_attempts) - 1
        for i in range(last + 1):
            try:
                await run(node)
                return
            except NodeError as exc:
                if exc.error_class != ErrorClass.RETRYABLE or i == last:
                    raise
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - classified below, re-raised when not retryable
                if classify(exc)[0] != ErrorClass.RETRYABLE or i == last:
                    raise
            await emit(Event(EventKind.INFO, **_base(node), elapsed=elapsed(), message=f"retrying (attempt {i + 2})"))
            await asyncio.sleep(retry.delay(i))

    for n in graph:
        await emit(Event(EventKind.QUEUED, **_base(n), elapsed=elapsed()))

    def skip_after(key: str) -> list[str]:
        out = []
        for d in graph.dependents(key):
            if status[d] == "pending":
                status[d] = "skipped"
                out.append(d)
                out.extend(skip_after(d))
        return out

    try:
        while True:
            ready = [k for k, s in status.items() if s == "pending"
                     and all(status[d] == "succeeded" for d in graph[k].deps)]
            ready.sort(key=lambda k: (-prio[k], order[k]))
            while ready and len(running) < max_parallel:
                k = ready.pop(0)
                status[k] = "running"
                running[asyncio.create_task(attempt(graph[k]), name=f"node:{k}")] = k
            if not running:
                break
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                k = running.pop(task)
                exc = task.exception()
                if exc is None:
                    status[k] = "succeeded"
                    continue
                status[k] = "failed"
                cls, msg, fix = classify(exc)
                ev = Event(EventKind.FAILED, **_base(graph[k]), elapsed=elapsed(), error=msg, error_class=cls, fix=fix)
                errors[k] = ev
                if on_error is not None:
                    await on_error(graph[k], exc)
                await emit(ev)
                for s in skip_after(k):
                    await emit(Event(EventKind.SKIPPED, **_base(graph[s]), elapsed=elapsed(),
                                     message=f"not started: {graph[k].name} failed"))
    except asyncio.CancelledError:
        for task in list(running):
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        for k in running.values():
            status[k] = "cancelled"
            await asyncio.shield(emit(Event(EventKind.CANCELLED, **_base(graph[k]), elapsed=elapsed())))
        raise
    return RunOutcome(status=status, errors=errors)

"""Long-running operations, as ARM runs them.

PUT and DELETE answer at once (201/200 or 202) with an ``Azure-AsyncOperation`` URL; POST actions answer 202 with a
``Location`` URL. The operation finishes when its latency (profile x ``--latency-scale``) has elapsed: nothing runs in
between, completion is applied lazily when anyone looks (status poll, resource GET) and by a periodic sweep, so the
state is deterministic. Faults may make an operation end Failed or Canceled, or never end.

``Retry-After`` is on every answer of an unfinished operation: an integer number of seconds, the time left rounded
up and never under 1 (ARM sends whole seconds), so a client that honours it waits at most the modelled latency plus a
second and never falls back to its own default interval (30 s in some clients).
"""

from __future__ import annotations

import datetime as dt
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Done = Callable[["Operation"], Any]


def utcnow_iso() -> str:
    """ARM timestamp format."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


@dataclass
class Operation:
    """One asynchronous operation."""

    id: str
    verb: str  # "put" | "delete" | "post"
    resource_id: str
    namespace: str
    location: str
    due: float | None  # monotonic deadline; None = never finishes (stuck fault)
    outcome: str = "Succeeded"  # or "Failed" / "Canceled" (fault)
    on_done: Done | None = None
    status: str = "InProgress"
    result: Any = None
    error: dict[str, Any] | None = None
    started: str = field(default_factory=utcnow_iso)
    ended: str | None = None
    external: bool = False
    """Finished by its owner (a deployment run), never by time, a sweep or clearing faults."""

    def remaining(self, now: float | None = None) -> float:
        """Seconds until due (inf when stuck)."""
        if self.due is None:
            return math.inf
        return max(0.0, self.due - (now if now is not None else time.monotonic()))

    def retry_after(self) -> str:
        """The Retry-After header value: whole seconds left, rounded up, at least 1."""
        left = self.remaining()
        if left == math.inf:
            return "1"
        return str(max(1, math.ceil(left)))

    def status_body(self) -> dict[str, Any]:
        """The body of the Azure-AsyncOperation status resource."""
        body: dict[str, Any] = {"id": self.id, "name": self.id.rsplit("/", 1)[-1], "status": self.status,
                                "startTime": self.started}
        if self.ended:
            body["endTime"] = self.ended
        if self.error:
            body["error"] = self.error
        return body


class Operations:
    """The registry of operations, keyed by the operation name (a GUID)."""

    def __init__(self) -> None:
        self._ops: dict[str, Operation] = {}
        self._by_resource: dict[str, Operation] = {}

    def start(self, verb: str, resource_id: str, namespace: str, location: str, delay: float | None,
              on_done: Done | None = None, outcome: str = "Succeeded") -> Operation:
        """Register an operation finishing after ``delay`` seconds (None: never)."""
        name = str(uuid.uuid4())
        sub = resource_id.split("/")[2] if resource_id.lower().startswith("/subscriptions/") else "-"
        op = Operation(
            id=f"/subscriptions/{sub}/providers/{namespace}/locations/{location or 'global'}/operations/{name}",
            verb=verb, resource_id=resource_id, namespace=namespace, location=location or "global",
            due=None if delay is None else time.monotonic() + delay, outcome=outcome, on_done=on_done,
        )
        self._ops[name.lower()] = op
        self._by_resource[resource_id.lower()] = op
        if delay is not None and delay <= 0:
            self.finish(op)
        return op

    def get(self, name: str) -> Operation | None:
        """The operation by name, settled if it is due."""
        op = self._ops.get(name.lower())
        if op is not None:
            self.settle(op)
        return op

    def pending_for(self, resource_id: str) -> Operation | None:
        """The unfinished operation on a resource, if any."""
        op = self._by_resource.get(resource_id.lower())
        if op is None:
            return None
        self.settle(op)
        return op if op.status == "InProgress" else None

    def settle(self, op: Operation) -> None:
        """Finish ``op`` if its time has come."""
        if op.status == "InProgress" and op.due is not None and time.monotonic() >= op.due:
            self.finish(op)

    def settle_all(self) -> int:
        """Finish every operation that is due; returns how many finished."""
        now = time.monotonic()
        due = [op for op in self._by_resource.values()
               if op.status == "InProgress" and op.due is not None and now >= op.due]
        for op in due:
            self.finish(op)
        # Forget finished operations after a while: a client may still poll them, so keep the last 10,000.
        if len(self._ops) > 20000:
            for key in list(self._ops)[:10000]:
                if self._ops[key].status != "InProgress":
                    del self._ops[key]
        return len(due)

    def finish(self, op: Operation) -> None:
        """Apply the outcome: run the completion hook on success, record the error otherwise."""
        if op.status != "InProgress" or op.external:
            return
        op.ended = utcnow_iso()
        if op.outcome == "Succeeded":
            try:
                op.result = op.on_done(op) if op.on_done else None
                op.status = "Succeeded"
            except Exception as exc:  # a semantic failure at completion becomes a Failed operation
                op.status = "Failed"
                op.error = {"code": getattr(exc, "code", "InternalServerError"), "message": str(exc)}
        else:
            op.status = op.outcome
            op.error = {"code": "OperationCanceled" if op.outcome == "Canceled" else "InternalOperationError",
                        "message": f"The operation was {op.outcome.lower()} (injected fault)."}
            if op.on_done is not None and op.verb in ("put", "delete"):
                # Let the resource record the failure (provisioningState Failed), without completing.
                hook = getattr(op.on_done, "on_fail", None)
                if hook:
                    hook(op)
        self._by_resource.pop(op.resource_id.lower(), None) if self._by_resource.get(
            op.resource_id.lower()) is op else None

"""Bulk seeding for benchmarks: apply many ARM writes to an in-process emulator without HTTP.

``apply`` resolves each request on the emulator's own router and calls the same handler an HTTP request would
reach, so every semantic runs (a private endpoint makes its NIC and takes the next IP, a zone group writes the A
record, a link checks its VNet); it skips only what is about the wire: TLS, the bearer check, request latency,
throttling, fault injection and request counting. Seeding 20,000 endpoints this way takes seconds instead of the
minutes 60,000 SDK round trips take. ``replicate`` copies a seeded subscription under another id (a tenant of many
identical landing zones). Both are for benchmarks and tests that need a large world fast; everything else
(and every audit) goes through HTTPS and the official SDK clients.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from plinktui.emulator import errors
from plinktui.emulator.resource import Req
from plinktui.emulator.store import Store

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator

Write = tuple[str, str, Any, str]
"""(method, path, JSON body or None, api-version)."""


async def apply(emu: Emulator, writes: Iterable[Write]) -> int:
    """Apply the writes in order (an LRO completes at once at latency scale 0); returns how many were applied.

    Raises:
        errors.ArmError: the first write the emulator refuses, with its path in the message.
    """
    base = emu.endpoint or f"https://{emu.host}:{emu.port}"
    done = 0
    for method, path, body, api_version in writes:
        route, params, _ = emu.router.resolve(method, path)
        if route is None:
            raise errors.InvalidResourceType(f"no route for {method} {path}")
        req = Req(emu, method, path, params, {"api-version": api_version}, body, {}, base, api_version)
        try:
            resp = await route.handler(req)
        except errors.ArmError as exc:
            raise errors.ArmError(f"{method} {path}: {exc.message}", code=exc.code, status=exc.status) from None
        if resp.status >= 400:
            raise errors.ArmError(f"{method} {path}: answered {resp.status}", status=resp.status)
        done += 1
    emu.ops.settle_all()
    return done


def replicate(source: Store, target: Store, from_sub: str, to_sub: str, renames: dict[str, str] | None = None) -> int:
    """Copy every record of subscription ``from_sub`` in ``source`` into ``target`` as subscription ``to_sub``.

    Ids, references and names are rewritten textually (the subscription id, then each ``renames`` pair, e.g. a
    resource-group or vault-name prefix: vault names are global, so a copy needs its own). The copy is exactly what
    the handlers would have produced for the renamed writes — NICs, IPs, A records and connections included — which
    makes a tenant of many identical landing zones cost one landing zone's handler calls. Returns the records copied.
    """
    prefix = f"/subscriptions/{from_sub}/".lower()
    recs = [r for r in source._by_id.values() if r.id.lower().startswith(prefix)]
    text = json.dumps([{"doc": r.doc, "internal": r.internal} for r in recs])
    for old, new in [(from_sub, to_sub), *(renames or {}).items()]:
        text = text.replace(old, new)
    for item in json.loads(text):
        target.put(item["doc"], item["internal"])
    return len(recs)

"""One audit end to end: collect -> (probe) -> check. Shared by ``plinktui audit`` and the TUI audit pane."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from audits import checks, resolution
from audits.collector import collect
from audits.report import AuditResult

if TYPE_CHECKING:
    from plinktui.cloud import Gateway

log = logging.getLogger("plinktui.audit")


@dataclass
class ProbeOptions:
    """How to prove resolution from inside each VNet."""

    mode: str = "auto"
    """ssh | run-command | none | auto (ssh when a VM and a key are available, else none with a note)."""
    probe_vm: str | None = None
    known_hosts: str | None = None
    accept_new_host_key: bool = False
    ssh_key: str | None = None
    ssh_user: str | None = None
    ssh_jump: str | None = None
    state_dir: str | None = None
    connect_timeout: float = 10.0
    extra: dict[str, Any] = field(default_factory=dict)


async def run_audit(gw: Gateway, *, subscriptions: Sequence[str] | None = None, resource_group: str | None = None,
                    all_subscriptions: bool = False, probe: ProbeOptions | None = None, concurrency: int = 8,
                    total_timeout: float = 600.0, inventory: str = "arm",
                    management_group: str | None = None) -> AuditResult:
    """Collect the inventory, run probes if asked, and evaluate every check.

    Args:
        gw: An open ``plinktui.cloud.Gateway``.
        subscriptions: Subscriptions to audit (default: the gateway's).
        resource_group: Optional resource-group filter for endpoints, NICs, vaults and Private Link Services.
        all_subscriptions: Audit every visible subscription.
        probe: Probe options; None means no probes.
        concurrency: Requests in flight per API.
        total_timeout: Bound on the inventory collection, in seconds.
        inventory: ``arm``, ``graph`` or ``auto`` (see ``collector.choose_inventory``).
        management_group: Audit the subscriptions under this management group.

    Returns:
        The AuditResult (inventory, findings sorted by severity, probe verdicts, stats, notes).
    """
    t0 = time.monotonic()
    r0, w0, t429 = gw.stats.requests, gw.stats.writes, gw.stats.throttled
    by_api0 = dict(gw.stats.by_api)
    inv, cstats = await collect(gw, subscriptions=subscriptions, resource_group=resource_group,
                                concurrency=concurrency, total_timeout=total_timeout,
                                all_subscriptions=all_subscriptions, inventory=inventory,
                                management_group=management_group)
    collect_requests = cstats.arm_requests
    paths = resolution.compute(inv)
    verdicts: list[Any] = []
    notes: list[str] = []
    vm_vnets: dict[str, str] = {}
    if probe is not None and probe.mode != "none":
        from audits.probing import run_probes

        verdicts, notes, vm_vnets = await run_probes(gw, inv, probe, paths)
    findings = checks.run_all(inv, verdicts, vm_vnets or None, paths)
    # Findings and notes quote what the subscription and the VMs said; the log formatter shows them visibly.
    for f in findings:
        log.debug("finding %s on %s: %s", f.check_id, f.resource_id, f.detail)
    for note in notes + inv.notes:
        log.debug("note: %s", note)
    stats = {
        "arm_requests": gw.stats.requests - r0,
        "collect_requests": collect_requests,
        "seconds": round(time.monotonic() - t0, 3),
        "collect_seconds": cstats.seconds,
        "zone_group_fetches": cstats.zone_group_fetches,
        "subscriptions": cstats.subscriptions,
        "endpoints": len(inv.endpoints),
        "zones": len(inv.zones),
        "vnets": len(inv.vnets),
        "peerings": sum(len(v.peerings) for v in inv.vnets),
        "resolvers": len(inv.resolvers),
        "rulesets": len(inv.rulesets),
        "probes": len(verdicts),
        "arm_writes": gw.stats.writes - w0,
        "inventory": cstats.inventory,
        "requests_by_api": {api: n - by_api0.get(api, 0) for api, n in sorted(gw.stats.by_api.items())
                            if n - by_api0.get(api, 0)},
        "throttled_429": gw.stats.throttled - t429,
        "graph_quota_wait_seconds": cstats.graph_quota_wait,
    }
    scope = {"subscriptions": inv.subscriptions, "resource_group": resource_group, "cloud": str(inv.cloud)}
    return AuditResult(inventory=inv, findings=findings, probes=verdicts, stats=stats, notes=notes, scope=scope,
                       resolution=paths)

"""Teardown: delete exactly what a run can prove it created, in reverse dependency order, and prove it is gone.

A resource is deleted only when the journal says the run created it AND its ``plinktui-run`` tag says so too.
Children that ARM cannot tag need more: a subnet needs the journal's write-ahead proof (absent just before this
run's PUT, and the PUT accepted) and must hold nothing but what the run put there (no NIC, endpoint or service
link left in it); a DNS zone group needs its endpoint to carry the run's tag. Anything else is kept and the reason
said, and teardown still succeeds. 404 counts as done. Reused resources (an existing VNet, subnet, vault, zone,
link, resource group) are never touched. With ``purge`` the soft-deleted vault is purged and the name is confirmed
free again. Generated SSH keys are removed only from plinktui's key directory, and only this run's.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from plinktui import plan as plan_mod
from plinktui import sshkeys
from plinktui.dag import Graph, Node, build_graph
from plinktui.engine import TAG_RUN, Context, as_json, is_not_found, make_context, read, wait_lro
from plinktui.errors import classify, for_run
from plinktui.events import Emit, ErrorClass, Event, EventKind, NodeError, no_emit
from plinktui.journal import Journal, ResStatus, RunState
from plinktui.kinds import kind
from plinktui.walk import DEFAULT_RETRY, RetryPolicy, execute

if TYPE_CHECKING:
    from plinktui.cloud import Gateway

LIVE = (ResStatus.INTENT, ResStatus.CREATING, ResStatus.SUCCEEDED, ResStatus.FAILED, ResStatus.DELETING)


@dataclass
class TeardownResult:
    """What teardown did."""

    deleted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)
    """Why each kept resource (or key file) was left in place."""
    failed: dict[str, str] = field(default_factory=dict)
    purged: bool = False
    keys_removed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing failed."""
        return not self.failed


def reverse_graph(g: Graph) -> Graph:
    """The same nodes with every edge turned round: a node waits for everything that depended on it."""
    rev = Graph()
    for key in g.reverse_order():
        n = g[key]
        rev.add(Node(key=n.key, rtype=n.rtype, name=n.name, deps=tuple(g.dependents(key)), mode=n.mode,
                     weight=n.weight))
    return rev


async def _purge(ctx: Context, result: TeardownResult) -> None:
    name, region = ctx.plan.vault.vault_name, ctx.plan.vault.region
    kv = ctx.gw.keyvault
    try:
        await wait_lro(ctx, await kv.vaults.begin_purge_deleted(name, region, **ctx.lro_kw))
    except Exception as exc:  # noqa: BLE001
        if not is_not_found(exc):
            raise
    deadline = time.monotonic() + 60
    while True:
        avail = as_json(await kv.vaults.check_name_availability({"name": name, "type": "Microsoft.KeyVault/vaults"}))
        if avail.get("nameAvailable"):
            result.purged = True
            return
        if time.monotonic() > deadline:
            raise NodeError(f"vault name {name} is still reserved after the purge", ErrorClass.RETRYABLE,
                            "retry teardown later")
        await asyncio.sleep(ctx.poll_interval)


async def _tagged_leftovers(ctx: Context, groups: set[str], kept: set[str]) -> list[str]:
    """Verify by listing: resources in the run's resource groups that still carry its tag (and were not kept)."""
    out: list[str] = []
    for rg in sorted(groups):
        try:
            if not await ctx.gw.resources.resource_groups.check_existence(rg):
                continue
            async for res in ctx.gw.resources.resources.list_by_resource_group(rg):
                data = as_json(res)
                if (data.get("tags") or {}).get(TAG_RUN) == ctx.run_id and \
                        str(data.get("id", "")).lower() not in kept:
                    out.append(f"{data.get('type', '?').split('/')[-1]} {data.get('name')}")
        except Exception as exc:  # noqa: BLE001 - a listing failure must not hide what was deleted
            if not is_not_found(exc):
                out.append(f"(could not list {rg}: {type(exc).__name__})")
    return out


async def teardown(gw: Gateway, journal: Journal, *, purge: bool = False, emit: Emit = no_emit,
                   max_parallel: int = 8, retry: RetryPolicy = DEFAULT_RETRY) -> TeardownResult:
    """Delete the run's resources; the journal ends ``torn_down`` (or ``failed`` listing what is left).

    Each node's kind says how to delete it and when to keep it (:attr:`plinktui.kinds.Kind.keep`).
    """
    plan = plan_mod.from_dict(journal.data["plan"], source=f"run {journal.run_id}")
    graph = build_graph(plan)
    ctx = make_context(gw, plan, graph, journal, tenant_id=None, public_key=None, emit=emit,
                       zone_id=journal.entry("zone").get("id"))
    result = TeardownResult()
    journal.set_state(RunState.TEARING_DOWN)
    rev = reverse_graph(graph)
    for key, entry in journal.resources.items():  # a reused link may carry another name than the plan's
        if key in rev and entry.get("name"):
            rev[key].name = entry["name"]

    async def run(node: Node) -> None:
        k = kind(node.key)
        entry = journal.entry(node.key)
        base: dict[str, Any] = {"key": node.key, "rtype": node.rtype, "name": node.name, "id": entry.get("id")}
        untaggable_live = not k.taggable and k.step is None and entry.get("status") in LIVE
        if k.step is not None or not (entry.get("owned") or untaggable_live) or entry.get("status") not in LIVE:
            if entry.get("status") == ResStatus.REUSED:
                result.kept.append(node.key)
                result.reasons[node.key] = "existing before this run: used, never deleted"
                await emit(Event(EventKind.SKIPPED, **base, elapsed=ctx.elapsed(), message="existing: left untouched"))
            return
        cur = await read(ctx, node)
        if cur is None and not entry.get("owned"):
            return  # never proven ours, and gone anyway
        if cur is None:
            journal.record(node.key, status=ResStatus.DELETED)
            result.deleted.append(node.key)
            await emit(Event(EventKind.SUCCEEDED, **base, elapsed=ctx.elapsed(), message="already gone"))
            return
        why = await k.keep(ctx, node, entry, cur)
        if why is not None:
            result.kept.append(node.key)
            result.reasons[node.key] = why
            journal.record(node.key, status=ResStatus.SKIPPED, owned=False, error=f"kept: {why}")
            await emit(Event(EventKind.SKIPPED, **base, elapsed=ctx.elapsed(), message=f"left in place: {why}"))
            return
        if k.delete is None:
            raise NodeError(f"no delete for {node.key}", ErrorClass.FATAL)
        journal.record(node.key, status=ResStatus.DELETING)
        await emit(Event(EventKind.RUNNING, **base, elapsed=ctx.elapsed(), message="deleting"))
        try:
            await k.delete(ctx, node)
        except Exception as exc:
            if not is_not_found(exc):
                raise
        if k.gone_after_delete and await read(ctx, node) is not None:
            raise NodeError(f"{node.name} still exists after delete", ErrorClass.RETRYABLE, "run teardown again")
        journal.record(node.key, status=ResStatus.DELETED)
        result.deleted.append(node.key)
        await emit(Event(EventKind.SUCCEEDED, **base, elapsed=ctx.elapsed(), message="deleted"))

    outcome = await execute(rev, run, max_parallel=max_parallel, emit=emit, started=ctx.started, retry=retry)
    for key, ev in outcome.errors.items():
        result.failed[key] = ev.error or "failed"
    if purge and "vault" in result.deleted and "vault" not in result.failed:
        try:
            await _purge(ctx, result)
            await emit(Event(EventKind.SUCCEEDED, key="vault", rtype="Microsoft.KeyVault/deletedVaults",
                             name=plan.vault.vault_name, elapsed=ctx.elapsed(), message="purged; the name is free"))
        except Exception as exc:  # noqa: BLE001
            cls, msg, fix = classify(exc)
            fix = for_run(fix, journal.run_id)
            result.failed["purge"] = msg
            await emit(Event(EventKind.FAILED, key="vault", rtype="Microsoft.KeyVault/deletedVaults",
                             name=plan.vault.vault_name, elapsed=ctx.elapsed(), error=msg, error_class=cls, fix=fix))
    kept_ids = {str(journal.entry(k).get("id", "")).lower() for k in result.kept}
    left = await _tagged_leftovers(ctx, {plan.resource_group, plan.zone_resource_group}, kept_ids)
    if left:
        result.failed["left"] = "still tagged with this run: " + ", ".join(left)
    if not result.failed:
        result.keys_removed, kept_keys = sshkeys.remove([str(p) for p in journal.data.get("generated_keys") or []],
                                                        journal.run_id)
        for i, why in enumerate(kept_keys):
            result.kept.append(f"key{i + 1}")
            result.reasons[f"key{i + 1}"] = why
    journal.data["summary"]["teardown"] = {"deleted": result.deleted, "kept": result.kept, "failed": result.failed,
                                           "purged": result.purged, "reasons": result.reasons}
    journal.set_state(RunState.TORN_DOWN if result.ok else RunState.FAILED)
    return result

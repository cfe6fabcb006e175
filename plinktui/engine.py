"""The provisioning engine: runs a plan's resource graph on the async SDK clients, with events and a journal.

- Ready nodes run concurrently (bounded by ``max_parallel``), longest remaining chain first (:mod:`plinktui.walk`).
- Each node: GET -> (missing: write intent, PUT, wait for the LRO, record id) | (ours: reconcile) |
  (someone else's: stop and say so). What a node is, how it is read, created and reconciled, and who owns it come
  from its kind (:mod:`plinktui.kinds`); this module applies the same rules to every kind.
- Every created resource carries ``plinktui-run=<run id>`` and ``plinktui-plan=<plan>``.
- Events (:class:`Event`) go to one async callback, so the CLI and the TUI render the same stream.
- The final ``verify`` step (:mod:`plinktui.kinds.verify`) checks the private path and then switches vault public
  access off.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from plinktui.dag import Graph, Node, NodeMode
from plinktui.errors import RESUME_FIX, classify, for_run
from plinktui.events import Emit, ErrorClass, Event, EventKind, NodeError, no_emit
from plinktui.journal import Journal, ResStatus, RunState, now_iso
from plinktui.kinds import kind
from plinktui.kinds.base import (
    PENDING_STATES,
    TAG_PLAN,
    TAG_RUN,
    as_json,
    is_not_found,
    props,
    provisioning_state,
    read,
    wait_lro,
    wait_settled,
)
from plinktui.kinds.verify import dns_probe, endpoint_ip, parse_getent, verify_step, zone_record
from plinktui.plan import Plan
from plinktui.walk import DEFAULT_RETRY, RetryPolicy, RunOutcome, execute

if TYPE_CHECKING:
    from plinktui.cloud import Gateway

__all__ = [
    "PENDING_STATES", "RESUME_FIX", "TAG_PLAN", "TAG_RUN", "Context", "Emit", "ErrorClass", "Event", "EventKind",
    "NodeError", "RetryPolicy", "RunOutcome", "apply", "apply_node", "as_json", "classify", "dns_probe",
    "endpoint_ip", "ensure_public_key", "execute", "for_run", "is_not_found", "make_context", "owner_of",
    "parse_getent", "props", "proven_keys", "proven_owned", "provisioning_state", "read", "verify_step",
    "wait_lro", "wait_settled", "zone_record",
]

# ---------------------------------------------------------------------------------------------------- context


@dataclass
class Context:
    """Everything a node operation needs."""

    gw: Gateway
    plan: Plan
    graph: Graph
    journal: Journal
    emit: Emit = no_emit
    tenant_id: str | None = None
    public_key: str | None = None
    probe: Callable[[Context, str], Awaitable[list[str]]] | None = None
    poll_interval: float = 0.2
    lro_interval: float | None = None  # SDK LRO polling interval under 1 s of Retry-After; None: the client's
    started: float = field(default_factory=time.monotonic)
    facts: dict[str, Any] = field(default_factory=dict)
    absent: set[str] = field(default_factory=set)  # node keys preflight just read as missing
    zone_ref: str | None = None  # the zone preflight chose (found, named by dns.zone_id, or to create)

    @property
    def lro_kw(self) -> dict[str, Any]:
        """Extra keyword arguments for ``begin_*`` calls (a short polling interval against the emulator)."""
        return {"polling_interval": self.lro_interval} if self.lro_interval is not None else {}

    @property
    def sub(self) -> str:
        """Subscription id."""
        return self.gw.subscription_id

    @property
    def rg(self) -> str:
        """The plan's resource group."""
        return self.plan.resource_group

    @property
    def run_id(self) -> str:
        """The run id."""
        return self.journal.run_id

    @property
    def tags(self) -> dict[str, str]:
        """Ownership tags on everything the run creates."""
        return {TAG_RUN: self.run_id, TAG_PLAN: self.plan.name}

    def rid(self, provider_type: str, name: str, rg: str | None = None, sub: str | None = None) -> str:
        """A resource id in (by default) the plan's subscription and resource group."""
        return (f"/subscriptions/{sub or self.sub}/resourceGroups/{rg or self.rg}/providers/"
                f"{provider_type}/{name}")

    # ids of the plan's resources
    @property
    def vnet_scope(self) -> tuple[str, str]:
        """(subscription, resource group) of the VNet."""
        return self.plan.network.vnet_scope(self.sub, self.rg)

    @property
    def vnet_id(self) -> str:
        """The VNet's id."""
        sub, rg = self.vnet_scope
        return self.rid("Microsoft.Network/virtualNetworks", self.plan.network.vnet_name, rg, sub)

    @property
    def subnet_id(self) -> str:
        """The endpoint subnet's id."""
        return f"{self.vnet_id}/subnets/{self.plan.network.subnet}"

    @property
    def pls_subnet_id(self) -> str:
        """The Private Link Service subnet's id."""
        return f"{self.vnet_id}/subnets/{self.plan.private_link_service.subnet}"

    @property
    def vault_scope(self) -> tuple[str, str]:
        """(subscription, resource group) of the vault."""
        return self.plan.vault.vault_scope(self.sub, self.rg)

    @property
    def vault_id(self) -> str:
        """The vault's id."""
        sub, rg = self.vault_scope
        return self.rid("Microsoft.KeyVault/vaults", self.plan.vault.vault_name, rg, sub)

    @property
    def zone_id(self) -> str:
        """The private DNS zone's id: the one preflight chose, else ``dns.zone_id``, else the plan's zone group."""
        return self.zone_ref or self.plan.dns.zone_id or \
            self.rid("Microsoft.Network/privateDnsZones", self.plan.dns.zone, self.plan.zone_resource_group)

    @property
    def zone_scope(self) -> tuple[str, str]:
        """(subscription, resource group) of the zone."""
        parts = self.zone_id.split("/")
        return parts[2], parts[4]

    @property
    def dns(self) -> Any:
        """The private DNS client of the zone's subscription."""
        return self.gw.at(self.zone_scope[0]).privatedns

    @property
    def vnet_net(self) -> Any:
        """The network client of the VNet's subscription (its subnets live there too)."""
        return self.gw.at(self.vnet_scope[0]).network

    def elapsed(self) -> float:
        """Seconds since the run started."""
        return round(time.monotonic() - self.started, 3)


# ---------------------------------------------------------------------------------------------------- ownership


def proven_owned(journal: Journal, key: str) -> bool:
    """True when the journal proves this run created the untaggable child ``key`` (:meth:`Journal.proven_owned`)."""
    return journal.proven_owned(key)


def proven_keys(journal: Journal) -> set[str]:
    """The node keys whose untaggable child the journal proves this run created."""
    return journal.proven_keys()


def owner_of(ctx: Context, node: Node, current: dict[str, Any]) -> str | None:
    """The run id that owns ``current``, by its kind's ownership rule (for untaggable children, only proof counts)."""
    return kind(node.key).owner(ctx, node, current)


# ---------------------------------------------------------------------------------------------------- node runner


async def apply_node(ctx: Context, node: Node) -> None:
    """Bring one node to its planned state (create, reconcile, reuse, or run its step)."""
    k = kind(node.key)
    if k.step is not None:
        await k.step(ctx, node)
        return
    rid = k.rid(ctx, node)
    base: dict[str, Any] = {"key": node.key, "rtype": node.rtype, "name": node.name, "id": rid}

    if node.mode == NodeMode.REUSE:
        cur = await read(ctx, node)
        if cur is None:
            raise NodeError(f"{node.rtype.split('/')[-1]} {node.name} was expected to exist but does not",
                            ErrorClass.USER, "create it first, or change the plan to create it")
        ctx.journal.record(node.key, status=ResStatus.REUSED, rtype=node.rtype, name=node.name,
                           rid=cur.get("id") or rid, owned=False)
        await ctx.emit(Event(EventKind.SUCCEEDED, **{**base, "id": cur.get("id") or rid}, elapsed=ctx.elapsed(),
                             message="existing: used, never modified or deleted"))
        return

    entry = ctx.journal.resources.get(node.key) or {}
    if node.key in ctx.absent and not entry:
        cur = None  # preflight read it as missing moments ago and this run never touched it: skip a round trip
    else:
        cur = await read(ctx, node)  # on resume too: absence is re-checked before anything is created
    if cur is not None:
        owner = k.owner(ctx, node, cur)
        if owner != ctx.run_id:
            if k.foreign_reused:
                ctx.journal.record(node.key, status=ResStatus.REUSED, rtype=node.rtype, name=node.name, rid=rid,
                                   owned=False)
                await ctx.emit(Event(EventKind.SUCCEEDED, **base, elapsed=ctx.elapsed(),
                                     message=f"existing {k.label}"))
                return
            who = f"plinktui run {owner}" if owner else (
                "someone else (this run's journal holds no proof that it created it)" if not k.taggable
                else "someone else (no plinktui-run tag)")
            raise NodeError(f"{node.rtype.split('/')[-1]} {node.name} already exists and belongs to {who}; "
                            "plinktui never adopts resources it did not create", ErrorClass.USER,
                            f"rename it in the plan, or resume run {owner}" if owner else "rename it in the plan")
        if provisioning_state(cur).lower() in PENDING_STATES | {"deleting"}:
            await ctx.emit(Event(EventKind.WAITING, **base, elapsed=ctx.elapsed(),
                                 message=f"found {provisioning_state(cur)}; waiting for it to settle"))
            cur = await wait_settled(ctx, node)
    if cur is not None and provisioning_state(cur).lower() == "succeeded":
        if k.reconcile is not None:
            cur = await k.reconcile(ctx, node, cur) or cur
        ctx.journal.record(node.key, status=ResStatus.SUCCEEDED, rtype=node.rtype, name=node.name,
                           rid=cur.get("id") or rid, owned=True)
        await ctx.emit(Event(EventKind.SUCCEEDED, **base, elapsed=ctx.elapsed(), message="already in place (ours)"))
        return
    if cur is not None and k.repair is not None:
        await k.repair(ctx, node, cur)
        ctx.journal.record(node.key, status=ResStatus.SUCCEEDED, rtype=node.rtype, name=node.name, rid=rid,
                           owned=True)
        await ctx.emit(Event(EventKind.SUCCEEDED, **base, elapsed=ctx.elapsed(), message="reconciled (PATCH)"))
        return

    # Write-ahead: the journal knows the intent before ARM sees the PUT. An untaggable child also records that it
    # was absent just now: with ARM accepting the PUT, that is the only proof the run created it (proven_owned).
    untaggable = not k.taggable
    proof: dict[str, Any] = {"absent_at": now_iso()} if untaggable and cur is None else {}
    if untaggable and node.key in ctx.journal.resources:
        ctx.journal.resources[node.key].pop("put_accepted", None)  # proven again only once ARM accepts this PUT
    ctx.journal.record(node.key, status=ResStatus.INTENT, rtype=node.rtype, name=node.name, rid=rid,
                       owned=not untaggable, **proof)
    await ctx.emit(Event(EventKind.RUNNING, **base, elapsed=ctx.elapsed()))
    if k.put is None:
        raise NodeError(f"plinktui cannot create a {k.label}", ErrorClass.FATAL)
    poller = await k.put(ctx, node)
    entry = ctx.journal.resources[node.key]
    accepted: dict[str, Any] = {"put_accepted": True, "seal": ctx.journal.seal(node.key, rid, entry["absent_at"])} \
        if untaggable and entry.get("absent_at") else {}
    ctx.journal.record(node.key, status=ResStatus.CREATING, rid=rid, **accepted)
    if hasattr(poller, "result"):
        await ctx.emit(Event(EventKind.WAITING, **base, elapsed=ctx.elapsed(), message="waiting for Azure to finish"))
    result = as_json(await wait_lro(ctx, poller))
    state = provisioning_state(result) if result else "Succeeded"
    if state.lower() not in ("succeeded",):
        raise NodeError(f"{node.name} ended {state}", ErrorClass.RETRYABLE, "resume the run")
    ctx.journal.record(node.key, status=ResStatus.SUCCEEDED, rid=result.get("id") or rid,
                       owned=True if not untaggable else ctx.journal.proven_owned(node.key))
    await ctx.emit(Event(EventKind.SUCCEEDED, **{**base, "id": result.get("id") or rid}, elapsed=ctx.elapsed()))


# ---------------------------------------------------------------------------------------------------- run


def make_context(gw: Gateway, plan: Plan, graph: Graph, journal: Journal, *, tenant_id: str | None,
                 public_key: str | None, absent: set[str] | None = None, emit: Emit = no_emit,
                 zone_id: str | None = None) -> Context:
    """The context for :func:`apply`, as the CLI and the TUI build it.

    ``public_key`` None with a test VM generates an ed25519 pair for the run (recorded in the journal; an event says
    where). Against the emulator the polling intervals are short: its Retry-After is whole seconds, so the last
    second would otherwise cost up to the client's default interval per LRO on the critical path.
    """
    emulator = bool(getattr(gw.target, "is_emulator", False))
    return Context(gw=gw, plan=plan, graph=graph, journal=journal, emit=emit, tenant_id=tenant_id,
                   public_key=public_key, absent=set(absent or ()), poll_interval=0.1 if emulator else 5.0,
                   lro_interval=0.05 if emulator else None, zone_ref=zone_id)


async def ensure_public_key(ctx: Context) -> None:
    """Generate the run's SSH key pair when the plan says ``generate`` (idempotent on resume)."""
    if not ctx.plan.test_vm.enabled or ctx.public_key:
        return
    from plinktui import sshkeys

    pair = sshkeys.generate_for_run(ctx.journal)  # the journal names the key before the key exists
    ctx.public_key = pair.public_key
    await ctx.emit(Event(EventKind.INFO, key="vm", rtype=kind("vm").arm_type, name=ctx.plan.test_vm.name,
                         message=f"generated SSH key {pair.private_path} (0600) for the test VM"))


async def apply(ctx: Context, *, max_parallel: int = 8, retry: RetryPolicy = DEFAULT_RETRY) -> RunOutcome:
    """Run the plan's graph against Azure, keeping the journal and emitting events.

    The journal's run state ends ``succeeded``, ``failed`` or ``cancelled`` (a killed process leaves ``running``,
    which ``plinktui runs`` shows as interrupted). Resume by calling this again with the same journal.
    """

    async def on_error(node: Node, exc: BaseException) -> None:
        cls, msg, fix = classify(exc)
        entry = ctx.journal.resources.get(node.key)
        if entry is not None:
            ctx.journal.record(node.key, status=ResStatus.FAILED, error=msg)
        else:
            ctx.journal.record(node.key, status=ResStatus.FAILED, rtype=node.rtype, name=node.name, error=msg)

    async def emit(event: Event) -> None:
        event.fix = for_run(event.fix, ctx.run_id)
        await ctx.emit(event)

    if ctx.journal.state != RunState.RUNNING:
        ctx.journal.set_state(RunState.RUNNING)
    try:
        outcome = await execute(ctx.graph, lambda n: apply_node(ctx, n), max_parallel=max_parallel, emit=emit,
                                started=ctx.started, on_error=on_error, retry=retry)
    except asyncio.CancelledError:
        ctx.journal.set_state(RunState.CANCELLED)
        raise
    ctx.journal.set_state(RunState.SUCCEEDED if outcome.ok else RunState.FAILED)
    return outcome

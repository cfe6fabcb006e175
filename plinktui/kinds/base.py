"""What a resource kind declares, the registry that holds the kinds, and the small ARM helpers kinds share.

A :class:`Kind` is everything plinktui knows about one node type: its ARM type, the label people see, its modelled
latency, whether ARM can tag it, where it sits in the graph (:attr:`Kind.place`), how to read, create, reconcile and
delete it, and the rule that decides whether a run owns it. ``dag``, ``engine``, ``teardown``, ``preflight`` and the
Review screen read kinds from here; none of them names a kind's SDK calls.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from plinktui.events import ErrorClass, NodeError
from plinktui.sdkjson import as_json  # noqa: F401 - re-exported: the kinds read ARM JSON through it

if TYPE_CHECKING:
    from plinktui.armtemplate import TemplateContext
    from plinktui.dag import Facts, Graph, Node
    from plinktui.engine import Context
    from plinktui.plan import Plan

TAG_RUN = "plinktui-run"
TAG_PLAN = "plinktui-plan"
PENDING_STATES = {"creating", "updating", "provisioning", "accepted", "registeringdns", "inprogress", "running"}


# ---------------------------------------------------------------------------------------------------- ARM helpers


def props(obj: dict[str, Any]) -> dict[str, Any]:
    """The ``properties`` bag of a REST resource."""
    return obj.get("properties") or {}


def provisioning_state(obj: dict[str, Any]) -> str:
    """``provisioningState`` (top-level for resource groups), default Succeeded."""
    return str(props(obj).get("provisioningState") or obj.get("provisioningState") or "Succeeded")


def is_not_found(exc: BaseException) -> bool:
    """True for ARM 404s (missing resource or parent)."""
    return getattr(exc, "status_code", None) == 404


async def wait_lro(ctx: Context, maybe_poller: Any) -> Any:
    """Wait for an LRO poller (bounded by the gateway's total timeout); plain results pass through."""
    if hasattr(maybe_poller, "result") and callable(maybe_poller.result):
        async with asyncio.timeout(getattr(ctx.gw, "total_timeout", 600.0)):
            return await maybe_poller.result()
    return maybe_poller


def in_plan_group(client: str, collection: str) -> tuple[Getter, Deleter]:
    """GET and DELETE for a resource named by its node in the plan's resource group: ``gw.<client>.<collection>``."""

    def ops(c: Context) -> Any:
        return getattr(getattr(c.gw, client), collection)

    async def get(c: Context, n: Node) -> Any:
        return await ops(c).get(c.rg, n.name)

    async def delete(c: Context, n: Node) -> None:
        await wait_lro(c, await ops(c).begin_delete(c.rg, n.name, **c.lro_kw))

    return get, delete


def subnet_key(plan: Plan) -> str:
    """The node endpoint-side resources wait for: the VNet when the subnet is created inline, else the subnet."""
    return "vnet" if plan.network.new_vnet else "subnet"


# ---------------------------------------------------------------------------------------------------- the Kind


@dataclass(frozen=True)
class Placement:
    """Where a kind's node sits in a plan's graph: its name, what it waits for, and how the run treats it."""

    name: str
    deps: tuple[str, ...] = ()
    mode: str = "create"  # a dag.NodeMode
    weight: float | None = None  # None: the kind's latency
    target: str | None = None  # what the node points at when not the plan's own resource (a zone link to a hub VNet)


@dataclass(frozen=True)
class FreeName:
    """A name the plan gives a kind's resource in its resource group, which must not already be someone else's.

    Preflight reads ``gw.<client>.<collection>`` for it (``group_kind`` fills those in) and, when it is taken by
    anything but the run being resumed, reports it under the plan's ``field`` as "<what> <name> already exists".
    """

    field: str
    what: str
    name: Callable[[Plan], str | None]
    """Its name in the plan; None when the plan has no such resource (no test VM)."""
    absent_too: tuple[str, ...] = ()
    """Node keys that cannot exist either while this one does not (an endpoint's zone group)."""
    client: str = ""
    collection: str = ""


Getter = Callable[["Context", "Node"], Awaitable[Any]]
Putter = Callable[["Context", "Node"], Awaitable[Any]]
Deleter = Callable[["Context", "Node"], Awaitable[None]]
Placer = Callable[["Plan", "Facts", "Graph"], "Placement | None"]
Owner = Callable[["Context", "Node", dict[str, Any]], "str | None"]
Keeper = Callable[["Context", "Node", dict[str, Any], dict[str, Any]], Awaitable["str | None"]]
Actions = Callable[["Plan", "Facts"], "tuple[str, ...]"]
Reconciler = Callable[["Context", "Node", dict[str, Any]], Awaitable["dict[str, Any] | None"]]
Templater = Callable[["TemplateContext", "Node"], "list[dict[str, Any]]"]


def tag_owner(ctx: Context, node: Node, current: dict[str, Any]) -> str | None:
    """The default ownership rule: the run id in the resource's ``plinktui-run`` tag."""
    return (current.get("tags") or {}).get(TAG_RUN)


async def keep_unless_tagged(ctx: Context, node: Node, entry: dict[str, Any], current: dict[str, Any]) -> str | None:
    """The default teardown rule: delete only what carries this run's tag (else say why it is kept)."""
    return None if tag_owner(ctx, node, current) == ctx.run_id else "its tag does not name this run"


async def _no_get(ctx: Context, node: Node) -> Any:
    raise NodeError(f"{node.key} is a step, not a resource", ErrorClass.FATAL)


def _no_rid(ctx: Context, node: Node) -> str:
    return ""


@dataclass(frozen=True, kw_only=True)
class Kind:
    """One kind of node.

    Attributes:
        key: the node key in graphs and journals ("vnet", "pe", ...).
        arm_type: the ARM resource type (``plinktui/<step>`` for a step that is not a resource).
        label: what the Review and Provision screens call it.
        latency: seconds its LRO takes in the latency profile (critical path, scheduling priority).
        rank: its place in graph insertion order (lower first; ties break by key).
        place: where it sits in a plan's graph (None: the plan has no such node).
        get / put / rid / delete: read it (404 means missing), create it (a poller or a result), its id, delete it.
        scope: (subscription, resource group) it lives in; default the plan's.
        taggable: ARM can tag it; untaggable children need the journal's write-ahead proof to count as ours.
        owner: who owns an existing one (a run id or None); default its ``plinktui-run`` tag.
        keep: teardown's rule: None to delete, else why it is kept; default "tagged with this run".
        reconcile: bring an existing, owned, healthy one in line with the plan (returns it re-read, or None).
        repair: fix an owned one in a failed state without a re-PUT (None: re-PUT).
        step: for a step that is not a resource (verify): the whole apply of the node.
        foreign_reused: someone else's existing one is used as it is (a resource group) instead of refused.
        gone_after_delete: a GET after the delete must answer 404 (a soft-deleted vault is gone differently).
        actions: the ARM actions a plan needs for this kind (preflight checks the caller holds them).
        free_name: its name in the plan's resource group must be free (preflight checks it; None: no such check).
        template: the node's resource(s) in an ARM deployment template (``plinktui export``), parameters declared
            through the context; None: a created node of this kind cannot be exported (export says so).
    """

    key: str
    arm_type: str
    taggable: bool = True
    label: str
    latency: float
    get: Getter = _no_get
    rank: int
    place: Placer
    put: Putter | None = None
    rid: Callable[[Context, Node], str] = _no_rid
    delete: Deleter | None = None
    scope: Callable[[Context], tuple[str, str]] | None = None
    owner: Owner = tag_owner
    keep: Keeper = keep_unless_tagged
    reconcile: Reconciler | None = None
    repair: Reconciler | None = None
    step: Callable[[Context, Node], Awaitable[None]] | None = None
    foreign_reused: bool = False
    gone_after_delete: bool = True
    actions: Actions = lambda plan, facts: ()
    free_name: FreeName | None = None
    template: Templater | None = None

    def where(self, ctx: Context) -> tuple[str, str]:
        """(subscription, resource group) of this kind's resource in ``ctx``'s run."""
        return self.scope(ctx) if self.scope is not None else (ctx.sub, ctx.rg)


def group_kind(*, key: str, arm_type: str, collection: str, client: str = "network", **fields: Any) -> Kind:
    """A kind whose resource sits in the plan's resource group under its node's name, read and deleted through
    ``gw.<client>.<collection>`` (a ``delete`` in ``fields`` replaces the plain one)."""
    get, delete = in_plan_group(client, collection)
    fields.setdefault("delete", delete)
    if fields.get("free_name") is not None:
        fields["free_name"] = replace(fields["free_name"], client=client, collection=collection)
    return Kind(key=key, arm_type=arm_type, get=get, rid=lambda c, n: c.rid(arm_type, n.name), **fields)


# ---------------------------------------------------------------------------------------------------- reading


async def read(ctx: Context, node: Node) -> dict[str, Any] | None:
    """GET a node's resource as REST JSON; None when it does not exist."""
    try:
        return as_json(await kind(node.key).get(ctx, node))
    except Exception as exc:  # noqa: BLE001 - only 404 means "missing"; anything else is re-raised
        if is_not_found(exc):
            return None
        raise


async def wait_settled(ctx: Context, node: Node, timeout: float | None = None) -> dict[str, Any] | None:
    """Poll GET until the resource leaves a transitional provisioning state (or disappears)."""
    limit = timeout if timeout is not None else getattr(ctx.gw, "total_timeout", 600.0)
    deadline = time.monotonic() + limit
    while True:
        cur = await read(ctx, node)
        if cur is None or provisioning_state(cur).lower() not in PENDING_STATES | {"deleting"}:
            return cur
        if time.monotonic() > deadline:
            raise NodeError(f"{node.name} stayed {provisioning_state(cur)} for {limit:.0f}s", ErrorClass.RETRYABLE,
                            "resume the run later")
        await asyncio.sleep(ctx.poll_interval)


# ---------------------------------------------------------------------------------------------------- registry

_REGISTRY: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add ``kind`` to the registry (a kind module calls this once, at import)."""
    if kind.key in _REGISTRY and _REGISTRY[kind.key] is not kind:
        raise ValueError(f"a kind {kind.key!r} is already registered")
    _REGISTRY[kind.key] = kind
    return kind


def unregister(key: str) -> None:
    """Remove a kind (tests that register a throwaway kind)."""
    _REGISTRY.pop(key, None)


@contextmanager
def registered(kind: Kind) -> Iterator[Kind]:
    """``kind`` registered for the duration of the block."""
    register(kind)
    try:
        yield kind
    finally:
        unregister(kind.key)


def kinds() -> list[Kind]:
    """Every registered kind, in graph insertion order."""
    return sorted(_REGISTRY.values(), key=lambda k: (k.rank, k.key))


def kind(key: str) -> Kind:
    """The kind registered as ``key``."""
    try:
        return _REGISTRY[key]
    except KeyError:
        raise NodeError(f"no resource kind {key!r} is registered", ErrorClass.FATAL) from None


class _Labels(Mapping[str, str]):
    """Node key -> label, read live from the registry (a kind registered later shows up too)."""

    def __getitem__(self, key: str) -> str:
        return _REGISTRY[key].label

    def __iter__(self) -> Iterator[str]:
        return iter([k.key for k in kinds()])

    def __len__(self) -> int:
        return len(_REGISTRY)


LABELS: Mapping[str, str] = _Labels()

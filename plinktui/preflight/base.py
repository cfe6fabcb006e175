"""What every preflight check shares: the findings (:class:`Problem`, :class:`PreflightResult`), the context a check
reads and fills (:class:`PreflightContext`), the entry in the check table (:class:`Check`), and the read helpers that
turn an SDK call into an answer or an error to report."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from plinktui.dag import Facts
from plinktui.engine import as_json, is_not_found

if TYPE_CHECKING:
    from plinktui.cloud import Gateway
    from plinktui.plan import Plan


@dataclass
class Problem:
    """One preflight finding. ``severity`` error blocks the run; warning is shown and the run goes on."""

    field: str
    message: str
    fix: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" + (f" (fix: {self.fix})" if self.fix else "")


@dataclass
class PreflightResult:
    """What preflight found: problems, facts for the graph, the tenant, and the actions checked."""

    problems: list[Problem] = field(default_factory=list)
    facts: Facts = field(default_factory=Facts)
    tenant_id: str | None = None
    missing_actions: list[str] = field(default_factory=list)
    required_actions: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    absent: set[str] = field(default_factory=set)
    """Graph node keys whose resource preflight read as missing (apply can PUT without another GET)."""

    @property
    def errors(self) -> list[Problem]:
        """Blocking problems."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        """No blocking problem."""
        return not self.errors


@dataclass
class PreflightContext:
    """What the checks read (the gateway, the plan, the run being resumed, the scopes the plan resolves to) and the
    result they fill.

    ``run_id``: resuming, so resources tagged with it are ours. ``owned``: node keys of untaggable children (subnets)
    the resumed run's journal proves it created (:func:`plinktui.engine.proven_owned`).
    """

    gw: Gateway
    plan: Plan
    run_id: str | None = None
    check_permissions: bool = True
    owned: frozenset[str] | set[str] = frozenset()
    result: PreflightResult = field(default_factory=PreflightResult)
    vnet: dict[str, Any] | None = None
    """The plan's VNet as the ``vnet`` check read it (None: missing or unreadable); later checks look at it."""
    sub: str = field(init=False)
    """The session's subscription."""
    rg: str = field(init=False)
    """The plan's resource group."""
    vnet_sub: str = field(init=False)
    vnet_rg: str = field(init=False)
    vault_sub: str = field(init=False)
    vault_rg: str = field(init=False)

    def __post_init__(self) -> None:
        self.result.absent = self.result.facts.absent  # one set: the facts a front end hands on carry it too
        self.sub, self.rg = self.gw.subscription_id, self.plan.resource_group
        self.vnet_sub, self.vnet_rg = self.plan.network.vnet_scope(self.sub, self.rg)
        self.vault_sub, self.vault_rg = self.plan.vault.vault_scope(self.sub, self.rg)

    def add(self, fld: str, msg: str, fix: str = "", severity: str = "error") -> None:
        """Report a problem."""
        self.result.problems.append(Problem(fld, msg, fix, severity))


@dataclass(frozen=True)
class Check:
    """One named check. It starts once the check named by ``after`` finished (it reads that one's answer); the checks
    after one same check run one at a time, in table order."""

    name: str
    run: Callable[[PreflightContext], Awaitable[None]]
    after: str | None = None


async def safe(coro: Any) -> tuple[Any, BaseException | None]:
    """Await ``coro``: (its result, None), or (None, the exception) for a check to report."""
    try:
        return await coro, None
    except Exception as exc:  # noqa: BLE001 - each check reports its own failure as a problem
        return None, exc


def err_text(exc: BaseException) -> str:
    """An ARM error as one short line: ``Code: message``."""
    code = getattr(getattr(exc, "error", None), "code", None)
    msg = getattr(getattr(exc, "error", None), "message", None) or getattr(exc, "message", None) or str(exc)
    text = " ".join(str(msg).split())[:200]
    return f"{code}: {text}" if code else text


async def read(call: Any) -> tuple[dict[str, Any] | None, BaseException | None]:
    """GET as REST JSON, mapping 404 to (None, None)."""
    res, exc = await safe(call)
    if exc is not None:
        return None, (None if is_not_found(exc) else exc)
    return as_json(res), None


async def collect(pager: Any) -> list[Any]:
    """Every item of an async pager."""
    return [item async for item in pager]


def created_by(owner: str | None) -> str:
    """`` (created by plinktui run <owner>)`` when a resource's tag names the run that created it, else nothing."""
    return f" (created by plinktui run {owner})" if owner else ""

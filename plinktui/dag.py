"""Plan -> dependency graph of resources (pure: no Azure calls).

Each node is one Azure resource (or the final verification step) with the nodes it waits for. The engine runs
ready nodes concurrently; this module also answers "how long at best" (the critical path over the latency profile)
and "what to run first" (longest remaining path), so a bounded pool still finishes on the critical path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from plinktui.kinds import kind, kinds
from plinktui.plan import Plan


class NodeMode(StrEnum):
    """How a run treats a node."""

    CREATE = "create"  # plinktui creates and owns it
    REUSE = "reuse"  # exists already: used, never modified or deleted
    STEP = "step"  # not a resource (the verification)


@dataclass
class Node:
    """One step of the run.

    Attributes:
        key: stable identifier in the graph and the journal ("vnet", "pe", ...).
        rtype: the ARM resource type (or ``plinktui/verify``).
        name: the resource's name.
        deps: keys this node waits for.
        mode: a :class:`NodeMode`: ``create``, ``reuse`` or ``step``.
        weight: expected duration in latency-profile seconds.
    """

    key: str
    rtype: str
    name: str
    deps: tuple[str, ...] = ()
    mode: str = NodeMode.CREATE
    weight: float = 0.0
    target: str | None = None
    """What the node points at when it is not the plan's own resource (a zone link to a hub VNet)."""


@dataclass
class Facts:
    """What preflight found in Azure that shapes the graph."""

    rg_exists: bool = False
    zone_exists: bool = False
    existing_link: str | None = None  # name of a link from the zone to our VNet that already exists
    vnet_id: str | None = None
    zone_id: str | None = None  # the zone the run uses (found, named by zone_id, or to be created)
    zone_reason: str = ""  # why that zone (shown in Review, setup output and the DNS screen)
    subnet_exists: bool = False  # the plan names a subnet that already exists: used, never created or owned
    pls_subnet_exists: bool = False
    absent: set[str] = field(default_factory=set)  # node keys preflight read as missing (apply skips that GET)
    dns_hub_vnet_id: str | None = None
    """The VNet whose resolver answers for ours (its DNS server is that resolver's inbound endpoint): the zone is
    linked to it, not to our VNet."""
    hub_link_command: str | None = None
    """Set when the caller may not link the zone to the hub: the exact command for whoever owns the hub (the run
    creates no link and finishes)."""


@dataclass
class Graph:
    """Nodes in insertion (dependency-respecting) order."""

    nodes: dict[str, Node] = field(default_factory=dict)

    def add(self, node: Node) -> Node:
        """Add a node; its dependencies must already be in the graph."""
        missing = [d for d in node.deps if d not in self.nodes]
        if missing:
            raise ValueError(f"{node.key} depends on unknown {missing}")
        self.nodes[node.key] = node
        return node

    def __contains__(self, key: str) -> bool:
        return key in self.nodes

    def __getitem__(self, key: str) -> Node:
        return self.nodes[key]

    def __iter__(self):
        return iter(self.nodes.values())

    def __len__(self) -> int:
        return len(self.nodes)

    def dependents(self, key: str) -> list[str]:
        """Keys of the nodes that wait for ``key``."""
        return [n.key for n in self.nodes.values() if key in n.deps]

    def topo_order(self) -> list[str]:
        """A dependency-respecting order (Kahn's algorithm; insertion order breaks ties)."""
        indeg = {k: len(n.deps) for k, n in self.nodes.items()}
        ready = [k for k, d in indeg.items() if d == 0]
        out: list[str] = []
        while ready:
            k = ready.pop(0)
            out.append(k)
            for d in self.dependents(k):
                indeg[d] -= 1
                if indeg[d] == 0:
                    ready.append(d)
        if len(out) != len(self.nodes):
            raise ValueError("dependency cycle in the plan graph")
        return out

    def reverse_order(self) -> list[str]:
        """Teardown order: dependents before what they depend on."""
        return list(reversed(self.topo_order()))

    def durations(self, weights: dict[str, float] | None = None) -> dict[str, float]:
        """Expected duration per node (reused resources take no time)."""
        w = weights if weights is not None else {k: n.weight for k, n in self.nodes.items()}
        return {k: (0.0 if n.mode == "reuse" else w.get(k, n.weight)) for k, n in self.nodes.items()}

    def critical_path(self, weights: dict[str, float] | None = None) -> tuple[float, list[str]]:
        """Longest weighted path through the graph: the best possible wall time with unlimited parallelism."""
        dur = self.durations(weights)
        finish: dict[str, float] = {}
        via: dict[str, str | None] = {}
        for k in self.topo_order():
            node = self.nodes[k]
            best, prev = 0.0, None
            for d in node.deps:
                if finish[d] > best or prev is None and finish[d] == best:
                    best, prev = finish[d], d
            finish[k] = best + dur[k]
            via[k] = prev
        if not finish:
            return 0.0, []
        end = max(finish, key=lambda k: finish[k])
        path: list[str] = []
        cur: str | None = end
        while cur is not None:
            path.append(cur)
            cur = via[cur]
        return finish[end], list(reversed(path))

    def remaining(self, weights: dict[str, float] | None = None) -> dict[str, float]:
        """Per node: its duration plus the longest chain after it (the scheduling priority)."""
        dur = self.durations(weights)
        rem: dict[str, float] = {}
        for k in self.reverse_order():
            after = [rem[d] for d in self.dependents(k)]
            rem[k] = dur[k] + (max(after) if after else 0.0)
        return rem

    def sequential_time(self, weights: dict[str, float] | None = None) -> float:
        """Sum of all durations: the wall time of a one-at-a-time run."""
        return sum(self.durations(weights).values())


def build_graph(plan: Plan, facts: Facts | None = None) -> Graph:
    """Turn a plan into its resource graph: every registered kind places (at most) one node, in rank order.

    The subnet is created inline in the VNet PUT when both are new (one LRO instead of two). Reused resources
    (an existing VNet, subnet, vault, zone or link) appear as ``reuse`` nodes so dependents can wait on them.
    """
    facts = facts or Facts()
    g = Graph()
    for k in kinds():
        spot = k.place(plan, facts, g)
        if spot is not None:
            g.add(Node(key=k.key, rtype=k.arm_type, name=spot.name, deps=tuple(spot.deps), mode=NodeMode(spot.mode),
                       weight=k.latency if spot.weight is None else spot.weight, target=spot.target))
    return g


def latency_profile() -> dict[str, float]:
    """Seconds each kind's LRO takes in the latency profile (README, "Latency profile")."""
    return {k.key: k.latency for k in kinds()}


def rtype(key: str) -> str:
    """The ARM type of the node kind ``key``."""
    return kind(key).arm_type


def existing_lines(plan: Plan, graph: Graph, facts: Facts) -> list[str]:
    """What the run uses but never creates, modifies or deletes, and which zone it uses and why.

    The one place setup output and Review describe existing resources (names read from the subscription).
    """
    out = []
    what = {"vnet": "VNet", "subnet": "subnet", "pls_subnet": "subnet", "vault": "Key Vault", "link": "VNet link",
            "zone": "private DNS zone"}
    for n in graph:
        if n.mode != "reuse" or n.key not in what:
            continue
        where = f" in VNet {plan.network.vnet_name}" if n.key in ("subnet", "pls_subnet") else ""
        out.append(f"existing {what[n.key]} {n.name}{where}: used as it is, never modified or deleted")
    if facts.zone_id:
        parts = facts.zone_id.split("/")
        zone_where = f"resource group {parts[4]}, subscription {parts[2]}" if len(parts) > 4 else facts.zone_id
        out.append(f"DNS zone {plan.dns.zone} ({zone_where}): {facts.zone_reason or 'as the plan says'}")
    return out


def fmt_seconds(seconds: float) -> str:
    """``1 min 30 s`` style."""
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"


def duration_estimate(graph: Graph, latency_scale: float | None = None) -> str:
    """The expected duration, worded the same in the TUI's Review and in ``plinktui setup``."""
    best, path = graph.critical_path()
    text = f"expected duration in Azure: about {fmt_seconds(best)} (critical path: {' → '.join(path)})"
    if latency_scale:
        text += f"; in the demo cloud about {fmt_seconds(best * latency_scale)}"
    return text

"""Every VNet's resolution path: for each endpoint FQDN and each VNet that can reach the endpoint (its own VNet or one
peered with it ``Connected``), which answer the VNet's clients get and why, computed from the inventory alone.

The model (the README's "DNS model" section cites the reports it follows):

- A VNet without custom DNS servers asks Azure DNS in its own view. In a view, at each name of the public chain
  (``<n>.vault.azure.net`` -> ``<n>.privatelink.vaultcore.azure.net``), the candidates are the private zones linked to
  the view's VNet and the enabled rules of the forwarding rulesets linked to it; the most specific (most labels) wins,
  a tie goes to the zone. A zone answers from its A record (or NXDOMAIN); a rule hands the name to its targets, asked
  from the VNet of the ruleset's outbound endpoint; nothing matching means public DNS.
- A VNet with DNS servers asks them in order: ``168.63.129.16`` is Azure DNS in the VNet's view; a resolver's
  inbound endpoint in VNet H answers in H's view when the VNet is H or is peered with H ``Connected``, otherwise the
  query times out; a forwarder VM's NIC answers in its VNet's view; another address inside a VNet in scope times out;
  an address outside every VNet in scope is outside Azure and cannot be computed (``unknown``).
- More than ``MAX_HOPS`` forwards is a loop: SERVFAIL.

Each path carries its ``steps`` (one line per decision) and the facts the checks need (the DNS server, the resolver
VNet, the rule that applied, whether the hop limit was hit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from audits.inventory import Endpoint, ForwardingRule, Inventory, Ruleset, Zone, is_private_ip, key, name_of

AZURE_DNS = "168.63.129.16"
MAX_HOPS = 4


@dataclass
class Answer:
    """What a (sub)resolution returned."""

    status: str
    """private | public | nxdomain | servfail | timeout | unknown"""
    ips: list[str] = field(default_factory=list)


@dataclass
class Path:
    """One VNet x FQDN: the steps, the answer and the verdict against the endpoint's IPs."""

    vnet_id: str
    fqdn: str
    endpoint_id: str
    expected_ips: list[str]
    steps: list[str] = field(default_factory=list)
    answer: Answer = field(default_factory=lambda: Answer("unknown"))
    server: str = AZURE_DNS
    """The DNS server the VNet's clients ask first."""
    hub_vnet_id: str | None = None
    """The VNet whose Azure DNS view answered through an inbound endpoint."""
    rules: list[tuple[Ruleset, ForwardingRule]] = field(default_factory=list)
    """Forwarding rules that applied on the way."""
    loop: bool = False

    @property
    def verdict(self) -> str:
        """private (the endpoint's IP) | public | wrong-ip | nxdomain | servfail | timeout | unknown."""
        a = self.answer
        if a.status == "private":
            return "private" if set(a.ips) & set(self.expected_ips) else "wrong-ip"
        return a.status

    def as_dict(self, inv: Inventory) -> dict[str, Any]:
        """The JSON ``resolution[]`` entry."""
        vnet = inv.vnet_by_id.get(key(self.vnet_id))
        ep = inv.endpoint_by_id.get(key(self.endpoint_id))
        return {"vnet": vnet.name if vnet else name_of(self.vnet_id), "vnet_id": self.vnet_id, "fqdn": self.fqdn,
                "endpoint": ep.name if ep else name_of(self.endpoint_id), "server": self.server,
                "steps": list(self.steps), "expected": self.answer.ips or self.answer.status,
                "endpoint_ips": list(self.expected_ips), "verdict": self.verdict}


class _Resolver:
    """Resolution over one inventory (indexes built once)."""

    def __init__(self, inv: Inventory) -> None:
        self.inv = inv
        self.zone_links: dict[str, list[Zone]] = {}
        for z in inv.zones:
            for link in z.links:
                self.zone_links.setdefault(key(link.vnet_id), []).append(z)
        self.ruleset_links: dict[str, list[Ruleset]] = {}
        for rs in inv.rulesets:
            for _, vnet_id in rs.links:
                self.ruleset_links.setdefault(key(vnet_id), []).append(rs)
        self.nic_by_ip = {ip: n for n in inv.nics if not n.private_endpoint_id for ip in n.private_ips}

    def chain(self, inv: Inventory, ep: Endpoint, fqdn: str) -> list[str]:
        """The public chain's names the private side can intercept: the FQDN and its privatelink alias."""
        svc = inv.service_of(ep)
        names = [fqdn]
        split = svc.record_name(fqdn) if svc else None
        if split and split[0] and ep.connection_state == "Approved":
            alias = f"{split[0]}.{split[1]}"
            if alias != fqdn:
                names.append(alias)
        return names

    def azure_dns(self, path: Path, names: list[str], vnet_id: str, hops: int) -> Answer:
        vname = self._vname(vnet_id)
        for name in names:
            zone = self._zone(name, vnet_id)
            rule = self._rule(name, vnet_id)
            zlen = _labels(zone.norm_name) if zone else -1
            if rule is not None and _labels(rule[1].domain) > zlen:
                rs, r = rule
                path.rules.append(rule)
                path.steps.append(f"{name}: rule '{r.domain or '.'}.' of ruleset {rs.name} (linked to {vname}) is "
                                  f"the most specific match; it forwards to {', '.join(r.targets)}")
                return self.forward(path, name, rs, r, hops + 1)
            if zone is not None:
                rel = "@" if name == zone.norm_name else name[: -len(zone.norm_name) - 1]
                rec = next((r for r in self.inv.records_by_name.get((zone.norm_name, rel), [])
                            if key(r.zone_id) == key(zone.id)), None)
                where = f"zone {zone.name} (resource group {zone.resource_group}) linked to {vname}"
                if rec is None or not rec.ips:
                    path.steps.append(f"{name}: {where} has no A record '{rel}': NXDOMAIN")
                    return Answer("nxdomain")
                path.steps.append(f"{name}: {where} answers A {', '.join(rec.ips)}")
                return Answer("private" if all(is_private_ip(i) for i in rec.ips) else "public", list(rec.ips))
        path.steps.append(f"no private zone or forwarding rule linked to {vname} matches: public DNS answers with "
                          "the service's public address")
        return Answer("public")

    def forward(self, path: Path, name: str, rs: Ruleset, rule: ForwardingRule, hops: int) -> Answer:
        if hops > MAX_HOPS:
            path.loop = True
            path.steps.append(f"more than {MAX_HOPS} forwards: a forwarding loop, SERVFAIL")
            return Answer("servfail")
        resolver = self.inv.resolver_by_id.get(key(rs.resolver_id))
        source = resolver.vnet_id if resolver else None
        for target in rule.targets:
            answer = self.ask(path, [name], target, source, hops)
            if answer is not None:
                return answer
        path.steps.append("no target of the rule answered: SERVFAIL")
        return Answer("servfail")

    def ask(self, path: Path, names: list[str], server: str, from_vnet: str | None, hops: int) -> Answer | None:
        """One DNS server's answer, asked from ``from_vnet``; None when it times out."""
        inv = self.inv
        if server == AZURE_DNS:
            if from_vnet is None:
                return None
            path.steps.append(f"{server} is Azure DNS in the view of {self._vname(from_vnet)}")
            return self.azure_dns(path, names, from_vnet, hops)
        hit = inv.inbound_by_ip.get(server)
        if hit is not None:
            resolver, endpoint = hit
            hub = resolver.vnet_id
            if from_vnet is None or not inv.connected(from_vnet, hub):
                peering = inv.peering(from_vnet, hub)
                why = (f"the peering {peering.name} is {peering.state}" if peering is not None
                       else "there is no peering")
                path.steps.append(f"{server} is inbound endpoint {endpoint.name} of resolver {resolver.name} in "
                                  f"{self._vname(hub)}, unreachable from {self._vname(from_vnet)} ({why}): timeout")
                return None
            if path.hub_vnet_id is None:
                path.hub_vnet_id = hub
            how = "the same VNet" if key(from_vnet) == key(hub) else "peered Connected"
            path.steps.append(f"{server} is inbound endpoint {endpoint.name} of resolver {resolver.name} in "
                              f"{self._vname(hub)} ({how}): Azure DNS in the view of {self._vname(hub)}")
            return self.azure_dns(path, names, hub, hops)
        nic = self.nic_by_ip.get(server)
        if nic is not None and nic.vnet_id:
            path.steps.append(f"{server} is DNS forwarder {nic.name} in {self._vname(nic.vnet_id)}: Azure DNS in "
                              "that VNet's view (assumed: it forwards to 168.63.129.16)")
            return self.azure_dns(path, names, nic.vnet_id, hops)
        if self._inside_a_vnet(server):
            path.steps.append(f"{server} is inside a VNet in scope but is no DNS server: timeout")
            return None
        path.steps.append(f"{server} is outside Azure (no VNet in scope holds it): its answer cannot be computed")
        return Answer("unknown")

    def resolve(self, ep: Endpoint, fqdn: str, vnet_id: str) -> Path:
        inv = self.inv
        vnet = inv.vnet_by_id.get(key(vnet_id))
        servers = (vnet.dns_servers if vnet else []) or [AZURE_DNS]
        path = Path(vnet_id=vnet.id if vnet else vnet_id, fqdn=fqdn, endpoint_id=ep.id, expected_ips=inv.ips_of(ep),
                    server=servers[0])
        names = self.chain(inv, ep, fqdn)
        for server in servers:
            answer = self.ask(path, names, server, path.vnet_id, 0)
            if answer is not None:
                path.answer = answer
                return path
        path.steps.append("no DNS server answered: the query times out (SERVFAIL)")
        path.answer = Answer("timeout")
        return path

    def _zone(self, name: str, vnet_id: str) -> Zone | None:
        best = None
        for z in self.zone_links.get(key(vnet_id), []):
            if (name == z.norm_name or name.endswith("." + z.norm_name)) and (
                    best is None or len(z.norm_name) > len(best.norm_name)):
                best = z
        return best

    def _rule(self, name: str, vnet_id: str) -> tuple[Ruleset, ForwardingRule] | None:
        best: tuple[Ruleset, ForwardingRule] | None = None
        for rs in self.ruleset_links.get(key(vnet_id), []):
            for r in rs.rules:
                if r.enabled and (r.domain == "" or name == r.domain or name.endswith("." + r.domain)) and (
                        best is None or _labels(r.domain) > _labels(best[1].domain)):
                    best = (rs, r)
        return best

    def _inside_a_vnet(self, ip: str) -> bool:
        import ipaddress

        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return False
        for v in self.inv.vnets:
            for p in v.address_prefixes:
                try:
                    if addr in ipaddress.ip_network(p, strict=False):
                        return True
                except ValueError:
                    continue
        return False

    def _vname(self, vnet_id: str | None) -> str:
        v = self.inv.vnet_by_id.get(key(vnet_id))
        return v.name if v else (name_of(vnet_id) if vnet_id else "the internet")


def _labels(name: str) -> int:
    return len([x for x in name.split(".") if x])


def compute(inv: Inventory) -> list[Path]:
    """Every (VNet that can reach the endpoint) x (endpoint FQDN) path, in a stable order."""
    r = _Resolver(inv)
    out: list[Path] = []
    ordered = sorted(inv.vnets, key=lambda v: key(v.id))
    reach: dict[str, list[str]] = {}
    for ep in sorted(inv.endpoints, key=lambda e: key(e.id)):
        if not ep.vnet_id or not inv.ips_of(ep):
            continue
        if key(ep.vnet_id) not in reach:
            reach[key(ep.vnet_id)] = [v.id for v in ordered if inv.connected(v.id, ep.vnet_id)]
        vnets = reach[key(ep.vnet_id)]
        for fqdn in inv.fqdns_of(ep):
            for vnet_id in vnets:
                out.append(r.resolve(ep, fqdn, vnet_id))
    return out


def server_paths(inv: Inventory) -> list[tuple[str, str, Any]]:
    """(VNet id, DNS server, (resolver, endpoint)) for every VNet whose DNS servers include an inbound endpoint."""
    out = []
    for v in sorted(inv.vnets, key=lambda v: key(v.id)):
        for s in v.dns_servers:
            if s in inv.inbound_by_ip:
                out.append((v.id, s, inv.inbound_by_ip[s]))
    return out

"""Read-only inventory collection with subscription-wide list calls.

Request budget: the number of ARM requests grows with the number of *pages*, not the number of endpoints.

- One pager per subscription for each of: private endpoints, NICs, VNets (subnets come inline), private DNS zones,
  key vaults, Private Link Services, load balancers, VMs, public IPs.
- Per *zone* (never per endpoint): the record-set ``/ALL`` list and the VNet-link list.
- DNS Private Resolvers and forwarding rulesets: one list each per subscription; per resolver its inbound endpoints,
  per ruleset its rules and its VNet links. Peerings come inline in the VNet list.
- Zone groups (``privateDnsZoneGroups``) are the only per-endpoint call, and only for endpoints the lists cannot
  explain: an endpoint is *explained* when some A record in a zone in scope holds one of its private IPs (that record
  is what a zone group writes; seeing it answers every question the audit asks). An endpoint with no such record is
  either missing DNS integration (PL002) or has a zone group pointing at a zone outside the scope; only the zone-group
  GET tells the two apart, so only those endpoints pay for it.

Every call goes through the gateway's official SDK clients, so paging (absolute nextLink), 429 + Retry-After and the
gateway's bounded retries apply. The whole collection is bounded by ``total_timeout``. Nothing here writes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterable, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from audits.inventory import (
    Endpoint,
    Inventory,
    Resolver,
    Ruleset,
    key,
    resolver_from_dicts,
    ruleset_from_dicts,
    zone_group_from_dict,
)
from audits.services import Cloud, cloud_for_arm_endpoint
from plinktui.armid import rg_of, sub_of

if TYPE_CHECKING:
    from azure.core.rest import HttpRequest

    from plinktui.cloud import Gateway

T = TypeVar("T")


@dataclass
class CollectStats:
    """What the collection cost."""

    arm_requests: int = 0
    seconds: float = 0.0
    zone_group_fetches: int = 0
    subscriptions: int = 0
    pages_by_api: dict[str, int] = field(default_factory=dict)
    inventory: str = "arm"
    """Which inventory ran: ``arm`` lists or ``graph`` (Resource Graph)."""
    graph_quota_wait: float = 0.0
    """Seconds spent waiting for Resource Graph's quota to reset (pacing instead of 429s)."""


class _Limits:
    """One semaphore per API so a slow API cannot starve the others, and none exceeds ``concurrency``."""

    def __init__(self, concurrency: int) -> None:
        self.concurrency = max(1, concurrency)
        self._sems: dict[str, asyncio.Semaphore] = {}

    def __call__(self, api: str) -> asyncio.Semaphore:
        if api not in self._sems:
            self._sems[api] = asyncio.Semaphore(self.concurrency)
        return self._sems[api]


async def _drain(pager: AsyncIterable[Any]) -> list[dict[str, Any]]:
    return [item.as_dict() if hasattr(item, "as_dict") else dict(item) async for item in pager]


API_VERSIONS = {"network": "2026-03-01", "privatedns": "2024-06-01", "keyvault": "2026-05-15", "compute": "2026-04-01",
                "dnsresolver": "2025-05-01"}
"""The api-versions the installed SDKs send for these lists (a test compares every URL with the SDK's builder)."""


@dataclass(frozen=True)
class ListCall:
    """One SDK list operation: the request it sends, the SDK builder that makes it, and the equivalent pager.

    The audit sends exactly the request the SDK operation would send (a test checks each URL, api-version and query
    against the SDK's own request builder) through an official client's ``send_request`` — same pipeline, auth,
    retries, counting — and follows ``nextLink`` the way the SDK pager does. It skips building SDK model objects only
    to turn them back into dicts (most of the client CPU at thousands of endpoints), and it does not import the large
    network SDK at all, which keeps a headless audit's start-up short.
    """

    api: str
    client: str
    builder: str
    sdk: Callable[[Gateway], AsyncIterable[Any]]
    path: str
    """URL path template: ``{sub}`` and positional ``{0}``, ``{1}`` for ``args``."""
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    """Keyword arguments of the SDK builder (for the equivalence test)."""
    query: tuple[tuple[str, str], ...] = ()
    module: str = ""
    """The SDK module of the builder when the client splits its operations (azure-mgmt-dnsresolver)."""

    def url(self, subscription_id: str) -> str:
        """The request URL (relative to the ARM endpoint), as the SDK builder makes it."""
        from urllib.parse import quote

        path = self.path.format(*(quote(str(a), safe="") for a in self.args), sub=quote(subscription_id, safe=""))
        query = "&".join([f"api-version={API_VERSIONS[self.client]}", *(f"{k}={v}" for k, v in self.query)])
        return f"{path}?{query}"


async def _json_pages(gw: Gateway, request: HttpRequest | None) -> list[dict[str, Any]]:
    """Every item of a list, following ``nextLink``, through the resource client's pipeline (any ARM client's
    pipeline sends any ARM URL; that one is the lightest to import)."""
    from azure.core.exceptions import HttpResponseError, map_error
    from azure.core.rest import HttpRequest
    from azure.mgmt.core.exceptions import ARMErrorFormat

    out: list[dict[str, Any]] = []
    while request is not None:
        response = await gw.resources.send_request(request)
        await response.read()
        if response.status_code != 200:
            map_error(status_code=response.status_code, response=response, error_map={})
            raise HttpResponseError(response=response, error_format=ARMErrorFormat)
        body = response.json() or {}
        out.extend(body.get("value") or [])
        next_link = body.get("nextLink")
        request = HttpRequest("GET", next_link) if next_link else None
    return out


async def _run_list(gw: Gateway, limits: _Limits, call: ListCall) -> list[dict[str, Any]]:
    from azure.core.rest import HttpRequest

    async with limits(call.api):
        return await _json_pages(gw, HttpRequest("GET", call.url(gw.subscription_id)))


async def _gather(coros: Sequence[Awaitable[T]]) -> list[T]:
    return list(await asyncio.gather(*coros))


def _in_rg(resource_id: str, resource_group: str | None) -> bool:
    return resource_group is None or rg_of(resource_id).lower() == resource_group.lower()


async def list_subscriptions(gw: Gateway) -> list[str]:
    """Every subscription the credential can see (``--all-subscriptions``)."""
    out = []
    async for s in gw.subscriptions.subscriptions.list():
        d = s.as_dict() if hasattr(s, "as_dict") else dict(s)
        sid = d.get("subscriptionId") or (d.get("id") or "").rsplit("/", 1)[-1]
        if sid:
            out.append(sid)
    return out


_NET = "/subscriptions/{sub}/providers/Microsoft.Network/"
_RG_NET = "/subscriptions/{sub}/resourceGroups/{1}/providers/Microsoft.Network/"

SUBSCRIPTION_LISTS = (
    ListCall("private_endpoints", "network", "build_private_endpoints_list_by_subscription_request",
             lambda gw: gw.network.private_endpoints.list_by_subscription(), _NET + "privateEndpoints"),
    ListCall("network_interfaces", "network", "build_network_interfaces_list_all_request",
             lambda gw: gw.network.network_interfaces.list_all(), _NET + "networkInterfaces"),
    ListCall("virtual_networks", "network", "build_virtual_networks_list_all_request",
             lambda gw: gw.network.virtual_networks.list_all(), _NET + "virtualNetworks"),
    ListCall("private_dns_zones", "privatedns", "build_private_zones_list_request",
             lambda gw: gw.privatedns.private_zones.list(), _NET + "privateDnsZones"),
    ListCall("vaults", "keyvault", "build_vaults_list_by_subscription_request",
             lambda gw: gw.keyvault.vaults.list_by_subscription(),
             "/subscriptions/{sub}/providers/Microsoft.KeyVault/vaults"),
    ListCall("private_link_services", "network", "build_private_link_services_list_by_subscription_request",
             lambda gw: gw.network.private_link_services.list_by_subscription(), _NET + "privateLinkServices"),
    ListCall("load_balancers", "network", "build_load_balancers_list_all_request",
             lambda gw: gw.network.load_balancers.list_all(), _NET + "loadBalancers"),
    # statusOnly=true carries the power state, so probe selection needs no per-VM instance-view GET.
    ListCall("virtual_machines", "compute", "build_virtual_machines_list_all_request",
             lambda gw: gw.compute.virtual_machines.list_all(status_only="true"),
             "/subscriptions/{sub}/providers/Microsoft.Compute/virtualMachines",
             kwargs=(("status_only", "true"),), query=(("statusOnly", "true"),)),
    ListCall("public_ip_addresses", "network", "build_public_ip_addresses_list_all_request",
             lambda gw: gw.network.public_ip_addresses.list_all(), _NET + "publicIPAddresses"),
    ListCall("dns_resolvers", "dnsresolver", "build_list_request", lambda gw: gw.dnsresolver.dns_resolvers.list(),
             _NET + "dnsResolvers", module="azure.mgmt.dnsresolver.operations._dns_resolvers_operations"),
    ListCall("dns_forwarding_rulesets", "dnsresolver", "build_list_request",
             lambda gw: gw.dnsresolver.dns_forwarding_rulesets.list(), _NET + "dnsForwardingRulesets",
             module="azure.mgmt.dnsresolver.operations._dns_forwarding_rulesets_operations"),
)
"""The subscription-wide lists, one pager each per subscription."""


async def _collect_subscription(gw: Gateway, limits: _Limits) -> dict[str, list[dict[str, Any]]]:
    lists = await _gather([_run_list(gw, limits, call) for call in SUBSCRIPTION_LISTS])
    return {call.api: items for call, items in zip(SUBSCRIPTION_LISTS, lists, strict=True)}


async def _zone_details(gw: Gateway, limits: _Limits, zone: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    rg, name = rg_of(zone["id"]), zone["name"]
    recs, links = await asyncio.gather(
        _run_list(gw, limits, zone_list_call("record_sets", rg, name)),
        _run_list(gw, limits, zone_list_call("virtual_network_links", rg, name)),
    )
    return recs, links


async def _zone_groups(gw: Gateway, limits: _Limits, ep: Endpoint) -> list[dict[str, Any]]:
    return await _run_list(gw, limits, zone_group_list_call(ep.name, ep.resource_group))


RECORD_PAGE = 1000
"""Record sets asked for per page of a zone's ``/ALL`` list."""


def zone_list_call(api: str, resource_group: str, zone: str) -> ListCall:
    """The per-zone lists: record sets (the ``/ALL`` list) or VNet links."""
    if api == "record_sets":
        # $top: up to RECORD_PAGE record sets a page instead of the default 100 (a zone of 400 endpoints: 1 page).
        return ListCall(api, "privatedns", "build_record_sets_list_request",
                        lambda g: g.privatedns.record_sets.list(resource_group, zone, top=RECORD_PAGE),
                        "/subscriptions/{sub}/resourceGroups/{0}/providers/Microsoft.Network/privateDnsZones/{1}/aLL",
                        (resource_group, zone), kwargs=(("top", RECORD_PAGE),), query=(("$top", str(RECORD_PAGE)),))
    return ListCall(api, "privatedns", "build_virtual_network_links_list_request",
                    lambda g: g.privatedns.virtual_network_links.list(resource_group, zone),
                    "/subscriptions/{sub}/resourceGroups/{0}/providers/Microsoft.Network/privateDnsZones/{1}"
                    "/virtualNetworkLinks", (resource_group, zone))


def zone_group_list_call(endpoint: str, resource_group: str) -> ListCall:
    """The zone groups of one endpoint (only for endpoints the lists cannot explain)."""
    return ListCall("private_dns_zone_groups", "network", "build_private_dns_zone_groups_list_request",
                    lambda g: g.network.private_dns_zone_groups.list(private_endpoint_name=endpoint,
                                                                     resource_group_name=resource_group),
                    _RG_NET + "privateEndpoints/{0}/privateDnsZoneGroups", (endpoint, resource_group))


def resolver_list_call(api: str, resource_group: str, parent: str) -> ListCall:
    """The lists under one resolver (``inbound_endpoints``) or one ruleset (``forwarding_rules``,
    ``ruleset_links``): per resolver and per ruleset, never per endpoint."""
    ops = {"inbound_endpoints": ("_inbound_endpoints_operations", "dnsResolvers/{1}/inboundEndpoints",
                                 lambda g: g.dnsresolver.inbound_endpoints.list(resource_group, parent)),
           "forwarding_rules": ("_forwarding_rules_operations", "dnsForwardingRulesets/{1}/forwardingRules",
                                lambda g: g.dnsresolver.forwarding_rules.list(resource_group, parent)),
           "ruleset_links": ("_virtual_network_links_operations", "dnsForwardingRulesets/{1}/virtualNetworkLinks",
                             lambda g: g.dnsresolver.virtual_network_links.list(resource_group, parent))}
    module, tail, sdk = ops[api]
    return ListCall(api, "dnsresolver", "build_list_request", sdk,
                    "/subscriptions/{sub}/resourceGroups/{0}/providers/Microsoft.Network/" + tail,
                    (resource_group, parent), module=f"azure.mgmt.dnsresolver.operations.{module}")


async def _resolver_details(gws: dict[str, Gateway], gw: Gateway, limits: _Limits, merged: dict[str, list[dict[str, Any]]]
                            ) -> tuple[list[Resolver], list[Ruleset]]:
    """Inbound endpoints per resolver, rules and links per ruleset (a landing zone has a handful of each)."""
    def owner(rid: str) -> Gateway:
        return gws.get(sub_of(rid).lower(), gw)

    resolvers = merged.get("dns_resolvers") or []
    rulesets = merged.get("dns_forwarding_rulesets") or []
    inbound = await _gather([_run_list(owner(r["id"]), limits, resolver_list_call(
        "inbound_endpoints", rg_of(r["id"]), r["name"])) for r in resolvers])
    rules = await _gather([_run_list(owner(r["id"]), limits, resolver_list_call(
        "forwarding_rules", rg_of(r["id"]), r["name"])) for r in rulesets])
    links = await _gather([_run_list(owner(r["id"]), limits, resolver_list_call(
        "ruleset_links", rg_of(r["id"]), r["name"])) for r in rulesets])
    return ([resolver_from_dicts(r, i) for r, i in zip(resolvers, inbound, strict=True)],
            [ruleset_from_dicts(r, ru, li) for r, ru, li in zip(rulesets, rules, links, strict=True)])


def unexplained(inv: Inventory) -> list[Endpoint]:
    """Endpoints with no A record (in any zone in scope) holding one of their private IPs."""
    return [ep for ep in inv.endpoints if not any(inv.records_by_ip.get(ip) for ip in inv.ips_of(ep))]


INVENTORIES = ("arm", "graph", "auto")


def choose_inventory(inventory: str, *, subscriptions: int, all_subscriptions: bool,
                     management_group: str | None) -> str:
    """``auto``: Resource Graph beyond two subscriptions, with ``--all-subscriptions`` or a management group; ARM
    lists otherwise (one or two subscriptions cost a few list pages either way, and need no extra client)."""
    if inventory != "auto":
        return inventory
    return "graph" if (subscriptions > 2 or all_subscriptions or management_group) else "arm"


async def _arm_lists(gws: Sequence[Gateway], limits: _Limits) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Gateway]]:
    per_sub = await _gather([_collect_subscription(g, limits) for g in gws])
    merged: dict[str, list[dict[str, Any]]] = {}
    zone_gw: dict[str, Gateway] = {}
    for g, lists in zip(gws, per_sub, strict=True):
        for name, items in lists.items():
            merged.setdefault(name, []).extend(items)
        for z in lists["private_dns_zones"]:
            zone_gw[key(z["id"])] = g
    return merged, zone_gw


async def collect(gw: Gateway, *, subscriptions: Sequence[str] | None = None, resource_group: str | None = None,
                  concurrency: int = 8, total_timeout: float = 600.0, all_subscriptions: bool = False,
                  cloud: Cloud | None = None, inventory: str = "arm",
                  management_group: str | None = None) -> tuple[Inventory, CollectStats]:
    """Collect the inventory of one or more subscriptions, read-only.

    Args:
        gw: An open ``plinktui.cloud.Gateway``.
        subscriptions: Subscription ids; default: the gateway's own subscription.
        resource_group: Keep only endpoints, NICs, vaults and Private Link Services of this resource group. Zones,
            VNets and VMs stay subscription-wide because they explain endpoints from elsewhere (hub zones).
        concurrency: Maximum requests in flight per API.
        total_timeout: Seconds for the whole collection (raises TimeoutError beyond).
        all_subscriptions: Audit every subscription the credential can list.
        cloud: Which cloud's DNS names apply; default from the gateway's ARM endpoint.
        inventory: ``arm`` (subscription-wide lists), ``graph`` (Azure Resource Graph queries) or ``auto``
            (``choose_inventory``). Either way record sets are per-zone ARM lists and the result is the same.
        management_group: Audit every subscription under this management group (found through Resource Graph).

    Returns:
        The inventory and what it cost (requests counted by the gateway's pipeline, retries included).
    """
    from audits import graph

    t0 = time.monotonic()
    r0 = gw.stats.requests
    limits = _Limits(concurrency)
    stats = CollectStats()
    pacer = graph.GraphPacer()
    async with asyncio.timeout(total_timeout):
        if management_group:
            subs = await graph.subscriptions_of_group(gw, pacer, management_group)
        elif all_subscriptions:
            subs = await list_subscriptions(gw)
        else:
            subs = list(dict.fromkeys(subscriptions or [gw.subscription_id]))
        gws = [gw.at(s) for s in subs]
        sub_gw = {s.lower(): g for s, g in zip(subs, gws, strict=True)}
        stats.inventory = choose_inventory(inventory, subscriptions=len(subs), all_subscriptions=all_subscriptions,
                                           management_group=management_group)
        graph_records: dict[str, list[dict[str, Any]]] = {}
        if stats.inventory == "graph":
            async def zone_records(found: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
                recs = await _gather([_run_list(sub_gw.get(sub_of(z["id"]).lower(), gw), limits,
                                                zone_list_call("record_sets", rg_of(z["id"]), z["name"]))
                                      for z in found])
                return {key(z["id"]): r for z, r in zip(found, recs, strict=True)}

            merged, graph_links, per_chunk = await graph.collect_lists(gw, pacer, subs, on_zones=zone_records)
            for part in per_chunk:
                graph_records.update(part)
            zone_gw: dict[str, Gateway] = {}
        else:
            merged, zone_gw = await _arm_lists(gws, limits)
            graph_links = None
        # One order whichever inventory ran (subscription as listed, then id), so checks that pick "the first"
        # match (e.g. a record found in two subscriptions' zones when address spaces overlap) pick the same one.
        rank = {s.lower(): i for i, s in enumerate(subs)}
        for items in merged.values():
            items.sort(key=lambda x: (rank.get(sub_of(x.get("id") or "").lower(), len(rank)), key(x.get("id"))))
        zones = merged["private_dns_zones"]
        if graph_links is None:
            details = await _gather([_zone_details(zone_gw[key(z["id"])], limits, z) for z in zones])
            record_sets = {z["id"]: d[0] for z, d in zip(zones, details, strict=True)}
            links = {z["id"]: d[1] for z, d in zip(zones, details, strict=True)}
        else:  # the record lists ran while the endpoint pages came in (graph.collect_lists's on_zones)
            record_sets = {z["id"]: graph_records.get(key(z["id"]), []) for z in zones}
            links = {z["id"]: graph_links.get(key(z["id"]), []) for z in zones}

        # The resource-group filter applies to what is audited (endpoints, PLS, vaults), not to what explains it:
        # NICs and targeted vaults in other groups stay, or the filter would invent orphans and missing targets.
        for name in ("private_endpoints", "private_link_services"):
            merged[name] = [x for x in merged[name] if _in_rg(x.get("id") or "", resource_group)]
        targeted = {key(c.get("properties", {}).get("privateLinkServiceId"))
                    for e in merged["private_endpoints"] for k in ("privateLinkServiceConnections",
                                                                   "manualPrivateLinkServiceConnections")
                    for c in (e.get("properties") or {}).get(k) or []}
        merged["vaults"] = [v for v in merged["vaults"]
                            if _in_rg(v.get("id") or "", resource_group) or key(v.get("id")) in targeted]
        resolvers, rulesets = await _resolver_details(sub_gw, gw, limits, merged)
        inv = Inventory.from_dicts(
            private_endpoints=merged["private_endpoints"], network_interfaces=merged["network_interfaces"],
            virtual_networks=merged["virtual_networks"], private_dns_zones=zones, record_sets=record_sets,
            virtual_network_links=links, vaults=merged["vaults"],
            private_link_services=merged["private_link_services"], load_balancers=merged["load_balancers"],
            virtual_machines=merged["virtual_machines"], public_ip_addresses=merged["public_ip_addresses"],
            subscriptions=subs, cloud=cloud or cloud_for_arm_endpoint(getattr(gw.target, "arm_endpoint", None)),
            resolvers=resolvers, rulesets=rulesets)
        inv.resource_group = resource_group

        # Zone groups only where the lists leave a question open (see module docstring).
        todo = unexplained(inv)
        fetched = await _gather([_zone_groups(sub_gw.get(sub_of(ep.id).lower(), gw), limits, ep) for ep in todo])
        for ep, groups in zip(todo, fetched, strict=True):
            ep.zone_groups = [zone_group_from_dict(g) for g in groups]
        if todo:
            inv.notes.append(f"fetched DNS zone groups for {len(todo)} endpoint(s) with no A record on their IP")

    stats.arm_requests = gw.stats.requests - r0
    stats.seconds = round(time.monotonic() - t0, 3)
    stats.zone_group_fetches = len(todo)
    stats.subscriptions = len(subs)
    stats.graph_quota_wait = round(pacer.waited, 3)
    return inv, stats


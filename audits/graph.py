"""The inventory through Azure Resource Graph: a few KQL queries across every subscription at once, paced by
Resource Graph's per-user quota headers.

What the queries return is exactly what the subscription-wide ARM lists return (``collector.SUBSCRIPTION_LISTS``):
the same ids, names, locations, tags and ``properties`` for endpoints, NICs, VNets (subnets inline), zones, VNet
links, vaults, Private Link Services, load balancers, VMs (power state from ``properties.extended.instanceView``)
and public IPs. Record sets are not in Resource Graph: they stay per-zone ARM lists, as in the ARM inventory.

Two queries, so that the 1,000-row pages are spent on endpoints rather than on NICs and vaults:

1. ``ENDPOINTS``: one row per private endpoint, with its NIC and its target vault joined in (``leftouter``) —
   N endpoints cost N rows, not 3N.
2. ``OTHERS``: everything else, plus any NIC or vault that no endpoint names (VM NICs, orphans, vaults without an
   endpoint), found with a ``leftouter`` join against the keys query 1 joined on.

Paging: the first page of a query says how many rows there are; the other pages are asked for at once with
``$skip`` (each query orders its rows). Pacing: before each request the collector takes a slot from ``GraphPacer``,
which trusts the last ``x-ms-user-quota-remaining`` / ``x-ms-user-quota-resets-after`` it saw and waits for the reset
rather than sending a query it knows will be refused. A 429 that still happens (another client on the same user) is retried by the
gateway's bounded retry policy, honouring ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from plinktui.cloud import Gateway

T = TypeVar("T")

GRAPH_API_VERSION = "2021-03-01"
"""What azure-mgmt-resourcegraph sends (a test checks it against the SDK's builder)."""

PAGE_ROWS = 1000
"""Resource Graph's largest page."""

NIC_KEY = "tolower(tostring(properties.networkInterfaces[0].id))"
TARGET_KEY = ("tolower(tostring(coalesce(properties.privateLinkServiceConnections[0].properties.privateLinkServiceId,"
              " properties.manualPrivateLinkServiceConnections[0].properties.privateLinkServiceId)))")

ENDPOINTS = f"""resources
| where type =~ 'microsoft.network/privateendpoints'
| project id, name, type, location, tags, properties, nicKey = {NIC_KEY}, vaultKey = {TARGET_KEY}
| join kind=leftouter (resources | where type =~ 'microsoft.network/networkinterfaces'
    | project nicKey = tolower(id), nicId = id, nicName = name, nicType = type, nicLocation = location,
              nicTags = tags, nicProperties = properties) on nicKey
| join kind=leftouter (resources | where type =~ 'microsoft.keyvault/vaults'
    | project vaultKey = tolower(id), vaultId = id, vaultName = name, vaultType = type, vaultLocation = location,
              vaultTags = tags, vaultProperties = properties) on vaultKey
| project-away nicKey1, vaultKey1
| order by id asc"""

OTHER_TYPES = ("microsoft.network/virtualnetworks", "microsoft.network/privatednszones",
               "microsoft.network/privatednszones/virtualnetworklinks", "microsoft.network/privatelinkservices",
               "microsoft.network/loadbalancers", "microsoft.compute/virtualmachines",
               "microsoft.network/publicipaddresses", "microsoft.network/networkinterfaces", "microsoft.keyvault/vaults",
               "microsoft.network/dnsresolvers", "microsoft.network/dnsforwardingrulesets")

OTHERS = f"""resources
| where type in~ ({", ".join(f"'{t}'" for t in OTHER_TYPES)})
| extend k = tolower(id)
| join kind=leftouter (
    resources | where type =~ 'microsoft.network/privateendpoints' | project k = {NIC_KEY}
    | union (resources | where type =~ 'microsoft.network/privateendpoints' | project k = {TARGET_KEY})
    | where isnotempty(k) | distinct k | extend named = 1) on k
| where isnull(named) or not(type in~ ('microsoft.network/networkinterfaces', 'microsoft.keyvault/vaults'))
| project id, name, type, location, tags, sku, properties
| order by id asc"""

LIST_OF_TYPE = {
    "microsoft.network/privateendpoints": "private_endpoints",
    "microsoft.network/networkinterfaces": "network_interfaces",
    "microsoft.network/virtualnetworks": "virtual_networks",
    "microsoft.network/privatednszones": "private_dns_zones",
    "microsoft.keyvault/vaults": "vaults",
    "microsoft.network/privatelinkservices": "private_link_services",
    "microsoft.network/loadbalancers": "load_balancers",
    "microsoft.compute/virtualmachines": "virtual_machines",
    "microsoft.network/publicipaddresses": "public_ip_addresses",
    "microsoft.network/dnsresolvers": "dns_resolvers",
    "microsoft.network/dnsforwardingrulesets": "dns_forwarding_rulesets",
}
"""Resource Graph type -> the name of the ARM list it replaces (``collector.SUBSCRIPTION_LISTS``)."""

ZONE_TYPE = "microsoft.network/privatednszones"

SUBSCRIPTIONS_OF_GROUP = ("resourcecontainers | where type =~ 'microsoft.resources/subscriptions' "
                          "| project subscriptionId | order by subscriptionId asc")

MAX_SCOPE = 1000
"""Subscriptions per query (Resource Graph's limit for one request)."""


class GraphPacer:
    """Resource Graph's per-user quota as the answers report it: queries wait for the window to reset instead of
    being refused.

    The first query goes alone (the quota is unknown until an answer reports it); after that, as many queries go at
    once as the last ``x-ms-user-quota-remaining`` allows (less those still in flight); with none left, the next
    query sleeps until ``x-ms-user-quota-resets-after`` has passed, then a new window holds the quota learnt from the
    answers (the largest ``remaining + 1`` seen).
    """

    def __init__(self, clock: Any = time.monotonic, sleep: Any = asyncio.sleep) -> None:
        self.clock = clock
        self.sleep = sleep
        self.remaining: int | None = None
        self.quota: int | None = None
        self.resets_at = 0.0
        self.in_flight = 0
        self.waited = 0.0
        self._cond = asyncio.Condition()

    async def slot(self) -> None:
        """Wait until a query may be sent without being throttled, and count it against the quota."""
        async with self._cond:
            while True:
                if self.remaining is None:
                    if self.in_flight == 0:
                        break
                    await self._cond.wait()
                    continue
                if self.remaining > 0:
                    self.remaining -= 1
                    break
                wait = self.resets_at - self.clock()
                if wait > 0:
                    self.waited += wait
                    await self.sleep(wait)
                self.remaining = self.quota
            self.in_flight += 1

    async def done(self, headers: Any) -> None:
        """An answer arrived: read ``x-ms-user-quota-remaining`` and ``x-ms-user-quota-resets-after`` (hh:mm:ss)."""
        async with self._cond:
            self.in_flight = max(0, self.in_flight - 1)
            remaining = headers.get("x-ms-user-quota-remaining") if headers is not None else None
            resets = headers.get("x-ms-user-quota-resets-after") if headers is not None else None
            try:
                left = int(remaining) if remaining is not None else None
                h, m, sec = (float(x) for x in str(resets).split(":")) if resets is not None else (0.0, 0.0, 0.0)
            except ValueError:
                left = None
            if left is not None:
                self.quota = max(self.quota or 0, left + 1)
                # queries still in flight may not be counted in this answer yet: assume they are about to be
                self.remaining = max(0, left - self.in_flight)
                self.resets_at = self.clock() + h * 3600 + m * 60 + sec
            elif self.remaining is None:
                self.remaining = 1  # no quota headers: no pacing to learn, one query at a time
            self._cond.notify_all()


def page_request(text: str, subscriptions: Sequence[str] | None, management_groups: Sequence[str] | None,
                 skip: int) -> Any:
    """The request the SDK's ``resources`` operation sends for this page: its own request builder, its own model
    serialisation of the body (a test compares both with what the operation sends)."""
    from azure.mgmt.resourcegraph import models
    from azure.mgmt.resourcegraph.operations._resource_graph_client_operations import build_resources_request

    body = models.QueryRequest(query=text, subscriptions=list(subscriptions) if subscriptions else None,
                               management_groups=list(management_groups) if management_groups else None,
                               options=models.QueryRequestOptions(top=PAGE_ROWS, skip=skip or None,
                                                                  result_format="objectArray"))
    return build_resources_request(api_version=GRAPH_API_VERSION, content_type="application/json",
                                   json=_serializer().body(body, "QueryRequest"))


@functools.cache
def _serializer() -> Any:
    """The SDK's own ``Serializer`` over its models (what the ``resources`` operation serialises the body with)."""
    from azure.mgmt.resourcegraph import models
    from azure.mgmt.resourcegraph._utils.serialization import Serializer

    return Serializer({k: v for k, v in models.__dict__.items() if isinstance(v, type)})


async def _page(gw: Gateway, pacer: GraphPacer, text: str, subscriptions: Sequence[str] | None,
                management_groups: Sequence[str] | None, skip: int) -> dict[str, Any]:
    """One page through the official client's pipeline (auth, retries on 429 with Retry-After, counting). The
    answer is read as JSON, not turned into SDK models: at 1,000 rows a page the model walk cost more CPU than the
    rest of the audit (the collector's ARM lists skip it the same way)."""
    from azure.core.exceptions import HttpResponseError, map_error
    from azure.mgmt.core.exceptions import ARMErrorFormat

    await pacer.slot()
    headers = None
    try:
        # The SDK generation of ResourceGraphClient has no send_request; any ARM client's pipeline (same policies,
        # credential, retries, counting) sends the request its builder made.
        response = await gw.resources.send_request(page_request(text, subscriptions, management_groups, skip))
        await response.read()
        headers = response.headers
        if response.status_code != 200:
            map_error(status_code=response.status_code, response=response, error_map={})
            raise HttpResponseError(response=response, error_format=ARMErrorFormat)
        return response.json() or {}
    finally:
        await pacer.done(headers)


async def query(gw: Gateway, pacer: GraphPacer, text: str, *, subscriptions: Sequence[str] | None = None,
                management_groups: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Every row of a query: the first page says how many rows there are (``totalRecords``); the other pages are
    asked for at once with ``$skip`` (the query orders its rows, so pages do not overlap), paced by the quota."""
    first = await _page(gw, pacer, text, subscriptions, management_groups, 0)
    rows: list[dict[str, Any]] = list(first.get("data") or [])
    total = int(first.get("totalRecords") or 0)
    if len(rows) < total:
        pages = await asyncio.gather(*(_page(gw, pacer, text, subscriptions, management_groups, skip)
                                       for skip in range(len(rows), total, PAGE_ROWS)))
        for page in pages:
            rows.extend(page.get("data") or [])
    return rows


async def subscriptions_of_group(gw: Gateway, pacer: GraphPacer, group: str) -> list[str]:
    """The subscriptions under a management group (``--management-group``)."""
    rows = await query(gw, pacer, SUBSCRIPTIONS_OF_GROUP, management_groups=[group])
    return [str(r["subscriptionId"]) for r in rows if r.get("subscriptionId")]


def _arm(row: dict[str, Any], prefix: str = "") -> dict[str, Any] | None:
    """An ARM list item from a row (``prefix`` picks the joined columns: ``nic``, ``vault``)."""
    def col(name: str) -> Any:
        return row.get(prefix + name[0].upper() + name[1:]) if prefix else row.get(name)

    rid = col("id")
    if not rid:
        return None
    out: dict[str, Any] = {"id": rid, "name": col("name"), "type": col("type"), "location": col("location"),
                           "properties": col("properties") or {}}
    if col("tags"):
        out["tags"] = col("tags")
    if not prefix and row.get("sku"):
        out["sku"] = row["sku"]
    if str(out["type"]).lower() == "microsoft.compute/virtualmachines":
        power = ((out["properties"].get("extended") or {}).get("instanceView") or {}).get("powerState") or {}
        if power.get("code"):
            out["properties"] = {**out["properties"], "instanceView": {"statuses": [{"code": power["code"]}]}}
    return out


async def collect_lists(gw: Gateway, pacer: GraphPacer, subscriptions: Sequence[str],
                        on_zones: Callable[[list[dict[str, Any]]], Coroutine[Any, Any, T]] | None = None,
                        ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]], list[T]]:
    """The subscription-wide lists (as ``collector`` names them) and the VNet links by zone id, from two queries
    per 1,000 subscriptions.

    ``on_zones`` starts as soon as a chunk's zones are known (the small query answers first) and runs while the
    endpoint pages are still coming (and waiting for the quota): the caller's per-zone record lists overlap them.
    Its results come back in the third element, one per chunk.
    """
    lists: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in LIST_OF_TYPE.values()}
    links: dict[str, list[dict[str, Any]]] = {}
    side: list[T] = []
    subs = list(subscriptions)
    for start in range(0, max(len(subs), 1), MAX_SCOPE):
        chunk = subs[start:start + MAX_SCOPE]
        zones: list[dict[str, Any]] = []
        side_task = None
        async with asyncio.TaskGroup() as group:
            endpoints_task = group.create_task(query(gw, pacer, ENDPOINTS, subscriptions=chunk))
            for row in await query(gw, pacer, OTHERS, subscriptions=chunk):
                item = _arm(row)
                if item is None:
                    continue
                rtype = str(item["type"]).lower()
                if rtype == "microsoft.network/privatednszones/virtualnetworklinks":
                    zone_id = item["id"][: item["id"].lower().rfind("/virtualnetworklinks/")]
                    links.setdefault(zone_id.lower(), []).append(item)
                elif rtype in LIST_OF_TYPE:
                    if item["id"].lower() not in lists[LIST_OF_TYPE[rtype]] and rtype == ZONE_TYPE:
                        zones.append(item)
                    lists[LIST_OF_TYPE[rtype]].setdefault(item["id"].lower(), item)
            if on_zones is not None:
                side_task = group.create_task(on_zones(zones))
        for row in endpoints_task.result():
            for prefix, name in (("", "private_endpoints"), ("nic", "network_interfaces"), ("vault", "vaults")):
                item = _arm(row, prefix)
                if item is not None and str(item["type"]).lower() in LIST_OF_TYPE:
                    lists[name].setdefault(item["id"].lower(), item)
        if side_task is not None:
            side.append(side_task.result())
    return {name: list(items.values()) for name, items in lists.items()}, links, side

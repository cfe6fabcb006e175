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

Pacing: before each query the collector takes a slot from ``GraphPacer``, which trusts the last
``x-ms-user-quota-remaining`` / ``x-ms-user-quota-resets-after`` it saw and waits for the reset rather than sending a
query it knows will be refused. A 429 that still happens (another client on the same user) is retried by the
gateway's bounded retry policy, honouring ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

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

SUBSCRIPTIONS_OF_GROUP = ("resourcecontainers | where type =~ 'microsoft.resources/subscriptions' "
                          "| project subscriptionId | order by subscriptionId asc")

MAX_SCOPE = 1000
"""Subscriptions per query (Resource Graph's limit for one request)."""


class GraphPacer:
    """Resource Graph's per-user quota as the last answer reported it: wait for the reset instead of a 429."""

    def __init__(self, clock: Any = time.monotonic, sleep: Any = asyncio.sleep) -> None:
        self.clock = clock
        self.sleep = sleep
        self.remaining: int | None = None
        self.resets_at = 0.0
        self.waited = 0.0
        self._lock = asyncio.Lock()

    async def slot(self) -> None:
        """Wait until a query may be sent without being throttled, and count it against the quota."""
        async with self._lock:
            now = self.clock()
            if self.remaining is not None and self.remaining <= 0 and now < self.resets_at:
                wait = self.resets_at - now
                self.waited += wait
                await self.sleep(wait)
                self.remaining = None
            if self.remaining is not None:
                self.remaining -= 1

    def observe(self, headers: Any) -> None:
        """Read ``x-ms-user-quota-remaining`` and ``x-ms-user-quota-resets-after`` (``hh:mm:ss``) of an answer."""
        remaining = headers.get("x-ms-user-quota-remaining")
        resets = headers.get("x-ms-user-quota-resets-after")
        if remaining is None or resets is None:
            return
        try:
            left = int(remaining)
            h, m, s = (float(x) for x in str(resets).split(":"))
        except ValueError:
            return
        self.remaining = left
        self.resets_at = self.clock() + h * 3600 + m * 60 + s


async def query(gw: Any, pacer: GraphPacer, text: str, *, subscriptions: Sequence[str] | None = None,
                management_groups: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Every row of a query, page by page (``$skipToken``), through the official Resource Graph client."""
    from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

    rows: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        request = QueryRequest(query=text, subscriptions=list(subscriptions) if subscriptions else None,
                               management_groups=list(management_groups) if management_groups else None,
                               options=QueryRequestOptions(top=PAGE_ROWS, skip_token=token,
                                                           result_format="objectArray"))
        await pacer.slot()
        headers, answer = await gw.resourcegraph.resources(
            request, api_version=GRAPH_API_VERSION,
            cls=lambda pipeline, body, _h: (pipeline.http_response.headers, body))
        pacer.observe(headers)
        rows.extend(answer.data or [])
        token = answer.skip_token
        if not token:
            return rows


async def subscriptions_of_group(gw: Any, pacer: GraphPacer, group: str) -> list[str]:
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


async def collect_lists(gw: Any, pacer: GraphPacer, subscriptions: Sequence[str]
                        ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """The subscription-wide lists (as ``collector`` names them) and the VNet links by zone id, from two queries
    per 1,000 subscriptions."""
    lists: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in LIST_OF_TYPE.values()}
    links: dict[str, list[dict[str, Any]]] = {}
    subs = list(subscriptions)
    for start in range(0, max(len(subs), 1), MAX_SCOPE):
        chunk = subs[start:start + MAX_SCOPE]
        endpoints, others = await asyncio.gather(query(gw, pacer, ENDPOINTS, subscriptions=chunk),
                                                 query(gw, pacer, OTHERS, subscriptions=chunk))
        for row in endpoints:
            for prefix, name in (("", "private_endpoints"), ("nic", "network_interfaces"), ("vault", "vaults")):
                item = _arm(row, prefix)
                if item is not None and str(item["type"]).lower() in LIST_OF_TYPE:
                    lists[name].setdefault(item["id"].lower(), item)
        for row in others:
            item = _arm(row)
            if item is None:
                continue
            rtype = str(item["type"]).lower()
            if rtype == "microsoft.network/privatednszones/virtualnetworklinks":
                zone_id = item["id"][: item["id"].lower().rfind("/virtualnetworklinks/")]
                links.setdefault(zone_id.lower(), []).append(item)
            elif rtype in LIST_OF_TYPE:
                lists[LIST_OF_TYPE[rtype]].setdefault(item["id"].lower(), item)
    return {name: list(items.values()) for name, items in lists.items()}, links

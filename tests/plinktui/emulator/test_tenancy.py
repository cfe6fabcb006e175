"""The emulated tenant (``--subscriptions N``) and Azure's throttling model (``--throttle``): token buckets per
subscription + principal with the documented sizes and refill rates, the remaining-requests headers, 429 with an
integer Retry-After, Resource Graph's per-user quota and its headers; and the audit's pacing by those headers."""

from __future__ import annotations

import json

import pytest

from plinktui.cloud import Gateway, resolve_target
from plinktui.emulator.throttling import ARM_BUCKETS, GRAPH_QUOTA, Throttling, hhmmss
from tests.arm_examples import call


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _refused(t: Throttling, method: str, path: str, who: str = "Bearer a"):
    from plinktui.emulator import errors

    try:
        return t.admit(method, path, who)
    except errors.TooManyRequests as exc:
        return exc


def test_arm_read_bucket_250_refilled_25_per_second_per_subscription_and_principal():
    clock = Clock()
    t = Throttling(lambda: True, clock)
    sub_a, sub_b = "/subscriptions/a/resourceGroups", "/subscriptions/b/resourceGroups"
    for _ in range(250):
        h = t.admit("GET", sub_a, "Bearer a")
    assert h == {"x-ms-ratelimit-remaining-subscription-reads": "0"}
    exc = _refused(t, "GET", sub_a)
    assert exc.status == 429 and exc.headers["Retry-After"] == "1"
    assert exc.headers["x-ms-ratelimit-remaining-subscription-reads"] == "0"
    # another subscription, and another principal on the same one, have their own full buckets
    assert t.admit("GET", sub_b, "Bearer a")["x-ms-ratelimit-remaining-subscription-reads"] == "249"
    assert t.admit("GET", sub_a, "Bearer b")["x-ms-ratelimit-remaining-subscription-reads"] == "249"
    # writes are a separate bucket of 200
    assert t.admit("PUT", sub_a, "Bearer a") == {"x-ms-ratelimit-remaining-subscription-writes": "199"}
    assert t.admit("DELETE", sub_a, "Bearer a") == {"x-ms-ratelimit-remaining-subscription-deletes": "199"}
    clock.now += 1.0  # 25 tokens back
    for _ in range(25):
        t.admit("GET", sub_a, "Bearer a")
    assert not isinstance(_refused(t, "GET", sub_a), dict)
    assert t.throttled == 2
    assert ARM_BUCKETS == {"reads": (250, 25.0), "writes": (200, 10.0), "deletes": (200, 10.0)}


def test_write_bucket_refills_at_10_per_second_and_retry_after_is_whole_seconds():
    clock = Clock()
    t = Throttling(lambda: True, clock)
    for _ in range(200):
        t.admit("PUT", "/subscriptions/a/x", "Bearer a")
    exc = _refused(t, "PUT", "/subscriptions/a/x")
    assert exc.headers["Retry-After"] == "1" and exc.headers["Retry-After"].isdigit()
    clock.now += 0.5  # 5 tokens
    assert [isinstance(_refused(t, "PATCH", "/subscriptions/a/x"), dict) for _ in range(6)] == [True] * 5 + [False]
    assert t.admit("GET", "/tenants", "Bearer a") == {"x-ms-ratelimit-remaining-tenant-reads": "249"}


def test_resource_graph_quota_15_per_5_seconds_with_its_headers():
    clock = Clock()
    t = Throttling(lambda: True, clock)
    path = "/providers/Microsoft.ResourceGraph/resources"
    seen = [t.admit("POST", path, "Bearer a") for _ in range(GRAPH_QUOTA)]
    assert [h["x-ms-user-quota-remaining"] for h in seen] == [str(n) for n in range(14, -1, -1)]
    assert seen[0]["x-ms-user-quota-resets-after"] == "00:00:05"
    clock.now += 2.2
    exc = _refused(t, "POST", path)
    assert exc.status == 429 and exc.code == "RateLimiting"
    assert exc.headers["x-ms-user-quota-remaining"] == "0" and exc.headers["x-ms-user-quota-resets-after"] == "00:00:03"
    assert exc.headers["Retry-After"] == "3"
    clock.now += 2.8
    assert t.admit("POST", path, "Bearer a")["x-ms-user-quota-remaining"] == "14"
    assert hhmmss(3725) == "01:02:05"


def test_off_means_no_headers_and_no_refusals():
    t = Throttling(lambda: False)
    assert all(t.admit("GET", "/subscriptions/a/x", "Bearer a") == {} for _ in range(400))


async def test_tenant_subscriptions_listed_scoped_and_cross_subscription_references_resolve(emu_factory):
    emu = await emu_factory(subscriptions=3)
    ids = emu.identity()["subscription_ids"]
    assert len(ids) == 3 and ids[0] == emu.identity()["subscription_id"] and len(set(ids)) == 3
    hub, spoke = ids[0], ids[2]
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    async with Gateway(target, total_timeout=60) as gw:
        listed = [s.subscription_id async for s in gw.subscriptions.subscriptions.list()]
        assert listed == ids
        hub_gw, spoke_gw = gw.for_subscription(hub), gw.for_subscription(spoke)
        await hub_gw.resources.resource_groups.create_or_update("rg-hub", {"location": "westus2"})
        await spoke_gw.resources.resource_groups.create_or_update("rg-spoke", {"location": "westus2"})
        zone = await hub_gw.result(hub_gw.privatedns.private_zones.begin_create_or_update(
            "rg-hub", "privatelink.vaultcore.azure.net", {"location": "global"}))
        vnet = await spoke_gw.result(spoke_gw.network.virtual_networks.begin_create_or_update("rg-spoke", "vnet", {
            "location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.9.0.0/16"]},
                                                  "subnets": [{"name": "pe", "properties": {
                                                      "addressPrefix": "10.9.0.0/24"}}]}}))
        # a hub zone linked to a spoke VNet, a spoke vault + endpoint whose zone group names the hub zone
        await hub_gw.result(hub_gw.privatedns.virtual_network_links.begin_create_or_update(
            "rg-hub", "privatelink.vaultcore.azure.net", "spoke", {
                "location": "global", "properties": {"virtualNetwork": {"id": vnet.id}, "registrationEnabled": False}}))
        vault = await spoke_gw.result(spoke_gw.keyvault.vaults.begin_create_or_update("rg-spoke", "kvspoke01", {
            "location": "eastus2", "properties": {"tenantId": emu.config.tenant_id,
                                                  "sku": {"family": "A", "name": "standard"}, "accessPolicies": []}}))
        await spoke_gw.result(spoke_gw.network.private_endpoints.begin_create_or_update("rg-spoke", "pe", {
            "location": "westus2", "properties": {"subnet": {"id": vnet.id + "/subnets/pe"},
                                                  "privateLinkServiceConnections": [{"name": "c", "properties": {
                                                      "privateLinkServiceId": vault.id, "groupIds": ["vault"]}}]}}))
        await spoke_gw.result(spoke_gw.network.private_dns_zone_groups.begin_create_or_update(
            "rg-spoke", "pe", "default", {"properties": {"privateDnsZoneConfigs": [
                {"name": "kv", "properties": {"privateDnsZoneId": zone.id}}]}}))
        record = await hub_gw.privatedns.record_sets.get("rg-hub", "privatelink.vaultcore.azure.net", "A", "kvspoke01")
        assert record.a_records[0].ipv4_address == "10.9.0.4"
    r = await call(emu, "GET", f"/subscriptions/{ids[1]}/resourceGroups", api_version="2025-04-01")
    assert r.status == 200 and r.body["value"] == []
    r = await call(emu, "GET", "/subscriptions/00000000-0000-0000-0000-00000000dead/resourceGroups",
                   api_version="2025-04-01")
    assert r.status == 404 and r.body["error"]["code"] == "SubscriptionNotFound"


async def test_throttle_switched_on_by_control_endpoint_answers_429_with_integer_retry_after(emu_factory):
    import urllib.request

    emu = await emu_factory()
    r = await call(emu, "GET", f"/subscriptions/{emu.config.subscription_id}/resourceGroups",
                   api_version="2025-04-01")
    assert "x-ms-ratelimit-remaining-subscription-reads" not in {k.lower() for k in r.headers}
    import asyncio
    import ssl

    def post() -> dict:
        req = urllib.request.Request(emu.endpoint + "/_emulator/config", data=json.dumps({"throttle": True}).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, context=ssl.create_default_context(cafile=emu.ca_cert)) as resp:
            return json.loads(resp.read())

    assert (await asyncio.to_thread(post))["throttle"] is True
    path = f"/subscriptions/{emu.config.subscription_id}/resourceGroups"
    statuses = []
    for _ in range(2000):  # the bucket refills while we send, so a few more than 250 get through
        r = await call(emu, "GET", path, api_version="2025-04-01")
        statuses.append(r.status)
        if r.status == 429:
            break
    assert statuses[:250] == [200] * 250 and statuses[-1] == 429
    headers = {k.lower(): v for k, v in r.headers.items()}
    assert headers["retry-after"].isdigit() and int(headers["retry-after"]) >= 1
    assert r.body["error"]["code"] == "TooManyRequests"


async def test_graph_pacer_waits_for_the_quota_reset_instead_of_a_429(emu_factory):
    from audits import graph

    emu = await emu_factory(throttle=True)
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    slept: list[float] = []
    async with Gateway(target, total_timeout=60) as gw:
        import asyncio

        async def sleep(s: float) -> None:
            slept.append(s)
            await asyncio.sleep(s)

        pacer = graph.GraphPacer(sleep=sleep)
        for _ in range(GRAPH_QUOTA + 2):
            await graph.query(gw, pacer, "resourcecontainers | project id", subscriptions=[emu.config.subscription_id])
        assert gw.stats.throttled == 0  # never a 429: the pacer waited for the window instead
    assert len(slept) == 1 and 0 < slept[0] <= 5.0
    assert emu.throttling.throttled == 0


@pytest.mark.parametrize("args, message", [(["--subscriptions", "0"], "--subscriptions must be between 1 and 1000")])
def test_serve_refuses_a_bad_subscription_count(args, message):
    import argparse

    from plinktui.emulator import cli

    p = argparse.ArgumentParser()
    cli.add_arguments(p)
    assert cli._check(p.parse_args(args)) == message


async def test_graph_pages_asked_at_once_with_skip_give_every_row_once(emu_factory, monkeypatch):
    from audits import graph

    emu = await emu_factory(subscriptions=3, throttle=True)
    for i, sub in enumerate(emu.tenancy.ids * 3):
        emu.store.put({"id": f"/subscriptions/{sub}/resourceGroups/rg-{i}", "name": f"rg-{i}",
                       "type": "Microsoft.Resources/resourceGroups", "location": "westus2", "properties": {}})
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    text = "resourcecontainers | project id | order by id asc"
    async with Gateway(target, total_timeout=60) as gw:
        whole = await graph.query(gw, graph.GraphPacer(), text)
        monkeypatch.setattr(graph, "PAGE_ROWS", 2)  # our page size, not the SDK's: 12 rows in 6 pages
        before = gw.stats.by_api["Microsoft.ResourceGraph"]
        paged = await graph.query(gw, graph.GraphPacer(), text)
        assert gw.stats.by_api["Microsoft.ResourceGraph"] - before == 6
        assert gw.stats.throttled == 0
    assert len(whole) == 12 and paged == whole


async def test_graph_page_request_is_exactly_what_the_sdk_operation_sends(emu_factory):
    """The inventory skips the SDK's answer models, not its request: same URL, method, api-version and body."""
    from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

    from audits import graph

    emu = await emu_factory()
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    sent: list = []

    def capture(pipeline_request) -> None:
        sent.append(pipeline_request.http_request)

    async with Gateway(target, total_timeout=60) as gw:
        await gw.resourcegraph.resources(
            QueryRequest(query="resources | project id", subscriptions=[emu.config.subscription_id],
                         options=QueryRequestOptions(top=graph.PAGE_ROWS, skip=2000, result_format="objectArray")),
            raw_request_hook=capture)
    ours = graph.page_request("resources | project id", [emu.config.subscription_id], None, 2000)
    theirs = sent[0]
    assert theirs.method == ours.method == "POST"
    assert theirs.url == emu.endpoint + ours.url.split("?")[0] + "?api-version=" + graph.GRAPH_API_VERSION
    assert json.loads(theirs.content) == json.loads(ours.content)

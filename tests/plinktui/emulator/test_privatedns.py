"""Private DNS provider through the official azure-mgmt-privatedns client (and raw HTTPS for the ``/aLL`` list)."""

from __future__ import annotations

import asyncio
import json
import ssl
import urllib.request

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from plinktui.cloud import Gateway
from tests.dns_world import make_link, make_rg, make_zone, plant_vnet, write_a_record

ZONE = "privatelink.vaultcore.azure.net"


def _get_sync(emu, path: str) -> tuple[int, dict]:
    req = urllib.request.Request(f"{emu.endpoint}{path}?api-version=2024-06-01",
                                 headers={"Authorization": "Bearer t"})
    with urllib.request.urlopen(req, context=ssl.create_default_context(cafile=emu.ca_cert), timeout=10) as r:
        return r.status, json.loads(r.read())


async def test_zone_lifecycle_soa_and_counters(gw: Gateway, emu) -> None:
    await make_rg(gw, "rg-dns")
    zone = await make_zone(gw, "rg-dns")
    assert zone.name == ZONE and zone.location == "global"
    assert zone.properties.provisioning_state == "Succeeded"
    assert zone.properties.number_of_record_sets == 1  # the SOA record set
    assert zone.properties.number_of_virtual_network_links == 0
    assert zone.properties.max_number_of_record_sets == 25000
    soa = await gw.privatedns.record_sets.get("rg-dns", ZONE, "SOA", "@")
    assert soa.properties.soa_record.host == "azureprivatedns.net" and soa.properties.fqdn == f"{ZONE}."
    with pytest.raises(HttpResponseError):
        await gw.privatedns.record_sets.delete("rg-dns", ZONE, "SOA", "@")
    updated = await gw.result(gw.privatedns.private_zones.begin_update("rg-dns", ZONE, {"tags": {"k": "v"}}))
    assert updated.tags == {"k": "v"}
    assert [z.name async for z in gw.privatedns.private_zones.list_by_resource_group("rg-dns")] == [ZONE]
    assert ZONE in [z.name async for z in gw.privatedns.private_zones.list()]
    await gw.result(gw.privatedns.private_zones.begin_delete("rg-dns", ZONE))
    with pytest.raises(ResourceNotFoundError):
        await gw.privatedns.private_zones.get("rg-dns", ZONE)
    assert emu.store.get(zone.id + "/SOA/@") is None  # record sets go with the zone
    with pytest.raises(HttpResponseError) as info:
        await gw.result(gw.privatedns.private_zones.begin_create_or_update("rg-dns", "nodots", {"location": "global"}))
    assert info.value.status_code == 400


async def test_record_sets_crud_types_and_lists(gw: Gateway, emu) -> None:
    await make_rg(gw, "rg-rec")
    await make_zone(gw, "rg-rec")
    made = await gw.privatedns.record_sets.create_or_update("rg-rec", ZONE, "A", "KvRecord", {
        "properties": {"ttl": 10, "metadata": {"creator": "test"}, "aRecords": [{"ipv4Address": "10.1.2.3"}]}})
    assert made.name == "kvrecord" and made.properties.fqdn == f"kvrecord.{ZONE}."  # names are lower-cased
    assert made.properties.is_auto_registered is False and made.type == "Microsoft.Network/privateDnsZones/A"
    got = await gw.privatedns.record_sets.get("rg-rec", ZONE, "A", "kvrecord")
    assert [a.ipv4_address for a in got.properties.a_records] == ["10.1.2.3"]
    patched = await gw.privatedns.record_sets.update("rg-rec", ZONE, "A", "kvrecord", {"properties": {"ttl": 300}})
    assert patched.properties.ttl == 300 and patched.properties.a_records[0].ipv4_address == "10.1.2.3"
    for i in range(6):
        await gw.privatedns.record_sets.create_or_update("rg-rec", ZONE, "A", f"host{i}", {
            "properties": {"ttl": 10, "aRecords": [{"ipv4Address": f"10.1.2.{10 + i}"}]}})
    await gw.privatedns.record_sets.create_or_update("rg-rec", ZONE, "CNAME", "alias", {
        "properties": {"ttl": 10, "cnameRecord": {"cname": "kvrecord.privatelink.vaultcore.azure.net"}}})
    await gw.privatedns.record_sets.create_or_update("rg-rec", ZONE, "TXT", "note", {
        "properties": {"ttl": 10, "txtRecords": [{"value": ["hello"]}]}})
    await gw.privatedns.record_sets.create_or_update("rg-rec", ZONE, "AAAA", "six", {
        "properties": {"ttl": 10, "aaaaRecords": [{"ipv6Address": "fd00::4"}]}})
    await gw.privatedns.record_sets.create_or_update("rg-rec", ZONE, "PTR", "4", {
        "properties": {"ttl": 10, "ptrRecords": [{"ptrdname": "kvrecord.privatelink.vaultcore.azure.net"}]}})
    a_names = [r.name async for r in gw.privatedns.record_sets.list_by_type("rg-rec", ZONE, "A")]
    assert sorted(a_names) == ["host0", "host1", "host2", "host3", "host4", "host5", "kvrecord"]  # two pages
    every = [(r.type.rsplit("/", 1)[-1], r.name) async for r in gw.privatedns.record_sets.list("rg-rec", ZONE)]
    assert every[0] == ("SOA", "@") and ("CNAME", "alias") in every and ("TXT", "note") in every
    assert len(every) == 12
    zone = await gw.privatedns.private_zones.get("rg-rec", ZONE)
    assert zone.properties.number_of_record_sets == 12
    # the ALL list answers under any case of the literal (the SDK sends "aLL")
    status, body = await asyncio.to_thread(
        _get_sync, emu, f"/subscriptions/{emu.config.subscription_id}/resourceGroups/rg-rec/providers/"
                        f"Microsoft.Network/privateDnsZones/{ZONE}/ALL")
    assert status == 200 and len(body["value"]) == 5 and "nextLink" in body
    # a CNAME cannot share its name with another type
    with pytest.raises(HttpResponseError) as info:
        await gw.privatedns.record_sets.create_or_update("rg-rec", ZONE, "A", "alias", {
            "properties": {"ttl": 10, "aRecords": [{"ipv4Address": "10.9.9.9"}]}})
    assert info.value.status_code == 409
    with pytest.raises(HttpResponseError) as info:
        await gw.privatedns.record_sets.create_or_update("rg-rec", ZONE, "A", "bad", {
            "properties": {"ttl": 10, "aRecords": [{"ipv4Address": "10.1.2"}]}})
    assert info.value.status_code == 400
    await gw.privatedns.record_sets.delete("rg-rec", ZONE, "A", "host0")
    with pytest.raises(ResourceNotFoundError):
        await gw.privatedns.record_sets.get("rg-rec", ZONE, "A", "host0")
    assert (await gw.privatedns.private_zones.get("rg-rec", ZONE)).properties.number_of_record_sets == 11
    with pytest.raises(ResourceNotFoundError):
        await gw.privatedns.record_sets.get("rg-rec", "no.such.zone", "A", "x")


async def test_virtual_network_links_rules(gw: Gateway, emu) -> None:
    await make_rg(gw, "rg-link")
    await make_zone(gw, "rg-link")
    vnet = plant_vnet(emu, "rg-link", "vnet-a", "10.40.0.0/16")
    other = plant_vnet(emu, "rg-link", "vnet-b", "10.41.0.0/16")
    link = await make_link(gw, "rg-link", ZONE, "link-a", vnet)
    assert link.properties.virtual_network_link_state == "Completed"
    assert link.properties.resolution_policy == "Default" and link.properties.registration_enabled is False
    assert link.location == "global"
    zone = await gw.privatedns.private_zones.get("rg-link", ZONE)
    assert zone.properties.number_of_virtual_network_links == 1
    # the VNet must exist
    with pytest.raises(HttpResponseError) as info:
        await make_link(gw, "rg-link", ZONE, "link-x", vnet.replace("vnet-a", "vnet-missing"))
    assert info.value.status_code == 400
    # one link per VNet per zone
    with pytest.raises(HttpResponseError) as info:
        await make_link(gw, "rg-link", ZONE, "link-a2", vnet)
    assert info.value.status_code == 409
    # a second zone of the same name (another RG) cannot be linked to the same VNet
    await make_rg(gw, "rg-link2")
    await make_zone(gw, "rg-link2")
    with pytest.raises(HttpResponseError) as info:
        await make_link(gw, "rg-link2", ZONE, "link-dup", vnet)
    assert info.value.status_code == 400 and "overlapping namespaces" in info.value.message
    # PATCH keeps the VNet and changes the policy; registration counts
    await make_link(gw, "rg-link", ZONE, "link-b", other, registrationEnabled=True)
    upd = await gw.result(gw.privatedns.virtual_network_links.begin_update(
        "rg-link", ZONE, "link-a", {"properties": {"resolutionPolicy": "NxDomainRedirect"}}))
    assert upd.properties.resolution_policy == "NxDomainRedirect" and upd.properties.virtual_network.id == vnet
    zone = await gw.privatedns.private_zones.get("rg-link", ZONE)
    assert zone.properties.number_of_virtual_network_links == 2
    assert zone.properties.number_of_virtual_network_links_with_registration == 1
    names = [lk.name async for lk in gw.privatedns.virtual_network_links.list("rg-link", ZONE)]
    assert names == ["link-a", "link-b"]
    # a zone with links cannot be deleted
    with pytest.raises(HttpResponseError) as info:
        await gw.result(gw.privatedns.private_zones.begin_delete("rg-link", ZONE))
    assert info.value.status_code == 409 and info.value.error.code == "CannotDeleteResource"
    for name in names:
        await gw.result(gw.privatedns.virtual_network_links.begin_delete("rg-link", ZONE, name))
    assert (await gw.privatedns.private_zones.get("rg-link", ZONE)).properties.number_of_virtual_network_links == 0
    await gw.result(gw.privatedns.private_zones.begin_delete("rg-link", ZONE))


async def test_links_and_zones_are_lros_with_latency(emu_factory) -> None:
    from plinktui.cloud import Gateway as Gw
    from plinktui.cloud import resolve_target

    emu = await emu_factory(latency_scale=0.005)  # zone and link: 0.15 s
    async with Gw(await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert), total_timeout=60) as gw:
        await make_rg(gw, "rg-slow")
        poller = await gw.privatedns.private_zones.begin_create_or_update("rg-slow", ZONE, {"location": "global"})
        first = await gw.privatedns.private_zones.get("rg-slow", ZONE)
        assert first.properties.provisioning_state == "Creating"
        assert (await poller.result()).properties.provisioning_state == "Succeeded"
        vnet = plant_vnet(emu, "rg-slow", "vnet-s", "10.50.0.0/16")
        link = await make_link(gw, "rg-slow", ZONE, "link-s", vnet)
        assert link.properties.provisioning_state == "Succeeded"


async def test_recount_after_a_zone_group_style_write(gw: Gateway, emu) -> None:
    await make_rg(gw, "rg-zg")
    zone = await make_zone(gw, "rg-zg")
    write_a_record(emu, zone.id, "kv-zg", "10.60.1.4", pe_name="pe-zg")
    rec = await gw.privatedns.record_sets.get("rg-zg", ZONE, "A", "kv-zg")
    assert rec.properties.metadata["creator"].startswith("created by private endpoint pe-zg")
    assert rec.properties.ttl == 10
    assert (await gw.privatedns.private_zones.get("rg-zg", ZONE)).properties.number_of_record_sets == 2

"""What the Azure CLI asks of ARM beyond plinktui's own calls: the generic resources list's $filter (az checks a VNet's
existence with it before `lb create`/`vm create`), tracked child resources in that list (private DNS VNet links show
in `az resource list`), and marketplace image lookups for `az vm create --image Ubuntu2204` (raw HTTPS)."""

from __future__ import annotations

from typing import Any

from tests.arm_examples import call

RES = "2024-11-01"
NET = "2026-03-01"


async def _group_with_vnet_and_link(emu: Any) -> str:
    sub = emu.config.subscription_id
    base = f"/subscriptions/{sub}/resourceGroups/rg-az"
    await call(emu, "PUT", base, {"location": "westus2"}, "2025-04-01")
    await call(emu, "PUT", f"{base}/providers/Microsoft.Network/virtualNetworks/vnet-az", {
        "location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.5.0.0/16"]}, "subnets": [
            {"name": "snet-a", "properties": {"addressPrefix": "10.5.1.0/24"}}]}}, NET)
    zone = f"{base}/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net"
    await call(emu, "PUT", zone, {"location": "global"}, "2024-06-01")
    await call(emu, "PUT", zone + "/virtualNetworkLinks/link-az", {"location": "global", "properties": {
        "virtualNetwork": {"id": f"{base}/providers/Microsoft.Network/virtualNetworks/vnet-az"},
        "registrationEnabled": False}}, "2024-06-01")
    return base


async def test_resources_filter_matches_every_clause(emu) -> None:
    await _group_with_vnet_and_link(emu)
    sub = emu.config.subscription_id
    flt = ("resourceGroup eq 'rg-az' and name eq 'vnet-az' and resourceType eq 'Microsoft.Network/virtualNetworks'")
    hit = await call(emu, "GET", f"/subscriptions/{sub}/resources?$filter={flt.replace(' ', '%20')}", None, RES)
    assert [r["name"] for r in hit.body["value"]] == ["vnet-az"]
    flt = "resourceGroup eq 'other' and name eq 'vnet-az'"
    miss = await call(emu, "GET", f"/subscriptions/{sub}/resources?$filter={flt.replace(' ', '%20')}", None, RES)
    assert miss.body["value"] == []
    bad = await call(emu, "GET", f"/subscriptions/{sub}/resources?$filter=name%20gt%20'a'", None, RES)
    assert bad.status == 400 and bad.body["error"]["code"] == "InvalidFilterInQueryString"


async def test_private_dns_links_are_listed_as_resources_subnets_are_not(emu) -> None:
    base = await _group_with_vnet_and_link(emu)
    listed = await call(emu, "GET", f"{base}/resources", None, RES)
    types = {r["type"] for r in listed.body["value"]}
    assert "Microsoft.Network/privateDnsZones/virtualNetworkLinks" in types
    assert "Microsoft.Network/virtualNetworks/subnets" not in types
    link = next(r for r in listed.body["value"] if r["type"].endswith("virtualNetworkLinks"))
    assert link["name"] == "privatelink.vaultcore.azure.net/link-az"  # listed as parent/child


async def test_ubuntu_image_lookups_as_az_vm_create_resolves_them(emu) -> None:
    sub = emu.config.subscription_id
    jammy = (f"/subscriptions/{sub}/providers/Microsoft.Compute/locations/westus2/publishers/Canonical/"
             "artifacttypes/vmimage/offers/0001-com-ubuntu-server-jammy/skus/22_04-lts-gen2/versions")
    newest = await call(emu, "GET", jammy + "?$orderby=name%20desc&$top=1", None, "2026-04-01")
    assert newest.status == 200 and len(newest.body) == 1
    version = newest.body[0]["name"]
    everything = await call(emu, "GET", jammy, None, "2026-04-01")
    assert max(v["name"] for v in everything.body) == version
    got = await call(emu, "GET", f"{jammy}/{version}", None, "2026-04-01")
    props = got.body["properties"]
    assert props["hyperVGeneration"] == "V2" and props["osDiskImage"]["operatingSystem"] == "Linux"
    assert {"name": "SecurityType", "value": "TrustedLaunchSupported"} in props["features"]
    assert got.body["id"].startswith(f"/Subscriptions/{sub}/Providers/Microsoft.Compute/Locations/westus2/")
    noble = (f"/subscriptions/{sub}/providers/Microsoft.Compute/locations/westus2/publishers/canonical/"
             "artifacttypes/vmimage/offers/ubuntu-24_04-lts/skus/server/versions")
    assert (await call(emu, "GET", noble, None, "2026-04-01")).body
    missing = await call(emu, "GET", noble.replace("ubuntu-24_04-lts", "no-such-offer"), None, "2026-04-01")
    assert missing.status == 404

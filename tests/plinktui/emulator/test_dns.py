"""The DNS model (plinktui.emulator.dns): every case of docs/probe-formats.md §1-4, rendered through the
demo VM shell so the exact text is checked, over zones/links made through the SDK and network documents planted in
the store as the network provider writes them."""

from __future__ import annotations

import asyncio
import json
import ssl
import urllib.request
from urllib.parse import urlencode

from plinktui.cloud import Gateway
from plinktui.emulator import dns
from plinktui.emulator.vmshell import run_command
from tests.dns_world import (
    ModelVm,
    make_link,
    make_rg,
    make_vault,
    make_zone,
    plant_nic,
    plant_pe,
    plant_vnet,
    set_dns_servers,
    write_a_record,
)

ZONE = "privatelink.vaultcore.azure.net"
PUBLIC_EUS = "52.168.109.101"

SECTION_1 = ("fabrikam.vault.azure.net is an alias for data-prod-eus.vaultcore.azure.net.\n"
             "data-prod-eus.vaultcore.azure.net is an alias for data-prod-eus-region.vaultcore.azure.net.\n"
             "data-prod-eus-region.vaultcore.azure.net is an alias for azkms-prod-eus-b.eastus.cloudapp.azure.com.\n"
             "azkms-prod-eus-b.eastus.cloudapp.azure.com has address 52.168.109.101\n")
SECTION_2 = ("fabrikam.vault.azure.net is an alias for fabrikam.privatelink.vaultcore.azure.net.\n"
             "fabrikam.privatelink.vaultcore.azure.net is an alias for data-prod-eus.vaultcore.azure.net.\n"
             "data-prod-eus.vaultcore.azure.net is an alias for data-prod-eus-region.vaultcore.azure.net.\n"
             "data-prod-eus-region.vaultcore.azure.net is an alias for azkms-prod-eus-b.eastus.cloudapp.azure.com.\n"
             "azkms-prod-eus-b.eastus.cloudapp.azure.com has address 52.168.109.101\n")
SECTION_3 = ("fabrikam.vault.azure.net is an alias for fabrikam.privatelink.vaultcore.azure.net.\n"
             "fabrikam.privatelink.vaultcore.azure.net has address 10.1.2.3\n")


async def _world(gw: Gateway, emu, *, status: str = "Approved", link: bool = True, record: bool = True,
                 public_access: str = "Enabled", **vault_props):
    """fabrikam (eastus) with a PE at 10.1.2.3 in vnet-app (westus2), the zone, its link and the A record."""
    await make_rg(gw, "rg-dns")
    vault = await make_vault(gw, "rg-dns", "fabrikam", publicNetworkAccess=public_access, **vault_props)
    vnet = plant_vnet(emu, "rg-dns", "vnet-app", "10.1.0.0/16", subnets={"snet-pe": "10.1.2.0/24",
                                                                        "snet-vm": "10.1.1.0/24"})
    pe = plant_pe(emu, "rg-dns", "pe-fabrikam", f"{vnet}/subnets/snet-pe", "10.1.2.3", vault.id, status=status,
                  manual=status != "Approved")
    plant_nic(emu, "rg-dns", "vm-nic", f"{vnet}/subnets/snet-vm", "10.1.1.10")
    zone = await make_zone(gw, "rg-dns")
    if link:
        await make_link(gw, "rg-dns", ZONE, "link-app", vnet)
    if record:
        write_a_record(emu, zone.id, "fabrikam", "10.1.2.3", pe_name="pe-fabrikam")
    return vault, vnet, pe, zone


async def test_section1_no_approved_connection_public_chain_everywhere(gw: Gateway, emu) -> None:
    _vault, vnet, _pe, _zone = await _world(gw, emu, status="Pending")
    assert ModelVm(emu, None).sh("host fabrikam.vault.azure.net") == SECTION_1
    # no alias in public DNS, so even the linked VNet with the A record takes the public chain
    assert ModelVm(emu, vnet).sh("host fabrikam.vault.azure.net") == SECTION_1
    res = dns.resolve(emu, "FABRIKAM.vault.azure.net.", None)
    assert res.addresses == [PUBLIC_EUS] and res.chain[0] == "fabrikam.vault.azure.net"


async def test_section2_and_3_approved_outside_and_inside(gw: Gateway, emu) -> None:
    _vault, vnet, _pe, _zone = await _world(gw, emu)
    assert ModelVm(emu, None).sh("host fabrikam.vault.azure.net") == SECTION_2
    inside = ModelVm(emu, vnet)
    assert inside.sh("host fabrikam.vault.azure.net") == SECTION_3
    assert inside.sh("getent hosts fabrikam.vault.azure.net") == (
        "10.1.2.3        fabrikam.privatelink.vaultcore.azure.net fabrikam.vault.azure.net\n")
    assert inside.sh("dig +short fabrikam.vault.azure.net") == "fabrikam.privatelink.vaultcore.azure.net.\n10.1.2.3\n"
    # a VNet without the link sees the public chain (§2)
    lonely = plant_vnet(emu, "rg-dns", "vnet-other", "10.9.0.0/16")
    assert ModelVm(emu, lonely).sh("host fabrikam.vault.azure.net") == SECTION_2
    # the privatelink name asked directly follows the same rules
    assert dns.resolve(emu, "fabrikam.privatelink.vaultcore.azure.net", vnet).addresses == ["10.1.2.3"]
    assert dns.resolve(emu, "fabrikam.privatelink.vaultcore.azure.net", None).addresses == [PUBLIC_EUS]


async def test_link_deleted_gives_the_public_chain(gw: Gateway, emu) -> None:
    _vault, vnet, _pe, _zone = await _world(gw, emu)
    assert ModelVm(emu, vnet).sh("host fabrikam.vault.azure.net") == SECTION_3
    await gw.result(gw.privatedns.virtual_network_links.begin_delete("rg-dns", ZONE, "link-app"))
    assert ModelVm(emu, vnet).sh("host fabrikam.vault.azure.net") == SECTION_2


async def test_missing_record_nxdomain_and_nxdomain_redirect(gw: Gateway, emu) -> None:
    _vault, vnet, _pe, _zone = await _world(gw, emu, record=False)
    res = dns.resolve(emu, "fabrikam.vault.azure.net", vnet)
    assert res.nxdomain and res.chain == ["fabrikam.vault.azure.net", "fabrikam.privatelink.vaultcore.azure.net"]
    assert ModelVm(emu, vnet).sh("host fabrikam.vault.azure.net") == (
        "Host fabrikam.vault.azure.net not found: 3(NXDOMAIN)\n")
    await gw.result(gw.privatedns.virtual_network_links.begin_update(
        "rg-dns", ZONE, "link-app", {"properties": {"resolutionPolicy": "NxDomainRedirect"}}))
    assert ModelVm(emu, vnet).sh("host fabrikam.vault.azure.net") == SECTION_2  # falls back to the internet


async def test_wrongly_named_zone_is_not_used(gw: Gateway, emu) -> None:
    _vault, vnet, _pe, _zone = await _world(gw, emu, link=False)
    wrong = await make_zone(gw, "rg-dns", "privatelink.vault.azure.net")  # the classic typo
    await make_link(gw, "rg-dns", "privatelink.vault.azure.net", "link-wrong", vnet)
    write_a_record(emu, wrong.id, "fabrikam", "10.1.2.3")
    assert ModelVm(emu, vnet).sh("host fabrikam.vault.azure.net") == SECTION_2


async def test_custom_dns_servers(gw: Gateway, emu) -> None:
    _vault, vnet, _pe, _zone = await _world(gw, emu, link=False)
    hub = plant_vnet(emu, "rg-dns", "vnet-hub", "10.2.0.0/16", subnets={"snet-dns": "10.2.1.0/24"})
    plant_nic(emu, "rg-dns", "dns-forwarder-nic", f"{hub}/subnets/snet-dns", "10.2.1.4")
    await make_link(gw, "rg-dns", ZONE, "link-hub", hub)
    spoke = ModelVm(emu, vnet)
    assert spoke.sh("host fabrikam.vault.azure.net") == SECTION_2  # the app VNet itself is not linked
    set_dns_servers(emu, vnet, ["10.2.1.4"])  # a forwarder in the linked hub answers as Azure DNS from the hub
    assert ModelVm(emu, vnet).sh("host fabrikam.vault.azure.net") == SECTION_3
    assert "nameserver 10.2.1.4" in ModelVm(emu, vnet).sh("cat /run/systemd/resolve/resolv.conf")  # the upstream
    set_dns_servers(emu, vnet, ["8.8.8.8"])  # outside Azure: it answers as the internet does
    assert ModelVm(emu, vnet).sh("host fabrikam.vault.azure.net") == SECTION_2
    set_dns_servers(emu, vnet, ["10.2.1.99"])  # an address in a VNet that serves no DNS: the query times out
    assert ModelVm(emu, vnet).sh("host fabrikam.vault.azure.net") == (
        ";; connection timed out; no servers could be reached\n")
    set_dns_servers(emu, vnet, ["10.2.1.99", "168.63.129.16"])  # the next server answers
    assert ModelVm(emu, vnet).sh("host fabrikam.vault.azure.net") == SECTION_2
    set_dns_servers(emu, vnet, ["10.1.2.3"])  # a private endpoint NIC is no DNS server
    assert dns.resolve(emu, "fabrikam.vault.azure.net", vnet).servfail


async def test_unknown_names_and_other_regions(gw: Gateway, emu) -> None:
    await make_rg(gw, "rg-n")
    await make_vault(gw, "rg-n", "kv-west", location="westus2")
    res = dns.resolve(emu, "kv-west.vault.azure.net", None)
    assert res.chain == ["kv-west.vault.azure.net", "data-prod-wus2.vaultcore.azure.net",
                         "data-prod-wus2-region.vaultcore.azure.net", "azkms-prod-wus2-b.westus2.cloudapp.azure.com"]
    assert res.addresses == [dns.public_ip("vault", "westus2")] and res.addresses != [PUBLIC_EUS]
    for name in ("nope.vault.azure.net", "nope.privatelink.vaultcore.azure.net", "example.org",
                 "kv-west.privatelink.vaultcore.azure.net", "acct.blob.core.windows.net"):
        assert dns.resolve(emu, name, None).nxdomain, name
    # a storage account document gets the generic chain with the privatelink alias once a connection is Approved
    sa = f"/subscriptions/{emu.config.subscription_id}/resourceGroups/rg-n/providers/Microsoft.Storage/storageAccounts/acct"
    emu.store.put({"id": sa, "name": "acct", "type": "Microsoft.Storage/storageAccounts", "location": "eastus2",
                   "properties": {}})
    assert dns.resolve(emu, "acct.blob.core.windows.net", None).chain[1] == "blob.eus2prdstr01a.store.core.windows.net"
    vnet = plant_vnet(emu, "rg-n", "vnet-sa", "10.3.0.0/16")
    plant_pe(emu, "rg-n", "pe-sa", f"{vnet}/subnets/snet-pe", "10.3.1.4", sa)
    assert dns.resolve(emu, "acct.blob.core.windows.net", None).chain[1] == "acct.privatelink.blob.core.windows.net"
    # a deleted vault's name no longer resolves
    await gw.keyvault.vaults.delete("rg-n", "kv-west")
    assert dns.resolve(emu, "kv-west.vault.azure.net", None).nxdomain


def _headers(answer) -> dict[str, str]:
    return dict(answer.headers)


async def test_healthstatus_private_path(gw: Gateway, emu) -> None:
    _vault, vnet, _pe, _zone = await _world(gw, emu, public_access="Disabled")
    vm = ModelVm(emu, vnet, private_ip="10.1.1.10", public_ip="20.51.7.9")
    answer = vm.https_get("fabrikam.vault.azure.net", "/healthstatus")
    assert answer is not None and answer.status == 200
    assert [k for k, _ in answer.headers] == [
        "Cache-Control", "Pragma", "Content-Type", "x-ms-request-id", "x-ms-keyvault-service-version",
        "x-ms-keyvault-network-info", "Strict-Transport-Security", "Content-Length"]
    h = _headers(answer)
    assert h["x-ms-keyvault-network-info"] == "addr=10.1.1.10;act_addr_fam=InterNetworkV6;"
    assert h["Content-Length"] == "4" and len(answer.body) == 4
    assert h["Content-Type"] == "application/json; charset=utf-8"
    out = vm.sh("curl -sS -i https://fabrikam.vault.azure.net/healthstatus")
    assert out.startswith("HTTP/1.1 200 OK\r\n") and "addr=10.1.1.10;" in out
    # the same vault from another VNet (no link, no route to 10.1.2.3) takes the public path: refused
    other = plant_vnet(emu, "rg-dns", "vnet-other", "10.9.0.0/16")
    denied = ModelVm(emu, other, private_ip="10.9.1.4", public_ip="20.51.7.10").https_get(
        "fabrikam.vault.azure.net", "/healthstatus")
    assert denied.status == 403
    body = json.loads(denied.body)
    assert body["error"]["code"] == "Forbidden" and body["error"]["innererror"]["code"] == "ForbiddenByConnection"
    assert body["error"]["message"].startswith("Public network access is disabled")
    assert _headers(denied)["x-ms-keyvault-network-info"].startswith("addr=20.51.7.10;")


async def test_healthstatus_public_paths(gw: Gateway, emu) -> None:
    _vault, _vnet, _pe, _zone = await _world(gw, emu, status="Pending", link=False)
    internet = dns.https_get(emu, "fabrikam.vault.azure.net", "/healthstatus", vnet_id=None,
                             source_private_ip=None, source_public_ip="198.51.100.20")
    assert internet.status == 200 and "addr=198.51.100.20;act_addr_fam=InterNetwork;" in _headers(internet)[
        "x-ms-keyvault-network-info"]
    await gw.keyvault.vaults.update("rg-dns", "fabrikam", {"properties": {"networkAcls": {
        "defaultAction": "Deny", "bypass": "AzureServices", "ipRules": [{"value": "198.51.100.0/24"}]}}})
    assert dns.https_get(emu, "fabrikam.vault.azure.net", "/healthstatus", vnet_id=None, source_private_ip=None,
                         source_public_ip="198.51.100.20").status == 200  # allowed by the IP rule
    blocked = dns.https_get(emu, "fabrikam.vault.azure.net", "/healthstatus", vnet_id=None, source_private_ip=None,
                            source_public_ip="203.0.113.5")
    assert blocked.status == 403
    assert json.loads(blocked.body)["error"]["innererror"]["code"] == "ForbiddenByFirewall"
    assert "Client address: 203.0.113.5" in json.loads(blocked.body)["error"]["message"]
    await gw.keyvault.vaults.update("rg-dns", "fabrikam", {"properties": {"publicNetworkAccess": "Disabled"}})
    refused = dns.https_get(emu, "fabrikam.vault.azure.net", "/healthstatus", vnet_id=None, source_private_ip=None,
                            source_public_ip="198.51.100.20")
    assert json.loads(refused.body)["error"]["innererror"]["code"] == "ForbiddenByConnection"
    # names that do not resolve cannot be connected to; other paths need a token
    assert dns.https_get(emu, "nope.vault.azure.net", "/healthstatus", vnet_id=None, source_private_ip=None,
                         source_public_ip="198.51.100.20") is None
    await gw.keyvault.vaults.update("rg-dns", "fabrikam", {"properties": {"publicNetworkAccess": "Enabled",
                                                                          "networkAcls": {"defaultAction": "Allow"}}})
    secret = dns.https_get(emu, "fabrikam.vault.azure.net", "/secrets/x", vnet_id=None, source_private_ip=None,
                           source_public_ip="198.51.100.20")
    assert secret.status == 401


async def test_healthstatus_pending_connection_carries_no_traffic(gw: Gateway, emu) -> None:
    _vault, vnet, pe, _zone = await _world(gw, emu, status="Pending", public_access="Disabled")
    # DNS inside is public (no alias) -> the public path is refused
    inside = ModelVm(emu, vnet, private_ip="10.1.1.10", public_ip="20.51.7.9")
    assert inside.https_get("fabrikam.vault.azure.net", "/healthstatus").status == 403
    # a hosts-file style override to the PE IP leads nowhere while the connection is not Approved
    inside.etc_hosts = [("10.1.2.3", ["fabrikam.vault.azure.net"])]
    out, _err, rc = run_command(
        "curl -sS -i --max-time 5 https://fabrikam.vault.azure.net/healthstatus", inside)
    assert rc == 28 and out == ""
    assert pe  # the PE exists; only its state keeps the path closed


def _control_sync(emu, query: str) -> dict:
    with urllib.request.urlopen(urllib.request.Request(f"{emu.endpoint}/_emulator/resolve?{query}"),
                                context=ssl.create_default_context(cafile=emu.ca_cert),
                                timeout=10) as r:
        return json.loads(r.read())


async def test_control_endpoint_resolve(gw: Gateway, emu) -> None:
    _vault, vnet, _pe, _zone = await _world(gw, emu)
    inside = await asyncio.to_thread(_control_sync, emu, urlencode({"name": "fabrikam.vault.azure.net",
                                                                    "vnet": vnet}))
    assert inside["addresses"] == ["10.1.2.3"] and inside["nxdomain"] is False
    outside = await asyncio.to_thread(_control_sync, emu, urlencode({"name": "fabrikam.vault.azure.net"}))
    assert outside["addresses"] == [PUBLIC_EUS] and len(outside["chain"]) == 5

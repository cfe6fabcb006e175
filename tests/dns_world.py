"""Helpers (no tests) for the Key Vault / Private DNS / DNS-model tests: plant network documents in the emulator's
store exactly as the network provider writes them (emu-common.md contracts), and small SDK shortcuts.

Planting documents keeps these tests independent of the network provider's request validation: they exercise the
Key Vault side of the connection contract and the DNS model over documents that have the agreed shape.
"""

from __future__ import annotations

import ipaddress
import uuid
from typing import Any

from plinktui.emulator.vmshell import Resolution, run_command

NET = "Microsoft.Network"


def rg_id(emu: Any, rg: str) -> str:
    return f"/subscriptions/{emu.config.subscription_id}/resourceGroups/{rg}"


def net_id(emu: Any, rg: str, kind: str, name: str) -> str:
    return f"{rg_id(emu, rg)}/providers/{NET}/{kind}/{name}"


def plant_vnet(emu: Any, rg: str, name: str, cidr: str, *, location: str = "westus2",
               dns_servers: list[str] | None = None, subnets: dict[str, str] | None = None) -> str:
    """A VNet document with subnets (name -> prefix); returns its id."""
    vid = net_id(emu, rg, "virtualNetworks", name)
    subnets = subnets or {"snet-pe": str(list(ipaddress.ip_network(cidr).subnets(new_prefix=24))[1])}
    props: dict[str, Any] = {"addressSpace": {"addressPrefixes": [cidr]}, "provisioningState": "Succeeded",
                             "subnets": [{"id": f"{vid}/subnets/{s}", "name": s,
                                          "properties": {"addressPrefix": p}} for s, p in subnets.items()]}
    if dns_servers is not None:
        props["dhcpOptions"] = {"dnsServers": dns_servers}
    emu.store.put({"id": vid, "name": name, "type": f"{NET}/virtualNetworks", "location": location,
                   "properties": props})
    for s, p in subnets.items():
        emu.store.put({"id": f"{vid}/subnets/{s}", "name": s, "type": f"{NET}/virtualNetworks/subnets",
                       "properties": {"addressPrefix": p, "provisioningState": "Succeeded"}})
    return vid


def set_dns_servers(emu: Any, vnet_id: str, servers: list[str] | None) -> None:
    rec = emu.store.get(vnet_id)
    if servers:
        rec.props["dhcpOptions"] = {"dnsServers": servers}
    else:
        rec.props.pop("dhcpOptions", None)
    emu.store.touch()


def plant_nic(emu: Any, rg: str, name: str, subnet_id: str, ip: str, *, pe_id: str | None = None) -> str:
    """A NIC document (a VM NIC, or a PE NIC when ``pe_id`` is given); returns its id."""
    nid = net_id(emu, rg, "networkInterfaces", name)
    props: dict[str, Any] = {"ipConfigurations": [{
        "id": f"{nid}/ipConfigurations/ipconfig1", "name": "ipconfig1",
        "properties": {"privateIPAddress": ip, "privateIPAllocationMethod": "Dynamic", "subnet": {"id": subnet_id}}}],
        "provisioningState": "Succeeded"}
    if pe_id:
        props["privateEndpoint"] = {"id": pe_id}
    emu.store.put({"id": nid, "name": name, "type": f"{NET}/networkInterfaces", "location": "westus2",
                   "properties": props})
    return nid


def plant_pe(emu: Any, rg: str, name: str, subnet_id: str, ip: str, target_id: str, *, status: str = "Approved",
             manual: bool = False) -> str:
    """A private endpoint (and its NIC) connected to ``target_id`` with the given state; returns the PE id."""
    pid = net_id(emu, rg, "privateEndpoints", name)
    guid = str(uuid.uuid4())
    nic = plant_nic(emu, rg, f"{name}.nic.{guid}", subnet_id, ip, pe_id=pid)
    key = "manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"
    conn = {"name": f"{name}-conn", "id": f"{pid}/{key}/{name}-conn", "properties": {
        "privateLinkServiceId": target_id, "groupIds": ["vault"],
        "privateLinkServiceConnectionState": {"status": status, "description": "", "actionsRequired": "None"}}}
    props: dict[str, Any] = {"subnet": {"id": subnet_id}, "networkInterfaces": [{"id": nic}],
                             "privateLinkServiceConnections": [], "manualPrivateLinkServiceConnections": [],
                             "provisioningState": "Succeeded"}
    props[key] = [conn]
    emu.store.put({"id": pid, "name": name, "type": f"{NET}/privateEndpoints", "location": "westus2",
                   "properties": props}, {"connection_guid": guid})
    return pid


def pe_status(emu: Any, pe_id: str) -> str:
    props = emu.store.get(pe_id).props
    conns = props["privateLinkServiceConnections"] or props["manualPrivateLinkServiceConnections"]
    return conns[0]["properties"]["privateLinkServiceConnectionState"]["status"]


def write_a_record(emu: Any, zone_id: str, name: str, ip: str, pe_name: str = "pe") -> None:
    """What a zone group writes (emu-common.md contract), then the zone's recount."""
    from plinktui.emulator.providers.privatedns import recount

    zone = emu.store.get(zone_id)
    emu.store.put({"id": f"{zone.id}/A/{name}", "name": name, "type": f"{NET}/privateDnsZones/A",
                   "etag": str(uuid.uuid4()), "properties": {
                       "metadata": {"creator": f"created by private endpoint {pe_name} with resource guid {uuid.uuid4()}"},
                       "ttl": 10, "fqdn": f"{name}.{zone.doc['name']}.", "isAutoRegistered": False,
                       "aRecords": [{"ipv4Address": ip}]}})
    recount(emu, zone.id)


VAULT_BODY = {"location": "eastus", "properties": {"tenantId": "72f988bf-0000-4000-8000-000000000001",
                                                   "sku": {"family": "A", "name": "standard"}}}


async def make_rg(gw: Any, name: str, location: str = "westus2") -> None:
    await gw.resources.resource_groups.create_or_update(name, {"location": location})


async def make_vault(gw: Any, rg: str, name: str, location: str = "eastus", **props: Any) -> Any:
    body = {"location": location, "properties": {**VAULT_BODY["properties"], **props}}
    return await gw.result(gw.keyvault.vaults.begin_create_or_update(rg, name, body))


async def make_zone(gw: Any, rg: str, zone: str = "privatelink.vaultcore.azure.net") -> Any:
    return await gw.result(gw.privatedns.private_zones.begin_create_or_update(rg, zone, {"location": "global"}))


async def make_link(gw: Any, rg: str, zone: str, name: str, vnet_id: str, **props: Any) -> Any:
    body = {"location": "global", "properties": {"virtualNetwork": {"id": vnet_id}, "registrationEnabled": False,
                                                  **props}}
    return await gw.result(gw.privatedns.virtual_network_links.begin_create_or_update(rg, zone, name, body))


class ModelVm:
    """A VmView over the emulator's DNS model (what the compute provider builds for a demo VM)."""

    def __init__(self, emu: Any, vnet_id: str | None, private_ip: str = "10.0.1.10", public_ip: str | None = None):
        from plinktui.emulator import dns

        self.emu, self.vnet_id, self._dns = emu, vnet_id, dns
        self.name = "vm-test"
        self.private_ip = private_ip
        self.public_ip = public_ip
        self.dns_servers = dns.dns_servers(emu, vnet_id)
        self.etc_hosts: list[tuple[str, list[str]]] = []
        self.host_key_public = ""

    def resolve(self, name: str) -> Resolution:
        return self._dns.resolve(self.emu, name, self.vnet_id)

    def https_get(self, fqdn: str, path: str) -> Any:
        return self._dns.https_get(self.emu, fqdn, path, vnet_id=self.vnet_id, source_private_ip=self.private_ip,
                                   source_public_ip=self.public_ip)

    def sh(self, cmd: str) -> str:
        out, _err, _rc = run_command(cmd, self)
        return out

"""Shared pieces of the Microsoft.Network provider: id templates, child sub-resources, the ARM errors Azure's network
resource provider returns (with its wording), and the address bookkeeping every IP-owning resource goes through.

Who holds an address is never stored twice: a subnet's ``ipConfigurations`` and ``privateEndpoints``, a public IP's
``ipConfiguration`` and the taken addresses of a subnet are all derived from the NIC and load balancer documents, so
they can never disagree with them.
"""

from __future__ import annotations

import copy
import uuid
from typing import TYPE_CHECKING, Any

from plinktui.emulator import cidr, errors
from plinktui.emulator.resource import Kind, Req, name_of, parse_id, ref
from plinktui.emulator.store import Record, new_etag

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator

NS = "Microsoft.Network"
RG_SCOPE = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network"
SUB_SCOPE = "/subscriptions/{sub}/providers/Microsoft.Network"

VNET = f"{NS}/virtualNetworks"
SUBNET = f"{NS}/virtualNetworks/subnets"
NIC = f"{NS}/networkInterfaces"
PIP = f"{NS}/publicIPAddresses"
NSG = f"{NS}/networkSecurityGroups"
PE = f"{NS}/privateEndpoints"
ZONE_GROUP = f"{NS}/privateEndpoints/privateDnsZoneGroups"
LB = f"{NS}/loadBalancers"
PLS = f"{NS}/privateLinkServices"
ZONE = f"{NS}/privateDnsZones"
A_RECORD = f"{NS}/privateDnsZones/A"
VAULT = "Microsoft.KeyVault/vaults"


# -- errors (Azure's codes and wording) -------------------------------------------------------------------------------


def invalid_reference(target: str, referrer: str) -> errors.ArmError:
    """Azure's answer when a referenced resource is missing or sits in another region."""
    return errors.InvalidResourceReference(
        f"Resource {target} referenced by resource {referrer} was not found. Please make sure that the referenced "
        "resource exists, and that both resources are in the same region.",
        details=[{"code": "NotFound", "message": f"Resource {target} not found."}])


def bad(code: str, message: str, status: int = 400) -> errors.ArmError:
    """A 400 with a Microsoft.Network code."""
    return errors.ArmError(message, code=code, status=status)


def cidr_error(exc: cidr.CidrError, rid: str) -> errors.ArmError:
    """A prefix error rendered for one resource."""
    return bad(exc.code, exc.render(rid))


# -- documents --------------------------------------------------------------------------------------------------------


def new_guid() -> str:
    """A resourceGuid."""
    return str(uuid.uuid4())


def props_of(body: dict[str, Any]) -> dict[str, Any]:
    """The request's ``properties`` (a copy), refusing anything but an object."""
    props = body.get("properties") or {}
    if not isinstance(props, dict):
        raise errors.InvalidRequestContent("The 'properties' member must be an object.")
    return copy.deepcopy(props)


def children(parent_id: str, segment: str, child_type: str, items: Any, state: str = "Succeeded",
             keep: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Stamp inline child resources (rules, ipConfigurations, frontends) the way ARM returns them.

    Each gets ``name``, ``id`` (``<parent>/<segment>/<name>``), ``etag``, ``type`` and ``properties.provisioningState``;
    unnamed items are refused as Azure does.
    """
    if items is None:
        return []
    if not isinstance(items, list):
        raise errors.InvalidRequestContent(f"The '{segment}' member must be an array.")
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise errors.InvalidRequestContent(f"Each item of '{segment}' must be an object.")
        name = item.get("name") or (name_of(item["id"]) if isinstance(item.get("id"), str) else None)
        if not name:
            raise bad("InvalidRequestFormat", f"Cannot parse the request: every item of '{segment}' needs a name.")
        props = item.get("properties") or {}
        if not isinstance(props, dict):
            raise errors.InvalidRequestContent(f"The 'properties' of '{segment}/{name}' must be an object.")
        child: dict[str, Any] = {"name": name, "id": f"{parent_id}/{segment}/{name}", "etag": new_etag(),
                                 "type": child_type, "properties": copy.deepcopy(props)}
        child["properties"]["provisioningState"] = state
        out.append(child)
    return out


def same_id(a: str | None, b: str | None) -> bool:
    """ARM ids compare case-insensitively."""
    return bool(a) and bool(b) and str(a).lower() == str(b).lower()


def parent_vnet_id(subnet_id: str) -> str:
    """The VNet id of a subnet id."""
    return subnet_id.rsplit("/subnets/", 1)[0] if "/subnets/" in subnet_id.lower() else subnet_id.rsplit("/", 2)[0]


def subnet_networks(subnet_doc: dict[str, Any]) -> list[cidr.Network]:
    """The prefixes of a (valid, stored) subnet."""
    props = subnet_doc.get("properties") or {}
    prefixes = props.get("addressPrefixes") or ([props["addressPrefix"]] if props.get("addressPrefix") else [])
    out = []
    for p in prefixes:
        try:
            out.append(cidr.parse_prefix(p))
        except cidr.CidrError:
            continue
    return out


def in_subnet(subnet_doc: dict[str, Any], ip: str) -> bool:
    """Whether an address lies in one of the subnet's prefixes."""
    addr = cidr.parse_address(ip)
    return addr is not None and any(addr in net for net in subnet_networks(subnet_doc))


def reserved_in_subnet(subnet_doc: dict[str, Any], ip: str) -> bool:
    """Whether Azure keeps this address of the subnet for itself."""
    addr = cidr.parse_address(ip)
    return addr is not None and any(addr in net and cidr.is_reserved(net, addr) for net in subnet_networks(subnet_doc))


# -- who uses a subnet ------------------------------------------------------------------------------------------------


def subnet_users(emu: Emulator, subnet_id: str) -> list[tuple[str, str | None]]:
    """Every IP configuration in the subnet: ``(ipconfig id, private IP or None)`` from NICs and load balancers."""

    def build() -> dict[str, list[tuple[str, str | None]]]:
        index: dict[str, list[tuple[str, str | None]]] = {}
        for rtype, key in ((NIC, "ipConfigurations"), (LB, "frontendIPConfigurations")):
            for rec in emu.store.of_type(rtype):
                for ipc in rec.props.get(key) or []:
                    p = ipc.get("properties") or {}
                    subnet = ref(p.get("subnet"))
                    if subnet:
                        index.setdefault(subnet.lower(), []).append((ipc["id"], p.get("privateIPAddress")))
        return index

    # One index per state version: listing N VNets (or a Resource Graph table) costs one pass, not one per subnet.
    return list(emu.store.derived("network.subnet_users", build).get(subnet_id.lower(), []))


def taken_ips(emu: Emulator, subnet_id: str, except_owner: str | None = None) -> dict[str, str]:
    """Addresses in use in the subnet -> the ipconfig holding each (skipping one owner's own configs)."""
    prefix = (except_owner or "").lower() + "/"
    return {ip: owner for owner, ip in subnet_users(emu, subnet_id)
            if ip and not (except_owner and owner.lower().startswith(prefix))}


def endpoints_in_subnet(emu: Emulator, subnet_id: str) -> list[str]:
    """Ids of the private endpoints placed in the subnet."""
    def build() -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for rec in emu.store.of_type(PE):
            subnet = ref(rec.props.get("subnet"))
            if subnet:
                index.setdefault(subnet.lower(), []).append(rec.id)
        return index

    return list(emu.store.derived("network.endpoints_in_subnet", build).get(subnet_id.lower(), []))


def services_in_subnet(emu: Emulator, subnet_id: str) -> list[str]:
    """Ids of the Private Link Services with an IP configuration in the subnet."""
    out = []
    for rec in emu.store.of_type(PLS):
        for ipc in rec.props.get("ipConfigurations") or []:
            if same_id(ref((ipc.get("properties") or {}).get("subnet")), subnet_id):
                out.append(rec.id)
                break
    return out


class IpAllocator:
    """Hands out private addresses in one subnet for one request, so several ipconfigs never get the same one."""

    def __init__(self, emu: Emulator, subnet: Record, owner: str) -> None:
        self.emu = emu
        self.subnet = subnet
        self.owner = owner
        self.taken = taken_ips(emu, subnet.id, except_owner=owner)
        self.mine: set[str] = set()

    def static(self, ip: str, ipconfig_id: str) -> str:
        """Check a requested address: inside the subnet, not reserved, not someone else's."""
        doc = self.subnet.doc
        if cidr.parse_address(ip) is None or not in_subnet(doc, ip):
            prefixes = ", ".join(str(n) for n in subnet_networks(doc))
            raise bad("PrivateIPAddressNotInSubnet",
                      f"IP configuration {ipconfig_id} is using the private IP address {ip} which is not in the range "
                      f"of subnet {self.subnet.id} ({prefixes}).")
        if reserved_in_subnet(doc, ip):
            raise bad("PrivateIPAddressInReservedRange",
                      f"Private static IP address {ip} falls within reserved IP range of subnet prefix "
                      f"{', '.join(str(n) for n in subnet_networks(doc))}.")
        holder = self.taken.get(ip)
        if holder is not None or ip in self.mine:
            raise bad("PrivateIPAddressIsAllocated",
                      f"IP configuration {ipconfig_id} is using the private IP address {ip} which is already "
                      f"allocated to resource {holder or ipconfig_id}.")
        self.mine.add(ip)
        return ip

    def dynamic(self, keep: str | None = None) -> str:
        """Keep the current address if it is still valid, else the first free one from ``.4`` up."""
        if keep and in_subnet(self.subnet.doc, keep) and keep not in self.taken and keep not in self.mine:
            self.mine.add(keep)
            return keep
        ip = cidr.first_free(subnet_networks(self.subnet.doc), set(self.taken) | self.mine)
        if ip is None:
            prefix = ", ".join(str(n) for n in subnet_networks(self.subnet.doc))
            raise bad("SubnetIsFull", f"Subnet {name_of(self.subnet.id)} with address prefix {prefix} does not have "
                                      "enough capacity for 1 IP addresses.")
        self.mine.add(ip)
        return ip


def find_subnet(emu: Emulator, subnet_id: str | None, referrer: str, location: str | None) -> Record:
    """The referenced subnet, in the referrer's region, or Azure's InvalidResourceReference."""
    if not subnet_id:
        raise bad("InvalidRequestFormat", f"Cannot parse the request: resource {referrer} needs a subnet reference.")
    rec = emu.store.get(subnet_id)
    if rec is None or str(rec.doc.get("type", "")).lower() != SUBNET.lower():
        raise invalid_reference(parent_vnet_id(subnet_id) if emu.store.get(parent_vnet_id(subnet_id)) is None
                                else subnet_id, referrer)
    vnet = emu.store.get(parent_vnet_id(rec.id))
    if vnet is not None and location and str(vnet.doc.get("location", "")).lower() != location.lower():
        raise invalid_reference(vnet.id, referrer)
    return rec


def find_typed(emu: Emulator, rid: str | None, rtype: str) -> Record | None:
    """A record of the given type by id, or None (soft-deleted or unlisted records count as missing)."""
    if not rid:
        return None
    rec = emu.store.get(rid)
    if rec is None or str(rec.doc.get("type", "")).lower() != rtype.lower():
        return None
    kind = emu.kinds.get(rtype.lower())
    if kind is not None and not kind.listable(rec):
        return None
    return rec


def sub_of(rid: str) -> str:
    """The subscription of an id."""
    return parse_id(rid)["subscription"]


class NetworkKind(Kind):
    """Microsoft.Network resources: a resourceGuid that survives updates, tags-only PATCH (updateTags)."""

    resource_guid = True
    sub_list = ""
    """The subscription-wide list route (``/subscriptions/{sub}/providers/Microsoft.Network/<type>``), if any."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    def keep_guid(self, props: dict[str, Any], existing: Record | None) -> None:
        """Stamp the resourceGuid once; updates keep it."""
        if self.resource_guid:
            props["resourceGuid"] = (existing.props.get("resourceGuid") if existing else None) or new_guid()

    def body_props(self, req: Req, body: dict[str, Any]) -> dict[str, Any]:
        """The request's properties minus what the server owns."""
        props = props_of(body)
        props.pop("provisioningState", None)
        return props

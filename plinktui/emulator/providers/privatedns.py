"""Emulator provider: Azure Private DNS (azure-mgmt-privatedns 2.0, api 2024-06-01), under Microsoft.Network.

Zones (PUT/PATCH/DELETE as LROs), record sets (synchronous; A, AAAA, CNAME, MX, PTR, SOA, SRV, TXT; the ``/ALL``
list), and virtual network links (LROs). What Azure does, modelled:

- a new zone holds its SOA record set ``@`` (so ``numberOfRecordSets`` starts at 1);
- record set names are stored lower-cased (Azure answers ``recorda`` for a PUT of ``recordA``); ``fqdn`` ends in a dot;
- a link needs an existing virtual network; one link per VNet per zone; a VNet cannot be linked to two zones of the
  same name (Azure's "overlapping namespaces" error) and can auto-register in one zone only;
- a zone with links cannot be deleted (409 ``CannotDeleteResource``); deleting a zone removes its record sets;
- the zone's counters are kept by :func:`recount`, which the network provider also calls after zone groups touch
  records.

Not modelled: auto-registration of VM records, the per-zone limits beyond reporting them, ``internalId``.
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any

from plinktui.emulator import errors
from plinktui.emulator.enums import canonical
from plinktui.emulator.resource import Kind, Req, Resp, mount, name_of, paged
from plinktui.emulator.store import Record

if TYPE_CHECKING:
    from plinktui.emulator.lro import Operation
    from plinktui.emulator.server import Emulator

ZONE_TYPE = "Microsoft.Network/privateDnsZones"
LINK_TYPE = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
ZONE_ITEM = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones/{zone}"
RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "PTR", "SOA", "SRV", "TXT")
RECORD_FIELD = {"A": "aRecords", "AAAA": "aaaaRecords", "CNAME": "cnameRecord", "MX": "mxRecords",
                "PTR": "ptrRecords", "SOA": "soaRecord", "SRV": "srvRecords", "TXT": "txtRecords"}
MAX_RECORD_SETS = 25000
MAX_LINKS = 1000
MAX_REG_LINKS = 100
SOA_DEFAULT = {"host": "azureprivatedns.net", "email": "azureprivatedns-host.microsoft.com", "serialNumber": 1,
               "refreshTime": 3600, "retryTime": 300, "expireTime": 2419200, "minimumTtl": 10}
ZONE_NAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)+"
                       r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
RECORD_NAME = re.compile(r"^(@|\*|(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_.-]{0,252})?)$")


def record_type(rtype: str) -> str:
    """The ARM type of a record set kind: ``Microsoft.Network/privateDnsZones/A``."""
    return f"{ZONE_TYPE}/{rtype}"


def zone_records(emu: Emulator, zone_id: str) -> list[Record]:
    """Every record set of a zone, SOA first, then by type and name."""
    out: list[Record] = []
    for rtype in ("SOA", *[t for t in RECORD_TYPES if t != "SOA"]):
        out += sorted(emu.store.list(record_type(rtype), zone_id), key=lambda r: r.doc["name"])
    return out


def zone_links(emu: Emulator, zone_id: str) -> list[Record]:
    """The virtual network links of a zone."""
    return emu.store.list(LINK_TYPE, zone_id)


def recount(emu: Emulator, zone_id: str) -> None:
    """Refresh the zone's numberOfRecordSets / numberOfVirtualNetworkLinks(/WithRegistration) counters.

    Called by this provider after every record or link change and by the network provider after a zone group
    writes or removes records (import it lazily inside the function that needs it).
    """
    zone = emu.store.get(zone_id)
    if zone is None:
        return
    links = zone_links(emu, zone.id)
    props = zone.props
    props["numberOfRecordSets"] = len(zone_records(emu, zone.id))
    props["numberOfVirtualNetworkLinks"] = len(links)
    props["numberOfVirtualNetworkLinksWithRegistration"] = sum(
        1 for link in links if (link.doc.get("properties") or {}).get("registrationEnabled"))
    emu.store.touch()


def link_active(rec: Record) -> bool:
    """Whether a link takes part in name resolution (provisioned once and not failed)."""
    state = (rec.doc.get("properties") or {}).get("provisioningState", "Succeeded")
    return state == "Succeeded" or (state in ("Updating", "Deleting") and bool(rec.internal.get("provisioned")))


class PrivateDnsOperation:
    """Private DNS answers a zone or link PUT with 202, an empty body, ``Azure-AsyncOperation`` on
    ``privateDnsOperationStatuses`` and ``Location`` on ``privateDnsOperationResults`` (the official PrivateZonePut
    and VirtualNetworkLinkPut examples), plus ``Retry-After``."""

    def lro_answer(self, req: Req, status: int, view: dict[str, Any], op: Operation) -> Resp:
        base = f"{req.base_url}/subscriptions/{req.sub}/resourceGroups/{req.rg}/providers/Microsoft.Network"
        name, query = op.id.rsplit("/", 1)[-1], f"?api-version={req.api_version}"
        return Resp(202, {}, {"Azure-AsyncOperation": f"{base}/privateDnsOperationStatuses/{name}{query}",
                              "Location": f"{base}/privateDnsOperationResults/{name}{query}",
                              "Retry-After": op.retry_after()})


class Zones(PrivateDnsOperation, Kind):
    """Microsoft.Network/privateDnsZones."""

    type = ZONE_TYPE
    item = ZONE_ITEM.replace("{zone}", "{name}")
    latency = "zone"
    name_pattern = ZONE_NAME
    name_rule = "a valid DNS name of at least two labels (253 characters at most)"
    initial_state = "Creating"

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        # commit_put follows synchronously in the same handler, so the state it reads is this request's.
        self.initial_state = "Updating" if existing else "Creating"
        if str(body.get("location", "global")).lower() != "global":
            raise errors.ArmError("The location of a private DNS zone must be 'global'.", code="BadRequest")
        body["location"] = "global"
        props = copy.deepcopy(existing.props) if existing else {}
        props.update({"maxNumberOfRecordSets": MAX_RECORD_SETS, "maxNumberOfVirtualNetworkLinks": MAX_LINKS,
                      "maxNumberOfVirtualNetworkLinksWithRegistration": MAX_REG_LINKS})
        for key in ("numberOfRecordSets", "numberOfVirtualNetworkLinks", "numberOfVirtualNetworkLinksWithRegistration"):
            props.setdefault(key, 0)
        return {"properties": props}

    def after_put(self, req: Req, rec: Record, created: bool) -> None:
        soa_id = f"{rec.id}/SOA/@"
        if self.emu.store.get(soa_id) is None:
            self.emu.store.put({"id": soa_id, "name": "@", "type": record_type("SOA"), "etag": _etag(),
                                "properties": {"ttl": 3600, "fqdn": f"{rec.doc['name']}.", "isAutoRegistered": False,
                                               "soaRecord": dict(SOA_DEFAULT)}})
        recount(self.emu, rec.id)

    def check_delete(self, req: Req, rec: Record) -> None:
        links = zone_links(self.emu, rec.id)
        if links:
            nested = ", ".join(f"'{ZONE_TYPE}/{rec.doc['name']}/virtualNetworkLinks/{link.doc['name']}'"
                               for link in links[:5])
            raise errors.ArmError(
                f"Cannot delete resource while nested resources exist. Some existing nested resource IDs include: "
                f"{nested}. Please delete all nested resources before deleting this resource.",
                code="CannotDeleteResource", status=409)

    def on_delete(self, rec: Record) -> None:
        for record in zone_records(self.emu, rec.id):
            self.emu.store.delete(record.id)
        for link in zone_links(self.emu, rec.id):  # only reachable through a resource group delete
            self.emu.store.delete(link.id)


class RecordSets(Kind):
    """One record type's sets in a zone (``.../privateDnsZones/{zone}/A/{name}``), answered synchronously."""

    has_location = False
    provisioning_state = False
    name_pattern = RECORD_NAME
    name_rule = "'@', '*' or 1-253 characters: letters, digits, underscores, hyphens and periods"

    def __init__(self, emu: Emulator, rtype: str) -> None:
        self.emu = emu
        self.rtype = rtype
        self.type = record_type(rtype)
        self.item = ZONE_ITEM + f"/{rtype}/{{name}}"

    def rid(self, req: Req) -> str:
        # Azure keeps record set names lower-cased (PUT 'recordA' answers 'recorda').
        return ZONE_ITEM.format(**req.params) + f"/{self.rtype}/{req.params['name'].lower()}"

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        zone = self.emu.store.get(rid.rsplit("/", 2)[0])
        assert zone is not None  # check_parent ran first
        name = name_of(rid)
        if self.rtype == "SOA" and name != "@":
            raise errors.ArmError("The SOA record set must be named '@'.", code="BadRequest")
        props = body.get("properties") or {}
        if not isinstance(props, dict):
            raise errors.InvalidRequestContent("The 'properties' member must be an object.")
        out: dict[str, Any] = {}
        if "metadata" in props and props["metadata"] is not None:
            out["metadata"] = copy.deepcopy(props["metadata"])
        ttl = props.get("ttl", 3600)
        if not isinstance(ttl, int) or not 0 <= ttl <= 2147483647:
            raise errors.ArmError("The value of 'ttl' must be an integer between 0 and 2147483647.",
                                  code="BadRequest")
        out["ttl"] = ttl
        zone_name = zone.doc["name"]
        out["fqdn"] = f"{zone_name}." if name == "@" else f"{name}.{zone_name}."
        out["isAutoRegistered"] = False
        field = RECORD_FIELD[self.rtype]
        value = copy.deepcopy(props.get(field))
        self._validate(field, value)
        if self.rtype == "SOA":
            value = {**SOA_DEFAULT, **(value or {})}
        if value is not None:
            out[field] = value
        for other in RECORD_FIELD.values():
            if other != field and props.get(other):
                raise errors.ArmError(f"The record set of type '{self.rtype}' cannot contain '{other}'.",
                                      code="BadRequest")
        if self.rtype != "CNAME" and self.emu.store.get(f"{zone.id}/CNAME/{name}") is not None:
            raise errors.ArmError(f"The record set '{name}' already has a CNAME record; a CNAME record set cannot "
                                  "coexist with record sets of other types of the same name.", code="Conflict",
                                  status=409)
        if self.rtype == "CNAME" and any(self.emu.store.get(f"{zone.id}/{t}/{name}") is not None
                                         for t in RECORD_TYPES if t != "CNAME"):
            raise errors.ArmError(f"A CNAME record set cannot be created: record sets of other types named '{name}' "
                                  "exist.", code="Conflict", status=409)
        return {"properties": out}

    @staticmethod
    def _validate(field: str, value: Any) -> None:
        if value is None:
            return
        if field in ("cnameRecord", "soaRecord"):
            if not isinstance(value, dict):
                raise errors.InvalidRequestContent(f"The '{field}' member must be an object.")
            return
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise errors.InvalidRequestContent(f"The '{field}' member must be an array of objects.")
        if field == "aRecords":
            import ipaddress

            for item in value:
                try:
                    ipaddress.IPv4Address(str((item or {}).get("ipv4Address", "")))
                except ValueError:
                    raise errors.ArmError(f"The IPv4 address '{(item or {}).get('ipv4Address')}' is invalid.",
                                          code="BadRequest") from None

    def after_put(self, req: Req, rec: Record, created: bool) -> None:
        recount(self.emu, rec.id.rsplit("/", 2)[0])

    def check_delete(self, req: Req, rec: Record) -> None:
        if self.rtype == "SOA":
            raise errors.ArmError("The SOA record set cannot be deleted.", code="BadRequest")

    def on_delete(self, rec: Record) -> None:
        self.emu.store.delete(rec.id)  # gone before the recount so it is not counted
        recount(self.emu, rec.id.rsplit("/", 2)[0])

    def patch(self, req: Req, rec: Record, body: dict[str, Any]) -> dict[str, Any]:
        doc = copy.deepcopy(rec.doc)  # record sets carry no tags
        props = body.get("properties") or {}
        field = RECORD_FIELD[self.rtype]
        for key in ("metadata", "ttl", field):
            if key in props and props[key] is not None:
                if key == field:
                    self._validate(field, props[key])
                if key == "ttl" and (isinstance(props[key], bool) or not isinstance(props[key], int)
                                     or not 0 <= props[key] <= 2147483647):
                    raise errors.ArmError("The value of 'ttl' must be an integer between 0 and 2147483647.",
                                          code="BadRequest")
                doc["properties"][key] = copy.deepcopy(props[key])
        return doc


class Links(PrivateDnsOperation, Kind):
    """Microsoft.Network/privateDnsZones/virtualNetworkLinks."""

    type = LINK_TYPE
    item = ZONE_ITEM + "/virtualNetworkLinks/{name}"
    latency = "link"
    initial_state = "Creating"

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        self.initial_state = "Updating" if existing else "Creating"  # read by commit_put right after, no await between
        if str(body.get("location", "global")).lower() != "global":
            raise errors.ArmError("The location of a virtual network link must be 'global'.", code="BadRequest")
        body["location"] = "global"
        props = body.get("properties") or {}
        if not isinstance(props, dict):
            raise errors.InvalidRequestContent("The 'properties' member must be an object.")
        ref = props.get("virtualNetwork") or {}
        if not isinstance(ref, dict):
            raise errors.InvalidRequestContent("The 'virtualNetwork' member must be an object with an 'id'.")
        vnet_id = str(ref.get("id") or "")
        if not vnet_id:
            raise errors.ArmError("The virtual network link must reference a virtual network "
                                  "('properties.virtualNetwork.id').", code="BadRequest")
        vnet = self.emu.store.get(vnet_id)
        if vnet is None or str(vnet.doc.get("type", "")).lower() != "microsoft.network/virtualnetworks":
            raise errors.ArmError(f"Virtual network '{vnet_id}' was not found or is not a virtual network.",
                                  code="BadRequest")
        if self.emu.is_reader(vnet.id):
            raise errors.ArmError(
                f"The client has permission to perform action 'Microsoft.Network/privateDnsZones/virtualNetworkLinks/"
                f"write' on scope '{rid}', however the current tenant is not authorized to access linked "
                f"subscription or resource '{vnet.id}': it needs 'Microsoft.Network/virtualNetworks/join/action'.",
                code="LinkedAuthorizationFailed", status=403)
        if existing is not None:
            old = str((existing.props.get("virtualNetwork") or {}).get("id") or "")
            if old.lower() != vnet.id.lower():
                raise errors.ArmError("The virtual network of an existing link cannot be changed.", code="BadRequest")
        policy = props.get("resolutionPolicy", existing.props.get("resolutionPolicy", "Default") if existing
                           else "Default")
        policy = _policy(policy)
        registration = bool(props.get("registrationEnabled", False))
        self._check_vnet_links(rid, vnet.id, registration)
        return {"properties": {"virtualNetwork": {"id": vnet.id}, "registrationEnabled": registration,
                               "resolutionPolicy": policy, "virtualNetworkLinkState": "Completed"}}

    def _check_vnet_links(self, rid: str, vnet_id: str, registration: bool) -> None:
        zone_id = rid.rsplit("/virtualNetworkLinks/", 1)[0]
        zone = self.emu.store.get(zone_id)
        zone_name = zone.doc["name"].lower() if zone else ""
        for link in self.emu.store.of_type(LINK_TYPE):
            if link.id.lower() == rid.lower():
                continue
            lprops = link.doc.get("properties") or {}
            if str((lprops.get("virtualNetwork") or {}).get("id", "")).lower() != vnet_id.lower():
                continue
            other_zone_id = link.id.rsplit("/virtualNetworkLinks/", 1)[0]
            other = self.emu.store.get(other_zone_id)
            other_name = other.doc["name"] if other else ""
            if other_zone_id.lower() == zone_id.lower():
                raise errors.ArmError(
                    f"A virtual network can be linked to a private DNS zone only once: '{vnet_id}' is already linked "
                    f"to zone '{other_name}' by link '{link.doc['name']}'.", code="Conflict", status=409)
            if other_name.lower() == zone_name:
                raise errors.ArmError(
                    "A virtual network cannot be linked to multiple zones with overlapping namespaces. You tried to "
                    f"link virtual network with '{other_name}' and '{zone.doc['name'] if zone else ''}' zones.",
                    code="BadRequest")
            if registration and lprops.get("registrationEnabled"):
                raise errors.ArmError(
                    f"Virtual network '{vnet_id}' already has auto-registration enabled with zone '{other_name}'; a "
                    "virtual network can be a registration virtual network of one private DNS zone only.",
                    code="BadRequest")

    def after_put(self, req: Req, rec: Record, created: bool) -> None:
        recount(self.emu, rec.id.rsplit("/virtualNetworkLinks/", 1)[0])

    def on_provisioned(self, rec: Record) -> None:
        rec.internal["provisioned"] = True

    def on_delete(self, rec: Record) -> None:
        self.emu.store.delete(rec.id)
        recount(self.emu, rec.id.rsplit("/virtualNetworkLinks/", 1)[0])

    def patch(self, req: Req, rec: Record, body: dict[str, Any]) -> dict[str, Any]:
        doc, props = self.patched_copy(rec, body)
        if props.get("registrationEnabled") is not None:
            doc["properties"]["registrationEnabled"] = bool(props["registrationEnabled"])
            self._check_vnet_links(rec.id, doc["properties"]["virtualNetwork"]["id"],
                                   doc["properties"]["registrationEnabled"])
        if props.get("resolutionPolicy") is not None:
            doc["properties"]["resolutionPolicy"] = _policy(props["resolutionPolicy"])
        return doc


def _etag() -> str:
    import uuid

    return str(uuid.uuid4())


def register(emu: Emulator) -> None:
    """Mount the private DNS routes (and the DNS model's control endpoint)."""
    zones = Zones(emu)
    mount(emu, zones)
    for rtype in RECORD_TYPES:
        mount(emu, RecordSets(emu, rtype))
    mount(emu, Links(emu))

    async def list_all(req: Req) -> Resp:
        emu.check_scope(req)
        zone = emu.find(ZONE_ITEM.format(**req.params), zones)
        return paged(req, [r.doc for r in zone_records(emu, zone.id)])

    async def list_in_subscription(req: Req) -> Resp:
        # Served here rather than through Kind.lists: the subscription-wide scope is "/subscriptions/{sub}".
        emu.check_scope(req)
        return paged(req, [r.doc for r in emu.store.list(ZONE_TYPE, f"/subscriptions/{req.sub}")])

    emu.router.add("GET", "/subscriptions/{sub}/providers/Microsoft.Network/privateDnsZones", list_in_subscription)

    # The SDK sends ".../{zone}/ALL" for record_sets.list; routes are case-insensitive so "/aLL" matches too.
    emu.router.add("GET", ZONE_ITEM + "/ALL", list_all)

    from plinktui.emulator import dns

    dns.register_control(emu)


def _policy(value: Any) -> str:
    """A VNet link's resolutionPolicy in its canonical spelling."""
    return canonical(value, ("Default", "NxDomainRedirect"), lambda v: errors.ArmError(
        f"The resolution policy '{v}' is invalid; allowed values are 'Default' and 'NxDomainRedirect'.",
        code="BadRequest"))

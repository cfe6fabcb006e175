"""Private endpoints and their private DNS zone groups.

A private endpoint lives in one subnet, in that VNet's region (Azure's ``InvalidResourceReference`` otherwise). Its
connection targets a Key Vault (group ``vault``, member ``default``) or a Private Link Service. Creating it creates a
platform-owned NIC ``<pe>.nic.<guid>`` (or ``customNetworkInterfaceName``) in the endpoint's resource group with the
first free address from ``.4`` (or the static address of ``ipConfigurations``), and fills ``customDnsConfigs`` with the
target's FQDNs. A connection through ``privateLinkServiceConnections`` to a vault of the same tenant is Approved; one
through ``manualPrivateLinkServiceConnections`` stays Pending until approved on the target side. The endpoint document
is the source of truth for the connection state; the vault and the Private Link Service derive their view from it.

A DNS zone group writes an A record ``<first label of each FQDN>`` -> NIC IP into each of its private DNS zones
(TTL 10, metadata ``creator``), keeps the ids of what it wrote and removes exactly those records when it (or its
endpoint) goes.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from typing import Any

from plinktui.armid import sub_of
from plinktui.emulator import errors
from plinktui.emulator.providers.network.common import (
    A_RECORD,
    PE,
    PLS,
    RG_SCOPE,
    VAULT,
    ZONE,
    ZONE_GROUP,
    ChildNetworkKind,
    IpAllocator,
    NetworkKind,
    bad,
    find_subnet,
    find_typed,
    invalid_reference,
    same_id,
)
from plinktui.emulator.providers.network.interfaces import managed_nic
from plinktui.emulator.resource import Req, name_of, ref
from plinktui.emulator.store import Record, new_etag

CONNECTION_TYPE = "Microsoft.Network/privateEndpoints/privateLinkServiceConnections"
RECORD_TTL = 10


@dataclass
class Target:
    """What a private endpoint connects to, as far as the endpoint needs to know."""

    id: str
    kind: str  # "vault" | "pls"
    fqdns: list[str]
    members: dict[str, list[str]] = field(default_factory=dict)
    """Valid group ids -> required member names (empty for a Private Link Service: any group id is accepted)."""
    auto_approve: bool = True


def resolve_target(emu: Any, target_id: str | None, pe_id: str) -> Target:
    """Find and describe the connection's target, refusing what Azure refuses."""
    if not target_id:
        raise bad("MissingParameterOnPrivateLinkServiceConnection",
                  f"Private link service connection of private endpoint {pe_id} is missing the required parameter "
                  "'privateLinkServiceId'.")
    if "/providers/microsoft.keyvault/vaults/" in target_id.lower():
        vault = find_typed(emu, target_id, VAULT)
        if vault is None:
            raise invalid_reference(target_id, pe_id)
        return Target(vault.id, "vault", [f"{vault.doc['name']}.vault.azure.net"], {"vault": ["default"]})
    pls = find_typed(emu, target_id, PLS)
    if pls is None:
        raise bad("ThirdPartyPrivateLinkServiceProvidedDuringPrivateEndpointCreationDoesNotExistOrIsNotVisible",
                  f"Third-party Private Link Service Id {target_id} provided during private endpoint creation does not "
                  "exist or is not visible to the subscription of the private endpoint.")
    pe_sub = sub_of(pe_id).lower()
    visible = [str(s).lower() for s in ((pls.props.get("visibility") or {}).get("subscriptions") or [])]
    if pe_sub != sub_of(pls.id).lower() and pe_sub not in visible and "*" not in visible:
        raise bad("ThirdPartyPrivateLinkServiceProvidedDuringPrivateEndpointCreationDoesNotExistOrIsNotVisible",
                  f"Third-party Private Link Service Id {target_id} provided during private endpoint creation does not "
                  "exist or is not visible to the subscription of the private endpoint.")
    auto = [str(s).lower() for s in ((pls.props.get("autoApproval") or {}).get("subscriptions") or [])]
    return Target(pls.id, "pls", list(pls.props.get("fqdns") or []), {},
                  auto_approve=pe_sub == sub_of(pls.id).lower() or pe_sub in auto)


def connection_items(pe_id: str, props: dict[str, Any], existing: Record | None) -> list[tuple[str, dict[str, Any]]]:
    """The endpoint's connections as (list key, item); refuses an endpoint without exactly one."""
    out = []
    for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
        items = props.get(key) or []
        if not isinstance(items, list):
            raise errors.InvalidRequestContent(f"The '{key}' member must be an array.")
        out += [(key, item) for item in items if isinstance(item, dict)]
    if len(out) != 1:
        raise bad("PrivateEndpointMustHaveExactlyOneConnection" if out else
                  "MissingParameterOnPrivateEndpoint",
                  f"Private endpoint {pe_id} must have exactly one private link service connection "
                  "(privateLinkServiceConnections or manualPrivateLinkServiceConnections).")
    return out


def old_state(existing: Record | None, target_id: str) -> dict[str, Any] | None:
    """The connection state an existing endpoint already has for this target (approval survives a re-PUT)."""
    if existing is None:
        return None
    for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
        for conn in existing.props.get(key) or []:
            p = conn.get("properties") or {}
            if same_id(p.get("privateLinkServiceId"), target_id):
                return copy.deepcopy(p.get("privateLinkServiceConnectionState"))
    return None


@dataclass
class NicPlan:
    """What after_put must write: the endpoint's NIC."""

    nic_id: str
    subnet_id: str
    ip: str
    static: bool
    group_id: str
    member: str
    fqdns: list[str]


class PrivateEndpoints(NetworkKind):
    """Microsoft.Network/privateEndpoints."""

    type = PE
    collection = "privateEndpoints"
    latency = "pe"

    def __init__(self, emu: Any) -> None:
        super().__init__(emu)
        self._plans: dict[str, NicPlan] = {}

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        props = self.body_props(req, body)
        for key in ("networkInterfaces", "privateDnsZoneGroups"):
            props.pop(key, None)
        location = str(body.get("location") or (existing.doc.get("location") if existing else "") or "")
        location = self.emu.check_location(location, self.type) if location else ""
        subnet = find_subnet(self.emu, ref(props.get("subnet")), rid, location or None)
        if existing is not None and not same_id(ref(existing.props.get("subnet")), subnet.id):
            raise bad("PropertyChangeNotAllowed", f"Changing property 'subnet.id' of private endpoint {rid} is not "
                                                  "allowed.")
        props["subnet"] = {"id": subnet.id}
        (key, item), = connection_items(rid, props, existing)
        cp = item.get("properties") or {}
        if not isinstance(cp, dict):
            raise errors.InvalidRequestContent("A connection's 'properties' must be an object.")
        target = resolve_target(self.emu, cp.get("privateLinkServiceId"), rid)
        groups = cp.get("groupIds") or []
        if target.members:
            if not groups:
                raise bad("MissingParameterOnPrivateLinkServiceConnection",
                          f"Private link service connection {item.get('name') or name_of(rid)} of private endpoint "
                          f"{rid} is missing the required parameter 'groupIds'.")
            unknown = [g for g in groups if g not in target.members]
            if unknown:
                raise bad("PrivateEndpointBadRequest",
                          f"Call to {VAULT} failed. Error message: Group id '{unknown[0]}' is not valid for resource "
                          f"{target.id}. Valid group ids: {', '.join(target.members)}.")
        group = groups[0] if groups else ""
        member = (target.members.get(group) or ["default"])[0] if target.members else group
        state = old_state(existing, target.id)
        if state is None:
            if key == "privateLinkServiceConnections" and target.auto_approve:
                state = {"status": "Approved", "description": "Auto-Approved", "actionsRequired": "None"}
            else:
                state = {"status": "Pending", "description": "Awaiting approval", "actionsRequired": "None"}
        cname = item.get("name") or name_of(rid)
        conn = {"name": cname, "id": f"{rid}/{key}/{cname}", "etag": new_etag(), "type": CONNECTION_TYPE,
                "properties": {**copy.deepcopy(cp), "privateLinkServiceId": target.id, "groupIds": list(groups),
                               "privateLinkServiceConnectionState": state, "provisioningState": "Succeeded"}}
        other = "manualPrivateLinkServiceConnections" if key == "privateLinkServiceConnections" \
            else "privateLinkServiceConnections"
        props[key] = [conn]
        props[other] = []

        # The NIC and its address: the same NIC and IP on every re-PUT.
        nic_id = (existing.internal.get("nic_id") if existing else None)
        if not nic_id:
            rg_scope = rid.rsplit("/providers/", 1)[0]
            nic_name = props.get("customNetworkInterfaceName") or f"{name_of(rid)}.nic.{uuid.uuid4()}"
            nic_id = f"{rg_scope}/providers/Microsoft.Network/networkInterfaces/{nic_name}"
            clash = self.emu.store.get(nic_id)
            if clash is not None:
                raise bad("InvalidRequestFormat", f"Cannot create private endpoint {rid}: network interface {nic_id} "
                                                  "already exists.")
        statics = props.get("ipConfigurations") or []
        if not isinstance(statics, list):
            raise errors.InvalidRequestContent("The 'ipConfigurations' member must be an array.")
        alloc = IpAllocator(self.emu, subnet, nic_id)
        static_ip = None
        for ipc in statics:
            p = (ipc or {}).get("properties") or {}
            if target.members:
                if p.get("groupId") not in target.members or p.get("memberName") not in target.members.get(
                        str(p.get("groupId")), []):
                    wanted = "; ".join(f"GroupId: {g}, MemberName: {m}" for g in groups if g in target.members
                                       for m in target.members[g])
                    raise bad("PrivateEndpointIpConfigurationMissingMemberNamesRequiredByFps",
                              f"Private Endpoint {rid} contains static ipconfigurations: [PrivateIPAddress: "
                              f"{p.get('privateIPAddress')}, GroupId: {p.get('groupId')}, MemberName: "
                              f"{p.get('memberName')}] and its missing these membernames/groupids requested by "
                              f"Private Link service [{wanted}]. Private Endpoint needs to be reconfigured with "
                              "missing memberNames.")
            static_ip = alloc.static(str(p.get("privateIPAddress")), f"{nic_id}/ipConfigurations/{ipc.get('name')}")
            break  # one member per target: the vault has 'default', a Private Link Service one address
        old_nic = self.emu.store.get(nic_id)
        keep = None
        if old_nic is not None:
            for ipc in old_nic.props.get("ipConfigurations") or []:
                keep = (ipc.get("properties") or {}).get("privateIPAddress")
        ip = static_ip or alloc.dynamic(keep)
        props["networkInterfaces"] = [{"id": nic_id}]
        # A vault's FQDN goes to customDnsConfigs; a Private Link Service's FQDNs only reach the NIC's
        # privateLinkConnectionProperties (ARM answers customDnsConfigs [] for a PLS target).
        props["customDnsConfigs"] = [] if target.kind == "pls" else [
            {"fqdn": f, "ipAddresses": [ip]} for f in target.fqdns]
        self.keep_guid(props, existing)
        props.setdefault("applicationSecurityGroups", [])
        props.setdefault("ipConfigurations", [])
        self._plans[rid.lower()] = NicPlan(nic_id, subnet.id, ip, static_ip is not None, group, member,
                                           target.fqdns)
        return {"properties": props}

    def after_put(self, req: Req, rec: Record, created: bool) -> None:
        plan = self._plans.pop(rec.id.lower(), None)
        if plan is None:  # a PATCH (tags)
            return
        rec.internal.setdefault("connection_guid", str(uuid.uuid4()))
        rec.internal["resource_guid"] = rec.props.get("resourceGuid") or str(uuid.uuid4())
        rec.internal["nic_id"] = plan.nic_id
        old = self.emu.store.get(plan.nic_id)
        ipc_name = None
        if old is not None and old.props.get("ipConfigurations"):
            ipc_name = old.props["ipConfigurations"][0]["name"]
        ipc_name = ipc_name or f"privateEndpointIpConfig.{uuid.uuid4()}"
        ipconfig = {"name": ipc_name, "id": f"{plan.nic_id}/ipConfigurations/{ipc_name}", "etag": new_etag(),
                    "type": "Microsoft.Network/networkInterfaces/ipConfigurations",
                    "properties": {"provisioningState": "Succeeded", "privateIPAddress": plan.ip,
                                   "privateIPAllocationMethod": "Static" if plan.static else "Dynamic",
                                   "subnet": {"id": plan.subnet_id}, "primary": True,
                                   "privateIPAddressVersion": "IPv4",
                                   "privateLinkConnectionProperties": {"groupId": plan.group_id,
                                                                       "requiredMemberName": plan.member,
                                                                       "fqdns": list(plan.fqdns)}}}
        managed_nic(self.emu, plan.nic_id, str(rec.doc.get("location", "")), "privateEndpoint", rec.id, [ipconfig],
                    rec.doc.get("tags"))
        for group in self.emu.store.children(rec.id, ZONE_GROUP):  # the IP is stable, but keep records in step
            write_records(self.emu, group)

    def on_delete(self, rec: Record) -> None:
        for group in self.emu.store.children(rec.id, ZONE_GROUP):
            remove_records(self.emu, group)
            self.emu.store.delete(group.id)
        nic_id = rec.internal.get("nic_id")
        if nic_id:
            self.emu.store.delete(nic_id)


# -- DNS zone groups --------------------------------------------------------------------------------------------------


def creator_text(pe: Record) -> str:
    """The metadata Azure leaves on records a zone group wrote."""
    return f"created by private endpoint {name_of(pe.id)} with resource guid {pe.internal.get('resource_guid', '')}"


def desired_records(emu: Any, group: Record) -> list[tuple[Record, str, str]]:
    """(zone, record name, ip) for every zone of the group and every FQDN the endpoint's NIC serves."""
    pe = emu.store.get(group.id.rsplit("/privateDnsZoneGroups/", 1)[0])
    if pe is None:
        return []
    nic = emu.store.get(pe.internal.get("nic_id") or "")
    if nic is None:
        return []
    pairs: list[tuple[str, str]] = []
    for ipc in nic.props.get("ipConfigurations") or []:
        p = ipc.get("properties") or {}
        for fqdn in (p.get("privateLinkConnectionProperties") or {}).get("fqdns") or []:
            if p.get("privateIPAddress"):
                pairs.append((str(fqdn).split(".", 1)[0], p["privateIPAddress"]))
    out = []
    for cfg in group.props.get("privateDnsZoneConfigs") or []:
        zone = find_typed(emu, (cfg.get("properties") or {}).get("privateDnsZoneId"), ZONE)
        if zone is None:
            continue
        out += [(zone, name, ip) for name, ip in pairs]
    return out


def _recount(emu: Any, zone_id: str) -> None:
    try:
        from plinktui.emulator.providers import privatedns

        recount = getattr(privatedns, "recount", None)
    except ImportError:  # the privatedns provider is optional for this one
        recount = None
    if recount is not None:
        recount(emu, zone_id)


def write_records(emu: Any, group: Record) -> None:
    """Make the zones hold exactly this group's records (older ones it owns but no longer wants are removed)."""
    pe = emu.store.get(group.id.rsplit("/privateDnsZoneGroups/", 1)[0])
    if pe is None:
        return
    creator = creator_text(pe)
    by_id: dict[str, tuple[Record, str, list[str]]] = {}
    for zone, name, ip in desired_records(emu, group):
        rid = f"{zone.id}/A/{name}"
        entry = by_id.setdefault(rid.lower(), (zone, name, []))
        if ip not in entry[2]:
            entry[2].append(ip)
    touched: set[str] = set()
    for old in group.internal.get("records", []):
        if old.lower() not in by_id:
            rec = emu.store.get(old)
            if rec is not None and ((rec.props.get("metadata") or {}).get("creator") == creator):
                emu.store.delete(old)
                touched.add(old.rsplit("/A/", 1)[0])
    for zone, name, ips in by_id.values():
        rid = f"{zone.id}/A/{name}"
        emu.store.put({"id": rid, "name": name, "type": A_RECORD, "etag": str(uuid.uuid4()),
                       "properties": {"metadata": {"creator": creator}, "ttl": RECORD_TTL,
                                      "fqdn": f"{name}.{zone.doc['name']}.", "isAutoRegistered": False,
                                      "aRecords": [{"ipv4Address": ip} for ip in ips]}})
        touched.add(zone.id)
    group.internal["records"] = [f"{z.id}/A/{n}" for z, n, _ in by_id.values()]
    emu.store.touch()
    for zone_id in touched:
        _recount(emu, zone_id)


def remove_records(emu: Any, group: Record) -> None:
    """Remove the records this group wrote (not someone else's record of the same name)."""
    pe = emu.store.get(group.id.rsplit("/privateDnsZoneGroups/", 1)[0])
    creator = creator_text(pe) if pe is not None else None
    touched = set()
    for rid in group.internal.get("records", []):
        rec = emu.store.get(rid)
        if rec is not None and (creator is None or (rec.props.get("metadata") or {}).get("creator") == creator):
            emu.store.delete(rid)
            touched.add(rid.rsplit("/A/", 1)[0])
    group.internal["records"] = []
    for zone_id in touched:
        _recount(emu, zone_id)


class PrivateDnsZoneGroups(ChildNetworkKind):
    """Microsoft.Network/privateEndpoints/privateDnsZoneGroups."""

    type = ZONE_GROUP
    item = RG_SCOPE + "/privateEndpoints/{pe}/privateDnsZoneGroups/{name}"
    latency = "zonegroup"

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        props = self.body_props(req, body)
        configs = props.get("privateDnsZoneConfigs") or []
        if not isinstance(configs, list) or not configs:
            raise bad("InvalidRequestFormat", f"Cannot parse the request: zone group {rid} needs at least one "
                                              "privateDnsZoneConfigs entry.")
        out = []
        for cfg in configs:
            cp = (cfg or {}).get("properties") or {}
            zone_id = cp.get("privateDnsZoneId")
            zone = find_typed(self.emu, zone_id, ZONE)
            if zone is None:
                raise invalid_reference(str(zone_id), rid)
            name = cfg.get("name") or zone.doc["name"].replace(".", "-")
            out.append({"name": name, "properties": {"privateDnsZoneId": zone.id}})
        props["privateDnsZoneConfigs"] = out
        return {"properties": props}

    def on_provisioned(self, rec: Record) -> None:
        write_records(self.emu, rec)

    def on_delete(self, rec: Record) -> None:
        remove_records(self.emu, rec)

    def view(self, req: Req | None, rec: Record) -> dict[str, Any]:
        doc = copy.deepcopy(rec.doc)
        owned = {r.lower() for r in rec.internal.get("records", [])}
        for cfg in doc.get("properties", {}).get("privateDnsZoneConfigs") or []:
            zone_id = cfg["properties"]["privateDnsZoneId"]
            sets = []
            for record in self.emu.store.list(A_RECORD, zone_id + "/A"):
                if record.id.lower() not in owned:
                    continue
                fqdn = str(record.props.get("fqdn", "")).rstrip(".")
                sets.append({"recordType": "A", "recordSetName": record.doc["name"], "fqdn": fqdn,
                             "ttl": record.props.get("ttl", RECORD_TTL),
                             "ipAddresses": [a["ipv4Address"] for a in record.props.get("aRecords") or []],
                             "provisioningState": "Succeeded"})
            cfg["properties"]["recordSets"] = sets
        return doc

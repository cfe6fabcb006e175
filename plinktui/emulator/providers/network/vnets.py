"""Virtual networks and their subnets.

Subnets are records of their own (``.../virtualNetworks/<vnet>/subnets/<name>``); a VNet PUT that carries
``properties.subnets`` creates, replaces and removes them (a VNet PUT without ``subnets`` removes them all, as ARM
does), and a VNet GET embeds the current subnets. Rules, with Azure's codes: prefixes in CIDR notation
(``InvalidAddressPrefixFormat``, ``InvalidCIDRNotation``), no overlapping address spaces (``VnetAddressSpacesOverlap``),
subnets inside the address space (``NetcfgSubnetRangeOutsideVnet``) and apart from their siblings
(``NetcfgSubnetRangesOverlap``), /29 the smallest IPv4 subnet (``NetcfgInvalidSubnet``), and a subnet in use is never
removed (``InUseSubnetCannotBeDeleted``). VNet names are 2-64 letters, digits, underscores, periods and hyphens,
starting with a letter or digit and ending with a letter, digit or underscore: what breaks Microsoft.Network's
generic name rule is ``InvalidResourceName``, a length outside 2-64 or a leading ``_`` is
``NetcfgInvalidVirtualNetworkSite``.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from plinktui.emulator import cidr, errors
from plinktui.emulator.enums import canonical
from plinktui.emulator.providers.network.common import (
    NSG,
    PLS,
    RG_SCOPE,
    SUB_SCOPE,
    SUBNET,
    VNET,
    NetworkKind,
    bad,
    cidr_error,
    endpoints_in_subnet,
    find_typed,
    invalid_reference,
    services_in_subnet,
    subnet_users,
)
from plinktui.emulator.resource import Req, name_of, ref
from plinktui.emulator.store import Record, new_etag

# Microsoft.Network's generic name rule, checked first with its own wording (which says 80 characters) ...
NETWORK_NAME = re.compile(r"^\w(?:[\w.\-]{0,78}\w)?$", re.ASCII)
# ... then the VNet's own rule: 2-64 characters, starting with a letter or digit.
VNET_NAME = re.compile(r"^[A-Za-z0-9][\w.\-]{0,62}\w$", re.ASCII)


def check_vnet_name(name: str) -> None:
    """Refuse a VNet name as Azure does: the provider's generic rule first, then the VNet's 2-64 rule."""
    if not NETWORK_NAME.match(name):
        raise errors.InvalidResourceName(
            f"Resource name {name} is invalid. The name can be up to 80 characters long. It must begin with a word "
            "character, and it must end with a word character or with '_'. The name may contain word characters or "
            "'.', '-', '_'.", code="InvalidResourceName")
    if not VNET_NAME.match(name):
        raise bad("NetcfgInvalidVirtualNetworkSite",
                  f"Virtual network site is not valid as specified with the name '{name}'. A virtual network name "
                  "must be 2-64 characters long and start with a letter or digit.")


POLICY_VALUES = ("Enabled", "Disabled", "NetworkSecurityGroupEnabled", "RouteTableEnabled")
SERVER_OWNED = ("provisioningState", "ipConfigurations", "privateEndpoints", "ipConfigurationProfiles",
                "resourceNavigationLinks", "serviceAssociationLinks", "purpose")


def in_use_error(subnet_name: str, user: str) -> errors.ArmError:
    """Azure's refusal to remove a subnet that still holds something."""
    return errors.InUse(
        f"Subnet {subnet_name} is in use by {user} and cannot be deleted. In order to delete the subnet, delete all "
        "the resources within the subnet. See aka.ms/deletesubnet.")


def first_user(emu: Any, subnet_id: str) -> str | None:
    """Something that uses the subnet (an ipconfig, a private endpoint, a Private Link Service, a DNS resolver
    endpoint), or None."""
    users = subnet_users(emu, subnet_id)
    if users:
        return users[0][0]
    pes = endpoints_in_subnet(emu, subnet_id)
    if pes:
        return pes[0]
    services = services_in_subnet(emu, subnet_id)
    if services:
        return services[0]
    from plinktui.emulator.providers.dnsresolver.common import INBOUND, OUTBOUND, endpoint_subnets

    return next((rec.id for rtype in (INBOUND, OUTBOUND) for rec in emu.store.of_type(rtype)
                 if any(s.lower() == subnet_id.lower() for s in endpoint_subnets(rec))), None)


def parse_space(vnet_id: str, props: dict[str, Any]) -> list[cidr.Network]:
    """The VNet's address prefixes, validated."""
    space = props.get("addressSpace") or {}
    if not isinstance(space, dict):
        raise errors.InvalidRequestContent("The 'addressSpace' member must be an object with 'addressPrefixes'.")
    prefixes = space.get("addressPrefixes")
    if prefixes is None:
        prefixes = []
    if not isinstance(prefixes, list):
        raise errors.InvalidRequestContent("The 'addressSpace.addressPrefixes' member must be an array.")
    nets = []
    for p in prefixes:
        try:
            nets.append(cidr.parse_prefix(p))
        except cidr.CidrError as exc:
            raise cidr_error(exc, vnet_id) from None
    clash = cidr.first_overlap(nets)
    if clash:
        raise bad("VnetAddressSpacesOverlap",
                  f"Cannot create or update virtual network {vnet_id} since it has address spaces {clash[0]} and "
                  f"{clash[1]} that overlap.")
    return nets


def build_subnet(emu: Any, vnet_id: str, spaces: list[cidr.Network], name: str, props: dict[str, Any],
                 existing: Record | None, siblings: list[tuple[str, list[cidr.Network]]]) -> dict[str, Any]:
    """Validate one subnet against its VNet and siblings; returns the subnet document."""
    sid = f"{vnet_id}/subnets/{name}"
    vnet_name = name_of(vnet_id)
    props = {k: copy.deepcopy(v) for k, v in props.items() if k not in SERVER_OWNED}
    raw = props.get("addressPrefixes") or ([props["addressPrefix"]] if props.get("addressPrefix") else [])
    if not raw:
        raise bad("InvalidRequestFormat", f"Cannot parse the request: subnet {sid} needs an addressPrefix.")
    nets = []
    for p in raw:
        try:
            nets.append(cidr.parse_prefix(p))
        except cidr.CidrError as exc:
            raise cidr_error(exc, sid) from None
    for net in nets:
        if cidr.too_small(net):
            raise bad("NetcfgInvalidSubnet", f"Subnet '{name}' is not valid in virtual network '{vnet_name}'. The "
                                             f"prefix {net} is too small: the smallest supported IPv4 subnet is /29.")
        if not cidr.inside_any(spaces, net):
            raise bad("NetcfgSubnetRangeOutsideVnet",
                      f"Subnet '{name}' is not valid because its IP address range is outside the IP address range "
                      f"of virtual network '{vnet_name}'.")
    for other, other_nets in siblings:
        if other.lower() == name.lower():
            continue
        if any(cidr.overlaps(a, b) for a in nets for b in other_nets):
            raise bad("NetcfgSubnetRangesOverlap",
                      f"Subnet '{name}' is not valid because its IP address range overlaps with that of an existing "
                      f"subnet in virtual network '{vnet_name}'.")
    old = existing.props if existing else {}
    for key, default in (("privateEndpointNetworkPolicies", "Disabled"),
                         ("privateLinkServiceNetworkPolicies", "Enabled")):
        def policy_error(value: str, field: str = key) -> Exception:
            return bad("InvalidRequestFormat", f"Cannot parse the request: '{value}' is not a valid value for {field}.")

        props[key] = canonical(props.get(key) or old.get(key) or default, POLICY_VALUES, policy_error)
    if props["privateLinkServiceNetworkPolicies"] == "Enabled" and existing is not None \
            and services_in_subnet(emu, sid):
        raise bad("PrivateLinkServiceNetworkPoliciesCannotBeEnabledOnPrivateLinkServiceSubnet",
                  f"Private link service network policies cannot be enabled on subnet {sid} since it is used by "
                  f"private link service {services_in_subnet(emu, sid)[0]}.")
    nsg = ref(props.get("networkSecurityGroup"))
    if nsg and find_typed(emu, nsg, NSG) is None:
        raise invalid_reference(nsg, sid)
    props.setdefault("delegations", [])
    for i, d in enumerate(props["delegations"] if isinstance(props["delegations"], list) else []):
        if isinstance(d, dict) and d.get("name"):
            d.setdefault("id", f"{sid}/delegations/{d['name']}")
            d.setdefault("etag", new_etag())
            d.setdefault("type", "Microsoft.Network/virtualNetworks/subnets/delegations")
            dp = d.setdefault("properties", {})
            dp.setdefault("actions", [])
            dp["provisioningState"] = "Succeeded"
            props["delegations"][i] = d
    props["provisioningState"] = "Succeeded"
    return {"id": sid, "name": name, "etag": new_etag(), "type": SUBNET, "properties": props}


def subnet_view(emu: Any, rec: Record) -> dict[str, Any]:
    """A subnet as ARM returns it, with the ipConfigurations and privateEndpoints that use it right now."""
    doc = copy.deepcopy(rec.doc)
    props = doc.setdefault("properties", {})
    users = subnet_users(emu, rec.id)
    if users:
        props["ipConfigurations"] = [{"id": owner} for owner, _ in users]
    pes = endpoints_in_subnet(emu, rec.id)
    if pes:
        props["privateEndpoints"] = [{"id": pe} for pe in pes]
    return doc


class VirtualNetworks(NetworkKind):
    """Microsoft.Network/virtualNetworks."""

    type = VNET
    item = RG_SCOPE + "/virtualNetworks/{name}"
    sub_list = SUB_SCOPE + "/virtualNetworks"
    latency = "vnet"

    def check_name(self, name: str) -> None:
        check_vnet_name(name)

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        props = self.body_props(req, body)
        spaces = parse_space(rid, props)
        dns = (props.get("dhcpOptions") or {}).get("dnsServers") if isinstance(props.get("dhcpOptions"), dict) \
            else None
        for server in dns or []:
            if cidr.parse_address(server) is None:
                raise bad("InvalidRequestFormat", f"Cannot parse the request: '{server}' is not a valid DNS server "
                                                  "IP address.")
        props.pop("virtualNetworkPeerings", None)  # peerings are their own records (guess: a PUT keeps them)
        items = props.pop("subnets", None) or []
        if not isinstance(items, list):
            raise errors.InvalidRequestContent("The 'subnets' member must be an array.")
        names: list[str] = []
        parsed: list[tuple[str, dict[str, Any]]] = []
        for item in items:
            if not isinstance(item, dict) or not item.get("name"):
                raise bad("InvalidRequestFormat", "Cannot parse the request: every subnet needs a name.")
            if item["name"].lower() in names:
                raise bad("InvalidRequestFormat", f"Cannot parse the request: subnet '{item['name']}' appears more "
                                                  "than once.")
            names.append(item["name"].lower())
            sp = item.get("properties") or {}
            if not isinstance(sp, dict):
                raise errors.InvalidRequestContent("A subnet's 'properties' must be an object.")
            parsed.append((item["name"], sp))
        docs = []
        siblings: list[tuple[str, list[cidr.Network]]] = []
        for name, sp in parsed:
            current = self.emu.store.get(f"{rid}/subnets/{name}")
            doc = build_subnet(self.emu, rid, spaces, name, sp, current, siblings)
            siblings.append((name, [cidr.parse_prefix(p) for p in
                                    (doc["properties"].get("addressPrefixes") or [doc["properties"]["addressPrefix"]])]))
            docs.append(doc)
        for old in self.emu.store.children(rid, SUBNET):
            if name_of(old.id).lower() not in names:
                user = first_user(self.emu, old.id)
                if user:
                    raise in_use_error(name_of(old.id), user)
        self.keep_guid(props, existing)
        props.setdefault("enableDdosProtection", False)
        props["subnets"] = docs  # written as subnet records by after_put
        return {"properties": props}

    def after_put(self, req: Req, rec: Record, created: bool) -> None:
        docs = rec.props.pop("subnets", None)
        if docs is None:
            return
        keep = {d["name"].lower() for d in docs}
        for old in self.emu.store.children(rec.id, SUBNET):
            if name_of(old.id).lower() not in keep:
                self.emu.store.delete(old.id)
        for doc in docs:
            self.emu.store.put(doc)

    def check_delete(self, req: Req, rec: Record) -> None:
        for sub in self.emu.store.children(rec.id, SUBNET):
            user = first_user(self.emu, sub.id)
            if user:
                raise in_use_error(name_of(sub.id), user)

    def on_delete(self, rec: Record) -> None:
        from plinktui.emulator.providers.network.peerings import on_vnet_deleted

        for sub in self.emu.store.children(rec.id, SUBNET):
            self.emu.store.delete(sub.id)
        on_vnet_deleted(self.emu, rec.id)

    def view(self, req: Req | None, rec: Record) -> dict[str, Any]:
        doc = copy.deepcopy(rec.doc)
        props = doc.setdefault("properties", {})
        props.pop("subnets", None)
        props["subnets"] = [subnet_view(self.emu, s) for s in self.emu.store.children(rec.id, SUBNET)]
        from plinktui.emulator.providers.network.peerings import peerings_of

        props["virtualNetworkPeerings"] = peerings_of(self.emu, rec.id)
        return doc


class Subnets(NetworkKind):
    """Microsoft.Network/virtualNetworks/subnets (child of a VNet; no location, no tags)."""

    type = SUBNET
    item = RG_SCOPE + "/virtualNetworks/{vnet}/subnets/{name}"
    latency = "subnet"
    has_location = False
    location_required = False
    resource_guid = False

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        vnet_id = rid.rsplit("/subnets/", 1)[0]
        vnet = self.emu.find(vnet_id)
        spaces = parse_space(vnet.id, vnet.props)
        siblings = []
        for sib in self.emu.store.children(vnet.id, SUBNET):
            if sib.id.lower() != rid.lower():
                siblings.append((name_of(sib.id), [cidr.parse_prefix(p) for p in (
                    sib.props.get("addressPrefixes") or [sib.props["addressPrefix"]])]))
        doc = build_subnet(self.emu, vnet.id, spaces, name_of(rid), self.body_props(req, body), existing, siblings)
        return {"properties": doc["properties"]}

    def check_delete(self, req: Req, rec: Record) -> None:
        user = first_user(self.emu, rec.id)
        if user:
            raise in_use_error(name_of(rec.id), user)

    def view(self, req: Req | None, rec: Record) -> dict[str, Any]:
        return subnet_view(self.emu, rec)


__all__ = ["PLS", "Subnets", "VirtualNetworks", "build_subnet", "subnet_view"]

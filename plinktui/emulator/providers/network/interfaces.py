"""Network interfaces, public IP addresses and network security groups.

A NIC's private addresses come from its subnet: dynamic ones are the first free address from ``.4`` up (a re-PUT keeps
the address it has), static ones must lie in the subnet (``PrivateIPAddressNotInSubnet``), outside Azure's reserved
addresses (``PrivateIPAddressInReservedRange``) and be free (``PrivateIPAddressIsAllocated``). NICs that a private
endpoint or Private Link Service created are read-only (``CannotModifyNicAttachedToPrivateEndpoint``).
"""

from __future__ import annotations

import copy
import zlib
from collections.abc import Callable
from typing import Any

from plinktui.emulator import errors
from plinktui.emulator.enums import canonical, is_value
from plinktui.emulator.providers.network.common import (
    LB,
    NIC,
    NSG,
    PIP,
    SUBNET,
    IpAllocator,
    NetworkKind,
    bad,
    children,
    find_subnet,
    find_typed,
    invalid_reference,
    new_guid,
    requested_sku,
    same_id,
)
from plinktui.emulator.resource import Req, ref
from plinktui.emulator.store import Record, new_etag

IPCONFIG_TYPE = "Microsoft.Network/networkInterfaces/ipConfigurations"
NIC_READ_ONLY = ("virtualMachine", "primary", "macAddress", "privateEndpoint", "privateLinkService",
                 "hostedWorkloads", "tapConfigurations", "dscpConfiguration", "vnetEncryptionSupported")

REGION_OCTET = {"westus2": 115, "eastus2": 96, "eastus": 85, "westus": 112, "centralus": 84, "westeurope": 101,
                "northeurope": 107, "uksouth": 108, "swedencentral": 91, "westus3": 118, "southcentralus": 97}
"""Second octet of the (never contacted) public addresses per region: 20.<octet>.x.y looks like Azure's."""


def mac_for(guid: str) -> str:
    """A stable Azure-looking MAC address (00-0D-3A is Microsoft's OUI)."""
    h = zlib.crc32(guid.encode())
    return "00-0D-3A-" + "-".join(f"{(h >> s) & 0xFF:02X}" for s in (16, 8, 0))


def nic_owner(rec: Record) -> str | None:
    """The private endpoint or Private Link Service that manages this NIC, if any."""
    return ref(rec.props.get("privateEndpoint")) or ref(rec.props.get("privateLinkService")) or \
        rec.internal.get("managed_by")


def read_only_nic(rec: Record) -> errors.ArmError:
    """Azure's refusal to touch a NIC that a private endpoint (or Private Link Service) owns."""
    return bad("CannotModifyNicAttachedToPrivateEndpoint",
               f"Network interface {rec.id} is attached to private endpoint {nic_owner(rec)} and is managed by the "
               "platform. It can not be modified by user.")


def pip_users(emu: Any, pip_id: str) -> list[str]:
    """The ipconfigs (NIC or load balancer frontend) that reference a public IP."""
    out = []
    for rec in emu.store.of_type(NIC):
        for ipc in rec.props.get("ipConfigurations") or []:
            if same_id(ref((ipc.get("properties") or {}).get("publicIPAddress")), pip_id):
                out.append(ipc["id"])
    for rec in emu.store.of_type(LB):
        for fe in rec.props.get("frontendIPConfigurations") or []:
            if same_id(ref((fe.get("properties") or {}).get("publicIPAddress")), pip_id):
                out.append(fe["id"])
    return out


def check_public_ip(emu: Any, pip_id: str | None, referrer: str, ipconfig_id: str, location: str | None) -> None:
    """A referenced public IP must exist in the referrer's region and be free (or already the referrer's)."""
    if not pip_id:
        return
    rec = find_typed(emu, pip_id, PIP)
    if rec is None or (location and str(rec.doc.get("location", "")).lower() != location.lower()):
        raise invalid_reference(pip_id, referrer)
    for user in pip_users(emu, pip_id):
        if not user.lower().startswith(referrer.lower() + "/"):
            raise bad("PublicIPAddressInUse",
                      f"IP configuration {ipconfig_id} is referencing public IP address {pip_id} that is already "
                      f"allocated to resource {user}.")


def ip_configurations(emu: Any, owner_id: str, location: str | None, items: Any, existing: list[dict[str, Any]],
                      ipconfig_type: str = IPCONFIG_TYPE, alloc_owner: str | None = None,
                      subnet_check: Callable[[Record], None] | None = None) -> list[dict[str, Any]]:
    """Validate and address a resource's ipConfigurations (NICs, Private Link Services).

    ``alloc_owner`` is whose current addresses count as free (a Private Link Service's addresses live on its NIC);
    ``subnet_check`` may refuse a subnet (a Private Link Service needs its network policies disabled).
    """
    out = children(owner_id, "ipConfigurations", ipconfig_type, items)
    if not out:
        raise bad("InvalidRequestFormat", f"Cannot parse the request: {owner_id} needs at least one IP configuration.")
    before = {c["name"].lower(): c.get("properties") or {} for c in existing}
    allocators: dict[str, IpAllocator] = {}
    statics = [c for c in out if is_static(c["properties"])]
    for ipc in statics + [c for c in out if not is_static(c["properties"])]:
        p = ipc["properties"]
        subnet = find_subnet(emu, ref(p.get("subnet")), owner_id, location)
        if subnet_check is not None:
            subnet_check(subnet)
        p["subnet"] = {"id": subnet.id}
        alloc = allocators.setdefault(subnet.id.lower(), IpAllocator(emu, subnet, alloc_owner or owner_id))
        old = before.get(ipc["name"].lower(), {})
        if is_static(p):
            p["privateIPAllocationMethod"] = "Static"
            p["privateIPAddress"] = alloc.static(str(p["privateIPAddress"]), ipc["id"])
        else:
            p["privateIPAllocationMethod"] = "Dynamic"
            keep = old.get("privateIPAddress") if same_id(ref(old.get("subnet")), subnet.id) else None
            p["privateIPAddress"] = alloc.dynamic(keep)
        p.setdefault("privateIPAddressVersion", "IPv4")
        check_public_ip(emu, ref(p.get("publicIPAddress")), owner_id, ipc["id"], location)
    if not any(c["properties"].get("primary") for c in out):
        out[0]["properties"]["primary"] = True
    for c in out[1:]:
        c["properties"].setdefault("primary", False)
    return out


def is_static(p: dict[str, Any]) -> bool:
    """A ``privateIPAddress`` counts only with ``privateIPAllocationMethod: Static`` (any case): ARM ignores it
    otherwise (a Private Link Service whose Dynamic ipConfiguration names an address outside its subnet is accepted)."""
    method = p.get("privateIPAllocationMethod")
    if method is not None:
        canonical(method, ("Static", "Dynamic"), lambda v: bad(
            "InvalidRequestFormat", f"Cannot parse the request: '{v}' is not a valid privateIPAllocationMethod."))
    return is_value(method, "Static") and bool(p.get("privateIPAddress"))


def nic_defaults(props: dict[str, Any], existing: Record | None) -> None:
    """The properties Azure fills on every NIC."""
    dns: dict[str, Any] = props["dnsSettings"] if isinstance(props.get("dnsSettings"), dict) else {}
    dns.setdefault("dnsServers", [])
    dns["appliedDnsServers"] = list(dns.get("dnsServers") or [])
    guid = (existing.props.get("resourceGuid") if existing else None) or new_guid()
    dns.setdefault("internalDomainNameSuffix", f"{guid.replace('-', '')[:26]}.xx.internal.cloudapp.net")
    props["dnsSettings"] = dns
    props.setdefault("enableAcceleratedNetworking", False)
    props.setdefault("enableIPForwarding", False)
    props.setdefault("disableTcpStateTracking", False)
    props.setdefault("nicType", "Standard")
    props.setdefault("hostedWorkloads", [])
    props.setdefault("tapConfigurations", [])
    props.setdefault("vnetEncryptionSupported", False)
    props["resourceGuid"] = guid
    if existing is not None:
        for key in NIC_READ_ONLY:
            if key in existing.props:
                props[key] = copy.deepcopy(existing.props[key])
    props.setdefault("macAddress", mac_for(props["resourceGuid"]))


class NetworkInterfaces(NetworkKind):
    """Microsoft.Network/networkInterfaces."""

    type = NIC
    collection = "networkInterfaces"
    latency = "nic"
    resource_guid = False

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        if existing is not None and nic_owner(existing):
            raise read_only_nic(existing)
        props = self.body_props(req, body)
        for key in NIC_READ_ONLY:
            props.pop(key, None)
        location = str(body.get("location") or (existing.doc.get("location") if existing else "") or "")
        location = self.emu.check_location(location, self.type) if location else ""
        props["ipConfigurations"] = ip_configurations(
            self.emu, rid, location, props.get("ipConfigurations"),
            (existing.props.get("ipConfigurations") or []) if existing else [])
        nsg = ref(props.get("networkSecurityGroup"))
        if nsg and find_typed(self.emu, nsg, NSG) is None:
            raise invalid_reference(nsg, rid)
        nic_defaults(props, existing)
        return {"properties": props}

    def patch(self, req: Req, rec: Record, body: dict[str, Any]) -> dict[str, Any]:
        if nic_owner(rec):
            raise read_only_nic(rec)
        return super().patch(req, rec, body)

    def check_delete(self, req: Req, rec: Record) -> None:
        if nic_owner(rec):
            raise read_only_nic(rec)
        vm = ref(rec.props.get("virtualMachine"))
        if vm and self.emu.store.get(vm) is not None:
            raise bad("NicInUse", f"Network Interface {rec.id} is used by existing resource {vm}. In order to delete "
                                  "the network interface, it must be dissociated from the resource. To learn more, "
                                  "see aka.ms/deletenic.")


def managed_nic(emu: Any, nic_id: str, location: str, owner_key: str, owner_id: str,
                ipconfigs: list[dict[str, Any]], tags: dict[str, str] | None) -> Record:
    """Create or refresh the platform-owned NIC of a private endpoint / Private Link Service (already addressed)."""
    existing = emu.store.get(nic_id)
    props: dict[str, Any] = {"ipConfigurations": ipconfigs, owner_key: {"id": owner_id}}
    nic_defaults(props, existing)
    props[owner_key] = {"id": owner_id}
    props["provisioningState"] = "Succeeded"
    doc: dict[str, Any] = {"id": nic_id, "name": nic_id.rsplit("/", 1)[-1], "type": NIC, "etag": new_etag(),
                           "location": location}
    if tags:
        doc["tags"] = dict(tags)
    doc["properties"] = props
    rec = emu.store.put(doc)
    rec.internal["managed_by"] = owner_id
    return rec


def next_public_ip(emu: Any, location: str) -> str:
    """A fresh, unique Azure-looking public address for the region (data only; never contacted)."""
    octet = REGION_OCTET.get(location.lower(), 20 + zlib.crc32(location.lower().encode()) % 200)
    seqs = emu.store.extra.setdefault("network_pip_seq", {})
    n = int(seqs.get(location.lower(), 0))
    seqs[location.lower()] = n + 1
    emu.store.touch()
    return f"20.{octet}.{(n // 254) % 256}.{n % 254 + 1}"


class PublicIPAddresses(NetworkKind):
    """Microsoft.Network/publicIPAddresses (Standard, static: the address is allocated at creation)."""

    type = PIP
    collection = "publicIPAddresses"
    latency = "pip"

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        props = self.body_props(req, body)
        props.pop("ipConfiguration", None)
        sku = requested_sku(body, existing)
        sku["name"] = canonical(sku.get("name", "Standard"), ("Basic", "Standard"), lambda v: bad(
            "InvalidRequestFormat", f"Cannot parse the request: '{v}' is not a valid public IP SKU name."))
        sku["tier"] = canonical(sku.get("tier", "Regional"), ("Regional", "Global"), lambda v: bad(
            "InvalidRequestFormat", f"Cannot parse the request: '{v}' is not a valid public IP SKU tier."))
        if "publicIPAllocationMethod" in props:
            props["publicIPAllocationMethod"] = canonical(props["publicIPAllocationMethod"], ("Static", "Dynamic"),
                                                          lambda v: bad("InvalidRequestFormat", "Cannot parse the "
                                                                        f"request: '{v}' is not a valid "
                                                                        "publicIPAllocationMethod."))
        if "publicIPAddressVersion" in props:
            props["publicIPAddressVersion"] = canonical(props["publicIPAddressVersion"], ("IPv4", "IPv6"), lambda v: bad(
                "InvalidRequestFormat", f"Cannot parse the request: '{v}' is not a valid publicIPAddressVersion."))
        if sku["name"] == "Standard":
            props["publicIPAllocationMethod"] = "Static"  # Standard public IPs are always static
        else:
            props.setdefault("publicIPAllocationMethod", "Static")
        props.setdefault("publicIPAddressVersion", "IPv4")
        props.setdefault("idleTimeoutInMinutes", 4)
        props.setdefault("ipTags", [])
        location = str(body.get("location") or (existing.doc.get("location") if existing else "") or "eastus")
        props["ipAddress"] = (existing.props.get("ipAddress") if existing else None) or next_public_ip(
            self.emu, location.replace(" ", "").lower())
        label = (props.get("dnsSettings") or {}).get("domainNameLabel") if isinstance(
            props.get("dnsSettings"), dict) else None
        if label:
            props["dnsSettings"]["fqdn"] = f"{label}.{location.replace(' ', '').lower()}.cloudapp.azure.com"
        self.keep_guid(props, existing)
        return {"properties": props, "sku": sku}

    def check_delete(self, req: Req, rec: Record) -> None:
        users = pip_users(self.emu, rec.id)
        if users:
            raise bad("PublicIPAddressCannotBeDeleted",
                      f"Public IP address {rec.id} can not be deleted since it is still allocated to resource "
                      f"{users[0]}. In order to delete the public IP, disassociate/detach the Public IP address from "
                      "the resource. To learn how to do this, see aka.ms/deletepublicip.")

    def view(self, req: Req | None, rec: Record) -> dict[str, Any]:
        users = pip_users(self.emu, rec.id)
        if not users:
            return rec.doc
        doc = copy.deepcopy(rec.doc)
        doc["properties"]["ipConfiguration"] = {"id": users[0]}
        return doc


DEFAULT_RULES = [
    ("AllowVnetInBound", "Allow inbound traffic from all VMs in VNET", "Allow", "VirtualNetwork", "VirtualNetwork",
     "Inbound", 65000),
    ("AllowAzureLoadBalancerInBound", "Allow inbound traffic from azure load balancer", "Allow", "AzureLoadBalancer",
     "*", "Inbound", 65001),
    ("DenyAllInBound", "Deny all inbound traffic", "Deny", "*", "*", "Inbound", 65500),
    ("AllowVnetOutBound", "Allow outbound traffic from all VMs to all VMs in VNET", "Allow", "VirtualNetwork",
     "VirtualNetwork", "Outbound", 65000),
    ("AllowInternetOutBound", "Allow outbound traffic from all VMs to Internet", "Allow", "*", "Internet", "Outbound",
     65001),
    ("DenyAllOutBound", "Deny all outbound traffic", "Deny", "*", "*", "Outbound", 65500),
]


def default_rules(nsg_id: str) -> list[dict[str, Any]]:
    """The six default security rules every NSG shows."""
    return [{"name": name, "id": f"{nsg_id}/defaultSecurityRules/{name}", "etag": "",
             "type": "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
             "properties": {"description": desc, "protocol": "*", "sourcePortRange": "*", "destinationPortRange": "*",
                            "sourceAddressPrefix": src, "destinationAddressPrefix": dst, "access": access,
                            "priority": prio, "direction": direction, "sourcePortRanges": [],
                            "destinationPortRanges": [], "sourceAddressPrefixes": [],
                            "destinationAddressPrefixes": [], "provisioningState": "Succeeded"}}
            for name, desc, access, src, dst, direction, prio in DEFAULT_RULES]


class NetworkSecurityGroups(NetworkKind):
    """Microsoft.Network/networkSecurityGroups with inline securityRules."""

    type = NSG
    collection = "networkSecurityGroups"
    latency = "nsg"

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        props = self.body_props(req, body)
        for key in ("defaultSecurityRules", "subnets", "networkInterfaces"):
            props.pop(key, None)
        rules = children(rid, "securityRules", "Microsoft.Network/networkSecurityGroups/securityRules",
                         props.get("securityRules"))
        seen: dict[tuple[str, int], str] = {}
        for rule in rules:
            p = rule["properties"]
            try:
                prio = int(p.get("priority"))
            except (TypeError, ValueError):
                prio = -1
            if not 100 <= prio <= 4096:
                raise bad("SecurityRuleInvalidPriority",
                          f"Security rule {rule['name']} has invalid Priority. Value provided: {p.get('priority')}. "
                          "Allowed range 100-4096.")
            def rule_error(value: str, name: str = rule["name"]) -> Exception:
                return bad("InvalidRequestFormat", f"Cannot parse the request: security rule {name} has '{value}'; it "
                                                   "needs direction Inbound|Outbound, access Allow|Deny and protocol "
                                                   "Tcp|Udp|Icmp|Esp|Ah|*.")

            direction = p["direction"] = canonical(p.get("direction") or "", ("Inbound", "Outbound"), rule_error)
            p["access"] = canonical(p.get("access") or "", ("Allow", "Deny"), rule_error)
            if "protocol" in p:
                p["protocol"] = canonical(p["protocol"], ("Tcp", "Udp", "Icmp", "Esp", "Ah", "*"), rule_error)
            other = seen.get((direction, prio))
            if other:
                raise bad("SecurityRuleConflict",
                          f"Security rule {rule['name']} conflicts with rule {other}. Rules cannot have the same "
                          "Priority and Direction. To learn more, see aka.ms/nsgrules.")
            seen[(direction, prio)] = rule["name"]
            for key in ("sourcePortRanges", "destinationPortRanges", "sourceAddressPrefixes",
                        "destinationAddressPrefixes"):
                p.setdefault(key, [])
        props["securityRules"] = rules
        self.keep_guid(props, existing)
        return {"properties": props}

    def users(self, nsg_id: str) -> tuple[list[str], list[str]]:
        """Subnets and NICs associated with the NSG."""
        subnets = [r.id for r in self.emu.store.of_type(SUBNET)
                   if same_id(ref(r.props.get("networkSecurityGroup")), nsg_id)]
        nics = [r.id for r in self.emu.store.of_type(NIC) if same_id(ref(r.props.get("networkSecurityGroup")), nsg_id)]
        return subnets, nics

    def check_delete(self, req: Req, rec: Record) -> None:
        subnets, nics = self.users(rec.id)
        if subnets or nics:
            raise bad("InUseNetworkSecurityGroupCannotBeDeleted",
                      f"Network security group {rec.id} cannot be deleted because it is in use by the following "
                      f"resources: {(subnets + nics)[0]}. In order to delete the Network security group, remove the "
                      "association with the resource(s). To learn how to do this, see aka.ms/deletensg.")

    def view(self, req: Req | None, rec: Record) -> dict[str, Any]:
        doc = copy.deepcopy(rec.doc)
        props = doc.setdefault("properties", {})
        props["defaultSecurityRules"] = default_rules(rec.id)
        subnets, nics = self.users(rec.id)
        if subnets:
            props["subnets"] = [{"id": s} for s in subnets]
        if nics:
            props["networkInterfaces"] = [{"id": n} for n in nics]
        return doc

"""Typed inventory of everything the audit looks at, built from ARM JSON (SDK ``.as_dict()`` or plain dicts).

The installed azure-mgmt SDKs generate MutableMapping models whose ``as_dict()`` is the REST body itself (camelCase,
nested ``properties``), so one parser serves both the live collector and hand-written test inventories:
``Inventory.from_dicts(private_endpoints=[{...}], ...)``.

Ids are compared case-insensitively everywhere (ARM ids are case-insensitive and services disagree on casing); the
``key()`` helper lower-cases an id for index lookups while the dataclasses keep the original spelling for reports.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from audits import services
from audits.services import Cloud, Service


def key(resource_id: str | None) -> str:
    """Normalised id for lookups: lower-case, no trailing slash."""
    return (resource_id or "").rstrip("/").lower()


def _d(obj: Any) -> dict[str, Any]:
    """A plain dict from an SDK model (``as_dict``), a mapping, or None."""
    if obj is None:
        return {}
    if hasattr(obj, "as_dict"):
        return obj.as_dict()
    if isinstance(obj, Mapping):
        return dict(obj)
    raise TypeError(f"cannot read {type(obj).__name__} as ARM JSON")


def _p(d: Mapping[str, Any]) -> dict[str, Any]:
    return d.get("properties") or {}


def _id(ref: Any) -> str | None:
    if isinstance(ref, Mapping):
        return ref.get("id")
    return None


def rg_of(resource_id: str) -> str:
    """Resource group name from an ARM id ('' when absent)."""
    parts = resource_id.split("/")
    low = [p.lower() for p in parts]
    if "resourcegroups" in low:
        i = low.index("resourcegroups")
        if i + 1 < len(parts):
            return parts[i + 1]
    return ""


def sub_of(resource_id: str) -> str:
    """Subscription id from an ARM id ('' when absent)."""
    parts = resource_id.split("/")
    low = [p.lower() for p in parts]
    if "subscriptions" in low:
        i = low.index("subscriptions")
        if i + 1 < len(parts):
            return parts[i + 1]
    return ""


def name_of(resource_id: str) -> str:
    """Last segment of an ARM id."""
    return resource_id.rstrip("/").rsplit("/", 1)[-1]


def vnet_of_subnet(subnet_id: str | None) -> str | None:
    """The VNet id of a subnet id (``.../virtualNetworks/v/subnets/s`` -> ``.../virtualNetworks/v``)."""
    if not subnet_id:
        return None
    low = subnet_id.lower()
    i = low.rfind("/subnets/")
    return subnet_id[:i] if i > 0 else None


def is_private_ip(ip: str) -> bool:
    """RFC 1918, CGNAT 100.64/10 and other non-global addresses count as private."""
    try:
        a = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(a, ipaddress.IPv4Address) and a in ipaddress.ip_network("100.64.0.0/10"):
        return True
    return a.is_private


@dataclass
class Connection:
    """A private-link service connection held by an endpoint."""

    name: str
    target_id: str
    group_ids: list[str]
    status: str
    description: str = ""
    manual: bool = False


@dataclass
class ZoneGroup:
    """A privateDnsZoneGroup (fetched only for endpoints the lists cannot explain)."""

    id: str
    name: str
    zone_ids: list[str]


@dataclass
class Endpoint:
    """A private endpoint."""

    id: str
    name: str
    location: str
    subnet_id: str | None
    nic_ids: list[str]
    connections: list[Connection]
    custom_dns: list[tuple[str, list[str]]]
    provisioning_state: str = "Succeeded"
    static_ips: list[str] = field(default_factory=list)
    zone_groups: list[ZoneGroup] | None = None
    """None = not fetched (the lists explained the endpoint); [] = fetched and none exist."""

    @property
    def vnet_id(self) -> str | None:
        return vnet_of_subnet(self.subnet_id)

    @property
    def resource_group(self) -> str:
        return rg_of(self.id)

    @property
    def group_ids(self) -> list[str]:
        return [g for c in self.connections for g in c.group_ids]

    @property
    def target_id(self) -> str | None:
        return self.connections[0].target_id if self.connections else None

    @property
    def connection_state(self) -> str:
        return self.connections[0].status if self.connections else "None"

    @classmethod
    def from_dict(cls, raw: Any) -> Endpoint:
        d = _d(raw)
        p = _p(d)
        conns: list[Connection] = []
        for manual, k in ((False, "privateLinkServiceConnections"), (True, "manualPrivateLinkServiceConnections")):
            for c in p.get(k) or []:
                cp = _p(c)
                st = cp.get("privateLinkServiceConnectionState") or {}
                conns.append(Connection(name=c.get("name") or name_of(c.get("id") or ""),
                                        target_id=cp.get("privateLinkServiceId") or "",
                                        group_ids=list(cp.get("groupIds") or []),
                                        status=st.get("status") or ("Pending" if manual else "Approved"),
                                        description=st.get("description") or "", manual=manual))
        return cls(id=d.get("id") or "", name=d.get("name") or name_of(d.get("id") or ""),
                   location=d.get("location") or "", subnet_id=_id(p.get("subnet")),
                   nic_ids=[n["id"] for n in p.get("networkInterfaces") or [] if n.get("id")],
                   connections=conns,
                   custom_dns=[(c.get("fqdn") or "", list(c.get("ipAddresses") or []))
                               for c in p.get("customDnsConfigs") or []],
                   provisioning_state=p.get("provisioningState") or "Succeeded",
                   static_ips=[str(_p(c).get("privateIPAddress")) for c in p.get("ipConfigurations") or []
                               if _p(c).get("privateIPAddress")])


@dataclass
class Nic:
    """A network interface (endpoint NICs and VM NICs alike)."""

    id: str
    name: str
    location: str
    private_ips: list[str]
    subnet_id: str | None
    private_endpoint_id: str | None
    vm_id: str | None
    public_ip_ids: list[str]
    fqdns: list[str] = field(default_factory=list)

    @property
    def vnet_id(self) -> str | None:
        return vnet_of_subnet(self.subnet_id)

    @classmethod
    def from_dict(cls, raw: Any) -> Nic:
        d = _d(raw)
        p = _p(d)
        ips: list[str] = []
        pips: list[str] = []
        fqdns: list[str] = []
        subnet: str | None = None
        for c in p.get("ipConfigurations") or []:
            cp = _p(c)
            if cp.get("privateIPAddress"):
                ips.append(cp["privateIPAddress"])
            subnet = subnet or _id(cp.get("subnet"))
            if _id(cp.get("publicIPAddress")):
                pips.append(cp["publicIPAddress"]["id"])
            plc = cp.get("privateLinkConnectionProperties") or {}
            fqdns.extend(plc.get("fqdns") or [])
        return cls(id=d.get("id") or "", name=d.get("name") or "", location=d.get("location") or "",
                   private_ips=ips, subnet_id=subnet, private_endpoint_id=_id(p.get("privateEndpoint")),
                   vm_id=_id(p.get("virtualMachine")), public_ip_ids=pips, fqdns=fqdns)


@dataclass
class Subnet:
    """A subnet of a VNet (from the VNet list's inline subnets)."""

    id: str
    name: str
    vnet_id: str
    prefixes: list[str]
    pe_network_policies: str
    pls_network_policies: str


@dataclass
class Peering:
    """A VNet peering (inline in the VNet list)."""

    id: str
    name: str
    remote_vnet_id: str
    state: str


@dataclass
class Vnet:
    """A virtual network."""

    id: str
    name: str
    location: str
    address_prefixes: list[str]
    dns_servers: list[str]
    subnets: list[Subnet]
    peerings: list[Peering] = field(default_factory=list)

    @classmethod
    def from_dict(cls, raw: Any) -> Vnet:
        d = _d(raw)
        p = _p(d)
        vid = d.get("id") or ""
        subnets = []
        for s in p.get("subnets") or []:
            sp = _p(s)
            prefixes = list(sp.get("addressPrefixes") or []) or ([sp["addressPrefix"]] if sp.get("addressPrefix") else [])
            subnets.append(Subnet(id=s.get("id") or f"{vid}/subnets/{s.get('name')}", name=s.get("name") or "",
                                  vnet_id=vid, prefixes=prefixes,
                                  pe_network_policies=sp.get("privateEndpointNetworkPolicies") or "Disabled",
                                  pls_network_policies=sp.get("privateLinkServiceNetworkPolicies") or "Enabled"))
        peerings = [Peering(id=x.get("id") or "", name=x.get("name") or "",
                            remote_vnet_id=_id(_p(x).get("remoteVirtualNetwork")) or "",
                            state=_p(x).get("peeringState") or "Initiated")
                    for x in p.get("virtualNetworkPeerings") or []]
        return cls(id=vid, name=d.get("name") or "", location=d.get("location") or "",
                   address_prefixes=list((p.get("addressSpace") or {}).get("addressPrefixes") or []),
                   dns_servers=list((p.get("dhcpOptions") or {}).get("dnsServers") or []), subnets=subnets,
                   peerings=peerings)


@dataclass
class InboundEndpoint:
    """A DNS Private Resolver inbound endpoint: the addresses VNets use as DNS servers."""

    id: str
    name: str
    resolver_id: str
    ips: list[str]


@dataclass
class Resolver:
    """A DNS Private Resolver, with its inbound endpoints."""

    id: str
    name: str
    vnet_id: str
    inbound: list[InboundEndpoint] = field(default_factory=list)


@dataclass
class ForwardingRule:
    """One rule of a DNS forwarding ruleset."""

    id: str
    name: str
    domain: str
    """Normalised: lower-case, no trailing dot ('' is the wildcard '.')."""
    targets: list[str]
    enabled: bool


@dataclass
class Ruleset:
    """A DNS forwarding ruleset: its outbound endpoints, rules and VNet links."""

    id: str
    name: str
    outbound_ids: list[str]
    rules: list[ForwardingRule] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    """(link id, VNet id)."""

    @property
    def resolver_id(self) -> str:
        """The resolver of the first outbound endpoint (where forwarded queries leave from)."""
        first = self.outbound_ids[0] if self.outbound_ids else ""
        i = first.lower().rfind("/outboundendpoints/")
        return first[:i] if i > 0 else ""

    @property
    def resource_group(self) -> str:
        return rg_of(self.id)


def resolver_from_dicts(raw: Any, inbound: Iterable[Any]) -> Resolver:
    """A Resolver from its ARM JSON and its inbound endpoints' list."""
    d = _d(raw)
    rid = d.get("id") or ""
    eps = []
    for e in inbound:
        ed = _d(e)
        eps.append(InboundEndpoint(id=ed.get("id") or "", name=ed.get("name") or "", resolver_id=rid,
                                   ips=[c.get("privateIpAddress") for c in _p(ed).get("ipConfigurations") or []
                                        if c.get("privateIpAddress")]))
    return Resolver(id=rid, name=d.get("name") or "", vnet_id=_id(_p(d).get("virtualNetwork")) or "", inbound=eps)


def ruleset_from_dicts(raw: Any, rules: Iterable[Any], links: Iterable[Any]) -> Ruleset:
    """A Ruleset from its ARM JSON and its rules' and links' lists."""
    d = _d(raw)
    out = []
    for r in rules:
        rd = _d(r)
        rp = _p(rd)
        out.append(ForwardingRule(id=rd.get("id") or "", name=rd.get("name") or "",
                                  domain=str(rp.get("domainName") or "").rstrip(".").lower(),
                                  targets=[t.get("ipAddress") for t in rp.get("targetDnsServers") or []
                                           if t.get("ipAddress")],
                                  enabled=(rp.get("forwardingRuleState") or "Enabled") == "Enabled"))
    return Ruleset(id=d.get("id") or "", name=d.get("name") or "",
                   outbound_ids=[o["id"] for o in _p(d).get("dnsResolverOutboundEndpoints") or [] if o.get("id")],
                   rules=out, links=[(_d(x).get("id") or "", _id(_p(_d(x)).get("virtualNetwork")) or "")
                                     for x in links])


@dataclass
class ARecordSet:
    """An A record set in a private DNS zone."""

    id: str
    zone_id: str
    zone_name: str
    name: str
    ttl: int | None
    ips: list[str]
    metadata: dict[str, str]

    @property
    def fqdn(self) -> str:
        return self.zone_name.rstrip(".") if self.name == "@" else f"{self.name}.{self.zone_name.rstrip('.')}"

    @classmethod
    def from_dict(cls, raw: Any, zone_id: str, zone_name: str) -> ARecordSet | None:
        d = _d(raw)
        p = _p(d)
        rtype = (d.get("type") or "").lower()
        recs = p.get("aRecords")
        if recs is None and not rtype.endswith("/a"):
            return None  # SOA, CNAME, ... are not A records
        return cls(id=d.get("id") or "", zone_id=zone_id, zone_name=zone_name, name=d.get("name") or "",
                   ttl=p.get("ttl"), ips=[r.get("ipv4Address") for r in recs or [] if r.get("ipv4Address")],
                   metadata=dict(p.get("metadata") or {}))


@dataclass
class VnetLink:
    """A private DNS zone's virtual network link."""

    id: str
    zone_id: str
    name: str
    vnet_id: str | None
    registration_enabled: bool
    resolution_policy: str
    state: str

    @classmethod
    def from_dict(cls, raw: Any, zone_id: str) -> VnetLink:
        d = _d(raw)
        p = _p(d)
        return cls(id=d.get("id") or "", zone_id=zone_id, name=d.get("name") or "",
                   vnet_id=_id(p.get("virtualNetwork")), registration_enabled=bool(p.get("registrationEnabled")),
                   resolution_policy=p.get("resolutionPolicy") or "Default",
                   state=p.get("virtualNetworkLinkState") or "Completed")


@dataclass
class Zone:
    """A private DNS zone with its A records and VNet links."""

    id: str
    name: str
    records: list[ARecordSet] = field(default_factory=list)
    links: list[VnetLink] = field(default_factory=list)

    @property
    def norm_name(self) -> str:
        return self.name.rstrip(".").lower()

    @property
    def resource_group(self) -> str:
        return rg_of(self.id)

    def linked_to(self, vnet_id: str | None) -> bool:
        return any(key(link.vnet_id) == key(vnet_id) for link in self.links) if vnet_id else False


@dataclass
class Vault:
    """A Key Vault."""

    id: str
    name: str
    location: str
    public_network_access: str
    default_action: str
    rbac: bool
    vault_uri: str
    pe_connections: list[tuple[str, str, str]]
    """(connection id, private endpoint id, status)."""

    @property
    def resource_group(self) -> str:
        return rg_of(self.id)

    @classmethod
    def from_dict(cls, raw: Any) -> Vault:
        d = _d(raw)
        p = _p(d)
        conns = []
        for c in p.get("privateEndpointConnections") or []:
            cp = _p(c)
            conns.append((c.get("id") or "", _id(cp.get("privateEndpoint")) or "",
                          (cp.get("privateLinkServiceConnectionState") or {}).get("status") or ""))
        return cls(id=d.get("id") or "", name=d.get("name") or "", location=d.get("location") or "",
                   public_network_access=p.get("publicNetworkAccess") or "Enabled",
                   default_action=(p.get("networkAcls") or {}).get("defaultAction") or "Allow",
                   rbac=bool(p.get("enableRbacAuthorization")), vault_uri=p.get("vaultUri") or "",
                   pe_connections=conns)


@dataclass
class PrivateLinkService:
    """A Private Link Service (your own service behind a Standard Load Balancer)."""

    id: str
    name: str
    visibility: list[str]
    auto_approval: list[str]
    subnet_ids: list[str]
    lb_frontend_ids: list[str]

    @classmethod
    def from_dict(cls, raw: Any) -> PrivateLinkService:
        d = _d(raw)
        p = _p(d)
        return cls(id=d.get("id") or "", name=d.get("name") or "",
                   visibility=list((p.get("visibility") or {}).get("subscriptions") or []),
                   auto_approval=list((p.get("autoApproval") or {}).get("subscriptions") or []),
                   subnet_ids=[s for s in (_id(_p(c).get("subnet")) for c in p.get("ipConfigurations") or []) if s],
                   lb_frontend_ids=[f["id"] for f in p.get("loadBalancerFrontendIpConfigurations") or []
                                    if f.get("id")])


@dataclass
class LoadBalancer:
    """A load balancer (only its SKU and frontends matter to the audit)."""

    id: str
    name: str
    sku: str
    frontend_ids: list[str]

    @classmethod
    def from_dict(cls, raw: Any) -> LoadBalancer:
        d = _d(raw)
        p = _p(d)
        return cls(id=d.get("id") or "", name=d.get("name") or "", sku=(d.get("sku") or {}).get("name") or "",
                   frontend_ids=[f["id"] for f in p.get("frontendIPConfigurations") or [] if f.get("id")])


@dataclass
class Vm:
    """A virtual machine, as far as probe selection needs it."""

    id: str
    name: str
    location: str
    nic_ids: list[str]
    os_type: str
    power_state: str | None
    admin_username: str | None = None
    vnet_id: str | None = None
    private_ip: str | None = None
    public_ip: str | None = None

    @property
    def resource_group(self) -> str:
        return rg_of(self.id)

    @property
    def running(self) -> bool:
        # The list call does not always carry the instance view; unknown power counts as running so a probe is
        # attempted (and fails with a clear reason) rather than silently skipped.
        return self.power_state in (None, "", "running", "PowerState/running")

    @classmethod
    def from_dict(cls, raw: Any) -> Vm:
        d = _d(raw)
        p = _p(d)
        sp = p.get("storageProfile") or {}
        os_type = ((sp.get("osDisk") or {}).get("osType") or "")
        osp = p.get("osProfile") or {}
        if not os_type:
            os_type = "Linux" if osp.get("linuxConfiguration") else ("Windows" if osp.get("windowsConfiguration")
                                                                     else "")
        power = None
        for st in (p.get("instanceView") or {}).get("statuses") or []:
            code = st.get("code") or ""
            if code.startswith("PowerState/"):
                power = code.split("/", 1)[1]
        return cls(id=d.get("id") or "", name=d.get("name") or "", location=d.get("location") or "",
                   nic_ids=[n["id"] for n in (p.get("networkProfile") or {}).get("networkInterfaces") or []
                            if n.get("id")],
                   os_type=os_type, power_state=power, admin_username=osp.get("adminUsername"))


@dataclass
class Inventory:
    """Everything collected for one audit, with the indexes the checks need."""

    endpoints: list[Endpoint] = field(default_factory=list)
    nics: list[Nic] = field(default_factory=list)
    vnets: list[Vnet] = field(default_factory=list)
    zones: list[Zone] = field(default_factory=list)
    vaults: list[Vault] = field(default_factory=list)
    private_link_services: list[PrivateLinkService] = field(default_factory=list)
    load_balancers: list[LoadBalancer] = field(default_factory=list)
    vms: list[Vm] = field(default_factory=list)
    public_ips: dict[str, str] = field(default_factory=dict)
    """public IP resource id (normalised) -> address."""
    subscriptions: list[str] = field(default_factory=list)
    cloud: Cloud = Cloud.PUBLIC
    notes: list[str] = field(default_factory=list)
    resolvers: list[Resolver] = field(default_factory=list)
    rulesets: list[Ruleset] = field(default_factory=list)
    resource_group: str | None = None
    """The --resource-group filter, when one applies (endpoints, vaults and PLS were filtered by it)."""

    def __post_init__(self) -> None:
        self.reindex()

    # ---- construction -------------------------------------------------------------------------------------
    @classmethod
    def from_dicts(cls, *, private_endpoints: Iterable[Any] = (), network_interfaces: Iterable[Any] = (),
                   virtual_networks: Iterable[Any] = (), private_dns_zones: Iterable[Any] = (),
                   record_sets: Mapping[str, Iterable[Any]] | None = None,
                   virtual_network_links: Mapping[str, Iterable[Any]] | None = None, vaults: Iterable[Any] = (),
                   private_link_services: Iterable[Any] = (), load_balancers: Iterable[Any] = (),
                   virtual_machines: Iterable[Any] = (), public_ip_addresses: Iterable[Any] = (),
                   zone_groups: Mapping[str, Iterable[Any]] | None = None, subscriptions: Iterable[str] = (),
                   cloud: Cloud = Cloud.PUBLIC, resolvers: Iterable[Resolver] = (),
                   rulesets: Iterable[Ruleset] = ()) -> Inventory:
        """Build an inventory from ARM JSON (dicts or SDK models).

        Args:
            record_sets: zone id -> record sets of that zone (the ``/ALL`` list; non-A records are ignored).
            virtual_network_links: zone id -> links of that zone.
            zone_groups: endpoint id -> its privateDnsZoneGroups (only for endpoints whose groups were fetched).
            resolvers, rulesets: DNS Private Resolvers (with inbound endpoints) and forwarding rulesets (with rules and
                links), built with ``resolver_from_dicts`` / ``ruleset_from_dicts``.
            Other arguments are the subscription-wide lists of the same names.
        """
        record_sets = {key(k): v for k, v in (record_sets or {}).items()}
        virtual_network_links = {key(k): v for k, v in (virtual_network_links or {}).items()}
        zones = []
        for z in private_dns_zones:
            zd = _d(z)
            zid, zname = zd.get("id") or "", zd.get("name") or ""
            recs = [r for r in (ARecordSet.from_dict(x, zid, zname) for x in record_sets.get(key(zid), [])) if r]
            links = [VnetLink.from_dict(x, zid) for x in virtual_network_links.get(key(zid), [])]
            zones.append(Zone(id=zid, name=zname, records=recs, links=links))
        pips = {}
        for pip in public_ip_addresses:
            pd = _d(pip)
            if _p(pd).get("ipAddress"):
                pips[key(pd.get("id"))] = _p(pd)["ipAddress"]
        eps = [Endpoint.from_dict(e) for e in private_endpoints]
        for ep in eps:
            if zone_groups is not None and key(ep.id) in {key(k) for k in zone_groups}:
                raw = next(v for k, v in zone_groups.items() if key(k) == key(ep.id))
                ep.zone_groups = [zone_group_from_dict(g) for g in raw]
        return cls(endpoints=eps, nics=[Nic.from_dict(n) for n in network_interfaces],
                   vnets=[Vnet.from_dict(v) for v in virtual_networks], zones=zones,
                   vaults=[Vault.from_dict(v) for v in vaults],
                   private_link_services=[PrivateLinkService.from_dict(x) for x in private_link_services],
                   load_balancers=[LoadBalancer.from_dict(x) for x in load_balancers],
                   vms=[Vm.from_dict(x) for x in virtual_machines], public_ips=pips,
                   subscriptions=list(subscriptions), cloud=cloud, resolvers=list(resolvers), rulesets=list(rulesets))

    # ---- indexes --------------------------------------------------------------------------------------------
    def reindex(self) -> None:
        """(Re)build lookup tables; call after mutating the lists."""
        self.nic_by_id = {key(n.id): n for n in self.nics}
        self.vnet_by_id = {key(v.id): v for v in self.vnets}
        self.subnet_by_id = {key(s.id): s for v in self.vnets for s in v.subnets}
        self.endpoint_by_id = {key(e.id): e for e in self.endpoints}
        self.vault_by_id = {key(v.id): v for v in self.vaults}
        self.zone_by_id = {key(z.id): z for z in self.zones}
        self.records_by_ip: dict[str, list[ARecordSet]] = {}
        self.records_by_name: dict[tuple[str, str], list[ARecordSet]] = {}
        for z in self.zones:
            for r in z.records:
                for ip in r.ips:
                    self.records_by_ip.setdefault(ip, []).append(r)
                self.records_by_name.setdefault((z.norm_name, r.name.lower()), []).append(r)
        self.endpoint_ips: set[str] = {ip for e in self.endpoints for ip in self.ips_of(e)}
        self.inbound_by_ip: dict[str, tuple[Resolver, InboundEndpoint]] = {
            ip: (r, e) for r in self.resolvers for e in r.inbound for ip in e.ips}
        self.resolver_by_id = {key(r.id): r for r in self.resolvers}
        for vm in self.vms:
            for nid in vm.nic_ids:
                nic = self.nic_by_id.get(key(nid))
                if nic is None:
                    continue
                vm.vnet_id = vm.vnet_id or nic.vnet_id
                vm.private_ip = vm.private_ip or (nic.private_ips[0] if nic.private_ips else None)
                for pid in nic.public_ip_ids:
                    vm.public_ip = vm.public_ip or self.public_ips.get(key(pid))

    # ---- derived facts used by checks and reports ------------------------------------------------------
    def ips_of(self, ep: Endpoint) -> list[str]:
        """The endpoint's private IPs: NIC ipConfigurations first, then custom DNS configs and static configs."""
        ips: list[str] = []
        for nid in ep.nic_ids:
            nic = self.nic_by_id.get(key(nid))
            if nic:
                ips.extend(nic.private_ips)
        for _, addrs in ep.custom_dns:
            ips.extend(addrs)
        ips.extend(ep.static_ips)
        return list(dict.fromkeys(ips))

    def service_of(self, ep: Endpoint) -> Service | None:
        """The service-table entry for the endpoint's first connection."""
        for c in ep.connections:
            for g in c.group_ids or [""]:
                svc = services.lookup(c.target_id, g, self.cloud, ep.location)
                if svc:
                    return svc
        return None

    def fqdns_of(self, ep: Endpoint) -> list[str]:
        """Public FQDNs clients use for the endpoint's target (vault URI, DNS configs, NIC link properties)."""
        out: list[str] = []
        vault = self.vault_by_id.get(key(ep.target_id))
        if vault and vault.vault_uri:
            out.append(vault.vault_uri.split("//", 1)[-1].split("/", 1)[0].lower())
        for f, _ in ep.custom_dns:
            if f:
                out.append(f.lower())
        for nid in ep.nic_ids:
            nic = self.nic_by_id.get(key(nid))
            if nic:
                out.extend(f.lower() for f in nic.fqdns)
        svc = self.service_of(ep)
        if svc and not out and ep.target_id:
            # Nothing explicit: the conventional name is <resource name>.<first public suffix>.
            out.append(f"{name_of(ep.target_id).lower()}.{svc.public_suffixes[0]}")
        return list(dict.fromkeys(o.rstrip(".") for o in out))

    def expected_records(self, ep: Endpoint) -> list[tuple[str, str, str]]:
        """(fqdn, zone name, relative record name) the endpoint needs, per the service table."""
        svc = self.service_of(ep)
        if not svc:
            return []
        out = []
        for f in self.fqdns_of(ep):
            split = svc.record_name(f)
            if split and split[0]:
                out.append((f, split[1], split[0]))
        return list(dict.fromkeys(out))

    def records_for(self, ep: Endpoint) -> list[ARecordSet]:
        """A records that belong to the endpoint: pointing at its IPs, or named for its FQDN in the service zone."""
        found: dict[str, ARecordSet] = {}
        for ip in self.ips_of(ep):
            for r in self.records_by_ip.get(ip, []):
                found[key(r.id) or f"{r.zone_id}/{r.name}"] = r
        for _, zname, rname in self.expected_records(ep):
            for r in self.records_by_name.get((zname, rname), []):
                found[key(r.id) or f"{r.zone_id}/{r.name}"] = r
        return list(found.values())

    def zones_named(self, name: str) -> list[Zone]:
        """All zones in scope with this (normalised) name."""
        n = name.rstrip(".").lower()
        return [z for z in self.zones if z.norm_name == n]

    def peering(self, vnet_id: str | None, remote_id: str | None) -> Peering | None:
        """The peering of ``vnet_id`` that points at ``remote_id``, if the VNet is in scope and has one."""
        vnet = self.vnet_by_id.get(key(vnet_id))
        return next((p for p in vnet.peerings if key(p.remote_vnet_id) == key(remote_id)), None) if vnet else None

    def connected(self, a: str | None, b: str | None) -> bool:
        """Whether two VNets are the same or peered ``Connected`` (either side's view says so)."""
        if key(a) == key(b):
            return bool(a)
        return any(p is not None and p.state == "Connected" for p in (self.peering(a, b), self.peering(b, a)))

    def vms_in_vnet(self, vnet_id: str | None) -> list[Vm]:
        """VMs whose NIC sits in this VNet."""
        return [vm for vm in self.vms if vnet_id and key(vm.vnet_id) == key(vnet_id)]


def zone_group_from_dict(raw: Any) -> ZoneGroup:
    """A ZoneGroup from a privateDnsZoneGroup JSON body (or SDK model)."""
    d = _d(raw)
    p = _p(d)
    return ZoneGroup(id=d.get("id") or "", name=d.get("name") or "",
                     zone_ids=[z for z in (_p(c).get("privateDnsZoneId") for c in p.get("privateDnsZoneConfigs") or [])
                               if z])

"""The check catalogue: stable ids, pure functions over an :class:`~audits.inventory.Inventory`.

Every check takes the inventory (and, for probe-driven checks, the probe verdicts) and returns findings. A healthy
endpoint — approved connection, A record with the NIC IP in a correctly named zone linked to its VNet, TTL in range,
vault closed to the internet — yields no finding at all.

Ids never change meaning; new checks get new ids. The catalogue (``CATALOGUE``) feeds the README table and the
SARIF rules.
"""

from __future__ import annotations

import shlex
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from audits import services
from audits.inventory import Endpoint, Inventory, Zone, is_private_ip, key, name_of, rg_of, sub_of

Severity = Literal["error", "warning", "info"]
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}
AZURE_DNS = "168.63.129.16"


@dataclass(frozen=True)
class Rule:
    """One catalogue entry."""

    id: str
    title: str
    severity: Severity
    """Default severity (some findings escalate or relax, e.g. PL001 Pending is a warning)."""
    description: str
    source: Literal["inventory", "probe"] = "inventory"


@dataclass
class Remediation:
    """What to do, and the exact az CLI command that does it."""

    text: str
    command: str


@dataclass
class Finding:
    """One problem on one resource."""

    check_id: str
    severity: Severity
    resource_id: str
    title: str
    detail: str
    remediation: Remediation
    related: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON shape of schema plinktui.audit/v1."""
        return {"check_id": self.check_id, "severity": self.severity, "resource_id": self.resource_id,
                "title": self.title, "detail": self.detail,
                "remediation": {"text": self.remediation.text, "command": self.remediation.command}}


_RULES = [
    Rule("PL001", "Private endpoint connection not Approved", "error",
         "The connection to the target is Pending, Rejected or Disconnected, so no traffic flows over it. "
         "Pending is a warning (someone must approve it); Rejected and Disconnected are errors."),
    Rule("PL002", "No DNS integration", "error",
         "The endpoint has no DNS zone group and no A record in any private DNS zone, so clients keep resolving "
         "the public address."),
    Rule("PL003", "Zone not linked to the endpoint's VNet", "error",
         "The private DNS zone holding the endpoint's record is not linked to the endpoint's virtual network, so "
         "Azure DNS in that VNet never answers from it."),
    Rule("PL004", "Stale A record", "error",
         "The A record for the service name points at an IP that is not the endpoint NIC's IP."),
    Rule("PL005", "No privatelink zone for the service", "error",
         "No private DNS zone with the recommended privatelink name exists anywhere in scope."),
    Rule("PL006", "Wrongly named private DNS zone", "error",
         "A zone is named almost like a privatelink zone (wrong label, missing 'privatelink.', trailing dot, or a "
         "public zone name) so Azure DNS never consults it for the service — or it hijacks every public name."),
    Rule("PL007", "Target still reachable from the internet", "warning",
         "The vault has publicNetworkAccess Enabled and a network ACL default action of Allow; the private endpoint "
         "only adds a path, it does not close the public one."),
    Rule("PL008", "Two endpoints for one target in one VNet", "warning",
         "Two private endpoints connect the same target sub-resource from the same VNet; their zone groups fight "
         "over one A record and clients get whichever wrote last."),
    Rule("PL009", "Orphaned endpoint or NIC", "warning",
         "A private endpoint NIC whose endpoint is gone, or an endpoint whose target is gone (Disconnected)."),
    Rule("PL010", "VNet uses custom DNS servers", "warning",
         "The VNet hands out custom DNS servers; privatelink names resolve privately only if those servers forward "
         "to 168.63.129.16. Becomes an error when a probe from the VNet saw a public IP."),
    Rule("PL011", "Several A records for one name", "warning",
         "A record set carries several IPs, so clients round-robin — onto a stale IP when one is not an endpoint."),
    Rule("PL012", "A record TTL outside 10-600 s", "warning",
         "Very short TTLs flood the resolver; long TTLs keep clients on a stale IP after a change."),
    Rule("PL013", "Private Link Service too open", "warning",
         "A Private Link Service is visible to or auto-approves any subscription ('*'), or its subnet does not have "
         "privateLinkServiceNetworkPolicies Disabled."),
    Rule("PL014", "Auto-registration on a privatelink zone", "warning",
         "A VNet link with registration enabled writes VM records into a privatelink zone; such zones should hold "
         "only endpoint records."),
    Rule("PL015", "Vault uses access policies, not RBAC", "info",
         "enableRbacAuthorization is off; Azure RBAC is the recommended permission model for Key Vault."),
    Rule("PL016", "Private endpoint provisioning failed", "error",
         "The endpoint's provisioningState is Failed; it may have no NIC, no IP or a broken connection."),
    Rule("PL017", "Endpoint subnet missing", "error",
         "The endpoint refers to a subnet or VNet that does not exist in scope."),
    Rule("PL018", "Endpoint has no private IP", "error",
         "No NIC or private IP could be found for the endpoint, so nothing can resolve to it."),
    Rule("PL019", "VNet link points at a missing VNet", "warning",
         "A private DNS zone link refers to a virtual network that no longer exists in scope."),
    Rule("PL020", "Name resolves to a public IP inside the VNet", "error",
         "From a VM in the endpoint's VNet the service name resolved to a public address: traffic leaves the "
         "private path.", "probe"),
    Rule("PL021", "Name resolves to the wrong private IP", "error",
         "From inside the VNet the name resolved to a private IP that is not the endpoint NIC's IP.", "probe"),
    Rule("PL022", "NXDOMAIN or resolver failure", "error",
         "From inside the VNet the name did not resolve (NXDOMAIN or SERVFAIL).", "probe"),
    Rule("PL023", "HTTP proof failed", "error",
         "The vault's /healthstatus saw a public source address, answered 403 ForbiddenByConnection, or the "
         "x-ms-keyvault-network-info header was missing (not served by Key Vault).", "probe"),
    Rule("PL024", "/etc/hosts overrides the name", "warning",
         "The VM's /etc/hosts pins the name, so applications ignore DNS.", "probe"),
    Rule("PL025", "Zone link falls back to the internet", "info",
         "A VNet link uses resolutionPolicy NxDomainRedirect: a missing record silently resolves publicly instead "
         "of failing."),
    Rule("PL026", "Hub resolver's VNet not linked to the zone", "error",
         "The VNet's DNS server is a DNS Private Resolver inbound endpoint, and the resolver's VNet has no link to "
         "the private DNS zone that holds the endpoint's record: the hub answers publicly (or NXDOMAIN)."),
    Rule("PL027", "DNS server unreachable: no peering", "error",
         "The VNet's DNS server is a resolver inbound endpoint in another VNet with no peering at all between the "
         "two: every query times out."),
    Rule("PL028", "Forwarding rule hijacks the service name", "error",
         "A forwarding rule that applies to the VNet's resolution sends the service's public or privatelink name to "
         "a server that does not return the private answer."),
    Rule("PL029", "Zone link on a VNet with custom DNS servers", "info",
         "A private DNS zone is linked to a VNet whose clients use custom DNS servers (and which hosts no DNS server "
         "itself): the link affects nobody."),
    Rule("PL030", "Forwarding loop", "error",
         "Forwarding rules send the name round in a circle (a ruleset linked to the VNet of the inbound endpoint it "
         "forwards to): the query ends in SERVFAIL."),
    Rule("PL031", "Peering to the DNS server's VNet not Connected", "error",
         "The peering between the VNet and the VNet of its DNS server (a resolver inbound endpoint) exists but is "
         "not Connected (the other side is missing or was deleted): queries time out."),
    Rule("PL032", "Probe disagrees with the computed path", "warning",
         "A probe from inside the VNet saw another answer than the one computed from the inventory: something the "
         "audit cannot see (a zone or rule outside the scope, a DNS server outside Azure) decides.", "probe"),
]
CATALOGUE: dict[str, Rule] = {r.id: r for r in _RULES}


def _f(check_id: str, resource_id: str, detail: str, text: str, command: str,
       severity: Severity | None = None, related: Iterable[str] = ()) -> Finding:
    rule = CATALOGUE[check_id]
    return Finding(check_id=check_id, severity=severity or rule.severity, resource_id=resource_id, title=rule.title,
                   detail=detail, remediation=Remediation(text, command), related=list(related))


def _q(v: str) -> str:
    return shlex.quote(v)


def _sub_flag(resource_id: str) -> str:
    s = sub_of(resource_id)
    return f" --subscription {_q(s)}" if s else ""


def _zone_args(z: Zone) -> str:
    return f"--resource-group {_q(z.resource_group)} --zone-name {_q(z.name.rstrip('.'))}{_sub_flag(z.id)}"


def _linked_zone(inv: Inventory, name: str, *vnets: str | None) -> Zone | None:
    """The zone called ``name`` that is linked to the first of ``vnets`` that has one (Azure allows one per VNet)."""
    for vnet in vnets:
        for z in inv.zones_named(name):
            if vnet and z.linked_to(vnet):
                return z
    return None


def _add_record(z: Zone, name: str, ip: str) -> str:
    """The az commands that put ``name`` -> ``ip`` into zone ``z`` with the zone-group TTL (10 s).

    ``add-record`` alone would create the record set with az's default TTL of 3600 s (PL012); ``create`` first sets
    10 s, and answers an error when the record set already exists (then ``add-record`` alone is the fix).
    """
    return (f"az network private-dns record-set a create {_zone_args(z)} --name {_q(name)} --ttl 10 && "
            f"az network private-dns record-set a add-record {_zone_args(z)} --record-set-name {_q(name)} "
            f"--ipv4-address {_q(ip)}")


# ------------------------------------------------------------------------------------------------------------
# Endpoint checks
# ------------------------------------------------------------------------------------------------------------

def check_connections(inv: Inventory) -> list[Finding]:
    """PL001 (not Approved) and PL009 (endpoint whose target is gone)."""
    out = []
    in_scope = {s.lower() for s in inv.subscriptions}
    for ep in inv.endpoints:
        for c in ep.connections:
            status = (c.status or "").capitalize()
            target_gone = (services.resource_type_of(c.target_id) == "microsoft.keyvault/vaults"
                           and sub_of(c.target_id).lower() in in_scope and key(c.target_id) not in inv.vault_by_id)
            if target_gone:
                out.append(_f("PL009", ep.id,
                              f"Endpoint {ep.name} ({c.status or 'no state'}) connects to {name_of(c.target_id)}, "
                              "which no longer exists. It still holds an IP and possibly DNS records that point "
                              "nowhere.",
                              "Delete the orphaned endpoint (and its zone group records go with it).",
                              f"az network private-endpoint delete --ids {_q(ep.id)}"))
                continue
            if status == "Approved":
                continue
            if status == "Pending":
                vault = inv.vault_by_id.get(key(c.target_id))
                conn_id = next((cid for cid, pe, _ in (vault.pe_connections if vault else [])
                                if key(pe) == key(ep.id)), None)
                cmd = (f"az network private-endpoint-connection approve --id {_q(conn_id)} "
                       "--description 'Approved by plinktui audit'" if conn_id else
                       f"az network private-endpoint-connection list --id {_q(c.target_id)} "
                       "--query \"[?properties.privateLinkServiceConnectionState.status=='Pending']\"")
                out.append(_f("PL001", ep.id,
                              f"Connection {c.name} of endpoint {ep.name} to {name_of(c.target_id)} is Pending"
                              f"{' (manual approval)' if c.manual else ''}: no traffic flows until the target's owner "
                              "approves it.",
                              "Ask the target's owner to approve the connection (or approve it yourself).", cmd,
                              severity="warning"))
            else:
                out.append(_f("PL001", ep.id,
                              f"Connection {c.name} of endpoint {ep.name} to {name_of(c.target_id)} is "
                              f"{c.status or 'in an unknown state'}"
                              f"{': ' + c.description if c.description else ''}. A rejected or disconnected "
                              "connection cannot carry traffic; the endpoint must be recreated.",
                              "Delete the endpoint and create it again once the target's owner agrees.",
                              f"az network private-endpoint delete --ids {_q(ep.id)}"))
    return out


def check_endpoint_health(inv: Inventory) -> list[Finding]:
    """PL016 (provisioning Failed), PL017 (subnet missing), PL018 (no private IP)."""
    out = []
    vnet_subs = {sub_of(v.id).lower() for v in inv.vnets} | {s.lower() for s in inv.subscriptions}
    for ep in inv.endpoints:
        if (ep.provisioning_state or "").lower() == "failed":
            out.append(_f("PL016", ep.id, f"Endpoint {ep.name} has provisioningState Failed.",
                          "Delete the failed endpoint and create it again; check the activity log for the cause.",
                          f"az network private-endpoint delete --ids {_q(ep.id)}"))
        if ep.subnet_id and key(ep.subnet_id) not in inv.subnet_by_id and sub_of(ep.subnet_id).lower() in vnet_subs:
            out.append(_f("PL017", ep.id,
                          f"Endpoint {ep.name} sits in subnet {ep.subnet_id}, which does not exist in scope.",
                          "Recreate the endpoint in an existing subnet.",
                          f"az network private-endpoint delete --ids {_q(ep.id)}"))
        if not inv.ips_of(ep) and (ep.provisioning_state or "").lower() == "succeeded":
            out.append(_f("PL018", ep.id,
                          f"No NIC with a private IP was found for endpoint {ep.name} "
                          f"(NICs referenced: {', '.join(name_of(n) for n in ep.nic_ids) or 'none'}).",
                          "Inspect the endpoint; recreate it if its NIC is gone.",
                          f"az network private-endpoint show --ids {_q(ep.id)} --query networkInterfaces"))
    return out


def _dns_context(inv: Inventory, ep: Endpoint) -> tuple[services.Service | None, list[str], list[Any]]:
    return inv.service_of(ep), inv.ips_of(ep), inv.records_for(ep)


def check_dns(inv: Inventory) -> list[Finding]:
    """PL002 (no DNS integration), PL003 (zone not linked), PL004 (stale A record), PL005 (no zone in scope)."""
    out: list[Finding] = []
    for ep in inv.endpoints:
        svc, ips, recs = _dns_context(inv, ep)
        if not ips or (ep.provisioning_state or "").lower() == "failed":
            continue  # PL016/PL018 already explain it
        expected = inv.expected_records(ep)
        if svc and not any(inv.zones_named(z) for z in svc.zones if "{" not in z):
            zone = svc.zones[0]
            out.append(_f("PL005", ep.id,
                          f"Endpoint {ep.name} ({svc.label}) needs a private DNS zone named {zone}, and no zone of that "
                          "name exists in scope, so its name resolves publicly from everywhere.",
                          f"Create {zone}, link it to {name_of(ep.vnet_id or '')} and add a zone group to the endpoint.",
                          f"az network private-dns zone create --resource-group {_q(ep.resource_group)} "
                          f"--name {_q(zone)}{_sub_flag(ep.id)}"))
            continue
        has_group = bool(ep.zone_groups)
        if not recs and not has_group:
            zone = svc.zones[0] if svc else "<privatelink zone>"
            zones = inv.zones_named(zone)
            linked = _linked_zone(inv, zone, ep.vnet_id)
            target = linked or (zones[0] if zones else None)
            zone_id = target.id if target else zone
            approved = any((c.status or "").lower() == "approved" for c in ep.connections)
            if linked is not None and approved:
                effect = (f"inside VNet {name_of(ep.vnet_id or '')} the name resolves to NXDOMAIN, because the zone "
                          f"{linked.name} linked there (resource group {linked.resource_group}) has no record for it")
            else:
                effect = (f"clients in VNet {name_of(ep.vnet_id or '')} still get the public IP"
                          + ("" if linked is not None else " (no zone of that name is linked to it)"))
            where = (f"the zone already linked to the VNet ({linked.resource_group})" if linked is not None else
                     f"{zone} in {target.resource_group}, then link that zone to the VNet" if target is not None
                     else zone)
            out.append(_f("PL002", ep.id,
                          f"Endpoint {ep.name} has no DNS zone group and no A record for its IP "
                          f"{', '.join(ips)} in any private DNS zone: {effect}.",
                          f"Add a DNS zone group so Azure maintains the A record in {where}.",
                          f"az network private-endpoint dns-zone-group create --resource-group "
                          f"{_q(ep.resource_group)} --endpoint-name {_q(ep.name)} --name default "
                          f"--private-dns-zone {_q(zone_id)} --zone-name {_q(zone.replace('.', '-'))}"
                          f"{_sub_flag(ep.id)}"))
            continue
        # PL004: a record named for the service FQDN in the service zone, holding no NIC IP.
        for fqdn, zname, rname in expected:
            for r in inv.records_by_name.get((zname, rname), []):
                z = inv.zone_by_id[key(r.zone_id)]
                if r.ips and not set(r.ips) & set(ips):
                        out.append(_f("PL004", r.id or ep.id,
                                      f"{fqdn} resolves from zone {z.name} to {', '.join(r.ips)}, but endpoint "
                                      f"{ep.name}'s NIC has {', '.join(ips)}.",
                                      "Point the record at the NIC IP (add the right IP, then remove the stale one).",
                                      f"az network private-dns record-set a add-record {_zone_args(z)} "
                                      f"--record-set-name {_q(r.name)} --ipv4-address {_q(ips[0])} && "
                                      f"az network private-dns record-set a remove-record {_zone_args(z)} "
                                      f"--record-set-name {_q(r.name)} --ipv4-address {_q(r.ips[0])} "
                                      "--keep-empty-record-set", related=[ep.id]))
        # PL003: for each zone name the endpoint relies on, some same-named zone holding a good record must be linked.
        vnet = ep.vnet_id
        if not vnet or not _uses_azure_dns(inv, vnet):
            continue  # a VNet with DNS servers: its resolution path decides (PL026-PL031)
        good = [r for r in recs if set(r.ips) & set(ips)]
        by_zone_name: dict[str, list[Any]] = defaultdict(list)
        for r in good:
            by_zone_name[r.zone_name.rstrip(".").lower()].append(r)
        valid_zone_names = set(svc.zones) if svc else set(by_zone_name)
        for zname, rs in by_zone_name.items():
            if zname not in valid_zone_names:
                continue  # wrongly named zones are PL006's business
            holders = list(dict.fromkeys(key(r.zone_id) for r in rs))  # ordered: the same zone is named every run
            if any(inv.zone_by_id[h].linked_to(vnet) for h in holders if h in inv.zone_by_id):
                continue
            found = inv.zone_by_id.get(next(iter(holders)))
            if found is None:
                continue
            z = found
            shadow = [o for o in inv.zones_named(zname) if key(o.id) not in holders and o.linked_to(vnet)]
            vnet_name = name_of(vnet)
            if shadow:
                # Azure refuses a second link to a same-named zone on one VNet: the record must go where the link is.
                s0 = shadow[0]
                out.append(_f("PL003", z.id,
                              f"Zone {z.name} in {z.resource_group} holds the record for endpoint {ep.name} but is not "
                              f"linked to its VNet {vnet_name}. Another zone of the same name, in {s0.resource_group}, "
                              "IS linked to the VNet and lacks the record, so the name resolves to NXDOMAIN there; "
                              "Azure refuses to link a second zone of that name to the VNet.",
                              f"Put the record into the linked zone in {s0.resource_group} (better: point the "
                              "endpoint's DNS zone group at that zone).",
                              _add_record(s0, rs[0].name, ips[0]), related=[ep.id]))
                continue
            out.append(_f("PL003", z.id,
                          f"Zone {z.name} holds the record for endpoint {ep.name} but is not linked to its VNet "
                          f"{vnet_name}.",
                          f"Link the zone to {vnet_name} (registration disabled).",
                          f"az network private-dns link vnet create {_zone_args(z)} --name {_q('link-' + vnet_name)} "
                          f"--virtual-network {_q(vnet)} --registration-enabled false", related=[ep.id]))
    return out


def check_duplicates(inv: Inventory) -> list[Finding]:
    """PL008: two endpoints to one target sub-resource in one VNet."""
    groups: dict[tuple[str, str, str], list[Endpoint]] = defaultdict(list)
    for ep in inv.endpoints:
        for c in ep.connections:
            for g in c.group_ids or [""]:
                groups[(key(c.target_id), g.lower(), key(ep.vnet_id))].append(ep)
    out = []
    for (target, g, vnet), eps in sorted(groups.items()):
        if len(eps) < 2 or not vnet or not target:
            continue
        eps = sorted(eps, key=lambda e: key(e.id))
        for dup in eps[1:]:
            out.append(_f("PL008", dup.id,
                          f"Endpoints {', '.join(e.name for e in eps)} all connect {name_of(target)} ({g or 'default'}) "
                          f"from VNet {name_of(vnet)}; one A record can only point at one of them.",
                          f"Keep {eps[0].name} and delete the duplicate.",
                          f"az network private-endpoint delete --ids {_q(dup.id)}", related=[e.id for e in eps]))
    return out


def check_orphan_nics(inv: Inventory) -> list[Finding]:
    """PL009: endpoint NICs whose endpoint no longer exists."""
    out = []
    in_scope = {s.lower() for s in inv.subscriptions} or {sub_of(e.id).lower() for e in inv.endpoints}
    for nic in inv.nics:
        pe = nic.private_endpoint_id
        if inv.resource_group and rg_of(pe or "").lower() != inv.resource_group.lower():
            continue  # the endpoint was filtered out, not deleted
        if pe and key(pe) not in inv.endpoint_by_id and sub_of(pe).lower() in in_scope:
            out.append(_f("PL009", nic.id,
                          f"NIC {nic.name} ({', '.join(nic.private_ips) or 'no IP'}) belongs to endpoint "
                          f"{name_of(pe)}, which no longer exists; its IP may still be in DNS records.",
                          "Delete the orphaned NIC.", f"az network nic delete --ids {_q(nic.id)}"))
    return out


# ------------------------------------------------------------------------------------------------------------
# Zone, record and link checks
# ------------------------------------------------------------------------------------------------------------

def _suggest_zone(name: str, cloud: services.Cloud) -> str | None:
    """The correct zone name a wrongly named zone was probably meant to be, or None when it looks unrelated."""
    raw = name.lower()
    n = raw.rstrip(".")
    zones = services.all_zone_names(cloud)
    if raw != n and n in zones:
        return n  # trailing dot
    if n in zones:
        return None
    for svc in services.SERVICES[cloud]:
        for suffix in svc.public_suffixes:
            if "{" in suffix:
                continue
            right = svc.zone_for_suffix(suffix)
            if n in (f"privatelink.{suffix}", suffix) and n != right:
                return right  # privatelink.vault.azure.net, or the public zone itself
        for z in svc.zones:
            if "{" not in z and n == z.removeprefix("privatelink."):
                return z  # missing privatelink label
    if n.startswith("privatelink") and not n.startswith("privatelink."):
        fixed = "privatelink." + n.removeprefix("privatelink").lstrip("-_")
        if fixed in zones:
            return fixed
    return None


def check_zone_names(inv: Inventory) -> list[Finding]:
    """PL006: wrongly named zones (wrong label, missing privatelink., trailing dot, public zone name)."""
    out = []
    for z in inv.zones:
        right = _suggest_zone(z.name, inv.cloud)
        if not right:
            continue
        why = ("has a trailing dot" if z.name.endswith(".") else
               "is a public zone name, which hijacks every public name under it" if not z.norm_name.startswith(
                   "privatelink") else "is not the name Azure DNS consults")
        out.append(_f("PL006", z.id,
                      f"Zone {z.name} {why}; the service needs {right}. Records in it ({len(z.records)}) never "
                      "answer the service's private name.",
                      f"Create {right}, recreate its links and records (or zone groups) there, then delete {z.name}.",
                      f"az network private-dns zone create --resource-group {_q(z.resource_group)} --name {_q(right)}"
                      f"{_sub_flag(z.id)} && az network private-dns zone delete --resource-group "
                      f"{_q(z.resource_group)} --name {_q(z.name)}{_sub_flag(z.id)} --yes"))
    return out


def _privatelink_zone(z: Zone, cloud: services.Cloud) -> bool:
    return z.norm_name in services.all_zone_names(cloud) or z.norm_name.startswith("privatelink.")


def check_records(inv: Inventory) -> list[Finding]:
    """PL011 (several A records for one name) and PL012 (TTL outside 10-600 s) on privatelink zones."""
    out = []
    for z in inv.zones:
        if not _privatelink_zone(z, inv.cloud):
            continue
        for r in z.records:
            if len(r.ips) > 1:
                stale = [ip for ip in r.ips if ip not in inv.endpoint_ips]
                sev: Severity = "error" if stale else "warning"
                keep = [ip for ip in r.ips if ip in inv.endpoint_ips]
                out.append(_f("PL011", r.id or z.id,
                              f"{r.fqdn} has {len(r.ips)} A records ({', '.join(r.ips)}); clients round-robin over "
                              "them" + (f", and {', '.join(stale)} belongs to no private endpoint." if stale else "."),
                              "Keep only the endpoint's IP" + (f" ({keep[0]})." if keep else "."),
                              f"az network private-dns record-set a remove-record {_zone_args(z)} "
                              f"--record-set-name {_q(r.name)} --ipv4-address {_q((stale or r.ips[1:])[0])}",
                              severity=sev))
            if r.ttl is not None and not 10 <= r.ttl <= 600:
                out.append(_f("PL012", r.id or z.id,
                              f"{r.fqdn} has TTL {r.ttl} s; keep it between 10 and 600 s (zone groups use 10).",
                              "Set the TTL to 10 s.",
                              f"az network private-dns record-set a update {_zone_args(z)} --name {_q(r.name)} "
                              "--set ttl=10"))
    return out


def check_links(inv: Inventory) -> list[Finding]:
    """PL014 (registration on privatelink zones), PL019 (link to a missing VNet), PL025 (NxDomainRedirect)."""
    out = []
    vnet_subs = {sub_of(v.id).lower() for v in inv.vnets} | {s.lower() for s in inv.subscriptions}
    for z in inv.zones:
        pl = _privatelink_zone(z, inv.cloud)
        for link in z.links:
            args = f"{_zone_args(z)} --name {_q(link.name)}"
            if pl and link.registration_enabled:
                out.append(_f("PL014", link.id,
                              f"Link {link.name} of zone {z.name} to {name_of(link.vnet_id or '')} has auto-registration "
                              "enabled, so VM host records land in a privatelink zone.",
                              "Disable registration on the link (use a separate zone for VM auto-registration).",
                              f"az network private-dns link vnet update {args} --registration-enabled false"))
            if link.vnet_id and key(link.vnet_id) not in inv.vnet_by_id and sub_of(link.vnet_id).lower() in vnet_subs:
                out.append(_f("PL019", link.id,
                              f"Link {link.name} of zone {z.name} points at {link.vnet_id}, which does not exist.",
                              "Delete the dangling link.",
                              f"az network private-dns link vnet delete {args} --yes"))
            if pl and link.resolution_policy.lower() == "nxdomainredirect":
                out.append(_f("PL025", link.id,
                              f"Link {link.name} of zone {z.name} falls back to public resolution when a record is "
                              "missing, so a broken private record goes unnoticed and traffic goes public.",
                              "Use the Default resolution policy unless the fallback is intended.",
                              f"az network private-dns link vnet update {args} --resolution-policy Default"))
    return out


# ------------------------------------------------------------------------------------------------------------
# Target, VNet and Private Link Service checks
# ------------------------------------------------------------------------------------------------------------

def check_vaults(inv: Inventory) -> list[Finding]:
    """PL007 (public access open) and PL015 (RBAC off) on vaults that are private-endpoint targets."""
    targets = {key(c.target_id) for e in inv.endpoints for c in e.connections}
    out = []
    for v in inv.vaults:
        if key(v.id) not in targets and not v.pe_connections:
            continue
        args = f"--name {_q(v.name)} --resource-group {_q(v.resource_group)}{_sub_flag(v.id)}"
        if v.public_network_access.lower() == "enabled" and v.default_action.lower() == "allow":
            out.append(_f("PL007", v.id,
                          f"Vault {v.name} has a private endpoint but publicNetworkAccess is Enabled and the firewall "
                          "default action is Allow: anyone on the internet with credentials can still reach it.",
                          "Disable public network access once the private path is verified.",
                          f"az keyvault update {args} --public-network-access Disabled --default-action Deny"))
        if not v.rbac:
            out.append(_f("PL015", v.id, f"Vault {v.name} authorises data access with access policies.",
                          "Switch to Azure RBAC after granting the needed roles.",
                          f"az keyvault update {args} --enable-rbac-authorization true"))
    return out


def _uses_azure_dns(inv: Inventory, vnet_id: str) -> bool:
    v = inv.vnet_by_id.get(key(vnet_id))
    return v is None or not v.dns_servers or v.dns_servers[0] == AZURE_DNS


def check_custom_dns(inv: Inventory, probe_public_vnets: set[str] | None = None) -> list[Finding]:
    """PL010: VNets with endpoints that use custom DNS servers (error when a probe there saw a public IP)."""
    probe_public_vnets = probe_public_vnets or set()
    with_eps = {key(e.vnet_id) for e in inv.endpoints if e.vnet_id}
    out = []
    for v in inv.vnets:
        servers = [s for s in v.dns_servers if s != AZURE_DNS]
        if not servers or key(v.id) not in with_eps or all(s in inv.inbound_by_ip for s in servers):
            continue  # no custom server, or only resolver inbound endpoints (their path is computed)
        saw_public = key(v.id) in probe_public_vnets
        out.append(_f("PL010", v.id,
                      f"VNet {v.name} uses DNS servers {', '.join(v.dns_servers)}; privatelink names resolve privately "
                      f"only if they forward to {AZURE_DNS} (or a resolver linked to the zones)."
                      + (" A probe from this VNet saw a PUBLIC IP, so forwarding is broken." if saw_public else ""),
                      f"Forward the privatelink zones to {AZURE_DNS} on those servers, or return the VNet to Azure "
                      "DNS.", f"az network vnet update --ids {_q(v.id)} --dns-servers ''",
                      severity="error" if saw_public else "warning"))
    return out


def check_private_link_services(inv: Inventory) -> list[Finding]:
    """PL013: Private Link Services open to any subscription, or on a subnet with PLS network policies on."""
    out = []
    for pls in inv.private_link_services:
        args = f"--ids {_q(pls.id)}"
        if "*" in pls.auto_approval:
            out.append(_f("PL013", pls.id,
                          f"Private Link Service {pls.name} auto-approves connections from ANY subscription.",
                          "Restrict auto-approval to the subscriptions you trust.",
                          f"az network private-link-service update {args} --auto-approval <subscription-id>",
                          severity="error"))
        elif "*" in pls.visibility:
            out.append(_f("PL013", pls.id,
                          f"Private Link Service {pls.name} is visible to every subscription (anyone can request a "
                          "connection).", "Limit visibility to known subscriptions.",
                          f"az network private-link-service update {args} --visibility <subscription-id>"))
        for sid in pls.subnet_ids:
            s = inv.subnet_by_id.get(key(sid))
            if s and s.pls_network_policies.lower() != "disabled":
                out.append(_f("PL013", pls.id,
                              f"Subnet {s.name} of Private Link Service {pls.name} has "
                              f"privateLinkServiceNetworkPolicies {s.pls_network_policies}.",
                              "Disable Private Link Service network policies on the subnet.",
                              f"az network vnet subnet update --ids {_q(s.id)} "
                              "--private-link-service-network-policies Disabled", related=[s.id]))
    return out


# ------------------------------------------------------------------------------------------------------------
# Probe verdicts (PL020-PL024) — fed by plinktui.probes.verdict.ProbeVerdict (duck-typed: only attributes used)
# ------------------------------------------------------------------------------------------------------------

def probe_findings(inv: Inventory, verdicts: Sequence[Any], vm_by_name: dict[str, Any] | None = None) -> list[Finding]:
    """Turn probe verdicts' finding ids into catalogue findings on the endpoint that owns the FQDN."""
    ep_by_fqdn: dict[str, Endpoint] = {}
    for ep in inv.endpoints:
        for f in inv.fqdns_of(ep):
            ep_by_fqdn.setdefault(f, ep)
    out = []
    for v in verdicts:
        fqdn = (getattr(v, "fqdn", "") or "").lower().rstrip(".")
        owner = ep_by_fqdn.get(fqdn)
        resource = owner.id if owner else str(getattr(v, "vm", "") or fqdn)
        vm = getattr(v, "vm", "") or "?"
        resolved = ", ".join(getattr(v, "resolved_ips", None) or []) or "nothing"
        expected = getattr(v, "expected_ip", None) or "?"
        addr = getattr(v, "healthstatus_addr", None)
        extra = getattr(v, "detail", "") or ""
        vm_obj = (vm_by_name or {}).get(vm)
        vm_rg = rg_of(vm_obj.id) if vm_obj is not None else "<vm-rg>"
        zname = _zone_guess(inv, owner)
        # The zone the VM's resolver consults: the one linked to the VM's VNet (else the endpoint's, else any).
        zone = _linked_zone(inv, zname, vm_obj.vnet_id if vm_obj is not None else None,
                            owner.vnet_id if owner else None) or next(iter(inv.zones_named(zname)), None)
        zargs = _zone_args(zone) if zone is not None else f"--resource-group <zone-rg> --zone-name {_q(zname)}"
        for fid in dict.fromkeys(getattr(v, "findings", None) or []):
            if fid not in CATALOGUE:
                continue
            ctx = f"From VM {vm}, {fqdn} resolved to {resolved} (expected {expected})."
            if fid == "PL020":
                out.append(_f(fid, resource, f"{ctx} The answer is public: the private zone is not consulted. {extra}",
                              "Check the connection is Approved, the privatelink zone is linked to this VNet and "
                              "holds the A record.",
                              f"az network private-dns link vnet list {zargs}", related=[vm]))
            elif fid == "PL021":
                out.append(_f(fid, resource, f"{ctx} That private IP is not the endpoint NIC's. {extra}",
                              "Fix the A record so it holds the NIC IP.",
                              f"az network private-dns record-set a list {zargs} -o table", related=[vm]))
            elif fid == "PL022" and vm_obj is not None and _hub_resolved(inv, vm_obj.vnet_id):
                v_net = inv.vnet_by_id[key(vm_obj.vnet_id)]
                out.append(_f(fid, resource, f"{ctx} The resolver returned NXDOMAIN or failed. {extra}",
                              f"{v_net.name} resolves through a hub resolver: follow its `resolution` path and fix "
                              "the peering, link or rule it names (PL026-PL031).",
                              f"az network vnet peering list --resource-group {_q(rg_of(v_net.id))} --vnet-name "
                              f"{_q(v_net.name)}{_sub_flag(v_net.id)} -o table", related=[vm]))
            elif fid == "PL022":
                where = f" in {zone.resource_group}" if zone is not None else ""
                out.append(_f(fid, resource, f"{ctx} The resolver returned NXDOMAIN or failed. {extra}",
                              f"Add the A record to the zone linked to the VM's VNet{where} (or fix the custom DNS "
                              "forwarding).",
                              _add_record(zone, fqdn.split(".")[0], expected) if zone is not None else
                              f"az network private-dns record-set a add-record {zargs} --record-set-name "
                              f"{_q(fqdn.split('.')[0])} --ipv4-address {_q(expected)}", related=[vm]))
            elif fid == "PL023":
                out.append(_f(fid, resource, f"GET https://{fqdn}/healthstatus from VM {vm}: "
                              f"{'source seen as ' + addr if addr else 'no x-ms-keyvault-network-info header'}. "
                              f"{extra}".strip(),
                              "The request did not arrive over the private endpoint: fix DNS and approval, and "
                              "check proxies/firewalls between the VM and the endpoint.",
                              f"az network private-endpoint-connection list --id {_q(owner.target_id or '')}"
                              if owner else "az network private-endpoint list -o table", related=[vm]))
            elif fid == "PL024":
                out.append(_f(fid, resource, f"{ctx} /etc/hosts on VM {vm} pins the name. {extra}",
                              "Remove the /etc/hosts entry so DNS decides.",
                              f"az vm run-command invoke --resource-group {_q(vm_rg)} --name {_q(vm)} "
                              f"--command-id RunShellScript --scripts {_q('sed -i /' + fqdn + '/d /etc/hosts')}",
                              related=[vm]))
    return out


def _hub_resolved(inv: Inventory, vnet_id: str | None) -> bool:
    """Whether the VNet's DNS servers include a resolver inbound endpoint in scope."""
    v = inv.vnet_by_id.get(key(vnet_id))
    return v is not None and any(s in inv.inbound_by_ip for s in v.dns_servers)


def _zone_guess(inv: Inventory, ep: Endpoint | None) -> str:
    svc = inv.service_of(ep) if ep else None
    return svc.zones[0] if svc else "privatelink.vaultcore.azure.net"


# ------------------------------------------------------------------------------------------------------------

def _peer_cmd(vnet: Any, remote_id: str, name: str) -> str:
    return (f"az network vnet peering create --resource-group {_q(rg_of(vnet.id))} --vnet-name {_q(vnet.name)} "
            f"--name {_q(name)} --remote-vnet {_q(remote_id)} --allow-vnet-access{_sub_flag(vnet.id)}")


def _rule_off_cmd(rs: Any, rule: Any) -> str:
    return (f"az dns-resolver forwarding-rule update --resource-group {_q(rs.resource_group)} --ruleset-name "
            f"{_q(rs.name)} --name {_q(rule.name)} --forwarding-rule-state Disabled{_sub_flag(rs.id)}")


def check_dns_servers(inv: Inventory) -> list[Finding]:
    """PL027 (inbound endpoint with no peering at all) and PL031 (peering not Connected), once per VNet."""
    from audits.resolution import server_paths

    out = []
    for vnet_id, server, (resolver, endpoint) in server_paths(inv):
        v = inv.vnet_by_id[key(vnet_id)]
        hub = inv.vnet_by_id.get(key(resolver.vnet_id))
        if hub is None or inv.connected(v.id, hub.id):
            continue
        mine, theirs = inv.peering(v.id, hub.id), inv.peering(hub.id, v.id)
        where = f"DNS server {server} (inbound endpoint {endpoint.name} of resolver {resolver.name} in {hub.name})"
        if mine is None and theirs is None:
            out.append(_f("PL027", v.id, f"VNet {v.name} uses {where}, and {v.name} and {hub.name} are not peered: "
                                          "every query from the VNet times out.",
                          f"Peer {v.name} and {hub.name} in both directions.",
                          _peer_cmd(v, hub.id, f"to-{hub.name}") + " && " + _peer_cmd(hub, v.id, f"to-{v.name}"),
                          related=[resolver.id]))
            continue
        states = ", ".join(f"{side.name} on {owner.name}: {side.state}" for side, owner in ((mine, v), (theirs, hub))
                           if side is not None)
        cmds = []
        for side, owner, remote, default in ((mine, v, hub, f"to-{hub.name}"), (theirs, hub, v, f"to-{v.name}")):
            if side is None:
                cmds.append(_peer_cmd(owner, remote.id, default))
            elif side.state == "Disconnected":
                cmds.append(f"az network vnet peering delete --resource-group {_q(rg_of(owner.id))} --vnet-name "
                            f"{_q(owner.name)} --name {_q(side.name)}{_sub_flag(owner.id)}")
                cmds.append(_peer_cmd(owner, remote.id, side.name))
        out.append(_f("PL031", v.id, f"VNet {v.name} uses {where}, but the peering between {v.name} and {hub.name} "
                                      f"is not Connected ({states}; the other side is missing or was deleted): "
                                      "queries time out.",
                      "Create the missing side of the peering (re-create a Disconnected one).", " && ".join(cmds),
                      related=[resolver.id]))
    return out


def check_resolution(inv: Inventory, paths: Sequence[Any]) -> list[Finding]:
    """PL026 (hub VNet not linked to the zone), PL028 (a rule hijacks the name), PL030 (loop), PL029 (idle link)."""
    out: list[Finding] = []
    seen: set[tuple[str, ...]] = set()
    for path in paths:
        ep = inv.endpoint_by_id.get(key(path.endpoint_id))
        v = inv.vnet_by_id.get(key(path.vnet_id))
        if ep is None or v is None or path.verdict == "private":
            continue
        if path.loop and path.rules:
            rs, rule = path.rules[-1]
            if ("PL030", rule.id) not in seen:
                seen.add(("PL030", rule.id))
                out.append(_f("PL030", rule.id, f"Resolving {path.fqdn} from {v.name} loops: "
                                                f"{' -> '.join(path.steps[-3:])}",
                              f"Disable rule {rule.name} (or unlink ruleset {rs.name} from the VNet of the inbound "
                              "endpoint it forwards to).", _rule_off_cmd(rs, rule), related=[ep.id]))
            continue
        if path.rules:
            rs, rule = path.rules[0]
            if ("PL028", rule.id, v.id) not in seen:
                seen.add(("PL028", rule.id, v.id))
                out.append(_f("PL028", rule.id, f"Rule '{rule.domain}.' of ruleset {rs.name} forwards {path.fqdn} "
                                                f"(seen from {v.name}) to {', '.join(rule.targets)}, which answers "
                                                f"{path.answer.ips or path.answer.status}, not the endpoint's "
                                                f"{', '.join(path.expected_ips)}.",
                              f"Disable rule {rule.name} (or point it at a resolver that answers from the zone).",
                              _rule_off_cmd(rs, rule), related=[ep.id, v.id]))
            continue
        hub = path.hub_vnet_id
        if hub and path.verdict in ("public", "nxdomain"):
            holders = [inv.zone_by_id[key(r.zone_id)] for r in inv.records_for(ep)
                       if set(r.ips) & set(path.expected_ips) and key(r.zone_id) in inv.zone_by_id]
            for z in holders:
                if z.linked_to(hub) or ("PL026", z.id, hub) in seen:
                    continue
                seen.add(("PL026", z.id, hub))
                hv = inv.vnet_by_id.get(key(hub))
                hname = hv.name if hv else name_of(hub)
                out.append(_f("PL026", z.id, f"VNet {v.name} resolves through the resolver in {hname}, and {hname} "
                                             f"has no link to zone {z.name}, which holds endpoint {ep.name}'s record: "
                                             f"{path.fqdn} resolves {path.verdict} from {v.name}.",
                              f"Link the zone to the resolver's VNet {hname} (not to the spoke).",
                              f"az network private-dns link vnet create {_zone_args(z)} --name "
                              f"{_q('link-' + hname)} --virtual-network {_q(hub)} --registration-enabled false",
                              related=[ep.id, v.id]))
    return out


def check_idle_links(inv: Inventory) -> list[Finding]:
    """PL029: a zone link on a VNet whose clients use custom DNS servers and that hosts no DNS server."""
    hosts = {key(r.vnet_id) for r in inv.resolvers}
    used = {s for v in inv.vnets for s in v.dns_servers}
    hosts |= {key(n.vnet_id) for n in inv.nics if not n.private_endpoint_id and set(n.private_ips) & used}
    out = []
    for z in inv.zones:
        for link in z.links:
            v = inv.vnet_by_id.get(key(link.vnet_id))
            if v is None or _uses_azure_dns(inv, v.id) or key(v.id) in hosts:
                continue
            out.append(_f("PL029", link.id, f"Zone {z.name} is linked to {v.name}, whose clients ask "
                                            f"{', '.join(v.dns_servers)}: the link changes nothing for them.",
                          "Remove the link (link the zone to the VNet of the DNS server they use instead).",
                          f"az network private-dns link vnet delete {_zone_args(z)} --name {_q(link.name)} --yes",
                          related=[v.id]))
    return out


def check_probe_vs_path(inv: Inventory, verdicts: Sequence[Any], paths: Sequence[Any],
                        vm_vnets: dict[str, str]) -> list[Finding]:
    """PL032: a probe from a VNet saw another answer than the path computed for that VNet."""
    by = {(key(p.vnet_id), p.fqdn.lower()): p for p in paths}
    out = []
    for v in verdicts:
        vm = getattr(v, "vm", "") or ""
        path = by.get((key(vm_vnets.get(vm, "")), (getattr(v, "fqdn", "") or "").lower().rstrip(".")))
        if path is None or path.verdict == "unknown":
            continue
        seen = list(getattr(v, "resolved_ips", None) or [])
        saw_private = bool(set(seen) & set(path.expected_ips))
        if saw_private == (path.verdict == "private"):
            continue
        vnet = inv.vnet_by_id.get(key(path.vnet_id))
        out.append(_f("PL032", path.endpoint_id,
                      f"From VM {vm} in {vnet.name if vnet else path.vnet_id}, {path.fqdn} resolved to "
                      f"{', '.join(seen) or 'nothing'}; the inventory says {path.verdict} "
                      f"({path.answer.ips or path.answer.status}) via: {'; '.join(path.steps)}",
                      "Audit every subscription that holds zones, rulesets or DNS servers this VNet uses (the audit "
                      "can only compute what it can see).",
                      "plinktui audit --all-subscriptions --probe ssh", related=[vm]))
    return out


INVENTORY_CHECKS: list[Callable[[Inventory], list[Finding]]] = [
    check_connections, check_endpoint_health, check_dns, check_duplicates, check_orphan_nics, check_zone_names,
    check_records, check_links, check_vaults, check_private_link_services, check_dns_servers, check_idle_links,
]


def run_all(inv: Inventory, verdicts: Sequence[Any] = (), vm_vnets: dict[str, str] | None = None,
            paths: Sequence[Any] | None = None) -> list[Finding]:
    """Every check over the inventory plus probe verdicts, sorted by severity then check id then resource.

    Args:
        inv: The inventory.
        verdicts: ProbeVerdict objects (attributes vm, fqdn, resolved_ips, expected_ip, findings, ...).
        vm_vnets: VM name -> VNet id, so a public answer seen by a VM escalates PL010 on its VNet.
        paths: the resolution paths (``audits.resolution.compute``); computed here when not given.
    """
    from audits import resolution

    findings: list[Finding] = []
    for check in INVENTORY_CHECKS:
        findings.extend(check(inv))
    paths = resolution.compute(inv) if paths is None else paths
    findings.extend(check_resolution(inv, paths))
    vm_vnets = vm_vnets or {vm.name: vm.vnet_id for vm in inv.vms if vm.vnet_id}
    findings.extend(check_probe_vs_path(inv, verdicts, paths, {k: v for k, v in vm_vnets.items() if v}))
    public_vnets = {key(vm_vnets.get(getattr(v, "vm", ""), "")) for v in verdicts
                    if "PL020" in (getattr(v, "findings", None) or [])
                    or any(not is_private_ip(ip) for ip in getattr(v, "resolved_ips", None) or [])}
    findings.extend(check_custom_dns(inv, public_vnets - {""}))
    findings.extend(probe_findings(inv, verdicts, {vm.name: vm for vm in inv.vms}))
    findings.sort(key=lambda f: (-SEVERITY_RANK[f.severity], f.check_id, f.resource_id.lower()))
    return findings


def failing(findings: Iterable[Finding], fail_on: Severity = "error") -> list[Finding]:
    """Findings at or above the --fail-on threshold."""
    floor = SEVERITY_RANK[fail_on]
    return [f for f in findings if SEVERITY_RANK[f.severity] >= floor]

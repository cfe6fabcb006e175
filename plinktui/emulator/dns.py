"""The emulator's DNS and Key Vault data-plane model: what a name resolves to from a VNet (or from the internet), and
what ``GET https://<vault>.vault.azure.net/healthstatus`` answers.

Public DNS (``vnet_id=None``), as Azure publishes it (docs/probe-formats.md §1-2)::

    <v>.vault.azure.net -> [<v>.privatelink.vaultcore.azure.net, once >= 1 connection is Approved]
      -> data-prod-<reg>.vaultcore.azure.net -> data-prod-<reg>-region.vaultcore.azure.net
      -> azkms-prod-<reg>-b.<region>.cloudapp.azure.com  A <regional public IP>

(today's public chain ends in the ``azkms-prod-...cloudapp.azure.com`` front end, as published nslookup outputs show).

Storage (blob, file) and SQL names get the same shape of chain (``<n>.privatelink.<zone suffix>`` alias when
approved) when a resource document of that type exists; anything else is NXDOMAIN.

Azure DNS (168.63.129.16) seen from VNet V (§3): walk the public chain; at each name, the candidates are the private
DNS zones LINKED to V that equal or contain the name and the enabled forwarding rules of the DNS forwarding rulesets
linked to V whose domain equals or contains it (peering does not matter for either kind of link). The most specific
candidate wins (most labels); on a tie the zone wins. A zone answers: an A record set of the relative name ends the
walk, a CNAME record set continues it, no record gives NXDOMAIN unless the link's resolution policy is
``NxDomainRedirect`` (then the public answer for that name is used). A zone whose name does not match (e.g.
``privatelink.vault.azure.net``) is never consulted. A rule forwards the name: the target servers, tried in order
from the VNet of the ruleset's outbound endpoint, resolve it entirely (the answer's chain continues ours).

A DNS server (a VNet's ``dhcpOptions.dnsServers`` in order, or a rule's target) answers like this, asked from VNet W:
``168.63.129.16`` is Azure DNS in W's view; the address of a DNS Private Resolver inbound endpoint in VNet H answers
with Azure DNS in H's view when W is H or W and H are peered ``Connected``, and times out otherwise; the private IP
of a (non private-endpoint) NIC in some VNet is a forwarder that answers as Azure DNS would from its VNet; any other
address inside some VNet's address space serves no DNS and times out; an address in no VNet is outside Azure and
answers as the internet does (the public chain). A timeout moves on to the next server; when none answers the result
is SERVFAIL. Forwarding more than ``MAX_HOPS`` times (a ruleset linked to the VNet of the inbound endpoint it
forwards to loops: Microsoft documents this) is SERVFAIL.

``/healthstatus``: a private address is reachable only when it belongs to a private endpoint NIC in the caller's own
VNet or in a VNet peered with it ``Connected``, and its connection to that vault is Approved: 200 with ``addr=<caller private IP>``. The
regional public address: 403 ``ForbiddenByConnection`` when the vault's public network access is Disabled, 403
``ForbiddenByFirewall`` when its networkAcls deny the caller, else 200 with ``addr=<caller public IP>``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from plinktui.emulator.vmshell import HttpAnswer, Resolution

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator
    from plinktui.emulator.store import Record

AZURE_DNS = "168.63.129.16"
MAX_CHAIN = 16
MAX_HOPS = 4
"""Forwarding hops before a query is SERVFAIL (a guess: Azure documents the loop, not the count)."""
VAULT_TYPE = "Microsoft.KeyVault/vaults"
NIC_TYPE = "Microsoft.Network/networkInterfaces"
VNET_TYPE = "Microsoft.Network/virtualNetworks"
LINK_TYPE = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"

REGION_CODES: dict[str, str] = {
    "eastus": "eus", "eastus2": "eus2", "westus": "wus", "westus2": "wus2", "westus3": "wus3", "centralus": "cus",
    "northcentralus": "ncus", "southcentralus": "scus", "westcentralus": "wcus", "canadacentral": "cac",
    "canadaeast": "cae", "brazilsouth": "brs", "northeurope": "neu", "westeurope": "weu", "uksouth": "uks",
    "ukwest": "ukw", "francecentral": "frc", "germanywestcentral": "gwc", "swedencentral": "sec",
    "switzerlandnorth": "szn", "norwayeast": "noe", "polandcentral": "plc", "italynorth": "itn",
    "spaincentral": "spc", "southafricanorth": "san", "uaenorth": "uan", "qatarcentral": "qac",
    "centralindia": "inc", "southeastasia": "sea", "eastasia": "ea", "japaneast": "jpe", "japanwest": "jpw",
    "koreacentral": "krc", "australiaeast": "ae", "australiasoutheast": "ase",
}
"""Azure region -> the short code Key Vault uses in ``data-prod-<code>.vaultcore.azure.net``."""
CODE_REGIONS = {code: region for region, code in REGION_CODES.items()}
KNOWN_IPS = {("vault", "eastus"): "52.168.109.101"}  # the address in the diagnostics article (probe-outputs.md)

HEALTH_BODY = "null"
"""/healthstatus answers a 4-byte JSON body (Content-Length: 4 in the article); its text is not published."""
SERVICE_VERSION = "1.2.27.0"
CONNECTION_DENIED = ("Public network access is disabled and request is not from a trusted service nor via an approved "
                     "private link.")
CONNECTION_DENIED_NO_BYPASS = ("Connection is not an approved private link and caller was ignored because bypass is "
                               "not set to 'AzureServices' and PublicNetworkAccess is set to 'Disabled'.")


def region_code(region: str) -> str:
    """Key Vault's short code for a region (``eastus`` -> ``eus``); unknown regions keep their name."""
    return REGION_CODES.get(region.lower(), region.lower())


def public_ip(service: str, region: str) -> str:
    """The (data-only, never contacted) public front-end address of a service in a region; deterministic."""
    known = KNOWN_IPS.get((service, region.lower()))
    if known:
        return known
    digest = hashlib.sha256(f"{service}:{region.lower()}".encode()).digest()
    return f"52.{150 + digest[0] % 40}.{digest[1]}.{1 + digest[2] % 250}"


def _norm(name: str) -> str:
    return name.strip().rstrip(".").lower()


def _is_private(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_private
    except ValueError:
        return False


# ---------------------------------------------------------------------------------------------------------------------
# services and their public chains


@dataclass(frozen=True)
class Service:
    """A PaaS endpoint family: public suffix, the privatelink zone Azure aliases it into, and its target type."""

    key: str
    suffix: str  # ".vault.azure.net"
    zone: str  # "privatelink.vaultcore.azure.net"
    target_type: str
    canonical: Callable[[Record], str]  # the public front-end name for a target resource


def _region_of(rec: Record) -> str:
    return str(rec.doc.get("location") or "eastus").lower()


SERVICES: tuple[Service, ...] = (
    Service("vault", ".vault.azure.net", "privatelink.vaultcore.azure.net", VAULT_TYPE,
            lambda r: f"data-prod-{region_code(_region_of(r))}.vaultcore.azure.net"),
    Service("blob", ".blob.core.windows.net", "privatelink.blob.core.windows.net", "Microsoft.Storage/storageAccounts",
            lambda r: f"blob.{region_code(_region_of(r))}prdstr01a.store.core.windows.net"),
    Service("file", ".file.core.windows.net", "privatelink.file.core.windows.net", "Microsoft.Storage/storageAccounts",
            lambda r: f"file.{region_code(_region_of(r))}prdstr01a.store.core.windows.net"),
    Service("sql", ".database.windows.net", "privatelink.database.windows.net", "Microsoft.Sql/servers",
            lambda r: f"cr1.{_region_of(r)}1-a.control.database.windows.net"),
)
"""Service table: the suffixes the model knows. Zones for the privatelink aliases: ``privatelink.<...>``."""

_FRONTENDS: tuple[tuple[re.Pattern[str], str, Callable[[str], str]], ...] = (
    (re.compile(r"^azkms-prod-([a-z0-9]+)-b\.[a-z0-9]+\.cloudapp\.azure\.com$"), "vault", lambda code: CODE_REGIONS[code]),
    (re.compile(r"^blob\.([a-z0-9]+?)prdstr01a\.store\.core\.windows\.net$"), "blob", lambda c: CODE_REGIONS[c]),
    (re.compile(r"^file\.([a-z0-9]+?)prdstr01a\.store\.core\.windows\.net$"), "file", lambda c: CODE_REGIONS[c]),
    (re.compile(r"^cr1\.([a-z0-9]+)1-a\.control\.database\.windows\.net$"), "sql", lambda region: region),
)
_VAULT_DATA = re.compile(r"^data-prod-([a-z0-9]+)\.vaultcore\.azure\.net$")
_VAULT_REGION = re.compile(r"^data-prod-([a-z0-9]+)-region\.vaultcore\.azure\.net$")


def _target(emu: Emulator, svc: Service, name: str) -> Record | None:
    for rec in emu.store.of_type(svc.target_type):
        if str(rec.doc.get("name", "")).lower() == name:
            return rec
    return None


def approved(emu: Emulator, target_id: str) -> bool:
    """Whether at least one private endpoint connection to the target is Approved."""
    from plinktui.emulator.providers.keyvault import approved_connections

    return bool(approved_connections(emu, target_id))


def _public(emu: Emulator, name: str) -> tuple[str, Any] | None:
    """One step of public DNS: ("cname", target) or ("a", [ips]); None = NXDOMAIN."""
    for svc in SERVICES:
        for suffix, private in ((svc.suffix, False), ("." + svc.zone, True)):
            if not name.endswith(suffix):
                continue
            label = name[: -len(suffix)]
            if not label or "." in label:
                continue
            rec = _target(emu, svc, label)
            if rec is None:
                return None
            has_alias = approved(emu, rec.id)
            if private:  # the privatelink name exists publicly only while the alias does
                return ("cname", svc.canonical(rec)) if has_alias else None
            return ("cname", f"{label}.{svc.zone}") if has_alias else ("cname", svc.canonical(rec))
    m = _VAULT_DATA.match(name)
    if m and m.group(1) in CODE_REGIONS:
        return ("cname", f"data-prod-{m.group(1)}-region.vaultcore.azure.net")
    m = _VAULT_REGION.match(name)
    if m and m.group(1) in CODE_REGIONS:
        return ("cname", f"azkms-prod-{m.group(1)}-b.{CODE_REGIONS[m.group(1)]}.cloudapp.azure.com")
    for pattern, service, region_of in _FRONTENDS:
        m = pattern.match(name)
        if m:
            try:
                return ("a", [public_ip(service, region_of(m.group(1)))])
            except KeyError:
                return None
    return None


# ---------------------------------------------------------------------------------------------------------------------
# private zones


def _linked_zone(emu: Emulator, name: str, vnet_id: str) -> tuple[Record, Record] | None:
    """(zone, link) of the most specific active zone linked to the VNet that contains ``name``."""
    from plinktui.emulator.providers.privatedns import link_active

    best: tuple[Record, Record] | None = None
    for link in emu.store.of_type(LINK_TYPE):
        props = link.doc.get("properties") or {}
        if str((props.get("virtualNetwork") or {}).get("id", "")).lower() != vnet_id.lower() or not link_active(link):
            continue
        zone = emu.store.get(link.id.rsplit("/virtualNetworkLinks/", 1)[0])
        if zone is None:
            continue
        zname = str(zone.doc["name"]).lower()
        if (name == zname or name.endswith("." + zname)) and (best is None or len(zname) > len(best[0].doc["name"])):
            best = (zone, link)
    return best


def _labels(name: str) -> int:
    return len([x for x in name.split(".") if x])


def _linked_rule(emu: Emulator, name: str, vnet_id: str) -> tuple[Record, Record] | None:
    """(ruleset, rule) of the most specific enabled forwarding rule, among rulesets linked to the VNet, for ``name``."""
    from plinktui.emulator.providers.dnsresolver.common import RULE, RULESET_LINK

    best: tuple[Record, Record] | None = None
    best_len = -1
    for link in emu.store.of_type(RULESET_LINK):
        if str((link.props.get("virtualNetwork") or {}).get("id", "")).lower() != vnet_id.lower() \
                or not _provisioned(link):
            continue
        ruleset = emu.store.get(link.id.rsplit("/virtualNetworkLinks/", 1)[0])
        if ruleset is None:
            continue
        for rule in emu.store.children(ruleset.id, RULE):
            if rule.props.get("forwardingRuleState", "Enabled") != "Enabled":
                continue
            domain = _norm(str(rule.props.get("domainName") or ""))
            if (domain == "" or name == domain or name.endswith("." + domain)) and _labels(domain) > best_len:
                best, best_len = (ruleset, rule), _labels(domain)
    return best


def _provisioned(rec: Record) -> bool:
    state = (rec.doc.get("properties") or {}).get("provisioningState", "Succeeded")
    return state == "Succeeded" or (state in ("Updating", "Deleting") and bool(rec.internal.get("provisioned")))


def _walk(emu: Emulator, query: str, vnet_id: str | None, hops: int = 0) -> Resolution:
    """Follow the chain as Azure DNS does from ``vnet_id`` (None: public DNS only)."""
    current = _norm(query)
    chain = [current]
    for _ in range(MAX_CHAIN):
        hit = _linked_zone(emu, current, vnet_id) if vnet_id else None
        rule = _linked_rule(emu, current, vnet_id) if vnet_id else None
        if rule is not None and (hit is None or _labels(_norm(str(rule[1].props.get("domainName") or "")))
                                 > _labels(str(hit[0].doc["name"]))):
            forwarded = _forward(emu, current, rule[0], rule[1], hops + 1)
            return dataclasses.replace(forwarded, query=query, chain=chain[:-1] + forwarded.chain)
        if hit is not None:
            zone, link = hit
            zname = str(zone.doc["name"]).lower()
            rel = "@" if current == zname else current[: -len(zname) - 1]
            a_rec = emu.store.get(f"{zone.id}/A/{rel}")
            cname = emu.store.get(f"{zone.id}/CNAME/{rel}")
            if a_rec is not None:
                ips = [str(r.get("ipv4Address")) for r in a_rec.props.get("aRecords") or [] if r.get("ipv4Address")]
                return Resolution(query=query, chain=chain, addresses=ips)
            if cname is not None and (cname.props.get("cnameRecord") or {}).get("cname"):
                current = _norm(str(cname.props["cnameRecord"]["cname"]))
                chain.append(current)
                continue
            if (link.doc.get("properties") or {}).get("resolutionPolicy") != "NxDomainRedirect":
                from plinktui.emulator.providers.privatedns import RECORD_TYPES

                exists = any(emu.store.get(f"{zone.id}/{t}/{rel}") is not None for t in RECORD_TYPES)
                # the name exists with other types: NODATA (no address, no error); otherwise NXDOMAIN
                return Resolution(query=query, chain=chain, addresses=[], nxdomain=not exists)
        answer = _public(emu, current)
        if answer is None:
            return Resolution(query=query, chain=chain, addresses=[], nxdomain=True)
        kind, value = answer
        if kind == "a":
            return Resolution(query=query, chain=chain, addresses=list(value))
        current = value
        chain.append(current)
    return Resolution(query=query, chain=chain, addresses=[], servfail=True)  # CNAME loop


def _forward(emu: Emulator, name: str, ruleset: Record, rule: Record, hops: int) -> Resolution:
    """A forwarding rule's targets resolve ``name``, asked from the VNet of the ruleset's outbound endpoint."""
    if hops > MAX_HOPS:
        return Resolution(query=name, chain=[name], addresses=[], servfail=True)
    source: str | None = None
    for out in ruleset.props.get("dnsResolverOutboundEndpoints") or []:
        resolver = emu.store.get(str((out or {}).get("id") or "").rsplit("/outboundEndpoints/", 1)[0])
        if resolver is not None:
            source = str((resolver.props.get("virtualNetwork") or {}).get("id") or "") or None
            break
    for target in rule.props.get("targetDnsServers") or []:
        answer = ask_server(emu, name, str(target.get("ipAddress") or ""), source, hops)
        if answer is not None:
            return answer
    return Resolution(query=name, chain=[name], addresses=[], servfail=True)


def inbound_vnet(emu: Emulator, ip: str) -> str | None:
    """The VNet of the DNS resolver whose inbound endpoint holds this address, or None."""
    from plinktui.emulator.providers.dnsresolver.common import INBOUND

    for rec in emu.store.of_type(INBOUND):
        if any(str(c.get("privateIpAddress")) == ip for c in rec.props.get("ipConfigurations") or []):
            resolver = emu.store.get(rec.id.rsplit("/inboundEndpoints/", 1)[0])
            vnet = str(((resolver.props.get("virtualNetwork") or {}).get("id") if resolver else "") or "")
            return vnet or None
    return None


def _inside_a_vnet(emu: Emulator, ip: str) -> bool:
    addr = ipaddress.ip_address(ip) if _is_ip(ip) else None
    if addr is None:
        return False
    for vnet in emu.store.of_type(VNET_TYPE):
        for prefix in ((vnet.doc.get("properties") or {}).get("addressSpace") or {}).get("addressPrefixes") or []:
            try:
                if addr in ipaddress.ip_network(str(prefix), strict=False):
                    return True
            except ValueError:
                continue
    return False


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def ask_server(emu: Emulator, name: str, server: str, from_vnet: str | None, hops: int = 0) -> Resolution | None:
    """What one DNS server answers for ``name`` when asked from ``from_vnet`` (None: it timed out)."""
    from plinktui.emulator.providers.network.peerings import connected

    if server == AZURE_DNS:
        return _walk(emu, name, from_vnet, hops) if from_vnet else None
    hub = inbound_vnet(emu, server)
    if hub is not None:
        if from_vnet is None or not connected(emu, from_vnet, hub):
            return None
        return _walk(emu, name, hub, hops)
    view = _forwarder_vnet(emu, server)
    if view is not None:
        return _walk(emu, name, view, hops)
    if _inside_a_vnet(emu, server):
        return None  # an Azure address that serves no DNS
    return _walk(emu, name, None, hops)  # outside Azure: the internet's answer


def _nic_with_ip(emu: Emulator, ip: str, vnet_id: str | None = None) -> tuple[Record, str] | None:
    """(NIC, its subnet id) holding this private IP, optionally only in one VNet."""
    for nic in emu.store.of_type(NIC_TYPE):
        for cfg in (nic.doc.get("properties") or {}).get("ipConfigurations") or []:
            props = (cfg or {}).get("properties") or {}
            if props.get("privateIPAddress") != ip:
                continue
            subnet = str((props.get("subnet") or {}).get("id") or "")
            if vnet_id is None or subnet.lower().startswith(vnet_id.lower().rstrip("/") + "/subnets/"):
                return nic, subnet
    return None


def _reachable_nic(emu: Emulator, ip: str, vnet_id: str) -> tuple[Record, str] | None:
    """The NIC holding ``ip`` in the caller's VNet, else in a VNet peered with it ``Connected``."""
    from plinktui.emulator.providers.network.peerings import connected

    own = _nic_with_ip(emu, ip, vnet_id)
    if own is not None:
        return own
    for nic in emu.store.of_type(NIC_TYPE):
        for cfg in (nic.doc.get("properties") or {}).get("ipConfigurations") or []:
            props = (cfg or {}).get("properties") or {}
            subnet = str((props.get("subnet") or {}).get("id") or "")
            if props.get("privateIPAddress") == ip and "/subnets/" in subnet \
                    and connected(emu, vnet_id, subnet.split("/subnets/")[0]):
                return nic, subnet
    return None


def _forwarder_vnet(emu: Emulator, server: str) -> str | None:
    """The VNet whose Azure DNS view a custom DNS server gives (None: unreachable / not a DNS server)."""
    hit = _nic_with_ip(emu, server)
    if hit is None:
        return None
    nic, subnet = hit
    if (nic.doc.get("properties") or {}).get("privateEndpoint"):
        return None  # a private endpoint NIC serves only its target, never DNS
    return subnet.split("/subnets/")[0] if "/subnets/" in subnet else None


def dns_servers(emu: Emulator, vnet_id: str | None) -> list[str]:
    """The VNet's DNS servers as DHCP hands them out (Azure DNS unless custom servers are set)."""
    vnet = emu.store.get(vnet_id) if vnet_id else None
    servers = ((vnet.doc.get("properties") or {}).get("dhcpOptions") or {}).get("dnsServers") if vnet else None
    return [str(s) for s in servers] if servers else [AZURE_DNS]


def resolve(emu: Emulator, name: str, vnet_id: str | None) -> Resolution:
    """Resolve ``name`` as a client in ``vnet_id`` would (None = a machine on the internet).

    Args:
        emu: the emulator (its store is the source of truth).
        name: the name asked, any case, trailing dot allowed.
        vnet_id: the client's VNet id, or None for public DNS.

    Returns:
        The Resolution: the CNAME chain from the (normalised) query, the A records of its last name, and the
        NXDOMAIN/SERVFAIL flags.
    """
    if vnet_id is None:
        return _walk(emu, name, None)
    for server in dns_servers(emu, vnet_id):
        answer = ask_server(emu, name, server, vnet_id)
        if answer is not None:
            return dataclasses.replace(answer, query=name)
    return Resolution(query=name, chain=[_norm(name)], addresses=[], servfail=True, timeout=True)


# ---------------------------------------------------------------------------------------------------------------------
# Key Vault data plane: /healthstatus


def _answer(status: int, addr: str, family: str, body: str) -> HttpAnswer:
    headers = [
        ("Cache-Control", "no-cache"),
        ("Pragma", "no-cache"),
        ("Content-Type", "application/json; charset=utf-8"),
        ("x-ms-request-id", str(uuid.uuid4())),
        ("x-ms-keyvault-service-version", SERVICE_VERSION),
        ("x-ms-keyvault-network-info", f"addr={addr};act_addr_fam={family};"),
        ("Strict-Transport-Security", "max-age=31536000;includeSubDomains"),
        ("Content-Length", str(len(body.encode()))),
    ]
    return HttpAnswer(status=status, headers=headers, body=body)


def _forbidden(code: str, message: str) -> str:
    return json.dumps({"error": {"code": "Forbidden", "message": message, "innererror": {"code": code}}},
                      separators=(",", ":"))


def _default_outbound(vnet_id: str | None) -> str:
    digest = hashlib.sha256((vnet_id or "internet").lower().encode()).digest()
    return f"4.{150 + digest[0] % 50}.{digest[1]}.{1 + digest[2] % 250}"


def _ip_allowed(ip: str, rules: list[dict[str, Any]]) -> bool:
    for rule in rules:
        try:
            if ipaddress.ip_address(ip) in ipaddress.ip_network(str(rule.get("value", "")), strict=False):
                return True
        except ValueError:
            continue
    return False


def https_get(emu: Emulator, fqdn: str, path: str, *, vnet_id: str | None, source_private_ip: str | None,
              source_public_ip: str | None) -> HttpAnswer | None:
    """What ``GET https://<fqdn><path>`` answers for a client, or None when it cannot connect.

    Args:
        emu: the emulator.
        fqdn: the host name in the URL (resolved with :func:`resolve` from ``vnet_id``).
        path: the request path; ``/healthstatus`` is anonymous, any other path answers 401 (no bearer token).
        vnet_id: the client's VNet (None = internet).
        source_private_ip: the client's private IP (what the vault sees over a private endpoint).
        source_public_ip: the client's public IP (what the vault sees over the public path); when None a
            deterministic default-outbound address is used.

    Returns:
        An HttpAnswer (200 or 403, headers as Key Vault sends them) or None (name does not resolve, or the
        address is not reachable from the client).
    """
    host = _norm(fqdn)
    if not host.endswith(".vault.azure.net") or "." in host[: -len(".vault.azure.net")]:
        return None
    from plinktui.emulator.providers.keyvault import live_vault

    vault = live_vault(emu, host[: -len(".vault.azure.net")])
    res = resolve(emu, host, vnet_id)
    if vault is None or res.nxdomain or res.servfail or not res.addresses:
        return None
    ip = res.addresses[0]
    anonymous = path.split("?", 1)[0].rstrip("/").lower() == "/healthstatus"
    if _is_private(ip):
        hit = _reachable_nic(emu, ip, vnet_id) if vnet_id else None
        if hit is None:
            return None  # a private address outside the caller's VNet and its Connected peers: no route
        pe_id = ((hit[0].doc.get("properties") or {}).get("privateEndpoint") or {}).get("id")
        pe = emu.store.get(str(pe_id)) if pe_id else None
        if pe is None:
            return None  # an ordinary NIC does not serve Key Vault
        from plinktui.emulator.providers.keyvault import approved_connections

        if any(p.id.lower() == pe.id.lower() for p in approved_connections(emu, vault.id)):
            addr = source_private_ip or ip
            return _answer(200, addr, "InterNetworkV6", HEALTH_BODY) if anonymous else _unauthorized(addr)
        if _pe_approved_elsewhere(pe):
            return _answer(403, source_private_ip or ip, "InterNetworkV6", json.dumps(
                {"error": {"code": "Forbidden", "message": f"This TCP connection does not allow access to {host}."}},
                separators=(",", ":")))
        return None  # a connection that is not Approved carries no traffic
    src = source_public_ip or _default_outbound(vnet_id)
    props = vault.doc.get("properties") or {}
    acls = props.get("networkAcls") or {}
    if str(props.get("publicNetworkAccess", "Enabled")).lower() == "disabled":
        message = CONNECTION_DENIED_NO_BYPASS if acls.get("bypass") == "None" else CONNECTION_DENIED
        return _answer(403, src, "InterNetwork", _forbidden("ForbiddenByConnection", message))
    if acls.get("defaultAction") == "Deny":
        subnet = None
        if vnet_id and source_private_ip:
            found = _nic_with_ip(emu, source_private_ip, vnet_id)
            subnet = found[1].lower() if found else None
        via_subnet = subnet is not None and any(str(r.get("id", "")).lower() == subnet
                                                for r in acls.get("virtualNetworkRules") or [])
        if via_subnet:
            src = source_private_ip or src  # a service endpoint shows the vault the private source address
        elif not _ip_allowed(src, acls.get("ipRules") or []):
            message = ("Client address is not authorized and caller is not a trusted service.\r\n"
                       f"Client address: {src}\r\nCaller: \r\nVault: {vault.doc['name']};location="
                       f"{vault.doc.get('location', '')}")
            return _answer(403, src, "InterNetwork", _forbidden("ForbiddenByFirewall", message))
    return _answer(200, src, "InterNetwork", HEALTH_BODY) if anonymous else _unauthorized(src)


def _pe_approved_elsewhere(pe: Record) -> bool:
    props = pe.doc.get("properties") or {}
    return any(((c.get("properties") or {}).get("privateLinkServiceConnectionState") or {}).get("status") == "Approved"
               for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections")
               for c in props.get(key) or [])


def _unauthorized(addr: str) -> HttpAnswer:
    body = json.dumps({"error": {"code": "Unauthorized", "message": "AKV10000: Request is missing a Bearer or PoP "
                                 "token."}}, separators=(",", ":"))
    answer = _answer(401, addr, "InterNetwork", body)
    answer.headers.insert(0, ("WWW-Authenticate", 'Bearer authorization="https://login.microsoftonline.com/common", '
                                                  'resource="https://vault.azure.net"'))
    return answer


# ---------------------------------------------------------------------------------------------------------------------
# control endpoint (debug aid)


def register_control(emu: Emulator) -> None:
    """``GET /_emulator/resolve?name=..&vnet=<id>`` -> the Resolution as JSON (no auth; the VNet is optional).

    ``GET /_emulator/https?fqdn=..&vnet=..&private_ip=..&public_ip=..[&path=/healthstatus]`` -> the HttpAnswer (or
    ``{"connected": false}``).
    """
    from aiohttp import web

    async def resolve_handler(request: web.Request) -> web.StreamResponse:
        name = request.query.get("name", "")
        if not name:
            return web.json_response({"error": {"code": "BadRequest", "message": "name is required"}}, status=400)
        res = resolve(emu, name, request.query.get("vnet") or None)
        return web.json_response(dataclasses.asdict(res))

    async def https_handler(request: web.Request) -> web.StreamResponse:
        q = request.query
        if not q.get("fqdn"):
            return web.json_response({"error": {"code": "BadRequest", "message": "fqdn is required"}}, status=400)
        ans = https_get(emu, q["fqdn"], q.get("path", "/healthstatus"), vnet_id=q.get("vnet") or None,
                        source_private_ip=q.get("private_ip") or None, source_public_ip=q.get("public_ip") or None)
        if ans is None:
            return web.json_response({"connected": False})
        return web.json_response({"connected": True, "status": ans.status, "headers": ans.headers,
                                  "body": ans.body})

    emu.control("GET", "/_emulator/resolve")(resolve_handler)
    emu.control("GET", "/_emulator/https")(https_handler)

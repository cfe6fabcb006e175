"""Shared pieces of the DNS Private Resolver kinds: types, errors and the subnet rules endpoints share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.emulator import errors
from plinktui.emulator.providers.network.common import (
    NS,
    SUBNET,
    VNET,
    NetworkKind,
    bad,
    find_subnet,
    invalid_reference,
    same_id,
    subnet_networks,
)
from plinktui.emulator.resource import ref
from plinktui.emulator.store import Record

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator

RESOLVER, INBOUND, OUTBOUND, RULESET, RULE, RULESET_LINK = (f"{NS}/{t}" for t in (
    "dnsResolvers", "dnsResolvers/inboundEndpoints", "dnsResolvers/outboundEndpoints", "dnsForwardingRulesets",
    "dnsForwardingRulesets/forwardingRules", "dnsForwardingRulesets/virtualNetworkLinks"))
DELEGATION = "Microsoft.Network/dnsResolvers"
RESOLVER_API = "2025-05-01"


class ResolverKind(NetworkKind):
    """The DNS Private Resolver kinds: long-running PUTs that start ``Creating``."""

    initial_state = "Creating"


def required_ref(props: dict[str, Any], key: str, rid: str) -> str:
    """The ``{id}`` a property must carry, or the spec's required-property error."""
    value = ref(props.get(key))
    if not value:
        raise errors.InvalidRequestContent(f"The request content was invalid: '{key}' with an 'id' is required for "
                                           f"{rid}.")
    return value


def fixed_vnet(emu: Emulator, props: dict[str, Any], rid: str, existing: Record | None, what: str) -> Record:
    """The VNet ``properties.virtualNetwork`` names: required, existing, and never changed after creation (spec)."""
    vnet_id = required_ref(props, "virtualNetwork", rid)
    vnet = emu.store.get(vnet_id)
    if vnet is None or str(vnet.doc.get("type", "")).lower() != VNET.lower():
        raise invalid_reference(vnet_id, rid)
    if existing is not None and (ref(existing.props.get("virtualNetwork")) or "").lower() != vnet.id.lower():
        raise bad("BadRequest", f"The virtual network of {what} cannot be changed after creation.")
    return vnet


def endpoint_subnet(emu: Emulator, subnet_id: str, rid: str, resolver: Record) -> Record:
    """The subnet an inbound or outbound endpoint may use (docs rules: in the resolver's VNet, delegated to
    ``Microsoft.Network/dnsResolvers``, /28 to /24, one endpoint per subnet)."""
    subnet = find_subnet(emu, subnet_id, rid, None)
    vnet_id = ref(resolver.props.get("virtualNetwork")) or ""
    if not subnet.id.lower().startswith(vnet_id.lower() + "/subnets/"):
        raise bad("BadRequest", f"Subnet {subnet.id} is not in the virtual network {vnet_id} of the DNS resolver.")
    services = [str(((d or {}).get("properties") or {}).get("serviceName") or "")
                for d in subnet.props.get("delegations") or []]
    if DELEGATION.lower() not in [s.lower() for s in services]:
        raise bad("BadRequest", f"Subnet {subnet.id} must be delegated to {DELEGATION} to host a DNS resolver "
                                "endpoint.")
    for net in subnet_networks(subnet.doc):
        if net.version == 4 and not 24 <= net.prefixlen <= 28:
            raise bad("BadRequest", f"Subnet {subnet.id} has the prefix {net}: a DNS resolver endpoint needs a subnet "
                                    "between /28 and /24.")
    for rtype in (INBOUND, OUTBOUND):
        for other in emu.store.of_type(rtype):
            if other.id.lower() == rid.lower():
                continue
            if any(same_id(s, subnet.id) for s in endpoint_subnets(other)):
                raise bad("BadRequest", f"Subnet {subnet.id} is already used by DNS resolver endpoint {other.id}; a "
                                        "subnet serves one endpoint.")
    return subnet


def endpoint_subnets(rec: Record) -> list[str]:
    """The subnets an inbound endpoint (ipConfigurations) or outbound endpoint (subnet) sits in."""
    if ref(rec.props.get("subnet")):
        return [str(ref(rec.props.get("subnet")))]
    return [str(ref(c.get("subnet"))) for c in rec.props.get("ipConfigurations") or [] if ref(c.get("subnet"))]


def same_region(a: Record, b: Record) -> bool:
    """Whether two tracked resources sit in one region."""
    return str(a.doc.get("location", "")).lower() == str(b.doc.get("location", "")).lower()


__all__ = ["DELEGATION", "INBOUND", "OUTBOUND", "RESOLVER", "RESOLVER_API", "RULE", "RULESET", "RULESET_LINK", "ResolverKind",
           "SUBNET", "endpoint_subnet", "fixed_vnet", "endpoint_subnets", "required_ref", "same_region"]

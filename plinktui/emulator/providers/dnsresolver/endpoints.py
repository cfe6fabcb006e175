"""Inbound endpoints (the addresses VNets use as DNS servers) and outbound endpoints (where forwarded queries leave).

Inbound: ``ipConfigurations`` is required; every configuration names a subnet (the same one for all) in the
resolver's VNet, delegated to ``Microsoft.Network/dnsResolvers``, /28 to /24, used by no other endpoint (docs);
``privateIpAllocationMethod`` is ``Static`` (the address must lie in the subnet, outside Azure's reserved ones) or
``Dynamic`` (default: the first free address from ``.4``). Outbound: ``subnet`` is required, same subnet rules; an
outbound endpoint a ruleset still uses cannot be deleted (docs; the code is a guess).
"""

from __future__ import annotations

from typing import Any

from plinktui.emulator import errors
from plinktui.emulator.providers.dnsresolver.common import (
    INBOUND,
    OUTBOUND,
    RULESET,
    ResolverKind,
    endpoint_subnet,
    required_ref,
)
from plinktui.emulator.providers.network.common import RG_SCOPE, IpAllocator, bad
from plinktui.emulator.resource import Req, ref
from plinktui.emulator.store import Record

RESOLVER_ITEM = RG_SCOPE + "/dnsResolvers/{resolver}"


class _Endpoint(ResolverKind):
    latency = "resolverendpoint"

    def prologue(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None
                 ) -> tuple[dict[str, Any], Record]:
        """The request's properties and the endpoint's resolver (which must be in the endpoint's region)."""
        resolver = self.emu.find(rid.rsplit("/", 2)[0])
        location = str(body.get("location") or (existing.doc.get("location") if existing else "")).replace(" ", "")
        if location and str(resolver.doc.get("location", "")).lower() != location.lower():
            raise bad("BadRequest", f"The endpoint must be in the region of its DNS resolver "
                                    f"({resolver.doc.get('location')}).")
        return self.body_props(req, body), resolver


class InboundEndpoints(_Endpoint):
    """Microsoft.Network/dnsResolvers/inboundEndpoints."""

    type = INBOUND
    item = RESOLVER_ITEM + "/inboundEndpoints/{name}"

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        props, resolver = self.prologue(req, rid, body, existing)
        configs = props.get("ipConfigurations")
        if not isinstance(configs, list) or not configs:
            raise errors.InvalidRequestContent("The request content was invalid: 'ipConfigurations' (a non-empty "
                                               "array) is required for an inbound endpoint.")
        subnet_ids = {str(ref((c or {}).get("subnet")) or "").lower() for c in configs if isinstance(c, dict)}
        if len(subnet_ids) != 1 or "" in subnet_ids:
            raise bad("BadRequest", "Every IP configuration of an inbound endpoint must name the same subnet.")
        old = {str(c.get("privateIpAddress")) for c in (existing.props.get("ipConfigurations") or [])} \
            if existing else set()
        subnet = endpoint_subnet(self.emu, str(ref(configs[0].get("subnet"))), rid, resolver)
        alloc = IpAllocator(self.emu, subnet, rid)
        alloc.taken.update({ip: owner for ip, owner in inbound_addresses(self.emu, subnet.id, rid).items()})
        out = []
        for i, cfg in enumerate(configs):
            method = cfg.get("privateIpAllocationMethod") or "Dynamic"
            if method not in ("Static", "Dynamic"):
                raise bad("BadRequest", f"'{method}' is not a valid privateIpAllocationMethod (Static or Dynamic).")
            if method == "Static":
                if not cfg.get("privateIpAddress"):
                    raise bad("BadRequest", "A Static IP configuration needs 'privateIpAddress'.")
                ip = alloc.static(str(cfg["privateIpAddress"]), f"{rid}/ipConfigurations/{i}")
            else:
                keep = next((ip for ip in old if ip), None)
                ip = alloc.dynamic(keep)
            out.append({"subnet": {"id": subnet.id}, "privateIpAddress": ip, "privateIpAllocationMethod": method})
        props["ipConfigurations"] = out
        self.keep_guid(props, existing)
        return {"properties": props}


def inbound_addresses(emu: Any, subnet_id: str, except_id: str = "") -> dict[str, str]:
    """Addresses held by inbound endpoints in a subnet -> the endpoint holding each."""
    out = {}
    for rec in emu.store.of_type(INBOUND):
        if rec.id.lower() == except_id.lower():
            continue
        for cfg in rec.props.get("ipConfigurations") or []:
            if str(ref(cfg.get("subnet")) or "").lower() == subnet_id.lower() and cfg.get("privateIpAddress"):
                out[str(cfg["privateIpAddress"])] = rec.id
    return out


class OutboundEndpoints(_Endpoint):
    """Microsoft.Network/dnsResolvers/outboundEndpoints."""

    type = OUTBOUND
    item = RESOLVER_ITEM + "/outboundEndpoints/{name}"

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        props, resolver = self.prologue(req, rid, body, existing)
        subnet = endpoint_subnet(self.emu, required_ref(props, "subnet", rid), rid, resolver)
        props["subnet"] = {"id": subnet.id}
        self.keep_guid(props, existing)
        return {"properties": props}

    def check_delete(self, req: Req, rec: Record) -> None:
        for ruleset in self.emu.store.of_type(RULESET):
            if any(str(ref(o) or "").lower() == rec.id.lower()
                   for o in ruleset.props.get("dnsResolverOutboundEndpoints") or []):
                raise bad("BadRequest", f"Outbound endpoint {rec.id} is used by DNS forwarding ruleset {ruleset.id}; "
                                        "delete the ruleset (and its virtual network links) first.", status=409)


__all__ = ["InboundEndpoints", "OutboundEndpoints", "inbound_addresses"]

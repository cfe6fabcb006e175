"""DNS resolvers (``Microsoft.Network/dnsResolvers``) and the by-VNet list (``POST .../listDnsResolvers``).

Rules: ``properties.virtualNetwork`` is required and cannot change (spec); the VNet must be in the resolver's region
and a VNet holds one resolver (docs; the error codes are guesses). ``dnsResolverState`` is ``Connected`` while the
VNet exists. A resolver with endpoints cannot be deleted (ARM's nested-resource rule).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from plinktui.emulator.providers.dnsresolver.common import INBOUND, OUTBOUND, RESOLVER, ResolverKind, fixed_vnet
from plinktui.emulator.providers.network.common import RG_SCOPE, SUB_SCOPE, bad
from plinktui.emulator.resource import Req, Resp, paged, ref
from plinktui.emulator.store import Record

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator


def nested_error(nested: list[Record]) -> Exception:
    """ARM's refusal to delete a parent whose children still exist."""
    from plinktui.emulator import errors

    names = ", ".join(f"'{n.id}'" for n in nested[:5])
    return errors.ArmError(f"Cannot delete resource while nested resources exist. Some existing nested resource IDs "
                           f"include: {names}. Please delete all nested resources before deleting this resource.",
                           code="CannotDeleteResource", status=409)


class DnsResolvers(ResolverKind):
    """Microsoft.Network/dnsResolvers."""

    type, item, sub_list, latency = RESOLVER, RG_SCOPE + "/dnsResolvers/{name}", SUB_SCOPE + "/dnsResolvers", "dnsresolver"

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        props = self.body_props(req, body)
        vnet = fixed_vnet(self.emu, props, rid, existing, "a DNS resolver")
        location = str(body.get("location") or (existing.doc.get("location") if existing else "")).lower()
        if location and str(vnet.doc.get("location", "")).lower() != location.replace(" ", ""):
            raise bad("BadRequest", f"The DNS resolver must be in the region of its virtual network "
                                    f"({vnet.doc.get('location')}).")
        for other in self.emu.store.of_type(RESOLVER):
            if other.id.lower() != rid.lower() and (ref(other.props.get("virtualNetwork")) or "").lower() == \
                    vnet.id.lower():
                raise bad("BadRequest", f"Virtual network {vnet.id} already has DNS resolver {other.id}; a virtual "
                                        "network can hold one DNS resolver.")
        props["virtualNetwork"] = {"id": vnet.id}
        props["dnsResolverState"] = "Connected"
        props.pop("resourceGuid", None)
        self.keep_guid(props, existing)
        return {"properties": props}

    def check_delete(self, req: Req, rec: Record) -> None:
        nested = self.emu.store.children(rec.id, INBOUND) + self.emu.store.children(rec.id, OUTBOUND)
        if nested:
            raise nested_error(nested)

    def view(self, req: Req | None, rec: Record) -> dict[str, Any]:
        doc = copy.deepcopy(rec.doc)
        if self.emu.store.get(ref(rec.props.get("virtualNetwork")) or "") is None:
            doc["properties"]["dnsResolverState"] = "Disconnected"
        return doc


def resolver_of_vnet(emu: Emulator, vnet_id: str) -> Record | None:
    """The DNS resolver placed in a VNet, if any."""
    for rec in emu.store.of_type(RESOLVER):
        if (ref(rec.props.get("virtualNetwork")) or "").lower() == vnet_id.lower():
            return rec
    return None


def register_by_vnet(emu: Emulator) -> None:
    """``POST .../virtualNetworks/{vnet}/listDnsResolvers`` and ``.../listDnsForwardingRulesets``: references only."""
    from plinktui.emulator.providers.dnsresolver.common import RULESET_LINK

    vnet_item = RG_SCOPE + "/virtualNetworks/{vnet}"

    async def list_resolvers(req: Req) -> Resp:
        emu.check_scope(req)
        vnet = emu.find(vnet_item.format(**req.params))
        found = resolver_of_vnet(emu, vnet.id)
        return paged(req, [{"id": found.id}] if found else [])

    async def list_rulesets(req: Req) -> Resp:
        emu.check_scope(req)
        vnet = emu.find(vnet_item.format(**req.params))
        items = [{"id": link.id.rsplit("/virtualNetworkLinks/", 1)[0],
                  "properties": {"virtualNetworkLink": {"id": link.id}}}
                 for link in emu.store.of_type(RULESET_LINK)
                 if (ref(link.props.get("virtualNetwork")) or "").lower() == vnet.id.lower()]
        return paged(req, items)

    emu.router.add("POST", vnet_item + "/listDnsResolvers", list_resolvers)
    emu.router.add("POST", vnet_item + "/listDnsForwardingRulesets", list_rulesets)


__all__ = ["DnsResolvers", "nested_error", "register_by_vnet", "resolver_of_vnet"]

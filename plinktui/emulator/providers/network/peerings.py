"""Virtual network peerings (``.../virtualNetworks/<vnet>/virtualNetworkPeerings/<name>``), across subscriptions.

States, as the spec's ``VirtualNetworkPeeringState`` and Microsoft's peering docs describe them:

- ``Initiated``: this side exists, the remote VNet has no peering back to this VNet (every spec example shows it);
- ``Connected`` on both sides once the reverse peering exists;
- ``Disconnected``: the reverse peering (or the remote VNet) was deleted after the pair was connected. A new reverse
  peering does not reconnect a ``Disconnected`` side: Azure asks for the disconnected one to be deleted and
  re-created (the emulator keeps it ``Disconnected``; the docs say so, the exact transition is a guess).

A peering between VNets whose address spaces overlap is refused with ``VnetAddressSpacesOverlap`` and Azure's
wording. The state is derived from the store on every read, so it can never disagree with the other side.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from plinktui.emulator import cidr, errors
from plinktui.emulator.providers.network.common import RG_SCOPE, VNET, NetworkKind, bad, invalid_reference
from plinktui.emulator.resource import Req, ref
from plinktui.emulator.store import Record

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator

PEERING = f"{VNET}/virtualNetworkPeerings"
BOOLS = {"allowVirtualNetworkAccess": True, "allowForwardedTraffic": False, "allowGatewayTransit": False,
         "useRemoteGateways": False}
SERVER_OWNED = ("peeringState", "peeringSyncLevel", "provisioningState", "resourceGuid", "remoteAddressSpace",
                "remoteVirtualNetworkAddressSpace")


def vnet_of_peering(peering_id: str) -> str:
    """The local VNet id of a peering id."""
    return peering_id.rsplit("/virtualNetworkPeerings/", 1)[0]


def remote_of(rec: Record) -> str:
    """The remote VNet id a peering points at."""
    return str(ref(rec.props.get("remoteVirtualNetwork")) or "")


def reverse_of(emu: Emulator, rec: Record) -> Record | None:
    """The peering on the remote VNet that points back at this peering's VNet, if any."""
    local = vnet_of_peering(rec.id).lower()
    for other in emu.store.children(remote_of(rec), PEERING):
        if remote_of(other).lower() == local:
            return other
    return None


def peering_state(emu: Emulator, rec: Record) -> str:
    """``Initiated``, ``Connected`` or ``Disconnected`` (derived, see the module docstring)."""
    if rec.internal.get("disconnected"):
        return "Disconnected"
    back = reverse_of(emu, rec)
    if back is not None and not back.internal.get("disconnected") and emu.store.get(remote_of(rec)) is not None:
        return "Connected"
    if rec.internal.get("connected"):
        return "Disconnected"
    return "Initiated"


def connected(emu: Emulator, vnet_a: str, vnet_b: str) -> bool:
    """Whether two VNets are peered ``Connected`` (a VNet counts as connected to itself)."""
    if vnet_a.lower() == vnet_b.lower():
        return True
    return any(remote_of(p).lower() == vnet_b.lower() and peering_state(emu, p) == "Connected"
               for p in emu.store.children(vnet_a, PEERING))


def _spaces(vnet: Record) -> list[cidr.Network]:
    out = []
    for p in (vnet.props.get("addressSpace") or {}).get("addressPrefixes") or []:
        try:
            out.append(cidr.parse_prefix(p))
        except cidr.CidrError:
            continue
    return out


class VirtualNetworkPeerings(NetworkKind):
    """Microsoft.Network/virtualNetworks/virtualNetworkPeerings (child of a VNet; no location, no tags)."""

    type = PEERING
    item = RG_SCOPE + "/virtualNetworks/{vnet}/virtualNetworkPeerings/{name}"
    latency = "subnet"
    has_location = False
    location_required = False

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        props = {k: v for k, v in self.body_props(req, body).items() if k not in SERVER_OWNED}
        local = self.emu.find(vnet_of_peering(rid))
        remote_id = ref(props.get("remoteVirtualNetwork"))
        if not remote_id:
            raise bad("InvalidRequestFormat", f"Cannot parse the request: peering {rid} needs "
                                              "'properties.remoteVirtualNetwork.id'.")
        remote = self.emu.store.get(remote_id)
        if remote is None or str(remote.doc.get("type", "")).lower() != VNET.lower():
            raise invalid_reference(remote_id, rid)
        if remote.id.lower() == local.id.lower():
            raise bad("CannotPeerVirtualNetworkWithItself", f"Virtual network {local.id} cannot be peered with "
                                                            "itself.")
        if existing is not None and remote_of(existing).lower() != remote.id.lower():
            raise bad("CannotChangeRemoteVirtualNetworkOfPeering",
                      f"Cannot update peering {rid}: the remote virtual network of an existing peering cannot be "
                      "changed.")
        mine, theirs = _spaces(local), _spaces(remote)
        clash = [(a, b) for a in mine for b in theirs if cidr.overlaps(a, b)]
        if clash:
            prefixes = ", ".join(f"{a}, {b}" for a, b in clash)
            raise bad("VnetAddressSpacesOverlap",
                      f"Cannot create or update peering {rid}. Virtual networks {local.id} and {remote.id} cannot be "
                      f"peered because their address spaces overlap. Overlapping address prefixes: {prefixes}")
        for key, default in BOOLS.items():
            value = props.get(key, existing.props.get(key, default) if existing else default)
            if not isinstance(value, bool):
                raise errors.InvalidRequestContent(f"The '{key}' member must be a boolean.")
            props[key] = value
        props["remoteVirtualNetwork"] = {"id": remote.id}
        self.keep_guid(props, existing)
        return {"properties": props}

    def after_put(self, req: Req, rec: Record, created: bool) -> None:
        back = reverse_of(self.emu, rec)
        if back is not None and not back.internal.get("disconnected") and not rec.internal.get("disconnected"):
            rec.internal["connected"] = back.internal["connected"] = True
            self.emu.store.touch()

    def on_delete(self, rec: Record) -> None:
        back = reverse_of(self.emu, rec)
        if back is not None and peering_state(self.emu, back) == "Connected":
            back.internal["disconnected"] = True
            self.emu.store.touch()

    def view(self, req: Req | None, rec: Record) -> dict[str, Any]:
        return peering_view(self.emu, rec)


def peering_view(emu: Emulator, rec: Record) -> dict[str, Any]:
    """A peering as ARM returns it: the live state and the remote VNet's address space."""
    doc = copy.deepcopy(rec.doc)
    props = doc.setdefault("properties", {})
    props["peeringState"] = peering_state(emu, rec)
    props["peeringSyncLevel"] = "FullyInSync"
    remote = emu.store.get(remote_of(rec))
    if remote is not None:
        space = {"addressPrefixes": list((remote.props.get("addressSpace") or {}).get("addressPrefixes") or [])}
        props["remoteAddressSpace"] = space
        props["remoteVirtualNetworkAddressSpace"] = copy.deepcopy(space)
    return doc


def peerings_of(emu: Emulator, vnet_id: str) -> list[dict[str, Any]]:
    """The VNet's peerings as a VNet GET embeds them."""
    return [peering_view(emu, p) for p in emu.store.children(vnet_id, PEERING)]


def on_vnet_deleted(emu: Emulator, vnet_id: str) -> None:
    """A VNet goes: its own peerings go with it, and the remote sides that were connected become Disconnected."""
    for p in emu.store.children(vnet_id, PEERING):
        VirtualNetworkPeerings(emu).on_delete(p)
        emu.store.delete(p.id)


__all__ = ["PEERING", "VirtualNetworkPeerings", "connected", "on_vnet_deleted", "peering_state", "peerings_of"]

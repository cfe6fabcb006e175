"""Microsoft.Network: virtual networks and subnets, NICs, public IPs, NSGs, private endpoints and their DNS zone
groups, Standard load balancers and Private Link Services (api-version 2026-03-01, the routes azure-mgmt-network 33.1
sends).

One module per resource kind, as moto lays out a service: ``vnets`` (VNets, subnets), ``interfaces`` (NICs, public
IPs, NSGs), ``endpoints`` (private endpoints, DNS zone groups), ``linkservices`` (load balancers, Private Link
Services), ``peerings`` (VNet peerings); ``common`` holds the shared address bookkeeping and Azure's error wording; address arithmetic is in
``plinktui.emulator.cidr``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from plinktui.emulator.providers.network.common import NetworkKind
from plinktui.emulator.providers.network.endpoints import PrivateDnsZoneGroups, PrivateEndpoints
from plinktui.emulator.providers.network.interfaces import NetworkInterfaces, NetworkSecurityGroups, PublicIPAddresses
from plinktui.emulator.providers.network.linkservices import LoadBalancers, PrivateLinkServices, register_connections
from plinktui.emulator.providers.network.peerings import VirtualNetworkPeerings
from plinktui.emulator.providers.network.vnets import Subnets, VirtualNetworks
from plinktui.emulator.resource import Req, Resp, mount, paged_view

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator


def register(emu: Emulator) -> None:
    """Mount the Microsoft.Network routes."""
    kinds = [cls(emu) for cls in (VirtualNetworks, Subnets, NetworkInterfaces, PublicIPAddresses,
                                  NetworkSecurityGroups, PrivateEndpoints, PrivateDnsZoneGroups, LoadBalancers,
                                  VirtualNetworkPeerings, PrivateLinkServices)]
    for kind in kinds:
        mount(emu, kind)
        if getattr(kind, "sub_list", ""):
            mount_subscription_list(emu, kind)
    register_connections(emu, kinds[-1])  # type: ignore[arg-type]


def mount_subscription_list(emu: Emulator, kind: NetworkKind) -> None:
    """``GET /subscriptions/{sub}/providers/Microsoft.Network/<type>``: every resource of the type in the subscription.

    (``Kind.lists`` scopes by the template's parent path, which for these routes is the provider path, not the
    subscription, so the subscription-wide lists are mounted here.)
    """

    async def list_all(req: Req) -> Resp:
        emu.check_scope(req)
        recs = emu.store.list(kind.type, f"/subscriptions/{req.sub}")
        return paged_view(req, kind, recs)

    emu.router.add("GET", kind.sub_list, list_all)

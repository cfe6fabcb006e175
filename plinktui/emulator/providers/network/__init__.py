"""Microsoft.Network: virtual networks and subnets, NICs, public IPs, NSGs, private endpoints and their DNS zone
groups, Standard load balancers and Private Link Services (api-version 2026-03-01, the routes azure-mgmt-network 33.1
sends).

One module per resource kind, as moto lays out a service: ``vnets`` (VNets, subnets), ``interfaces`` (NICs, public
IPs, NSGs), ``endpoints`` (private endpoints, DNS zone groups), ``linkservices`` (load balancers, Private Link
Services); ``common`` holds the shared address bookkeeping and Azure's error wording; address arithmetic is in
``plinktui.emulator.cidr``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from plinktui.emulator.providers.network.endpoints import PrivateDnsZoneGroups, PrivateEndpoints
from plinktui.emulator.providers.network.interfaces import NetworkInterfaces, NetworkSecurityGroups, PublicIPAddresses
from plinktui.emulator.providers.network.linkservices import LoadBalancers, PrivateLinkServices, register_connections
from plinktui.emulator.providers.network.vnets import Subnets, VirtualNetworks
from plinktui.emulator.resource import mount

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator


def register(emu: Emulator) -> None:
    """Mount the Microsoft.Network routes."""
    for kind_cls in (VirtualNetworks, Subnets, NetworkInterfaces, PublicIPAddresses, NetworkSecurityGroups,
                     PrivateEndpoints, PrivateDnsZoneGroups, LoadBalancers):
        mount(emu, kind_cls(emu))
    pls = PrivateLinkServices(emu)
    mount(emu, pls)
    register_connections(emu, pls)

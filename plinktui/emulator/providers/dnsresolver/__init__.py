"""Azure DNS Private Resolver (provider ``Microsoft.Network``, api-version 2025-05-01, what azure-mgmt-dnsresolver
1.1.0 sends): resolvers, inbound and outbound endpoints, DNS forwarding rulesets, their forwarding rules and their
virtual network links.

One module per kind: ``resolvers`` (dnsResolvers and the by-VNet list), ``endpoints`` (inbound and outbound
endpoints), ``rulesets`` (rulesets, forwarding rules, ruleset VNet links). The shapes follow the dnsresolver spec;
the rules the spec does not carry (delegated /28-/24 subnets, one resolver per VNet, same region, dot-terminated
domain names of 2-34 labels, rule names) follow the product documentation. Codes the documentation does not publish
are marked as guesses where they are raised.

What the resolver does to name resolution is modelled in ``plinktui.emulator.dns``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from plinktui.emulator.providers.dnsresolver.endpoints import InboundEndpoints, OutboundEndpoints
from plinktui.emulator.providers.dnsresolver.resolvers import DnsResolvers, register_by_vnet
from plinktui.emulator.providers.dnsresolver.rulesets import ForwardingRules, RulesetLinks, Rulesets
from plinktui.emulator.providers.network import mount_subscription_list
from plinktui.emulator.resource import mount

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator


def register(emu: Emulator) -> None:
    """Mount the DNS Private Resolver routes."""
    for cls in (DnsResolvers, InboundEndpoints, OutboundEndpoints, Rulesets, ForwardingRules, RulesetLinks):
        kind = cls(emu)
        mount(emu, kind)
        if getattr(kind, "sub_list", ""):
            mount_subscription_list(emu, kind)
    register_by_vnet(emu)

"""What kind of address is this: private (a VNet's, so possibly a private endpoint's), public, or neither.

One set of rules for every part of plinktui that asks (the audit's verdicts, its inventory checks, the emulator's
model of where a connection goes):

| class       | ranges                                                                                  | why |
|-------------|-----------------------------------------------------------------------------------------|-----|
| ``private`` | 10/8, 172.16/12, 192.168/16 (RFC 1918); 100.64/10 (RFC 6598 shared space);              | the ranges Azure recommends or supports for VNet address space, so a private endpoint's NIC can hold them |
|             | 198.18/15 (RFC 2544, non-routable, usable in a VNet); fc00::/7 (RFC 4193 unique local)  | |
| ``special`` | 127/8 and ::1 (loopback), 169.254/16 and fe80::/10 (link-local), 0/8 and :: (this       | never a VNet address: Azure refuses loopback, link-local, multicast and broadcast as VNet address space, |
|             | network), 224/4 and ff00::/8 (multicast), 240/4 and 255.255.255.255, the documentation  | and documentation ranges are examples, not networks. Such an answer is neither the private path nor the |
|             | ranges 192.0.2/24, 198.51.100/24, 203.0.113/24 (RFC 5737) and 2001:db8::/32 (RFC 3849)  | public one |
| ``public``  | every other address (globally routable), including 168.63.129.16                        | the path over the internet |
| ``invalid`` | anything that does not parse as an IP address                                          | |

So ``is_private_ip`` answers "could this be a private endpoint / VNet address?" and ``is_public_ip`` answers "does
this go over the public internet?"; 127.0.0.1 is neither. Addresses in VNets that use public ranges ("privately
used public IPs") cannot be told apart by the address alone and read as public.
"""

from __future__ import annotations

import ipaddress
from typing import Literal

AddressClass = Literal["private", "public", "special", "invalid"]

PRIVATE_NETS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "198.18.0.0/15", "fc00::/7"))
"""Address ranges a VNet holds privately (see the module's table)."""

SPECIAL_NETS = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",
    "224.0.0.0/4", "240.0.0.0/4", "::/128", "::1/128", "fe80::/10", "ff00::/8", "2001:db8::/32"))
"""Addresses that are never a VNet's and never the public path (255.255.255.255 is inside 240/4)."""


def address_class(ip: str) -> AddressClass:
    """``private``, ``public``, ``special`` or ``invalid`` for one address (IPv4 or IPv6, as text)."""
    try:
        addr = ipaddress.ip_address(str(ip).strip())
    except ValueError:
        return "invalid"
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return address_class(str(addr.ipv4_mapped))
    if any(addr.version == net.version and addr in net for net in PRIVATE_NETS):
        return "private"
    if any(addr.version == net.version and addr in net for net in SPECIAL_NETS):
        return "special"
    return "public"


def is_private_ip(ip: str) -> bool:
    """True for an address a VNet holds privately (a private endpoint's NIC can have it)."""
    return address_class(ip) == "private"


def is_public_ip(ip: str) -> bool:
    """True for an address reached over the public internet."""
    return address_class(ip) == "public"

"""Address logic for the emulated Microsoft.Network: prefixes, containment, overlap, Azure's reserved addresses and
first-free allocation.

Azure reserves five addresses in every IPv4 subnet: the network address, ``.1`` (gateway), ``.2`` and ``.3`` (Azure
DNS mapping) and the broadcast address. So the first address ever handed out is ``.4`` and a ``/29`` (the smallest
subnet Azure accepts) holds exactly three usable addresses.

Pure functions; errors are ``CidrError`` with the ARM code and a message template the caller fills with the resource
id (``{rid}``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

SMALLEST_IPV4_PREFIX = 29
"""Azure refuses IPv4 subnets smaller than a /29 (8 addresses, 3 usable)."""
RESERVED_AT_START = 4
"""Network address, gateway and the two Azure DNS addresses."""


@dataclass
class CidrError(Exception):
    """A prefix Azure would refuse: ARM ``code`` and ``message`` (``{rid}`` stands for the resource id)."""

    code: str
    message: str

    def __str__(self) -> str:
        return self.message

    def render(self, rid: str) -> str:
        """The message with the resource id filled in."""
        return self.message.replace("{rid}", rid)


def parse_prefix(text: object) -> Network:
    """Parse ``a.b.c.d/n`` strictly, as Azure does.

    Raises:
        CidrError: ``InvalidAddressPrefixFormat`` for anything that is not CIDR notation, ``InvalidCIDRNotation``
            when host bits are set (Azure names the prefix it expected).
    """
    raw = text.strip() if isinstance(text, str) else ""
    bad_format = CidrError("InvalidAddressPrefixFormat",
                           f"Address prefix {text} of resource {{rid}} is not formatted correctly. It should follow "
                           "CIDR notation, for example 10.0.0.0/24.")
    address, _, length = raw.partition("/")
    if not length.isdigit() or not address:
        raise bad_format
    try:
        net = ipaddress.ip_network(raw, strict=True)
    except ValueError:
        try:
            loose = ipaddress.ip_network(raw, strict=False)
        except ValueError:
            raise bad_format from None
        raise CidrError("InvalidCIDRNotation",
                        f"The address prefix {raw} in resource {{rid}} has an invalid CIDR notation. For the given "
                        f"prefix length, the address prefix should be {loose}.") from None
    return net


def contains(outer: Network, inner: Network) -> bool:
    """Whether ``inner`` lies entirely inside ``outer``."""
    return outer.version == inner.version and inner.subnet_of(outer)  # type: ignore[arg-type]


def overlaps(a: Network, b: Network) -> bool:
    """Whether two prefixes share any address."""
    return a.version == b.version and a.overlaps(b)


def inside_any(spaces: Iterable[Network], inner: Network) -> bool:
    """Whether ``inner`` lies inside one of the address spaces."""
    return any(contains(space, inner) for space in spaces)


def first_overlap(nets: list[Network]) -> tuple[Network, Network] | None:
    """The first pair of overlapping prefixes in the list, or None."""
    for i, a in enumerate(nets):
        for b in nets[i + 1:]:
            if overlaps(a, b):
                return a, b
    return None


def too_small(net: Network) -> bool:
    """Azure's minimum: an IPv4 subnet must be a /29 or larger (IPv6 subnets are /64)."""
    if net.version == 4:
        return net.prefixlen > SMALLEST_IPV4_PREFIX
    return net.prefixlen != 64


def is_reserved(net: Network, addr: Address) -> bool:
    """Whether Azure keeps this address for itself (first four and, for IPv4, the broadcast)."""
    offset = int(addr) - int(net.network_address)
    if offset < RESERVED_AT_START:
        return True
    return net.version == 4 and addr == net.broadcast_address


def usable(net: Network) -> Iterator[Address]:
    """The addresses Azure hands out, in order: ``.4`` up to the one before the broadcast."""
    start = int(net.network_address) + RESERVED_AT_START
    end = int(net.broadcast_address) - (1 if net.version == 4 else 0)
    cls = ipaddress.IPv4Address if net.version == 4 else ipaddress.IPv6Address
    for value in range(start, end + 1):
        yield cls(value)


def usable_count(net: Network) -> int:
    """How many addresses Azure can hand out in this subnet."""
    return max(0, net.num_addresses - RESERVED_AT_START - (1 if net.version == 4 else 0))


def first_free(nets: Iterable[Network], taken: set[str]) -> str | None:
    """The lowest usable address not in ``taken`` across the subnet's prefixes, or None when full."""
    for net in nets:
        for addr in usable(net):
            if str(addr) not in taken:
                return str(addr)
    return None


def parse_address(text: object) -> Address | None:
    """An IP address, or None when ``text`` is not one."""
    try:
        return ipaddress.ip_address(str(text))
    except ValueError:
        return None

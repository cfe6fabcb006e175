"""Address logic (plinktui.emulator.cidr): Azure's reserved addresses, containment, overlap; property-based."""

from __future__ import annotations

import ipaddress
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plinktui.emulator import cidr

networks = st.builds(lambda addr, plen: ipaddress.ip_network(f"{ipaddress.IPv4Address(addr)}/{plen}", strict=False),
                     st.integers(0, 2**32 - 1), st.integers(8, 29))
small_networks = st.builds(lambda addr, plen: ipaddress.ip_network(f"{ipaddress.IPv4Address(addr)}/{plen}",
                                                                     strict=False),
                           st.integers(0, 2**32 - 1), st.integers(22, 29))  # enumerable: at most 1024 addresses


@given(small_networks)
def test_usable_addresses_skip_the_five_reserved(net) -> None:
    got = list(cidr.usable(net))
    assert len(got) == cidr.usable_count(net) == net.num_addresses - 5
    assert got[0] == net.network_address + 4 and got[-1] == net.broadcast_address - 1
    assert not any(cidr.is_reserved(net, a) for a in got)
    assert cidr.is_reserved(net, net.network_address + 3) and cidr.is_reserved(net, net.broadcast_address)


@given(networks, st.integers(0, 3))
def test_first_free_fills_in_order(net, already) -> None:
    taken = {str(a) for a in itertools.islice(cidr.usable(net), already)}
    expected = str(net.network_address + 4 + already) if already < cidr.usable_count(net) else None  # a full /29
    assert cidr.first_free([net], taken) == expected


@given(networks)
def test_parse_round_trips_and_host_bits_are_refused(net) -> None:
    assert cidr.parse_prefix(str(net)) == net
    if net.prefixlen < 32:
        with pytest.raises(cidr.CidrError) as info:
            cidr.parse_prefix(f"{net.network_address + 1}/{net.prefixlen}")
        assert info.value.code == "InvalidCIDRNotation" and str(net) in info.value.render("rid")


@given(networks, networks)
def test_overlap_is_symmetric_and_containment_implies_overlap(a, b) -> None:
    assert cidr.overlaps(a, b) == cidr.overlaps(b, a)
    if cidr.contains(a, b):
        assert cidr.overlaps(a, b)


def test_slash29_is_the_smallest_and_full_is_none() -> None:
    assert not cidr.too_small(cidr.parse_prefix("10.0.0.0/29"))
    assert cidr.too_small(cidr.parse_prefix("10.0.0.0/30"))
    net = cidr.parse_prefix("10.0.0.0/29")
    assert cidr.first_free([net], {"10.0.0.4", "10.0.0.5", "10.0.0.6"}) is None
    for bad in ("10.0.0.0", "10.0.0.0/33", "ten/8", "10.0.0.0/255.255.0.0", ""):
        with pytest.raises(cidr.CidrError) as info:
            cidr.parse_prefix(bad)
        assert info.value.code == "InvalidAddressPrefixFormat"

"""plinktui.netaddr: one table of address classes for the audit, its verdicts and the emulator."""

from __future__ import annotations

import pytest

from plinktui.netaddr import address_class, is_private_ip, is_public_ip

TABLE = [
    # RFC 1918
    ("10.0.0.4", "private"), ("10.255.255.254", "private"), ("172.16.0.1", "private"), ("172.31.255.1", "private"),
    ("192.168.1.1", "private"),
    # just outside RFC 1918
    ("172.15.255.255", "public"), ("172.32.0.1", "public"), ("11.0.0.1", "public"), ("192.169.0.1", "public"),
    # RFC 6598 shared address space (Azure supports it in VNets), RFC 2544 benchmarking
    ("100.64.0.1", "private"), ("100.127.255.254", "private"), ("100.128.0.1", "public"), ("198.18.0.1", "private"),
    ("198.19.255.1", "private"), ("198.20.0.1", "public"),
    # RFC 4193 unique local IPv6
    ("fd00::1", "private"), ("fc00::5", "private"),
    # never a VNet address: Azure refuses loopback and link-local as address space
    ("127.0.0.1", "special"), ("127.1.2.3", "special"), ("::1", "special"), ("169.254.169.254", "special"),
    ("fe80::1", "special"), ("0.0.0.0", "special"), ("::", "special"),
    # multicast, reserved, broadcast
    ("224.0.0.251", "special"), ("ff02::1", "special"), ("240.0.0.1", "special"), ("255.255.255.255", "special"),
    # documentation ranges (RFC 5737, RFC 3849): examples, not networks
    ("192.0.2.10", "special"), ("198.51.100.7", "special"), ("203.0.113.9", "special"), ("2001:db8::1", "special"),
    # public, including Azure's platform DNS address
    ("52.168.109.101", "public"), ("8.8.8.8", "public"), ("168.63.129.16", "public"), ("2603:1030::1", "public"),
    # an IPv4-mapped IPv6 address is its IPv4 address
    ("::ffff:10.0.0.4", "private"), ("::ffff:8.8.8.8", "public"),
    # not an address
    ("not-an-ip", "invalid"), ("", "invalid"), ("10.0.0.256", "invalid"), ("10.0.0.0/8", "invalid"),
]


@pytest.mark.parametrize(("ip", "expected"), TABLE)
def test_address_class_table(ip: str, expected: str) -> None:
    assert address_class(ip) == expected
    assert is_private_ip(ip) is (expected == "private")
    assert is_public_ip(ip) is (expected == "public")


def test_loopback_is_neither_private_nor_public() -> None:
    # the two old copies disagreed here: one called 127.0.0.1 private, the other public
    for ip in ("127.0.0.1", "::1", "169.254.0.1", "fe80::1", "192.0.2.1"):
        assert not is_private_ip(ip) and not is_public_ip(ip), ip


def test_whitespace_around_an_address_is_ignored() -> None:
    assert address_class(" 10.1.2.3\n") == "private"

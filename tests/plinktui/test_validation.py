"""Field validators: Azure naming and CIDR rules, messages that name field + rule + example, never a crash."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plinktui import validation as v


@pytest.mark.parametrize("name", ["kv-contoso-01", "abc", "A1b2C3", "kvbarspar0001", "k" * 24])
def test_valid_vault_names(name: str) -> None:
    assert v.validate_vault_name(name) == (True, "")


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("kv--double", "consecutive hyphens"),
        ("ab", "3-24"),
        ("k" * 25, "3-24"),
        ("1kv", "start with a letter"),
        ("kv-", "end with a letter or digit"),
        ("kv_under", "only letters, digits and hyphens"),
        ("", "empty"),
    ],
)
def test_invalid_vault_names_say_field_rule_and_example(name: str, rule: str) -> None:
    ok, msg = v.validate_vault_name(name)
    assert not ok
    assert msg.startswith("vault.name:")
    assert rule in msg
    assert "e.g. 'kv-contoso-01'" in msg


@pytest.mark.parametrize("user", ["admin", "Administrator", "root", "guest", "test", "user1", "sql", "support"])
def test_reserved_admin_names_rejected(user: str) -> None:
    ok, msg = v.validate_admin_username(user)
    assert not ok and "reserves" in msg and "azureuser" in msg


def test_good_admin_name() -> None:
    assert v.validate_admin_username("azureuser")[0]
    assert not v.validate_admin_username("Bad Name")[0]


@pytest.mark.parametrize("cidr", ["224.0.0.0/4", "127.0.0.0/8", "169.254.0.0/16", "168.63.129.16/32",
                                  "255.255.255.255/32", "168.63.0.0/16"])
def test_forbidden_ranges(cidr: str) -> None:
    ok, msg = v.validate_address_prefix(cidr)
    assert not ok and "does not allow" in msg


def test_subnet_minimum_and_usable_count() -> None:
    assert v.validate_subnet_prefix("10.0.0.0/29")[0]
    ok, msg = v.validate_subnet_prefix("10.0.0.0/30")
    assert not ok and "/29" in msg
    assert v.usable_addresses("10.0.0.0/29") == 3
    assert v.usable_addresses("10.0.0.0/24") == 251
    assert v.usable_addresses("nonsense") == 0


def test_host_bits_set_is_rejected_with_the_network() -> None:
    ok, msg = v.validate_subnet_prefix("10.70.1.5/24")
    assert not ok and "10.70.1.0/24" in msg


@pytest.mark.parametrize("src", ["*", "0.0.0.0/0", "Internet", "any", "", "10.0.0.0/4"])
def test_ssh_source_never_open(src: str) -> None:
    assert not v.validate_ssh_source(src)[0]


def test_ssh_source_accepts_an_address() -> None:
    assert v.validate_ssh_source("203.0.113.7/32")[0]
    assert v.validate_ssh_source("203.0.113.7")[0]


def test_cross_field_subnet_rules() -> None:
    assert v.check_subnet_in_vnet("network.subnet_prefix", "10.70.1.0/24", ["10.70.0.0/16"])[0]
    ok, msg = v.check_subnet_in_vnet("network.subnet_prefix", "10.71.1.0/24", ["10.70.0.0/16"])
    assert not ok and "10.70.0.0/24" in msg
    ok, msg = v.check_subnet_free("network.subnet_prefix", "10.70.1.0/25", {"default": "10.70.1.0/24"})
    assert not ok and "overlaps existing subnet 'default'" in msg
    assert v.check_subnet_free("network.subnet_prefix", "10.70.2.0/24", {"default": "10.70.1.0/24"})[0]


def test_static_ip_reserved_addresses() -> None:
    assert v.check_static_ip_in_subnet("10.70.1.4", "10.70.1.0/24")[0]
    assert not v.check_static_ip_in_subnet("10.70.1.3", "10.70.1.0/24")[0]
    assert not v.check_static_ip_in_subnet("10.70.1.255", "10.70.1.0/24")[0]
    assert not v.check_static_ip_in_subnet("10.70.2.4", "10.70.1.0/24")[0]


def test_dns_zone_must_be_vaultcore() -> None:
    assert v.validate_dns_zone("privatelink.vaultcore.azure.net")[0]
    assert v.validate_dns_zone("privatelink.vaultcore.usgovcloudapi.net")[0]
    assert not v.validate_dns_zone("privatelink.blob.core.windows.net")[0]


def test_resource_ids_accepted_for_existing_vnet() -> None:
    rid = "/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub"
    assert v.validate_field("network.vnet", rid)[0]
    assert not v.validate_field("network.vnet", rid.replace("virtualNetworks", "loadBalancers"))[0]


def test_public_key_forms() -> None:
    assert v.validate_ssh_public_key("generate")[0]
    assert v.validate_ssh_public_key("~/.ssh/id_ed25519.pub")[0]
    assert v.validate_ssh_public_key("ssh-ed25519 " + "A" * 68 + " me@host")[0]
    assert not v.validate_ssh_public_key("-----BEGIN OPENSSH PRIVATE KEY-----")[0]
    assert not v.validate_ssh_public_key("~/.ssh/id_ed25519")[0]


# ------------------------------------------------------------------------- properties

VALIDATORS = sorted(v.FIELD_VALIDATORS.items())


@settings(max_examples=60, deadline=None)
@given(value=st.text(max_size=60))
def test_no_validator_crashes_and_failures_explain_themselves(value: str) -> None:
    for field, _ in VALIDATORS:
        ok, msg = v.validator_for(field)(value)
        assert isinstance(ok, bool)
        if ok:
            assert msg == ""
        else:
            assert msg.startswith(field + ": "), (field, msg)
            assert "e.g." in msg


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab1-_."), min_size=0, max_size=30))
def test_vault_rule_matches_a_reference_regex(name: str) -> None:
    import re

    reference = (re.fullmatch(r"[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]", name) is not None and "--" not in name)
    assert v.validate_vault_name(name)[0] is reference


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 32))
def test_subnet_prefix_rule_on_any_network(addr: int, length: int) -> None:
    import ipaddress

    net = ipaddress.IPv4Network((addr, length), strict=False)
    ok, msg = v.validate_subnet_prefix(str(net))
    forbidden = any(net.overlaps(b) for b, _ in v.FORBIDDEN_RANGES)
    assert ok is (not forbidden and 2 <= length <= 29)
    if not ok:
        assert msg.startswith("network.subnet_prefix:")
    if ok:
        assert v.usable_addresses(str(net)) == net.num_addresses - 5

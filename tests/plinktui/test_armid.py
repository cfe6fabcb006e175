"""plinktui.armid: ARM id parsing shared by the audit, the TUI and the emulator."""

from __future__ import annotations

from plinktui.armid import name_of, parse_id, rg_of, sub_of, vnet_of_subnet

SUBNET = ("/subscriptions/8f2e4c1a-0000-4000-8000-000000000001/resourceGroups/rg-Net/providers/"
          "Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-pe")


def test_parse_id_splits_scope_namespace_and_type_name_pairs() -> None:
    parsed = parse_id(SUBNET)
    assert parsed["subscription"] == "8f2e4c1a-0000-4000-8000-000000000001"
    assert parsed["resourceGroup"] == "rg-Net"
    assert parsed["namespace"] == "Microsoft.Network"
    assert parsed["types"] == ["virtualNetworks", "subnets"]
    assert parsed["names"] == ["vnet-hub", "snet-pe"]


def test_segment_names_compare_case_insensitively_values_keep_their_spelling() -> None:
    rid = "/SUBSCRIPTIONS/abc/RESOURCEGROUPS/My-RG/PROVIDERS/Microsoft.KeyVault/vaults/KV1"
    assert sub_of(rid) == "abc"
    assert rg_of(rid) == "My-RG"
    assert name_of(rid) == "KV1"


def test_missing_parts_read_as_empty_never_raise() -> None:
    for rid in ("", "/", "/subscriptions", "garbage", "/subscriptions/abc"):
        assert rg_of(rid) == ""
        parse_id(rid)
    assert sub_of("/subscriptions/abc") == "abc"
    assert sub_of("/providers/Microsoft.Management/managementGroups/mg") == ""


def test_name_of_ignores_a_trailing_slash() -> None:
    assert name_of(SUBNET + "/") == "snet-pe"


def test_vnet_of_subnet() -> None:
    assert vnet_of_subnet(SUBNET) == SUBNET.rsplit("/subnets/", 1)[0]
    assert vnet_of_subnet(SUBNET.replace("/subnets/", "/SUBNETS/")) == SUBNET.rsplit("/subnets/", 1)[0]
    assert vnet_of_subnet(None) is None
    assert vnet_of_subnet("/subscriptions/abc/resourceGroups/rg") is None

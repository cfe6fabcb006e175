"""VNet names: the emulator once accepted any 1-80 character VNet name; Azure allows 2-64 characters, starting with a
letter or digit and ending with a letter, digit or underscore. The plan validator must agree with the emulator."""

from __future__ import annotations

import string

import pytest
from azure.core.exceptions import HttpResponseError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plinktui.emulator import errors
from plinktui.emulator.providers.network.vnets import check_vnet_name
from plinktui.validation import validate_field, validate_vnet_name

BODY = {"location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.60.0.0/16"]}}}

CASES = [
    # (name, accepted?, Azure's code when refused)
    ("ab", True, None),
    ("v" * 64, True, None),
    ("Vnet_1.2-x_", True, None),
    ("9net", True, None),
    ("a", False, "NetcfgInvalidVirtualNetworkSite"),
    ("v" * 65, False, "NetcfgInvalidVirtualNetworkSite"),
    ("v" * 80, False, "NetcfgInvalidVirtualNetworkSite"),
    ("_vnet", False, "NetcfgInvalidVirtualNetworkSite"),
    ("v" * 81, False, "InvalidResourceName"),
    ("-vnet", False, "InvalidResourceName"),
    (".vnet", False, "InvalidResourceName"),
    ("vnet-", False, "InvalidResourceName"),
    ("vnet.", False, "InvalidResourceName"),
    ("vnet$1", False, "InvalidResourceName"),
    ("vnet 1", False, "InvalidResourceName"),
    ("vnét", False, "InvalidResourceName"),
]


@pytest.mark.parametrize("name,ok,code", CASES)
def test_rule_and_validator_agree_on_known_names(name: str, ok: bool, code: str | None) -> None:
    if ok:
        check_vnet_name(name)
    else:
        with pytest.raises(errors.ArmError) as info:
            check_vnet_name(name)
        assert info.value.code == code and info.value.status == 400
    assert validate_vnet_name(name)[0] is ok
    valid, message = validate_field("network.vnet", name)
    assert valid is ok and (ok or message.startswith("network.vnet: "))


async def test_emulator_refuses_bad_vnet_names_over_https_with_azure_codes(emu, gw) -> None:
    await gw.resources.resource_groups.create_or_update("rg-vnames", {"location": "westus2"})
    refused = {}
    for name, ok, code in CASES:
        if " " in name or not name.isascii():
            continue  # the SDK quotes the path; covered by the unit rule above
        try:
            poller = await gw.network.virtual_networks.begin_create_or_update("rg-vnames", name, BODY,
                                                                              polling_interval=0.05)
            await poller.result()
            assert ok, f"{name!r} was accepted"
        except HttpResponseError as exc:
            assert not ok and exc.error.code == code, f"{name!r} was refused: {exc.message}"
            refused[name] = (exc.status_code, exc.error.code, exc.error.message)
    assert refused["a"] == (400, "NetcfgInvalidVirtualNetworkSite",
                            "Virtual network site is not valid as specified with the name 'a'. A virtual network name "
                            "must be 2-64 characters long and start with a letter or digit.")
    assert refused["vnet-"][:2] == (400, "InvalidResourceName") and refused["vnet-"][2].startswith(
        "Resource name vnet- is invalid. The name can be up to 80 characters long.")
    names = {v.name for v in [x async for x in gw.network.virtual_networks.list("rg-vnames")]}
    assert names == {n for n, ok, _ in CASES if ok}


_ALPHABET = string.ascii_letters[:6] + "09_.-$ "


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(_ALPHABET, min_size=1, max_size=90),
                 st.integers(0, 90).map(lambda n: "a" * n + "_")))
def test_validator_accepts_exactly_what_the_emulator_accepts(name: str) -> None:
    try:
        check_vnet_name(name)
        emulator_ok = True
    except errors.ArmError:
        emulator_ok = False
    assert validate_vnet_name(name)[0] is emulator_ok, name

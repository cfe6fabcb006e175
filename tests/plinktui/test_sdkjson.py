"""plinktui.sdkjson.as_json: SDK models and plain dicts read the same."""

from __future__ import annotations

from collections import OrderedDict

import pytest
from azure.mgmt.network.models import Subnet

from plinktui.sdkjson import as_json


def test_sdk_model_becomes_its_rest_body() -> None:
    body = as_json(Subnet(name="snet", address_prefix="10.0.1.0/24"))
    assert body["name"] == "snet"
    assert body["properties"]["addressPrefix"] == "10.0.1.0/24"


def test_dicts_mappings_and_none() -> None:
    d = {"id": "/x"}
    assert as_json(d) is d
    assert as_json(OrderedDict(id="/y")) == {"id": "/y"}
    assert as_json(None) == {}


def test_anything_else_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="cannot read int as ARM JSON"):
        as_json(3)

"""Request bodies as ARM reads them (plinktui.emulator.jsonc): strict JSON, and the leniency az relies on."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plinktui.emulator import jsonc

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=6), kids, max_size=4),
                    max_leaves=20)


def test_az_template_splice_is_accepted() -> None:
    # what `az deployment group create --template-file` sends: an unquoted `template:` and the file's own text
    template = '{\r\n  // a comment\r\n  "$schema": "https://schema/deploymentTemplate.json#",\r\n  "resources": [],\r\n}'
    body = '{"properties": {"mode": "Incremental", "parameters": {}' + ", template:" + template + "}}"
    assert jsonc.loads(body.encode()) == {"properties": {
        "mode": "Incremental", "parameters": {}, "template": {"$schema": "https://schema/deploymentTemplate.json#",
                                                               "resources": []}}}
    assert jsonc.loads("{'a': 'it\\'s', /* c */ b: [1, 2,],}") == {"a": "it's", "b": [1, 2]}


@pytest.mark.parametrize("bad", ["{not json", "{\"a\": }", "[1 2]", "{\"a\": 1} x", "'open", "/* open"])
def test_malformed_bodies_are_still_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        jsonc.loads(bad)


@given(JSON)
def test_strict_json_round_trips(value: object) -> None:
    assert jsonc.loads(json.dumps(value)) == value

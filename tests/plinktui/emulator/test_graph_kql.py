"""The KQL subset's semantics, operator by operator, on small hand-made tables (no emulator)."""

from __future__ import annotations

import pytest

from plinktui.emulator.graph.evaluate import evaluate
from plinktui.emulator.graph.parser import QueryError

ROWS = [
    {"id": "/s/a/pe/pe1", "name": "pe1", "type": "microsoft.network/privateendpoints", "location": "westus2",
     "tags": {"env": "prod"}, "properties": {"nics": [{"id": "/s/a/nic/n1"}], "ips": ["10.0.0.4", "10.0.0.5"],
                                              "target": "/s/a/kv/Vault1"}},
    {"id": "/s/a/pe/pe2", "name": "pe2-test", "type": "microsoft.network/privateendpoints", "location": "eastus",
     "tags": {}, "properties": {"nics": [], "ips": [], "target": None}},
    {"id": "/s/a/nic/n1", "name": "n1", "type": "microsoft.network/networkinterfaces", "location": "westus2",
     "tags": {"env": "dev"}, "properties": {"ip": "10.0.0.4", "n": 3}},
    {"id": "/s/a/kv/vault1", "name": "vault1", "type": "microsoft.keyvault/vaults", "location": "eastus2",
     "tags": {}, "properties": {"publicNetworkAccess": "Enabled"}},
]
SCHEMA = {"resources": ["id", "name", "type", "location", "tags", "properties"]}


def q(text: str, rows=None):
    return evaluate(text, lambda name: rows if rows is not None else ROWS, SCHEMA)


def test_where_comparisons_case_rules_and_nulls():
    assert [r["name"] for r in q("resources | where type =~ 'Microsoft.Network/PrivateEndpoints'")] == ["pe1", "pe2-test"]
    assert q("resources | where type == 'Microsoft.Network/PrivateEndpoints'") == []  # == is case-sensitive
    assert [r["name"] for r in q("resources | where name has 'test'")] == ["pe2-test"]
    assert [r["name"] for r in q("resources | where name contains 'E1'")] == ["pe1"]
    assert [r["name"] for r in q("resources | where name !contains 'e'")] == ["n1", "vault1"]
    assert [r["name"] for r in q("resources | where name startswith 'PE' and location in~ ('EASTUS')")] == ["pe2-test"]
    assert [r["name"] for r in q("resources | where location in ('eastus', 'eastus2') or name endswith '1'")] == [
        "pe1", "pe2-test", "n1", "vault1"]
    assert [r["name"] for r in q("resources | where properties.n > 2")] == ["n1"]
    assert [r["name"] for r in q("resources | where isnotempty(properties.target) and not(name == 'x')")] == ["pe1"]
    assert [r["name"] for r in q("resources | where properties.missing != 'x'")] == []  # null compares false
    assert [r["name"] for r in q("resources | where tags.env !in ('prod')")] == ["n1"]
    assert [r["name"] for r in q("resources | where type !in~ ('MICROSOFT.NETWORK/PRIVATEENDPOINTS')")] == [
        "n1", "vault1"]


def test_a_query_without_a_table_reads_resources():
    assert q("where name == 'n1' | project name") == [{"name": "n1"}]
    assert q("| where name == 'n1' | project name") == [{"name": "n1"}]
    assert q("summarize count()") == [{"count_": 4}]


def test_project_extend_functions_and_derived_names():
    rows = q("resources | where name == 'pe1' | project name, properties.target, up = toupper(name), "
             "k = tolower(tostring(properties.target)), parts = split(id, '/'), third = split(id, '/')[3], "
             "n = array_length(properties.ips), s = strcat(name, '@', location), c = coalesce(properties.x, 'dflt'), "
             "i = iff(location == 'westus2', 'here', 'there'), j = toint('42') + 1, d = parse_json('{\"a\": 1}').a")
    assert rows == [{"name": "pe1", "properties_target": "/s/a/kv/Vault1", "up": "PE1", "k": "/s/a/kv/vault1",
                     "parts": ["", "s", "a", "pe", "pe1"], "third": "pe", "n": 2, "s": "pe1@westus2", "c": "dflt",
                     "i": "here", "j": 43, "d": 1}]
    ext = q("resources | where name == 'n1' | extend x = properties.n * 2 | project-away properties, tags")
    assert ext == [{"id": "/s/a/nic/n1", "name": "n1", "type": "microsoft.network/networkinterfaces",
                    "location": "westus2", "x": 6}]


def test_mv_expand_summarize_order_top_limit_distinct_count():
    ips = q("resources | mv-expand ip = properties.ips | where isnotempty(ip) | project name, ip = tostring(ip)")
    assert ips == [{"name": "pe1", "ip": "10.0.0.4"}, {"name": "pe1", "ip": "10.0.0.5"}]
    by = q("resources | summarize count(), make_list(name), dcount(location) by type | order by type asc")
    assert [(r["type"], r["count_"], r["list_name"], r["dcount_location"]) for r in by] == [
        ("microsoft.keyvault/vaults", 1, ["vault1"], 1), ("microsoft.network/networkinterfaces", 1, ["n1"], 1),
        ("microsoft.network/privateendpoints", 2, ["pe1", "pe2-test"], 2)]
    assert [r["name"] for r in q("resources | order by name")] == ["vault1", "pe2-test", "pe1", "n1"]  # desc default
    assert [r["name"] for r in q("resources | top 2 by name asc")] == ["n1", "pe1"]
    assert len(q("resources | take 3")) == 3 and len(q("resources | limit 1")) == 1
    assert q("resources | distinct location | count") == [{"Count": 3}]
    assert q("resources | where name == 'none' | summarize n = count()") == [{"n": 0}]


def test_join_kinds_key_forms_and_union():
    nic = ("resources | where type =~ 'microsoft.network/privateendpoints' "
           "| extend nicKey = tolower(tostring(properties.nics[0].id)) | project name, nicKey "
           "| join kind={} (resources | where type =~ 'microsoft.network/networkinterfaces' "
           "| project nicKey = tolower(id), nicName = name) on nicKey")
    assert q(nic.format("inner")) == [{"name": "pe1", "nicKey": "/s/a/nic/n1", "nicKey1": "/s/a/nic/n1",
                                       "nicName": "n1"}]
    outer = q(nic.format("leftouter"))
    assert [r["nicName"] for r in outer] == ["n1", None] and "nicKey1" in outer[1]
    sides = q("resources | where name == 'pe1' | project t = tolower(tostring(properties.target)) "
              "| join (resources | project k = id, v = name) on $left.t == $right.k")
    assert sides == [{"t": "/s/a/kv/vault1", "k": "/s/a/kv/vault1", "v": "vault1"}]
    u = q("union (resources | where name == 'n1' | project a = name), (resources | where name == 'vault1' "
          "| project b = name)")
    assert u == [{"a": "n1", "b": None}, {"a": None, "b": "vault1"}]
    # the right side has no rows, yet its columns exist: a later filter on them is valid
    empty = q("resources | project k = id | join kind=leftouter (resources | where name == 'none' | project k = id, "
              "hit = 1) on k | where isnull(hit) | count")
    assert empty == [{"Count": 4}]


@pytest.mark.parametrize("text, code", [
    ("resources | where", "ParserFailure"),
    ("resources | where name == 'x", "ParserFailure"),
    ("resources | parse name with x", "UnsupportedOperator"),
    ("resources | where name matches regex '.'", "UnsupportedOperator"),
    ("resources | extend x = base64_encode(name)", "UnknownFunction"),
    ("resources | where nope == 1", "UnknownColumn"),
    ("resources | extend c = count()", "InvalidFunctionCall"),
    ("resources | summarize tolower(name)", "InvalidFunctionCall"),
    ("resources | join kind=rightanti (resources) on id", "UnsupportedOperator"),
    ("resources | project a = iff(true, 1)", "InvalidFunctionCall"),
    ("resources | | where x", "ParserFailure"),
    ("(resources)", "ParserFailure"),
])
def test_outside_the_subset_is_a_named_error_with_its_position(text, code):
    with pytest.raises(QueryError) as info:
        q(text)
    assert info.value.code == code
    assert 0 <= info.value.pos <= len(text)

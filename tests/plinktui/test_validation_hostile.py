"""Hostile input to the validators and the plan loader: never a crash, every invalid value refused with a message.

Counts of hypothesis examples are printed (``-s``) per validator and for the loader; they are the figures in
docs/reliability.md.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plinktui import plan as plan_mod
from plinktui import validation as v

EXAMPLES_PER_VALIDATOR = 150
LOADER_EXAMPLES = 400

ADVERSARIAL = [
    "", " ", "\x00", "\t", "\r\n", "a" * 5000, "../../etc/passwd", "..\\..\\windows", "%2e%2e%2f", "/", "//",
    "*", "0.0.0.0/0", "::/0", "Internet", "any", "10.0.0.0/8\n", "10.0.0.0/33", "999.1.1.1/24", "10.1.2.3/-1",
    "\x1b[31mred\x1b[0m", "\u202ekv-evil", "ＫＶ－ｆｕｌｌｗｉｄｔｈ", "kv\u200bzero", "💥", "名前", "$(rm -rf ~)", "`id`",
    "; az group delete", "${HOME}", "' OR 1=1 --", "<script>", "-----BEGIN OPENSSH PRIVATE KEY-----",
    "ssh-rsa AAAA", "/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/virtualNetworks/../../z",
    "/subscriptions//resourceGroups//providers//", "\ud7ff", "NaN", "-1", "1e309", "true", "null",
]
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")
"""Characters that must never reach a terminal inside an error message (ANSI/CSI injection, NUL, BEL, ...)."""

hostile_text = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=300),
    st.sampled_from(ADVERSARIAL),
    st.builds(lambda a, b: a + b, st.sampled_from(ADVERSARIAL), st.text(max_size=20)),
    st.from_regex(r"[a-z0-9./:-]{1,40}", fullmatch=True),
    st.builds(lambda a, b, c, d, n: f"{a}.{b}.{c}.{d}/{n}", *[st.integers(-1, 300)] * 4, st.integers(-2, 40)),
)

COUNTS: dict[str, int] = {}


@pytest.mark.parametrize("field", sorted(v.FIELD_VALIDATORS))
def test_validator_survives_hostile_text(field: str) -> None:
    check = v.validator_for(field)
    seen = 0

    @settings(max_examples=EXAMPLES_PER_VALIDATOR, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(hostile_text)
    def run(value: str) -> None:
        nonlocal seen
        seen += 1
        ok, msg = check(value)
        assert isinstance(ok, bool) and isinstance(msg, str)
        if ok:
            assert msg == ""
            # surrounding whitespace (a CRLF file) is stripped; nothing else of that kind may get through
            assert not CONTROL.search(value.strip()), f"{field} accepted control characters: {value!r}"
        else:
            assert msg.startswith(field + ": ") and len(msg) > len(field) + 10, msg
            assert not CONTROL.search(msg), f"{field} echoes control characters: {msg!r}"

    run()
    COUNTS[field] = seen
    print(f"hypothesis {field}: {seen} examples")
    assert seen >= EXAMPLES_PER_VALIDATOR


@pytest.mark.parametrize("value", ["*", "0.0.0.0/0", "Internet", "any", "Any", "0.0.0.0", "::/0", "10.0.0.0/8,*"])
def test_ssh_source_never_opens_to_everyone(value: str) -> None:
    ok, msg = v.validate_ssh_source(value)
    assert not ok and msg.startswith("test_vm.ssh_source: ")


# ---------------------------------------------------------------------------------------------------- the loader

VALID: dict[str, dict[str, Any]] = {
    "plan": {"name": "fuzz", "resource_group": "rg-fuzz"},
    "network": {"region": "westus2", "vnet": "vnet-fuzz", "address_space": ["10.70.0.0/16"], "subnet": "snet-pe",
                "subnet_prefix": "10.70.1.0/24"},
    "vault": {"region": "eastus2", "name": "kvfuzz0001", "public_network_access": "Disabled"},
    "private_endpoint": {"name": "pe-fuzz"},
    "dns": {"link_name": "link-fuzz"},
    "test_vm": {"enabled": True, "name": "vm-fuzz", "admin_username": "azureuser",
                "ssh_public_key": "generate", "ssh_source": "203.0.113.7/32"},
}
INVALID: dict[tuple[str, str], list[Any]] = {
    ("plan", "name"): ["", "UPPER", "a" * 200, "../x", "na me", 7, None],
    ("plan", "resource_group"): ["", "rg/../x", "rg." , "a" * 100, ["rg"]],
    ("network", "region"): ["", "west/us", "west us 9", "../x", 1],  # unknown names: preflight asks Azure
    ("network", "vnet"): ["", "v" * 100, "vnet/../x", "\x1b[2J"],
    ("network", "address_space"): [["10.0.0.0/33"], ["nonsense"], [1], "999.0.0.0/8", [["10.0.0.0/16"]]],
    ("network", "subnet_prefix"): ["10.70.1.0/30", "10.80.1.0/24", "10.70.1.1/24", "x", 24],
    ("vault", "name"): ["kv--x", "1kv", "kv", "k" * 30, "kv_x", "kv-", "ＫＶ"],
    ("vault", "region"): ["", "us-west-2!", "\x1b[2J"],
    ("vault", "rbac"): ["yes", 1, None],
    ("vault", "soft_delete_retention_days"): [0, 6, 91, "7", True, 7.5],
    ("vault", "public_network_access"): ["Open", "", "disabled!"],
    ("private_endpoint", "static_ip"): ["10.70.1.0", "10.70.1.1", "10.70.1.255", "10.99.0.4", "x"],
    ("dns", "zone"): ["privatelink.blob.core.windows.net", "vaultcore.azure.net", ""],
    ("test_vm", "admin_username"): ["admin", "root", "Administrator", "", "a" * 70],
    ("test_vm", "ssh_source"): ["*", "0.0.0.0/0", "Internet", "", "any"],
    ("test_vm", "ssh_public_key"): ["-----BEGIN OPENSSH PRIVATE KEY-----", "ssh-rsa", 5],
    ("test_vm", "enabled"): ["true", 1],
}

any_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True), hostile_text),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(hostile_text, inner, max_size=4)),
    max_leaves=8)


@st.composite
def toml_ish(draw: st.DrawFn) -> dict[str, Any]:
    """A valid plan with random damage: sections and keys dropped, added, retyped or replaced by hostile values."""
    data = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(0, 6))):
        action = draw(st.sampled_from(["drop_sec", "drop_key", "set_known", "set_any", "add_key", "add_sec",
                                       "sec_not_table", "invalid"]))
        if action == "drop_sec" and data:
            data.pop(draw(st.sampled_from(sorted(data))))
        elif action == "drop_key":
            sec = draw(st.sampled_from(sorted(data))) if data else None
            if sec and isinstance(data[sec], dict) and data[sec]:
                data[sec].pop(draw(st.sampled_from(sorted(data[sec]))))
        elif action in ("set_known", "set_any"):
            sec = draw(st.sampled_from(sorted(plan_mod.SCHEMA)))
            key = draw(st.sampled_from(plan_mod.SCHEMA[sec]))
            table = data.setdefault(sec, {})
            if isinstance(table, dict):
                table[key] = draw(any_value if action == "set_any" else hostile_text)
        elif action == "add_key":
            sec = draw(st.sampled_from(sorted(plan_mod.SCHEMA)))
            table = data.setdefault(sec, {})
            if isinstance(table, dict):
                table[draw(hostile_text)] = draw(any_value)
        elif action == "add_sec":
            data[draw(hostile_text)] = draw(any_value)
        elif action == "sec_not_table":
            data[draw(st.sampled_from(sorted(plan_mod.SCHEMA)))] = draw(any_value)
        else:
            (sec, key) = draw(st.sampled_from(sorted(INVALID)))
            table = data.setdefault(sec, {})
            if isinstance(table, dict):
                table[key] = draw(st.sampled_from(INVALID[(sec, key)]))
    return data


def test_valid_base_plan_loads() -> None:
    plan = plan_mod.from_dict(copy.deepcopy(VALID))
    assert plan.vault.name == "kvfuzz0001"


def test_plan_loader_never_crashes_and_explains_every_refusal() -> None:
    seen = {"accepted": 0, "refused": 0}

    @settings(max_examples=LOADER_EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(toml_ish())
    def run(data: dict[str, Any]) -> None:
        try:
            plan = plan_mod.from_dict(copy.deepcopy(data), source="fuzz")
        except plan_mod.PlanError as e:
            seen["refused"] += 1
            assert e.problems and all(isinstance(p, str) and len(p) > 10 for p in e.problems), e.problems
            assert not any(CONTROL.search(p) for p in e.problems), e.problems
            return
        seen["accepted"] += 1
        # accepted: every field passes its own validator, and the plan round-trips unchanged
        again = plan_mod.from_dict(plan.to_dict(), source="again")
        assert again.to_dict() == plan.to_dict()
        for sec, table in plan.to_dict().items():
            for key, value in (table or {}).items() if isinstance(table, dict) else ():
                if isinstance(value, str) and f"{sec}.{key}" in v.FIELD_VALIDATORS and value:
                    assert v.validate_field(f"{sec}.{key}", value)[0], (sec, key, value)
        assert plan.test_vm.ssh_source not in ("*", "0.0.0.0/0") or not plan.test_vm.enabled

    run()
    total = seen["accepted"] + seen["refused"]
    print(f"hypothesis plan loader: {total} examples ({seen['accepted']} accepted, {seen['refused']} refused)")
    assert total >= LOADER_EXAMPLES and seen["refused"] > 0 and seen["accepted"] > 0


@pytest.mark.parametrize(("sec", "key", "bad"), [(s, k, b) for (s, k), bads in sorted(INVALID.items(),
                                                                                     key=lambda x: x[0])
                                                 for b in bads])
def test_each_known_invalid_value_is_refused_naming_its_field(sec: str, key: str, bad: Any) -> None:
    data = copy.deepcopy(VALID)
    data.setdefault(sec, {})[key] = bad
    with pytest.raises(plan_mod.PlanError) as err:
        plan_mod.from_dict(data)
    assert any(p.startswith(f"{sec}.{key}") or f"{sec}.{key}" in p for p in err.value.problems), err.value.problems


def test_unknown_keys_are_echoed_without_terminal_escapes() -> None:
    """Defect (this fuzz): an unknown section or key name reached the error line raw (ANSI/CSI injection)."""
    data = copy.deepcopy(VALID)
    data["\x1b[2Jevil"] = {}
    data["vault"]["\x1b]0;title\x07"] = 1
    with pytest.raises(plan_mod.PlanError) as err:
        plan_mod.from_dict(data)
    text = "\n".join(err.value.problems)
    assert "\x1b" not in text and "\x07" not in text
    assert "unknown section [\\x1b[2Jevil]" in text and "vault.\\x1b]0;title\\x07: unknown key" in text


def test_public_key_path_with_control_characters_is_refused() -> None:
    """Defect (this fuzz): a key path holding control characters was accepted and later echoed."""
    assert not v.validate_ssh_public_key("/\x1f")[0]
    assert not v.validate_ssh_public_key("~/.ssh/id_ed25519.pub\x1b[2J")[0]
    assert v.validate_ssh_public_key("~/.ssh/id_ed25519.pub")[0]

"""The resource graph: dependencies, critical path over the latency profile, scheduling priority."""

from __future__ import annotations

from plinktui import plan as plan_mod
from plinktui.dag import Facts, build_graph
from tests.factories import plan_toml

WALKTHROUGH = plan_toml("par", test_vm=True)


def test_walkthrough_critical_path_is_85_units() -> None:
    g = build_graph(plan_mod.loads(WALKTHROUGH))
    length, path = g.critical_path()
    assert length == 85  # max(VNet+subnet 4+3, vault 20) + PE 60 + zone group 5: the check's bound
    assert path[:4] == ["rg", "vault", "pe", "zone_group"]
    assert g.sequential_time() == 4 + 20 + 30 + 30 + 60 + 5 + 3 + 3 + 2 + 60


def test_dependencies() -> None:
    g = build_graph(plan_mod.loads(WALKTHROUGH))
    assert set(g["pe"].deps) == {"rg", "vnet", "vault"}
    assert set(g["zone_group"].deps) == {"pe", "zone"}
    assert set(g["link"].deps) == {"zone", "vnet"}
    assert set(g["nic"].deps) == {"vnet", "nsg", "pip"}
    assert g["vm"].deps == ("nic",)
    order = g.topo_order()
    for n in g:
        for d in n.deps:
            assert order.index(d) < order.index(n.key)
    rev = g.reverse_order()
    assert rev.index("vm") < rev.index("nic") < rev.index("vnet") < rev.index("rg")


def test_subnet_inline_when_vnet_is_new_else_separate() -> None:
    g = build_graph(plan_mod.loads(WALKTHROUGH))
    assert "subnet" not in g
    existing = WALKTHROUGH.replace('address_space = ["10.70.0.0/16"]\n', "")
    g2 = build_graph(plan_mod.loads(existing))
    assert g2["vnet"].mode == "reuse" and g2["subnet"].deps == ("vnet",)
    assert "subnet" in g2["pe"].deps


def test_reused_zone_and_link_take_no_time() -> None:
    g = build_graph(plan_mod.loads(WALKTHROUGH), Facts(zone_exists=True, existing_link="corp-link"))
    assert g["zone"].mode == "reuse" and g["link"].mode == "reuse" and g["link"].name == "corp-link"
    assert g.durations()["zone"] == 0


def test_verify_waits_for_probe_when_disabled_after_verify() -> None:
    g = build_graph(plan_mod.loads(WALKTHROUGH.replace('public_network_access = "Disabled"\n', "")))
    assert "vm" in g["verify"].deps and g["verify"].weight > 0


def test_priority_prefers_the_long_chain() -> None:
    g = build_graph(plan_mod.loads(WALKTHROUGH))
    rem = g.remaining()
    assert rem["vault"] == 85 and rem["nsg"] == 65 and rem["zone"] == 60
    assert rem["rg"] == 85


def test_link_kind_points_at_the_hub_or_is_left_to_its_owner() -> None:
    plan = plan_mod.loads(WALKTHROUGH)
    hub = "/subscriptions/s-hub/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub"
    plain = build_graph(plan)
    assert plain["link"].target is None and "link" in plain["verify"].deps

    linked = build_graph(plan, Facts(dns_hub_vnet_id=hub))
    assert linked["link"].target == hub and set(linked["link"].deps) == {"zone", "vnet"}

    blocked = build_graph(plan, Facts(dns_hub_vnet_id=hub, hub_link_command="az network private-dns link vnet ..."))
    assert "link" not in blocked and set(blocked["verify"].deps) == {"zone_group", "vm"}

    reused = build_graph(plan, Facts(dns_hub_vnet_id=hub, hub_link_command="az ...", existing_link="link-hub"))
    assert reused["link"].mode == "reuse" and "link" in reused["verify"].deps

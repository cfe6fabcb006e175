"""Setup in a hub-and-spoke: the spoke's DNS server is the hub resolver's inbound endpoint, so the plan's zone is
linked to the hub (not the spoke) when the caller may; when the caller is only a Reader on the hub's subscription the
run creates everything else, finishes, and prints the exact command for whoever owns the hub."""

from __future__ import annotations

import pytest

from plinktui.cloud import Gateway, resolve_target
from plinktui.emulator import dns
from tests.cli_runs import cli, summary
from tests.hubspoke_world import HubSpoke

PLAN = """
[plan]
name = "hubspoke"
resource_group = "rg-app"
[network]
region = "westus2"
vnet = "{vnet}"
subnet = "snet-pe"
[vault]
region = "eastus2"
name = "kvhubsetup01"
public_network_access = "Disabled"
[private_endpoint]
name = "pe-hubsetup"
[dns]
link_name = "link-hub"
[test_vm]
enabled = false
"""


async def _world(emu_factory, tmp_path):
    emu = await emu_factory(subscriptions=2)
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    async with Gateway(target, total_timeout=60) as gw:
        w = HubSpoke(gw, emu.identity()["subscription_ids"])
        await w.hub_side(link_hub=False)  # the plan's own zone (in the landing zone) is the one to link
        spoke = await w.spoke("vnet-spoke-a", 101)
        await w.peer_both(spoke)
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN.format(vnet=spoke))
    return emu, w, spoke, plan


@pytest.mark.parametrize("reader_on_hub", [False, True])
async def test_setup_links_the_zone_to_the_hub_or_prints_the_command(emu_factory, tmp_path, capsys,
                                                                     reader_on_hub) -> None:
    emu, w, spoke, plan = await _world(emu_factory, tmp_path)
    if reader_on_hub:
        emu.config.reader_scopes = [f"/subscriptions/{w.subs[0]}"]
    rc, lines = await cli(emu, "setup", ["--plan", str(plan), "--subscription", w.subs[1]], capsys)
    s = summary(lines)
    assert rc == 0, s
    assert s["dns_hub_vnet"].lower() == w.hub.lower()
    zone_id = (f"/subscriptions/{w.subs[1]}/resourceGroups/rg-app/providers/Microsoft.Network/privateDnsZones/"
               "privatelink.vaultcore.azure.net")
    links = emu.store.list("Microsoft.Network/privateDnsZones/virtualNetworkLinks", zone_id)
    answer = dns.resolve(emu, "kvhubsetup01.vault.azure.net", spoke)
    if reader_on_hub:
        assert links == []
        cmd = s["hub_link_command"]
        assert cmd.startswith("az network private-dns link vnet create ") and f"--virtual-network {w.hub}" in cmd
        assert f"--subscription {w.subs[1]}" in cmd and answer.addresses != [s["endpoint_ip"]]
    else:
        assert [(rec.doc["name"], rec.props["virtualNetwork"]["id"]) for rec in links] == [("link-hub", w.hub)]
        assert "hub_link_command" not in s
        assert answer.addresses == [s["endpoint_ip"]]  # the spoke resolves privately through the hub resolver

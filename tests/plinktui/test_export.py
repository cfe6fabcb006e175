"""`plinktui export --plan F --format arm`: the plan as a deployment template that really deploys on the emulator
(through Microsoft.Resources/deployments, so through the same providers as `plinktui setup`)."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

from plinktui import cli
from plinktui.emulator.seed import seed_demo
from plinktui.export import SCHEMA, ExportError, build_template
from plinktui.plan import loads
from tests.arm_examples import call, deploy

NET = "2026-03-01"
DEMO_PLAN = pathlib.Path(__file__).resolve().parents[2] / "examples" / "plan-demo.toml"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGw4b3D2bJ3+1mK0Gk2YfX8b1rPZ2Yk0oQ5w5r3o2s2e plink@test"

NEW_VNET = '''
[plan]
name = "iac"
resource_group = "rg-iac"
[network]
region = "westus2"
vnet = "vnet-iac"
address_space = ["10.66.0.0/16"]
subnet = "snet-pe"
subnet_prefix = "10.66.1.0/24"
[vault]
region = "eastus2"
name = "kviacexport77"
public_network_access = "Disabled"
[private_endpoint]
name = "pe-iac"
[dns]
link_name = "link-iac"
[private_link_service]
enabled = true
subnet = "snet-pls"
subnet_prefix = "10.66.2.0/24"
[test_vm]
enabled = true
name = "vm-iac"
ssh_public_key = "KEYFILE"
ssh_source = "203.0.113.7/32"
'''


def new_vnet_plan(tmp_path: pathlib.Path) -> Any:
    keyfile = tmp_path / "id.pub"
    keyfile.write_text(KEY + "\n")
    path = tmp_path / "iac.toml"
    path.write_text(NEW_VNET.replace("KEYFILE", str(keyfile)))
    from plinktui.plan import load

    return load(path)


async def _rg(emu: Any, name: str) -> str:
    base = f"/subscriptions/{emu.config.subscription_id}/resourceGroups/{name}"
    assert (await call(emu, "PUT", base, {"location": "westus2"}, "2025-04-01")).status < 300
    return base


async def test_exported_plan_deploys_with_every_resource_the_plan_creates(emu, tmp_path) -> None:
    template = build_template(new_vnet_plan(tmp_path))
    assert template["$schema"] == SCHEMA
    assert {"location", "vaultLocation", "vnetName", "vaultName", "privateEndpointName"} <= set(template["parameters"])
    assert template["parameters"]["vaultLocation"]["defaultValue"] == "eastus2"
    base = await _rg(emu, "rg-iac")
    _, got = await deploy(emu, "rg-iac", "plink-iac", template)
    assert got.body["properties"]["provisioningState"] == "Succeeded", got.body["properties"].get("error")
    pe = await call(emu, "GET", f"{base}/providers/Microsoft.Network/privateEndpoints/pe-iac", None, NET)
    state = pe.body["properties"]["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceConnectionState"]
    assert state["status"] == "Approved"
    record = await call(emu, "GET", f"{base}/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net"
                                    "/A/kviacexport77", None, "2024-06-01")
    assert record.status == 200 and record.body["properties"]["aRecords"][0]["ipv4Address"].startswith("10.66.1.")
    for path, api in ((f"{base}/providers/Microsoft.Compute/virtualMachines/vm-iac", "2026-04-01"),
                      (f"{base}/providers/Microsoft.Network/privateLinkServices/pls-iac", NET),
                      (f"{base}/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net/"
                       "virtualNetworkLinks/link-iac", "2024-06-01")):
        assert (await call(emu, "GET", path, None, api)).status == 200, path
    vault = await call(emu, "GET", f"{base}/providers/Microsoft.KeyVault/vaults/kviacexport77", None, "2026-05-15")
    assert vault.body["properties"]["publicNetworkAccess"] == "Disabled"


async def test_exported_demo_plan_reuses_the_existing_vnet_and_asks_for_the_key(emu, tmp_path) -> None:
    seed_demo(emu, tmp_path / "demo")
    text = DEMO_PLAN.read_text()
    plan = loads(text.replace("8f2e4c1a-7b3d-4e5f-9a6b-1c2d3e4f5a6b", emu.config.subscription_id))
    template = build_template(plan)
    types = [r["type"] for r in template["resources"]]
    assert "Microsoft.Network/virtualNetworks" not in types  # reused, never declared
    assert "defaultValue" not in template["parameters"]["adminPublicKey"]  # "generate" cannot be a template default
    await _rg(emu, "rg-kv-demo")
    _, got = await deploy(emu, "rg-kv-demo", "demo", template, {"adminPublicKey": {"value": KEY}})
    assert got.body["properties"]["provisioningState"] == "Succeeded", got.body["properties"].get("error")
    pe = await call(emu, "GET", f"/subscriptions/{emu.config.subscription_id}/resourceGroups/rg-kv-demo/providers/"
                                "Microsoft.Network/privateEndpoints/pe-kv-demo", None, NET)
    assert pe.body["properties"]["subnet"]["id"].endswith("/virtualNetworks/vnet-workload/subnets/snet-endpoints")


def test_a_zone_in_another_group_cannot_be_declared(tmp_path) -> None:
    plan = new_vnet_plan(tmp_path)
    plan.dns.zone_resource_group = "rg-central-dns"
    with pytest.raises(ExportError, match="rg-central-dns"):
        build_template(plan)


def test_cli_writes_the_file_and_refuses_a_bad_plan(tmp_path, capsys) -> None:
    plan_file = tmp_path / "p.toml"
    plan_file.write_text(NEW_VNET.replace('ssh_public_key = "KEYFILE"', 'ssh_public_key = "generate"'))
    out = tmp_path / "t.json"
    assert cli.main(["export", "--plan", str(plan_file), "--format", "arm", "-o", str(out)]) == 0
    assert json.loads(out.read_text())["contentVersion"] == "1.0.0.0"
    assert "az deployment group create" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text(plan_file.read_text().replace('name = "kviacexport77"', 'name = "kv--mars"'))
    assert cli.main(["export", "--plan", str(bad), "-o", str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err
    assert "vault.name" in err and "Traceback" not in err
    assert not (tmp_path / "x.json").exists()


def test_every_reason_a_plan_cannot_be_declared_is_given_at_once(tmp_path) -> None:
    text = DEMO_PLAN.read_text()
    plan = loads(text.replace('subnet = "snet-endpoints" ', 'subnet = "snet-endpoints"\nsubnet_prefix = "10.20.3.0/24" '))
    plan.dns.zone_resource_group = "rg-central-dns"
    with pytest.raises(ExportError) as caught:
        build_template(plan)
    message = str(caught.value)
    assert "adds a subnet to a VNet in resource group 'rg-workload-westus2'" in message
    assert message.count("DNS zone lives in resource group 'rg-central-dns'") == 1  # the zone's and the link's reason


def test_the_template_context_names_children_and_finds_api_versions(tmp_path) -> None:
    from plinktui.armtemplate import TemplateContext, api_version, param
    from plinktui.dag import Node

    ctx = TemplateContext(new_vnet_plan(tmp_path))
    assert ctx.param("vmName", "a") == "parameters('vmName')" and ctx.param("vmName", "b") == "parameters('vmName')"
    assert ctx.parameters["vmName"] == {"type": "string", "defaultValue": "a"}  # the first declaration wins
    node = Node(key="zg", rtype="Microsoft.Network/privateEndpoints/privateDnsZoneGroups", name="default")
    res = ctx.resource(node, param("privateEndpointName"), "'default'")
    assert res["name"] == "[format('{0}/default', parameters('privateEndpointName'))]"
    assert ctx.ids["zg"] == ("resourceId('Microsoft.Network/privateEndpoints/privateDnsZoneGroups', "
                             "parameters('privateEndpointName'), 'default')")
    assert api_version("Microsoft.Network/privateDnsZones/virtualNetworkLinks") == "2024-06-01"
    assert api_version("Microsoft.Network/natGateways") == NET
    with pytest.raises(ExportError, match="passes api="):
        api_version("Microsoft.Contoso/widgets")

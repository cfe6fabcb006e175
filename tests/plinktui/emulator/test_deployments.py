"""Microsoft.Resources/deployments on the emulator: a template deploys through the providers' own PUT handlers, a
failing resource fails the deployment in ARM's shape, unsupported functions are InvalidTemplate (raw HTTPS)."""

from __future__ import annotations

from typing import Any

from tests.arm_examples import call, dep_path, deploy

RES = "2026-06-01"
NET = "2026-03-01"


def kv_pe_template() -> dict[str, Any]:
    vnet = "[parameters('vnetName')]"
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"vnetName": {"type": "string", "defaultValue": "vnet-t"},
                       "vaultName": {"type": "string"},
                       "location": {"type": "string", "defaultValue": "[resourceGroup().location]"}},
        "variables": {"subnetId": "[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('vnetName'), 'snet-pe')]"},
        "resources": [
            {"type": "Microsoft.Network/virtualNetworks", "apiVersion": NET, "name": vnet,
             "location": "[parameters('location')]",
             "properties": {"addressSpace": {"addressPrefixes": ["10.70.0.0/16"]}},
             "resources": [{"type": "subnets", "apiVersion": NET, "name": "snet-pe",
                            "dependsOn": [vnet],
                            "properties": {"addressPrefix": "10.70.1.0/24"}}]},
            {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2026-05-15", "name": "[parameters('vaultName')]",
             "location": "eastus2", "properties": {"tenantId": "[subscription().tenantId]",
                                                   "sku": {"family": "A", "name": "standard"}, "accessPolicies": []}},
            {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": NET,
             "name": "[format('nsg-{0}', copyIndex())]", "location": "[parameters('location')]",
             "copy": {"name": "nsgs", "count": 2}, "properties": {}},
            {"type": "Microsoft.Network/privateEndpoints", "apiVersion": NET, "name": "pe-t",
             "location": "[parameters('location')]",
             "dependsOn": ["[variables('subnetId')]", "[resourceId('Microsoft.KeyVault/vaults', parameters('vaultName'))]",
                           "nsgs"],
             "properties": {"subnet": {"id": "[variables('subnetId')]"}, "privateLinkServiceConnections": [{
                 "name": "conn", "properties": {
                     "privateLinkServiceId": "[resourceId('Microsoft.KeyVault/vaults', parameters('vaultName'))]",
                     "groupIds": ["vault"]}}]}},
        ],
        "outputs": {"vaultUri": {"type": "string",
                                 "value": "[reference(resourceId('Microsoft.KeyVault/vaults', parameters('vaultName'))).vaultUri]"}},
    }


async def test_template_deploys_through_the_providers_in_dependency_order(emu_factory) -> None:
    emu = await emu_factory(latency_scale=0.01)
    sub = emu.config.subscription_id
    assert (await call(emu, "PUT", f"/subscriptions/{sub}/resourceGroups/rg-dep", {"location": "westus2"},
                       "2025-04-01")).status < 300
    put, got = await deploy(emu, "rg-dep", "d1", kv_pe_template(), {"vaultName": {"value": "kvdeploy01"}})
    assert put.status == 201 and put.body["properties"]["provisioningState"] == "Accepted"
    assert "Azure-AsyncOperation" in put.headers and int(put.headers["Retry-After"]) >= 1
    assert got.body["properties"]["provisioningState"] == "Succeeded", got.body
    assert got.body["properties"]["outputs"]["vaultUri"]["value"].startswith("https://kvdeploy01.vault.azure.net")
    pe = await call(emu, "GET", f"/subscriptions/{sub}/resourceGroups/rg-dep/providers/Microsoft.Network/"
                                "privateEndpoints/pe-t", None, NET)
    assert pe.status == 200
    conn = pe.body["properties"]["privateLinkServiceConnections"][0]["properties"]
    assert conn["privateLinkServiceConnectionState"]["status"] == "Approved"  # the provider's own semantics ran
    assert pe.body["properties"]["networkInterfaces"]  # ... and it made the NIC
    for i in (0, 1):
        nsg = await call(emu, "GET", f"/subscriptions/{sub}/resourceGroups/rg-dep/providers/Microsoft.Network/"
                                     f"networkSecurityGroups/nsg-{i}", None, NET)
        assert nsg.status == 200
    ops = await call(emu, "GET", dep_path(emu, "rg-dep", "d1") + "/operations", None, RES)
    targets = [o["properties"]["targetResource"]["resourceName"] for o in ops.body["value"]]
    assert set(targets) == {"vnet-t", "vnet-t/snet-pe", "kvdeploy01", "nsg-0", "nsg-1", "pe-t"}
    assert targets.index("vnet-t") < targets.index("vnet-t/snet-pe") < targets.index("pe-t")
    assert all(o["properties"]["provisioningState"] == "Succeeded" for o in ops.body["value"])
    legacy = dep_path(emu, "rg-dep", "d1").replace("/providers/Microsoft.Resources", "") + "/operations"
    assert (await call(emu, "GET", legacy, None, RES)).body == ops.body  # the REST spec's path (az uses it)


async def test_a_failing_resource_fails_the_deployment_in_arm_shape(emu) -> None:
    sub = emu.config.subscription_id
    await call(emu, "PUT", f"/subscriptions/{sub}/resourceGroups/rg-bad", {"location": "westus2"}, "2025-04-01")
    template = {"resources": [
        {"type": "Microsoft.Network/virtualNetworks", "apiVersion": NET, "name": "vnet-bad", "location": "westus2",
         "properties": {"addressSpace": {"addressPrefixes": ["10.80.0.0/16"]}}},
        {"type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": NET, "name": "vnet-bad/outside",
         "dependsOn": ["vnet-bad"], "properties": {"addressPrefix": "10.99.0.0/24"}},
        {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": NET, "name": "nsg-after",
         "location": "westus2", "dependsOn": ["vnet-bad/outside"], "properties": {}},
    ]}
    _, got = await deploy(emu, "rg-bad", "d2", template)
    props = got.body["properties"]
    assert props["provisioningState"] == "Failed"
    assert props["error"]["code"] == "DeploymentFailed"
    assert "list deployment operations" in props["error"]["message"]
    assert props["error"]["details"][0]["code"] not in ("", None, "DeploymentFailed")
    ops = await call(emu, "GET", dep_path(emu, "rg-bad", "d2") + "/operations", None, RES)
    states = {o["properties"]["targetResource"]["resourceName"]: o["properties"]["provisioningState"]
              for o in ops.body["value"]}
    assert states == {"vnet-bad": "Succeeded", "vnet-bad/outside": "Failed"}  # the dependent never started
    nsg = await call(emu, "GET", f"/subscriptions/{sub}/resourceGroups/rg-bad/providers/Microsoft.Network/"
                                 "networkSecurityGroups/nsg-after", None, NET)
    assert nsg.status == 404


async def test_unsupported_function_is_invalid_template_naming_it(emu) -> None:
    sub = emu.config.subscription_id
    await call(emu, "PUT", f"/subscriptions/{sub}/resourceGroups/rg-fn", {"location": "westus2"}, "2025-04-01")
    template = {"resources": [{"type": "Microsoft.Network/virtualNetworks", "apiVersion": NET,
                               "name": "[take('abcdef', 3)]", "location": "westus2", "properties": {}}]}
    put, _ = await deploy(emu, "rg-fn", "d3", template)
    assert put.status == 400
    assert put.body["error"]["code"] == "InvalidTemplate"
    assert "'take'" in put.body["error"]["message"]
    missing, _ = await deploy(emu, "rg-fn", "d4", kv_pe_template())
    assert missing.status == 400 and "vaultName" in missing.body["error"]["message"]
    absent = await call(emu, "GET", dep_path(emu, "rg-fn", "d3"), None, RES)
    assert absent.status == 404 and absent.body["error"]["code"] == "DeploymentNotFound"

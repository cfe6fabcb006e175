"""Contract: every official Microsoft.Compute example plinktui relies on, replayed against the emulator over raw HTTPS
with the example's own request body; our status is one the example lists and our body has the example's keys."""

from __future__ import annotations

from typing import Any

from plinktui.cloud import Gateway
from tests.arm_examples import call, load_examples, missing_keys, request_for

NOT_MODELLED = {
    # VM features plinktui never sets, so the emulator does not invent them
    "properties.availabilitySet", "properties.proximityPlacementGroup", "properties.applicationProfile",
    "properties.diagnosticsProfile", "properties.extensionsTimeBudget", "properties.userData", "resources",
    "managedBy", "properties.storageProfile.dataDisks",
    # the Get example is a Windows VM and carries tags; the replayed create is the Linux example without tags
    "properties.osProfile.windowsConfiguration", "tags",
}


async def _nic(gw: Gateway, rg: str, name: str, location: str) -> str:
    await gw.resources.resource_groups.create_or_update(rg, {"location": location})
    vnet = await gw.result(gw.network.virtual_networks.begin_create_or_update(rg, f"vnet-{name}", {
        "location": location, "properties": {"addressSpace": {"addressPrefixes": ["10.60.0.0/16"]},
                                             "subnets": [{"name": "s", "properties": {"addressPrefix": "10.60.1.0/24"}}]}}))
    nic = await gw.result(gw.network.network_interfaces.begin_create_or_update(rg, name, {
        "location": location, "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
            "subnet": {"id": vnet.subnets[0].id}}}]}}))
    return nic.id


async def test_compute_examples_replay(gw: Gateway, emu) -> None:
    sub = emu.config.subscription_id
    examples = {e.name: e for e in load_examples("Microsoft.Compute")}
    assert set(examples) == {"VirtualMachine_Create_WithSshAuthentication", "VirtualMachine_Get",
                             "VirtualMachineRunCommand", "VirtualMachine_Delete_Force"}
    results: dict[str, list[str]] = {}

    def check(name: str, status: int, body: Any) -> None:
        ex = examples[name]
        problems = [] if status in ex.responses else [f"status {status} not in {sorted(ex.responses)}"]
        expected = ex.expected(status)
        if expected is not None:
            problems += missing_keys(expected, body, NOT_MODELLED)
        results[name] = problems

    # create: the example's Linux VM with SSH authentication, on an existing NIC
    create = examples["VirtualMachine_Create_WithSshAuthentication"]
    nic_id = await _nic(gw, "myResourceGroup", "nsgExistingNic", "westus")
    placeholder_nic = create.body()["properties"]["networkProfile"]["networkInterfaces"][0]["id"]
    path, body = request_for(create, sub, {placeholder_nic: nic_id, "{your-username}": "azureuser",
                                       "/home/{your-username}/.ssh/authorized_keys":
                                       "/home/azureuser/.ssh/authorized_keys"})
    reply = await call(emu, "PUT", path, body, create.api_version)
    status, answer = reply.status, reply.body
    check(create.name, status, answer)

    get = examples["VirtualMachine_Get"]
    path, _ = request_for(get, sub)
    reply = await call(emu, "GET", path, api_version=get.api_version)
    status, answer = reply.status, reply.body
    check(get.name, status, answer)

    # Run Command: the example runs RunPowerShellScript, so its VM is a Windows VM
    rc = examples["VirtualMachineRunCommand"]
    win_rg, win_vm = rc.params["resourceGroupName"], rc.params["vmName"]
    win_nic = await _nic(gw, win_rg, "nic-win", "westus2")
    await gw.result(gw.compute.virtual_machines.begin_create_or_update(win_rg, win_vm, {
        "location": "westus2", "properties": {
            "hardwareProfile": {"vmSize": "Standard_B2s"},
            "storageProfile": {"imageReference": {"publisher": "MicrosoftWindowsServer", "offer": "WindowsServer",
                                                  "sku": "2022-datacenter-azure-edition", "version": "latest"}},
            "osProfile": {"computerName": "vm3036", "adminUsername": "azureadmin",
                          "adminPassword": "Replay-Only-Pa55!", "windowsConfiguration": {}},
            "networkProfile": {"networkInterfaces": [{"id": win_nic}]}}}))
    path, body = request_for(rc, sub)
    reply = await call(emu, "POST", path, body, rc.api_version)
    status, answer = reply.status, reply.body
    check(rc.name, status, answer)
    assert [s["code"] for s in answer["value"]] == ["ComponentStatus/StdOut/succeeded",
                                                    "ComponentStatus/StdErr/succeeded"]

    delete = examples["VirtualMachine_Delete_Force"]
    path, _ = request_for(delete, sub)
    reply = await call(emu, "DELETE", path + "?forceDeletion=true", api_version=delete.api_version)
    status, answer = reply.status, reply.body
    check(delete.name, status, answer)
    assert (await call(emu, "GET", path, api_version=delete.api_version)).status == 404

    passing = sum(1 for p in results.values() if not p)
    print(f"compute contract: {passing}/{len(results)} examples match")
    assert results == {name: [] for name in examples}, results

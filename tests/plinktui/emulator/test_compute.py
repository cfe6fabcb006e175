"""The emulator's Microsoft.Compute provider through the official SDK clients: VM lifecycle, validation, deleteOption
semantics, power actions, Run Command, and the demo VMs' real SSH listeners."""

from __future__ import annotations

import json
from typing import Any

import asyncssh
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from plinktui.cloud import Gateway, TargetError
from plinktui.emulator import vmshell
from tests.arm_examples import call, settle

RG = "rg-compute"
LOC = "westus2"
IMAGE = {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"}
NET_API = "2026-03-01"


@pytest.fixture
def client_key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519")


def pub(key: asyncssh.SSHKey) -> str:
    return key.export_public_key().decode().strip()


async def network(gw: Gateway, location: str = LOC, vnet: str = "vnet-c", cidr: str = "10.30.0.0/16",
                  dns_servers: list[str] | None = None) -> str:
    """RG + VNet with one subnet; returns the subnet id."""
    await gw.resources.resource_groups.create_or_update(RG, {"location": LOC})
    props: dict[str, Any] = {"addressSpace": {"addressPrefixes": [cidr]},
                             "subnets": [{"name": "snet", "properties": {"addressPrefix": cidr.replace("0.0/16",
                                                                                                       "1.0/24")}}]}
    if dns_servers:
        props["dhcpOptions"] = {"dnsServers": dns_servers}
    v = await gw.result(gw.network.virtual_networks.begin_create_or_update(RG, vnet, {"location": location,
                                                                                      "properties": props}))
    return v.subnets[0].id


async def nic(gw: Gateway, name: str, subnet_id: str, *, location: str = LOC, public_ip: bool = True,
              pip_delete: str | None = None) -> tuple[str, str | None]:
    """A NIC (and its Standard public IP); returns (nic id, pip id)."""
    pip_id = None
    ipconfig: dict[str, Any] = {"subnet": {"id": subnet_id}}
    if public_ip:
        pip = await gw.result(gw.network.public_ip_addresses.begin_create_or_update(
            RG, f"{name}-pip", {"location": location, "sku": {"name": "Standard"},
                                "properties": {"publicIPAllocationMethod": "Static"}}))
        pip_id = pip.id
        ipconfig["publicIPAddress"] = {"id": pip_id}
        if pip_delete:
            ipconfig["publicIPAddress"]["properties"] = {"deleteOption": pip_delete}
    n = await gw.result(gw.network.network_interfaces.begin_create_or_update(
        RG, f"{name}-nic", {"location": location, "properties": {"ipConfigurations": [
            {"name": "ipconfig1", "properties": ipconfig}]}}))
    return n.id, pip_id


def vm_body(nic_id: str, key_line: str | None, *, admin: str = "azureuser", nic_delete: str | None = None,
            disk_delete: str | None = None, password: str | None = None, size: str | None = "Standard_B1s",
            location: str = LOC) -> dict[str, Any]:
    linux: dict[str, Any] = {"disablePasswordAuthentication": password is None}
    if key_line:
        linux["ssh"] = {"publicKeys": [{"path": f"/home/{admin}/.ssh/authorized_keys", "keyData": key_line}]}
    os_profile: dict[str, Any] = {"computerName": "vmhost", "adminUsername": admin, "linuxConfiguration": linux}
    if password:
        os_profile["adminPassword"] = password
    os_disk: dict[str, Any] = {"createOption": "FromImage"}
    if disk_delete:
        os_disk["deleteOption"] = disk_delete
    nic_ref: dict[str, Any] = {"id": nic_id}
    if nic_delete:
        nic_ref["properties"] = {"deleteOption": nic_delete}
    props: dict[str, Any] = {"hardwareProfile": {"vmSize": size} if size else {},
                             "storageProfile": {"imageReference": IMAGE, "osDisk": os_disk},
                             "osProfile": os_profile, "networkProfile": {"networkInterfaces": [nic_ref]}}
    return {"location": location, "properties": props}


async def create_vm(gw: Gateway, name: str, body: dict[str, Any]) -> Any:
    return await gw.result(gw.compute.virtual_machines.begin_create_or_update(RG, name, body))


async def run(gw: Gateway, vm: str, *lines: str) -> Any:
    res = await gw.result(gw.compute.virtual_machines.begin_run_command(
        RG, vm, {"commandId": "RunShellScript", "script": list(lines)}))
    return res.value[0]


async def test_vm_lifecycle_documents_and_instance_view(gw: Gateway, emu, client_key) -> None:
    subnet = await network(gw)
    nic_id, _ = await nic(gw, "vm1", subnet)
    secret = "Pa55word-never-returned!"
    vm = await create_vm(gw, "vm1", vm_body(nic_id, pub(client_key), password=secret))
    assert vm.properties.provisioning_state == "Succeeded"
    assert vm.properties.os_profile.admin_username == "azureuser"
    assert vm.properties.os_profile.linux_configuration.disable_password_authentication is False
    assert vm.properties.storage_profile.os_disk.os_type == "Linux"
    got = await gw.compute.virtual_machines.get(RG, "vm1", expand="instanceView")
    codes = [s.code for s in got.properties.instance_view.statuses]
    assert codes == ["ProvisioningState/succeeded", "PowerState/running"]
    # the NIC knows its VM; the OS disk exists and is attached
    n = await gw.network.network_interfaces.get(RG, "vm1-nic")
    assert n.virtual_machine.id == vm.id
    disk_id = vm.properties.storage_profile.os_disk.managed_disk.id
    disk = await call(emu, "GET", disk_id, api_version="2026-03-02")
    assert disk.status == 200 and disk.body["managedBy"] == vm.id and disk.body["properties"]["diskState"] == "Attached"
    # secrets never come back: no password, no host private key, in any answer or in the ARM document
    raw = await call(emu, "GET", vm.id, api_version="2026-04-01")
    text = json.dumps(raw.body)
    assert "adminPassword" not in text and secret not in text and "PRIVATE KEY" not in text
    emu.store.flush()
    assert secret not in emu.store.path.read_text()
    assert [v.name async for v in gw.compute.virtual_machines.list(RG)] == ["vm1"]
    assert [v.name async for v in gw.compute.virtual_machines.list_all()] == ["vm1"]
    # a re-PUT of the same VM (a resumed apply) is an update, not a conflict with its own NIC
    again = await create_vm(gw, "vm1", vm_body(nic_id, pub(client_key), password=secret))
    assert again.properties.vm_id == vm.properties.vm_id


async def test_delete_option_delete_removes_nic_public_ip_and_disk(gw: Gateway, emu, client_key) -> None:
    subnet = await network(gw)
    nic_id, pip_id = await nic(gw, "vmdel", subnet, pip_delete="Delete")
    vm = await create_vm(gw, "vmdel", vm_body(nic_id, pub(client_key), nic_delete="Delete", disk_delete="Delete"))
    disk_id = vm.properties.storage_profile.os_disk.managed_disk.id
    await gw.result(gw.compute.virtual_machines.begin_delete(RG, "vmdel", force_deletion=True))
    with pytest.raises(ResourceNotFoundError):
        await gw.compute.virtual_machines.get(RG, "vmdel")
    with pytest.raises(ResourceNotFoundError):
        await gw.network.network_interfaces.get(RG, "vmdel-nic")
    with pytest.raises(ResourceNotFoundError):
        await gw.network.public_ip_addresses.get(RG, "vmdel-pip")
    assert (await call(emu, "GET", disk_id, api_version="2026-03-02")).status == 404
    assert pip_id is not None


async def test_default_delete_option_detaches_and_keeps(gw: Gateway, emu, client_key) -> None:
    subnet = await network(gw)
    nic_id, _ = await nic(gw, "vmkeep", subnet)
    vm = await create_vm(gw, "vmkeep", vm_body(nic_id, pub(client_key)))
    disk_id = vm.properties.storage_profile.os_disk.managed_disk.id
    # a NIC in use by a VM cannot be deleted
    with pytest.raises(HttpResponseError) as info:
        await gw.result(gw.network.network_interfaces.begin_delete(RG, "vmkeep-nic"))
    assert info.value.error.code == "NicInUse"
    # nor can the VM's attached disk
    refused = await call(emu, "DELETE", disk_id, api_version="2026-03-02")
    assert refused.status == 409 and refused.body["error"]["code"] == "OperationNotAllowed"
    await gw.result(gw.compute.virtual_machines.begin_delete(RG, "vmkeep"))
    n = await gw.network.network_interfaces.get(RG, "vmkeep-nic")
    assert n.virtual_machine is None
    assert (await gw.network.public_ip_addresses.get(RG, "vmkeep-pip")).ip_address
    disk = await call(emu, "GET", disk_id, api_version="2026-03-02")
    assert disk.status == 200 and "managedBy" not in disk.body and disk.body["properties"]["diskState"] == "Unattached"
    listed = await call(emu, "GET", f"/subscriptions/{emu.config.subscription_id}/providers/Microsoft.Compute/disks",
                        api_version="2026-03-02")
    assert [d["id"] for d in listed.body["value"]] == [disk_id]
    # detached things can now go, and a freed NIC can serve another VM
    assert (await call(emu, "DELETE", disk_id, api_version="2026-03-02")).status in (200, 202, 204)
    assert (await call(emu, "GET", disk_id, api_version="2026-03-02")).status == 404
    vm2 = await create_vm(gw, "vmkeep2", vm_body(nic_id, pub(client_key)))
    assert vm2.properties.provisioning_state == "Succeeded"


@pytest.mark.parametrize("admin", ["admin", "Administrator", "root", "user1", "guest"])
async def test_reserved_admin_names_are_refused(gw: Gateway, client_key, admin: str) -> None:
    subnet = await network(gw)
    nic_id, _ = await nic(gw, "vmr", subnet, public_ip=False)
    with pytest.raises(HttpResponseError) as info:
        await create_vm(gw, "vmr", vm_body(nic_id, pub(client_key), admin=admin))
    assert info.value.status_code == 400
    assert info.value.error.code == "InvalidParameter"
    assert info.value.error.message == "The Admin Username specified is not allowed."
    assert info.value.error.target == "adminUsername"


async def test_create_validation_errors(gw: Gateway, emu, client_key) -> None:
    subnet = await network(gw)
    nic_id, _ = await nic(gw, "vmv", subnet, public_ip=False)

    async def code_of(body: dict[str, Any], name: str = "vmv") -> tuple[int, str, str]:
        with pytest.raises(HttpResponseError) as info:
            await create_vm(gw, name, body)
        return info.value.status_code, info.value.error.code, info.value.error.message

    status, code, message = await code_of(vm_body(nic_id, pub(client_key), size=None))
    assert (status, code) == (400, "InvalidParameter") and "vmSize" in message
    status, code, message = await code_of(vm_body(nic_id, None))
    assert (status, code) == (400, "InvalidParameter")
    assert message == "Authentication using either SSH or by user name and password must be enabled in Linux profile."
    missing = nic_id.replace("vmv-nic", "nope-nic")
    status, code, message = await code_of(vm_body(missing, pub(client_key)))
    assert (status, code) == (400, "InvalidResourceReference") and missing in message
    status, code, _ = await code_of(vm_body(nic_id, pub(client_key), location="eastus2"))
    assert (status, code) == (400, "InvalidResourceReference")  # the NIC is in westus2
    bad_key = vm_body(nic_id, "not-a-key")
    status, code, message = await code_of(bad_key)
    assert code == "InvalidParameter" and "keyData" in message
    await create_vm(gw, "vmv", vm_body(nic_id, pub(client_key)))
    status, code, message = await code_of(vm_body(nic_id, pub(client_key)), name="vmv-other")
    assert (status, code) == (400, "NicInUse") and "vmv" in message
    assert [v.name async for v in gw.compute.virtual_machines.list(RG)] == ["vmv"]


async def test_run_command_output_format(gw: Gateway, emu, client_key) -> None:
    subnet = await network(gw, dns_servers=["10.30.1.53"])
    nic_id, _ = await nic(gw, "vmrc", subnet)
    await create_vm(gw, "vmrc", vm_body(nic_id, pub(client_key)))
    host_key = emu.store.get(f"/subscriptions/{emu.config.subscription_id}/resourceGroups/{RG}/providers/"
                             "Microsoft.Compute/virtualMachines/vmrc").internal["host_key_public"]
    status = await run(gw, "vmrc", "cat /etc/ssh/ssh_host_ed25519_key.pub", "hostname")
    assert status.code == "ProvisioningState/succeeded"
    assert status.level == "Info" and status.display_status == "Provisioning succeeded"
    assert status.message == f"Enable succeeded: \n[stdout]\n{host_key}\nvmhost\n\n[stderr]\n"
    assert host_key.startswith("ssh-ed25519 ") and host_key.endswith(" root@vmhost")
    # the VNet's custom DNS servers reach systemd-resolved's upstream file; /etc/resolv.conf is the stub
    status = await run(gw, "vmrc", "cat /run/systemd/resolve/resolv.conf")
    assert "nameserver 10.30.1.53\n" in status.message
    status = await run(gw, "vmrc", "cat /etc/resolv.conf")
    assert "nameserver 127.0.0.53\n" in status.message and "10.30.1.53" not in status.message
    # a failing command: bash's words and Azure's failure message
    status = await run(gw, "vmrc", "rm -rf /")
    assert status.message == vmshell.format_run_command_message(
        "", "/var/lib/waagent/run-command/download/0/script.sh: line 1: rm: command not found\n", 127)
    # Windows-only commands are refused on Linux
    with pytest.raises(HttpResponseError) as info:
        await gw.result(gw.compute.virtual_machines.begin_run_command(RG, "vmrc", {"commandId": "RunPowerShellScript"}))
    assert info.value.status_code == 400 and info.value.error.code == "InvalidParameter"


async def test_run_command_lro_conflict_and_not_yet_running(emu_factory, client_key) -> None:
    from plinktui.cloud import resolve_target
    from plinktui.emulator.faults import FaultRule

    emu = await emu_factory(latency_scale=0.01)  # VM 0.6 s, run command 0.2 s: real 202 + Location polling
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    async with Gateway(target, total_timeout=60) as gw:
        subnet = await network(gw)
        ids = {}
        for name in ("vmlat", "vmstuck", "vmslow"):
            ids[name], _ = await nic(gw, name, subnet, public_ip=False)
        # a VM whose creation never finishes is not running: Run Command is refused
        emu.faults.set([FaultRule("lro_stuck", method="PUT", path="virtualMachines/vmslow", count=1)])
        slow = await call(emu, "PUT", f"/subscriptions/{emu.config.subscription_id}/resourceGroups/{RG}/providers/"
                          "Microsoft.Compute/virtualMachines/vmslow", vm_body(ids["vmslow"], pub(client_key)),
                          api_version="2026-04-01")
        assert slow.status == 201 and slow.body["properties"]["provisioningState"] == "Creating"
        with pytest.raises(HttpResponseError) as info:
            await gw.result(gw.compute.virtual_machines.begin_run_command(
                RG, "vmslow", {"commandId": "RunShellScript", "script": ["hostname"]}))
        assert info.value.status_code == 409 and info.value.error.code == "OperationNotAllowed"
        # the SDK's own LRO handling: 201 + Azure-AsyncOperation for the VM, 202 + Location for Run Command
        await create_vm(gw, "vmlat", vm_body(ids["vmlat"], pub(client_key)))
        vm_id = slow.body["id"].replace("vmslow", "vmlat")
        raw = await call(emu, "POST", vm_id + "/runCommand", {"commandId": "RunShellScript", "script": ["echo hi"]},
                         api_version="2026-04-01")
        assert raw.status == 202 and "/operationResults/" in raw.headers["Location"]
        done = await settle(emu, raw)
        assert done.status == 200
        assert done.body == {"value": [{"code": "ProvisioningState/succeeded", "level": "Info",
                                        "displayStatus": "Provisioning succeeded",
                                        "message": "Enable succeeded: \n[stdout]\nhi\n\n[stderr]\n"}]}
        assert (await run(gw, "vmlat", "echo done")).message == "Enable succeeded: \n[stdout]\ndone\n\n[stderr]\n"
        # one Run Command at a time per VM, as Azure
        await create_vm(gw, "vmstuck", vm_body(ids["vmstuck"], pub(client_key)))
        stuck_id = vm_id.replace("vmlat", "vmstuck")
        emu.faults.set([FaultRule("lro_stuck", method="POST", path="vmstuck/runCommand", count=1)])
        first = await call(emu, "POST", stuck_id + "/runCommand", {"commandId": "RunShellScript", "script": ["true"]},
                           api_version="2026-04-01")
        assert first.status == 202
        busy = await call(emu, "POST", stuck_id + "/runCommand", {"commandId": "RunShellScript", "script": ["true"]},
                          api_version="2026-04-01")
        assert busy.status == 409 and busy.body["error"]["code"] == "Conflict"
        assert (await run(gw, "vmlat", "hostname")).message.startswith("Enable succeeded")  # other VMs unaffected


async def test_power_actions_and_run_command_needs_running_vm(gw: Gateway, client_key) -> None:
    subnet = await network(gw)
    nic_id, _ = await nic(gw, "vmp", subnet)
    await create_vm(gw, "vmp", vm_body(nic_id, pub(client_key)))

    async def power() -> str:
        view = await gw.compute.virtual_machines.instance_view(RG, "vmp")
        return [s.code for s in view.statuses if s.code.startswith("PowerState/")][0]

    await gw.result(gw.compute.virtual_machines.begin_power_off(RG, "vmp"))
    assert await power() == "PowerState/stopped"
    with pytest.raises(HttpResponseError) as info:
        await run(gw, "vmp", "hostname")
    assert info.value.status_code == 409 and info.value.error.code == "OperationNotAllowed"
    await gw.result(gw.compute.virtual_machines.begin_start(RG, "vmp"))
    assert await power() == "PowerState/running"
    assert (await run(gw, "vmp", "hostname")).message.startswith("Enable succeeded: \n[stdout]\nvmhost\n")
    await gw.result(gw.compute.virtual_machines.begin_deallocate(RG, "vmp"))
    assert await power() == "PowerState/deallocated"
    with pytest.raises(HttpResponseError) as info:
        await run(gw, "vmp", "hostname")
    assert info.value.status_code == 409 and "deallocated" in info.value.error.message
    with pytest.raises(HttpResponseError) as info:
        await gw.result(gw.compute.virtual_machines.begin_power_off(RG, "vmp"))
    assert info.value.error.code == "OperationNotAllowed"


async def _host_key(gw: Gateway, vm: str) -> str:
    message = (await run(gw, vm, "cat /etc/ssh/ssh_host_ed25519_key.pub")).message
    return message.split("[stdout]\n", 1)[1].split("\n", 1)[0]


async def test_demo_vm_answers_real_ssh_with_pinned_host_key(gw: Gateway, emu, client_key) -> None:
    subnet = await network(gw)
    nic_id, pip_id = await nic(gw, "vmssh", subnet)
    await create_vm(gw, "vmssh", vm_body(nic_id, pub(client_key)))
    public_ip = (await gw.network.public_ip_addresses.get(RG, "vmssh-pip")).ip_address
    host, port = await gw.ssh_address(public_ip)
    assert host == "127.0.0.1"
    pinned = asyncssh.import_public_key(await _host_key(gw, "vmssh"))
    async with asyncssh.connect(host, port, username="azureuser", client_keys=[client_key],
                                known_hosts=([pinned], [], []), connect_timeout=10) as conn:
        result = await conn.run("hostname; getent hosts localhost", check=False)
    assert result.exit_status == 0 and result.stdout == "vmhost\n127.0.0.1       localhost\n"
    # a wrong key or a wrong user is refused
    stranger = asyncssh.generate_private_key("ssh-ed25519")
    with pytest.raises(asyncssh.PermissionDenied):
        await asyncssh.connect(host, port, username="azureuser", client_keys=[stranger],
                               known_hosts=([pinned], [], []), connect_timeout=10)
    with pytest.raises(asyncssh.PermissionDenied):
        await asyncssh.connect(host, port, username="root", client_keys=[client_key],
                               known_hosts=([pinned], [], []), connect_timeout=10)
    # stopped: no SSH; started again: the same port and host key
    await gw.result(gw.compute.virtual_machines.begin_power_off(RG, "vmssh"))
    with pytest.raises(TargetError):
        await gw.ssh_address(public_ip)
    await gw.result(gw.compute.virtual_machines.begin_start(RG, "vmssh"))
    assert await gw.ssh_address(public_ip) == (host, port)
    await gw.result(gw.compute.virtual_machines.begin_delete(RG, "vmssh"))
    with pytest.raises(TargetError):
        await gw.ssh_address(public_ip)
    with pytest.raises(OSError):
        await asyncssh.connect(host, port, username="azureuser", client_keys=[client_key],
                               known_hosts=([pinned], [], []), connect_timeout=5)


async def test_ssh_map_and_etc_hosts_control_endpoints(gw: Gateway, emu, client_key) -> None:
    subnet = await network(gw)
    nic_id, _ = await nic(gw, "vmmap", subnet)
    vm = await create_vm(gw, "vmmap", vm_body(nic_id, pub(client_key)))
    nic_ip = (await gw.network.network_interfaces.get(RG, "vmmap-nic")).ip_configurations[0].private_ip_address
    public_ip = (await gw.network.public_ip_addresses.get(RG, "vmmap-pip")).ip_address
    smap = await call(emu, "GET", "/_emulator/ssh", token=None)
    assert smap.status == 200 and smap.body["host"] == "127.0.0.1"
    entry = smap.body["by_public_ip"][public_ip]
    assert entry["vm_id"] == vm.id and entry["host"] == "127.0.0.1" and entry["port"] > 0
    assert smap.body["by_vm_id"][vm.id]["private_ip"] == nic_ip
    planted = await call(emu, "POST", "/_emulator/vms/etc-hosts",
                         {"vm_id": vm.id, "entries": [["52.1.2.3", ["kvx.vault.azure.net"]]]}, token=None)
    assert planted.status == 200
    status = await run(gw, "vmmap", "getent hosts kvx.vault.azure.net")
    assert status.message == "Enable succeeded: \n[stdout]\n52.1.2.3        kvx.vault.azure.net\n\n[stderr]\n"
    unknown = await call(emu, "POST", "/_emulator/vms/etc-hosts", {"vm_id": vm.id + "x", "entries": []}, token=None)
    assert unknown.status == 404
    bad = await call(emu, "POST", "/_emulator/vms/etc-hosts", {"vm_id": vm.id, "entries": [["nope", ["a"]]]},
                     token=None)
    assert bad.status == 400


async def test_vm_without_public_ip_has_no_listener_but_runs_commands(gw: Gateway, emu, client_key) -> None:
    subnet = await network(gw)
    nic_id, _ = await nic(gw, "vmpriv", subnet, public_ip=False)
    vm = await create_vm(gw, "vmpriv", vm_body(nic_id, pub(client_key)))
    smap = await call(emu, "GET", "/_emulator/ssh", token=None)
    assert vm.id not in smap.body["by_vm_id"] and smap.body["by_public_ip"] == {}
    assert (await run(gw, "vmpriv", "hostname")).message.startswith("Enable succeeded: \n[stdout]\nvmhost\n")


async def test_listeners_come_back_after_restart_with_the_same_host_key(tmp_path, client_key) -> None:
    from plinktui.cloud import resolve_target
    from plinktui.emulator.server import Emulator, EmulatorConfig

    state = tmp_path / "restart" / "state.json"
    state.parent.mkdir()
    emu = Emulator(EmulatorConfig(), state_path=state, cert_dir=state.parent)
    await emu.start()
    try:
        target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
        async with Gateway(target, total_timeout=60) as gw:
            subnet = await network(gw)
            nic_id, _ = await nic(gw, "vmrs", subnet)
            await create_vm(gw, "vmrs", vm_body(nic_id, pub(client_key)))
            public_ip = (await gw.network.public_ip_addresses.get(RG, "vmrs-pip")).ip_address
            key_before = await _host_key(gw, "vmrs")
    finally:
        await emu.stop()
    text = state.read_text()
    assert "PRIVATE KEY" in text  # the host key persists (internal notes of the state file, mode of the state dir)
    emu2 = Emulator(EmulatorConfig(), state_path=state, cert_dir=state.parent)
    await emu2.start()
    try:
        target = await resolve_target(arm_endpoint=emu2.endpoint, ca_cert=emu2.ca_cert)
        async with Gateway(target, total_timeout=60) as gw:
            host, port = await gw.ssh_address(public_ip)
            pinned = asyncssh.import_public_key(key_before)
            async with asyncssh.connect(host, port, username="azureuser", client_keys=[client_key],
                                        known_hosts=([pinned], [], []), connect_timeout=10) as conn:
                assert (await conn.run("hostname", check=False)).stdout == "vmhost\n"
            doc = (await call(emu2, "GET", f"/subscriptions/{emu2.config.subscription_id}/resourceGroups/{RG}/"
                              "providers/Microsoft.Compute/virtualMachines/vmrs", api_version="2026-04-01")).body
            assert "PRIVATE KEY" not in json.dumps(doc)
    finally:
        await emu2.stop()


async def test_resource_group_delete_takes_the_vm_and_its_listener(gw: Gateway, emu, client_key) -> None:
    subnet = await network(gw)
    nic_id, _ = await nic(gw, "vmrg", subnet)
    await create_vm(gw, "vmrg", vm_body(nic_id, pub(client_key), disk_delete="Delete"))
    public_ip = (await gw.network.public_ip_addresses.get(RG, "vmrg-pip")).ip_address
    await gw.ssh_address(public_ip)
    await gw.result(gw.resources.resource_groups.begin_delete(RG))
    assert [v async for v in gw.compute.virtual_machines.list_all()] == []
    with pytest.raises(TargetError):
        await gw.ssh_address(public_ip)

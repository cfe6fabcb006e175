"""The demo subscription seed: a believable brownfield built through the emulator's own routes, idempotent, with a
jumpbox that answers real SSH to the demo key."""

from __future__ import annotations

import copy
import json
import stat
from typing import Any

import asyncssh

from plinktui.cloud import Gateway
from plinktui.emulator import seed

VOLATILE = {"etag", "vmId", "timeCreated", "resourceGuid", "macAddress", "uniqueId", "ipAddress", "keyData",
            "host_key_private", "host_key_public", "ssh_port", "internalDomainNameSuffix"}


def _snapshot(emu) -> str:
    return json.dumps(emu.store.snapshot(), sort_keys=True)


def _normalised(doc: Any) -> Any:
    """A document without per-instance values (GUIDs, etags, times, addresses, generated names)."""
    if isinstance(doc, dict):
        return {k: ("*" if k in VOLATILE else _normalised(v)) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_normalised(v) for v in doc]
    if isinstance(doc, str):
        if doc.startswith("/subscriptions/"):
            doc = "/subscriptions/*/" + doc.split("/", 3)[3]
        if "_OsDisk_1_" in doc:
            doc = doc.split("_OsDisk_1_")[0] + "_OsDisk_1_*"
    return doc


async def test_seed_builds_the_workload_and_is_idempotent(gw: Gateway, emu, tmp_path) -> None:
    key_path = seed.seed_demo(emu, tmp_path / "demo")
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert key_path.read_text().startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    vnet = await gw.network.virtual_networks.get(seed.RESOURCE_GROUP, seed.VNET)
    assert vnet.location == "westus2" and vnet.address_space.address_prefixes == ["10.20.0.0/16"]
    assert {(s.name, s.address_prefix) for s in vnet.subnets} == {("snet-workload", "10.20.1.0/24"),
                                                                  ("snet-endpoints", "10.20.2.0/24")}
    nsg = await gw.network.network_security_groups.get(seed.RESOURCE_GROUP, seed.NSG)
    ssh_rules = [r for r in nsg.security_rules if r.destination_port_range == "22"]
    assert [(r.access, r.source_address_prefix) for r in ssh_rules] == [("Allow", "203.0.113.7/32")]
    vm = await gw.compute.virtual_machines.get(seed.RESOURCE_GROUP, seed.JUMPBOX, expand="instanceView")
    assert vm.hardware_profile.vm_size == "Standard_B1s"
    assert vm.storage_profile.image_reference.offer == "ubuntu-24_04-lts"
    assert vm.os_profile.admin_username == "azureuser"
    assert "PowerState/running" in [s.code for s in vm.instance_view.statuses]
    pub = (tmp_path / "demo" / "demo_ed25519.pub").read_text().strip()
    assert [k.key_data for k in vm.os_profile.linux_configuration.ssh.public_keys] == [pub]
    nic = await gw.network.network_interfaces.get(seed.RESOURCE_GROUP, f"{seed.JUMPBOX}-nic")
    assert nic.virtual_machine.id == vm.id and nic.ip_configurations[0].private_ip_address == "10.20.1.4"
    # seeding again changes nothing: same documents, same etags, same key
    before, key_before = _snapshot(emu), key_path.read_bytes()
    again = seed.seed_demo(emu, tmp_path / "demo")
    assert again == key_path and key_path.read_bytes() == key_before
    assert _snapshot(emu) == before


async def test_seeded_documents_equal_what_the_sdk_path_makes(gw: Gateway, emu, emu_factory, tmp_path) -> None:
    seed.seed_demo(emu, tmp_path / "demo")
    other = await emu_factory()
    from plinktui.cloud import resolve_target

    pub = (tmp_path / "demo" / "demo_ed25519.pub").read_text().strip()
    target = await resolve_target(arm_endpoint=other.endpoint, ca_cert=other.ca_cert)
    async with Gateway(target, total_timeout=60) as sdk:
        for path, body, _api in seed.demo_resources(other.config.subscription_id, pub):
            parts = path.split("/")
            rg = parts[4]
            kind, name = parts[-2], parts[-1]
            body = copy.deepcopy(body)
            if kind == "resourceGroups":
                await sdk.resources.resource_groups.create_or_update(name, body)
            elif kind == "networkSecurityGroups":
                await sdk.result(sdk.network.network_security_groups.begin_create_or_update(rg, name, body))
            elif kind == "virtualNetworks":
                await sdk.result(sdk.network.virtual_networks.begin_create_or_update(rg, name, body))
            elif kind == "publicIPAddresses":
                await sdk.result(sdk.network.public_ip_addresses.begin_create_or_update(rg, name, body))
            elif kind == "networkInterfaces":
                await sdk.result(sdk.network.network_interfaces.begin_create_or_update(rg, name, body))
            else:
                await sdk.result(sdk.compute.virtual_machines.begin_create_or_update(rg, name, body))
    seeded = {_normalised(r.id): _normalised(r.doc) for r in emu.store._by_id.values()}
    made = {_normalised(r.id): _normalised(r.doc) for r in other.store._by_id.values()}
    assert seeded.keys() == made.keys()
    for key in seeded:
        assert seeded[key] == made[key], key


async def test_seeded_jumpbox_answers_ssh_with_the_demo_key(gw: Gateway, emu, tmp_path) -> None:
    key_path = seed.seed_demo(emu, tmp_path / "demo")
    pip = await gw.network.public_ip_addresses.get(seed.RESOURCE_GROUP, f"{seed.JUMPBOX}-pip")
    host, port = await gw.ssh_address(pip.ip_address)
    rc = await gw.result(gw.compute.virtual_machines.begin_run_command(
        seed.RESOURCE_GROUP, seed.JUMPBOX, {"commandId": "RunShellScript",
                                            "script": ["cat /etc/ssh/ssh_host_ed25519_key.pub"]}))
    host_key = rc.value[0].message.split("[stdout]\n", 1)[1].split("\n", 1)[0]
    pinned = asyncssh.import_public_key(host_key)
    async with asyncssh.connect(host, port, username="azureuser", client_keys=[str(key_path)],
                                known_hosts=([pinned], [], []), connect_timeout=10) as conn:
        result = await conn.run("hostname; cat /etc/resolv.conf /run/systemd/resolve/resolv.conf", check=False)
    assert result.stdout.startswith("vm-jumpbox\n") and "nameserver 127.0.0.53\n" in result.stdout
    assert "nameserver 168.63.129.16\n" in result.stdout  # the upstream, behind systemd-resolved's stub


async def test_seed_is_instant_under_latency_and_faults(emu_factory, tmp_path) -> None:
    from plinktui.emulator.faults import FaultRule

    emu = await emu_factory(latency_scale=5.0)
    emu.faults.set([FaultRule("lro_failed")])
    seed.seed_demo(emu, tmp_path / "demo")
    vm = emu.store.get(f"/subscriptions/{emu.config.subscription_id}/resourceGroups/{seed.RESOURCE_GROUP}/providers/"
                       f"Microsoft.Compute/virtualMachines/{seed.JUMPBOX}")
    assert vm is not None and vm.props["provisioningState"] == "Succeeded" and vm.internal["power"] == "running"
    assert emu.config.latency_scale == 5.0 and [r.fault for r in emu.faults.rules] == ["lro_failed"]

"""The demo subscription's starting point: an existing workload VNet in westus2 with a jumpbox VM.

"Most users considering this already have resources in the target VNet": ``seed_demo`` gives the demo cloud a
believable brownfield — resource group ``rg-workload-westus2`` with VNet ``vnet-workload`` (10.20.0.0/16; subnets
``snet-workload`` 10.20.1.0/24 and ``snet-endpoints`` 10.20.2.0/24), an NSG that allows SSH from one documentation
address only, and the jumpbox ``vm-jumpbox`` (Standard_B1s, Ubuntu 24.04, ``azureuser``) with a public IP. The
jumpbox trusts a demo SSH key generated into the demo directory (private key 0600).

Every resource is created through the emulator's own ARM routes and Kinds, exactly as an SDK client's PUT would
create it (same validation, same side effects, same documents), but in-process, instantly (no latency, no injected
faults). Seeding is idempotent: a resource that exists is left alone, so seeding twice changes nothing.
"""

from __future__ import annotations

import pathlib
from collections.abc import Awaitable, Coroutine
from typing import TYPE_CHECKING, Any, cast

from plinktui.emulator import errors
from plinktui.emulator.faults import Faults
from plinktui.emulator.resource import Req, Resp

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator

RESOURCE_GROUP = "rg-workload-westus2"
LOCATION = "westus2"
VNET = "vnet-workload"
SUBNET_WORKLOAD = "snet-workload"
SUBNET_ENDPOINTS = "snet-endpoints"
NSG = "nsg-workload"
JUMPBOX = "vm-jumpbox"
ADMIN = "azureuser"
SSH_SOURCE = "203.0.113.7/32"
"""The one address the NSG lets in on port 22 (TEST-NET-3, a documentation range)."""
DEMO_KEY_NAME = "demo"
TAGS = {"workload": "payments", "environment": "demo", "costCenter": "cc-4711"}

API_RESOURCES = "2025-04-01"
API_NETWORK = "2026-03-01"
API_COMPUTE = "2026-04-01"


class SeedError(RuntimeError):
    """The emulator refused a seeded resource (a bug or a conflicting state file); one clear line."""


def _run_sync(coro: Awaitable[Any]) -> Resp:
    """Run an emulator handler to completion without an event loop turn.

    Handlers are synchronous inside (no awaits mid-mutation), so the coroutine finishes on its first step.
    """
    if not isinstance(coro, Coroutine):
        raise SeedError("an emulator handler is not a coroutine")
    try:
        coro.send(None)
    except StopIteration as stop:
        return cast(Resp, stop.value)
    coro.close()
    raise SeedError("an emulator handler suspended while seeding")


def _put(emu: Emulator, path: str, body: dict[str, Any], api_version: str) -> bool:
    """PUT ``path`` through the emulator's route unless it exists; returns whether it was created."""
    if emu.store.get(path) is not None:
        return False
    route, params, _known = emu.router.resolve("PUT", path)
    if route is None:
        raise SeedError(f"the emulator has no route for {path}")
    base = f"https://{emu.host}:{emu.port}"
    req = Req(emu, "PUT", path, params, {"api-version": api_version}, body,
              {"Content-Type": "application/json"}, base, api_version)
    try:
        resp = _run_sync(route.handler(req))
    except errors.ArmError as exc:
        raise SeedError(f"seeding {path.rsplit('/', 1)[-1]} failed: {exc.code}: {exc.message}") from None
    if resp.status >= 400:
        raise SeedError(f"seeding {path.rsplit('/', 1)[-1]} failed with HTTP {resp.status}")
    return True


def demo_key(demo_dir: pathlib.Path) -> tuple[pathlib.Path, str]:
    """The demo SSH key pair in ``demo_dir`` (created once, private key 0600): (private key path, public line)."""
    from plinktui.sshkeys import generate

    demo_dir.mkdir(parents=True, exist_ok=True)
    pair = generate(DEMO_KEY_NAME, directory=demo_dir, comment="plinktui-demo")
    return pair.private_path, pair.public_key


def linux_vm_properties(computer_name: str, public_key: str, nic_id: str) -> dict[str, Any]:
    """The ``properties`` of an Ubuntu 24.04 demo VM (key login only) on one NIC: what the seeds and test worlds
    create, so every demo VM answers SSH the same way."""
    return {
        "hardwareProfile": {"vmSize": "Standard_B1s"},
        "storageProfile": {"imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server",
                                              "version": "latest"},
                           "osDisk": {"createOption": "FromImage", "deleteOption": "Delete"}},
        "osProfile": {"computerName": computer_name, "adminUsername": ADMIN, "linuxConfiguration": {
            "disablePasswordAuthentication": True,
            "ssh": {"publicKeys": [{"path": f"/home/{ADMIN}/.ssh/authorized_keys", "keyData": public_key}]}}},
        "networkProfile": {"networkInterfaces": [{"id": nic_id, "properties": {"deleteOption": "Delete"}}]}}


def demo_resources(subscription_id: str, public_key: str) -> list[tuple[str, dict[str, Any], str]]:
    """The seeded resources in creation order: (ARM path, PUT body, api-version), exactly as an SDK client sends them.

    Args:
        subscription_id: the emulator's subscription.
        public_key: the OpenSSH public key line the jumpbox trusts.
    """
    rg = f"/subscriptions/{subscription_id}/resourceGroups/{RESOURCE_GROUP}"
    net = f"{rg}/providers/Microsoft.Network"
    nsg_id, vnet_id = f"{net}/networkSecurityGroups/{NSG}", f"{net}/virtualNetworks/{VNET}"
    pip_id, nic_id = f"{net}/publicIPAddresses/{JUMPBOX}-pip", f"{net}/networkInterfaces/{JUMPBOX}-nic"
    vm_id = f"{rg}/providers/Microsoft.Compute/virtualMachines/{JUMPBOX}"
    return [
        (rg, {"location": LOCATION, "tags": TAGS}, API_RESOURCES),
        (nsg_id, {"location": LOCATION, "tags": TAGS, "properties": {"securityRules": [{
            "name": "AllowSshFromAdmin", "properties": {
                "description": "SSH from the admin workstation only", "protocol": "Tcp", "sourcePortRange": "*",
                "destinationPortRange": "22", "sourceAddressPrefix": SSH_SOURCE, "destinationAddressPrefix": "*",
                "access": "Allow", "priority": 1000, "direction": "Inbound"}}]}}, API_NETWORK),
        (vnet_id, {"location": LOCATION, "tags": TAGS, "properties": {
            "addressSpace": {"addressPrefixes": ["10.20.0.0/16"]},
            "subnets": [{"name": SUBNET_WORKLOAD, "properties": {"addressPrefix": "10.20.1.0/24"}},
                        {"name": SUBNET_ENDPOINTS, "properties": {"addressPrefix": "10.20.2.0/24"}}]}}, API_NETWORK),
        (pip_id, {"location": LOCATION, "tags": TAGS, "sku": {"name": "Standard", "tier": "Regional"},
                  "properties": {"publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4"}},
         API_NETWORK),
        (nic_id, {"location": LOCATION, "tags": TAGS, "properties": {
            "networkSecurityGroup": {"id": nsg_id},
            "ipConfigurations": [{"name": "ipconfig1", "properties": {
                "privateIPAllocationMethod": "Dynamic", "subnet": {"id": f"{vnet_id}/subnets/{SUBNET_WORKLOAD}"},
                "publicIPAddress": {"id": pip_id}, "primary": True}}]}}, API_NETWORK),
        (vm_id, {"location": LOCATION, "tags": TAGS, "properties": {
            "hardwareProfile": {"vmSize": "Standard_B1s"},
            "storageProfile": {
                "imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server",
                                   "version": "latest"},
                "osDisk": {"createOption": "FromImage", "managedDisk": {"storageAccountType": "Standard_LRS"},
                           "deleteOption": "Delete"}},
            "osProfile": {"computerName": JUMPBOX, "adminUsername": ADMIN, "linuxConfiguration": {
                "disablePasswordAuthentication": True,
                "ssh": {"publicKeys": [{"path": f"/home/{ADMIN}/.ssh/authorized_keys", "keyData": public_key}]}}},
            "networkProfile": {"networkInterfaces": [{"id": nic_id, "properties": {"deleteOption": "Delete"}}]}}},
         API_COMPUTE),
    ]


def seed_demo(emu: Emulator, demo_dir: str | pathlib.Path) -> pathlib.Path:
    """Create the demo subscription's workload VNet and jumpbox (what is missing of it).

    Args:
        emu: the emulator (started or not; a started one opens the jumpbox's SSH listener right away).
        demo_dir: where the demo SSH key pair lives (``demo_ed25519`` 0600 and ``demo_ed25519.pub``).

    Returns:
        The path of the demo private key that the jumpbox trusts for ``azureuser``.

    Raises:
        SeedError: the emulator refused a resource.
    """
    private_path, public_line = demo_key(pathlib.Path(demo_dir))
    # Seeding is instant and fault-free whatever the emulator is configured with; nothing awaits in between, so no
    # request can observe the temporary settings.
    saved_scale, saved_faults, saved_reader = emu.config.latency_scale, emu.faults, emu.config.reader_only
    emu.config.latency_scale, emu.faults, emu.config.reader_only = 0.0, Faults(0), False
    try:
        for path, body, api_version in demo_resources(emu.config.subscription_id, public_line):
            _put(emu, path, body, api_version)
    finally:
        emu.config.latency_scale, emu.faults, emu.config.reader_only = saved_scale, saved_faults, saved_reader
    return private_path

"""Shared helpers for the TUI tests: a seeded in-process demo cloud and a polling wait."""

from __future__ import annotations

import asyncio
import pathlib
import time
from collections.abc import Callable
from typing import Any

from plinktui.emulator.embedded import DemoCloud
from plinktui.emulator.seed import seed_demo


async def seeded_cloud(emu_factory: Any, tmp_path: pathlib.Path) -> DemoCloud:
    """An emulator on the test's loop, seeded like ``plinktui demo`` (workload VNet + jumpbox)."""
    return (await seeded(emu_factory, tmp_path))[1]


async def seeded(emu_factory: Any, tmp_path: pathlib.Path) -> tuple[Any, DemoCloud]:
    """Like :func:`seeded_cloud`, also returning the emulator (for faults and direct state)."""
    emu = await emu_factory(latency_scale=0)
    key = seed_demo(emu, tmp_path / "demo")
    return emu, DemoCloud(emu.endpoint, emu.ca_cert, emu.config.subscription_id, emu.config.tenant_id, str(key))


async def wait_for(pilot: Any, cond: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    """Let the app run until ``cond()`` holds (fails the test with ``what`` after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; screen is {type(pilot.app.screen).__name__}")
        await pilot.pause(0.05)
        await asyncio.sleep(0)


SUB = "8f2e4c1a-7b3d-4e5f-9a6b-1c2d3e4f5a6b"
RG = "rg-workload-westus2"
NET = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network"
KVP = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.KeyVault/vaults"
ZONE = "privatelink.vaultcore.azure.net"
VNET_ID = f"{NET}/virtualNetworks/vnet-workload"
SUBNET_ID = f"{VNET_ID}/subnets/snet-endpoints"


def synthetic_result(n: int = 3, probes: int = 3, pending: int = 0) -> Any:
    """A deterministic AuditResult: ``n`` vault endpoints in one VNet, the first ``probes`` probed from a jumpbox.

    The last ``pending`` endpoints have a Pending connection (so the Findings tab has something to show).
    """
    from audits import checks
    from audits.inventory import Inventory
    from audits.report import AuditResult
    from plinktui.probes.verdict import ProbeVerdict

    vnet = {"id": VNET_ID, "name": "vnet-workload", "location": "westus2", "properties": {
        "addressSpace": {"addressPrefixes": ["10.20.0.0/16"]}, "dhcpOptions": {"dnsServers": []},
        "subnets": [{"id": SUBNET_ID, "name": "snet-endpoints", "properties": {
            "addressPrefix": "10.20.0.0/16", "privateEndpointNetworkPolicies": "Disabled"}}]}}
    zone_id = f"{NET}/privateDnsZones/{ZONE}"
    eps, nics, vaults, records, verdicts = [], [], [], [], []
    for i in range(n):
        kv, pe = f"kv-app{i:05d}", f"pe-kv-app{i:05d}"
        ip = f"10.20.{2 + i // 250}.{4 + i % 250}"
        status = "Pending" if i >= n - pending else "Approved"
        vaults.append({"id": f"{KVP}/{kv}", "name": kv, "location": "eastus2", "properties": {
            "vaultUri": f"https://{kv}.vault.azure.net/", "publicNetworkAccess": "Disabled",
            "networkAcls": {"defaultAction": "Deny"}, "enableRbacAuthorization": True,
            "privateEndpointConnections": [{"id": f"{KVP}/{kv}/privateEndpointConnections/{pe}-conn", "properties": {
                "privateEndpoint": {"id": f"{NET}/privateEndpoints/{pe}"},
                "privateLinkServiceConnectionState": {"status": status}}}]}})
        eps.append({"id": f"{NET}/privateEndpoints/{pe}", "name": pe, "location": "westus2", "properties": {
            "provisioningState": "Succeeded", "subnet": {"id": SUBNET_ID},
            "networkInterfaces": [{"id": f"{NET}/networkInterfaces/{pe}.nic.0001"}],
            "privateLinkServiceConnections": [{"name": f"{pe}-conn", "properties": {
                "privateLinkServiceId": f"{KVP}/{kv}", "groupIds": ["vault"],
                "privateLinkServiceConnectionState": {"status": status}}}]}})
        nics.append({"id": f"{NET}/networkInterfaces/{pe}.nic.0001", "name": f"{pe}.nic.0001", "location": "westus2",
                     "properties": {"privateEndpoint": {"id": f"{NET}/privateEndpoints/{pe}"}, "ipConfigurations": [
                         {"name": "ipconfig1", "properties": {"privateIPAddress": ip, "subnet": {"id": SUBNET_ID}}}]}})
        if status == "Approved":
            records.append({"id": f"{zone_id}/A/{kv}", "name": kv, "type": "Microsoft.Network/privateDnsZones/A",
                            "properties": {"ttl": 10, "aRecords": [{"ipv4Address": ip}],
                                           "metadata": {"creator": "created by private endpoint"}}})
        if i < probes:
            fqdn = f"{kv}.vault.azure.net"
            verdicts.append(ProbeVerdict(vm="vm-jumpbox", fqdn=fqdn, resolved_ips=[ip],
                                         cname_chain=[fqdn, f"{kv}.privatelink.vaultcore.azure.net"], expected_ip=ip,
                                         verdict="pass", healthstatus_addr="10.20.1.4"))
    link = {"id": f"{zone_id}/virtualNetworkLinks/link-vnet-workload", "name": "link-vnet-workload",
            "properties": {"virtualNetwork": {"id": VNET_ID}, "registrationEnabled": False,
                           "resolutionPolicy": "Default"}}
    inv = Inventory.from_dicts(private_endpoints=eps, network_interfaces=nics, virtual_networks=[vnet],
                               private_dns_zones=[{"id": zone_id, "name": ZONE, "location": "global"}],
                               record_sets={zone_id: records}, virtual_network_links={zone_id: [link]},
                               vaults=vaults, subscriptions=[SUB])
    return AuditResult(inventory=inv, findings=checks.run_all(inv, verdicts), probes=verdicts,
                       stats={"arm_requests": 0, "seconds": 0.0})


async def advance(pilot: Any, screen_type: type, timeout: float = 30.0) -> Any:
    """Wait for ``screen_type`` to be on top with Next enabled, press ctrl+n; returns that screen."""
    from textual.widgets import Button

    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, screen_type), timeout=timeout, what=screen_type.__name__)
    screen = app.screen
    await wait_for(pilot, lambda: not screen.query_one("#next", Button).disabled, timeout=timeout,
                   what=f"Next enabled on {screen_type.__name__} ({screen.problem()})")
    await pilot.press("ctrl+n")
    return screen


def table_rows(table: Any) -> list[list[str]]:
    """A DataTable's rows as text."""
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def row_dicts(table: Any) -> list[dict[str, str]]:
    """A DataTable's rows as ``{column label: text}`` (tests stay true when the column order changes)."""
    labels = [str(c.label) for c in table.ordered_columns]
    return [dict(zip(labels, row, strict=True)) for row in table_rows(table)]

"""Preflight is a list of named checks: each reports its own problem in a world built for it, and ``run`` runs every
check in the list exactly once, each after the check whose answer it reads.

Every world is built through the official SDK clients on the emulator; a world plants one defect, and the check that
owns it must report it alone (run after the checks it reads, never before) and within the whole preflight.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from plinktui import plan as plan_mod
from plinktui import preflight
from plinktui.cloud import Gateway, resolve_target
from plinktui.emulator.faults import FaultRule
from plinktui.emulator.seed import linux_vm_properties
from plinktui.preflight import Check, PreflightContext, Problem
from tests.factories import plan_toml
from tests.hubspoke_world import INBOUND_IP, HubSpoke

RG = "rg-pf"
KEY = "ssh-ed25519 " + "A" * 68 + " t"
OTHER_SUB = "22222222-2222-2222-2222-222222222222"
REUSE = {'address_space = ["10.70.0.0/16"]\n': ""}  # the plan names the VNet without creating it

Build = Callable[[Gateway], Awaitable[dict[str, str]]]


async def _group(gw: Gateway) -> None:
    await gw.resources.resource_groups.create_or_update(RG, {"location": "westus2"})


def _vnet(subnet_prefix: str) -> Build:
    """The plan's VNet ``vnet-pf`` already there, its ``snet-endpoints`` holding ``subnet_prefix``."""

    async def build(gw: Gateway) -> dict[str, str]:
        await _group(gw)
        await gw.result(gw.network.virtual_networks.begin_create_or_update(RG, "vnet-pf", {
            "location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.70.0.0/16"]}, "subnets": [
                {"name": "snet-endpoints", "properties": {"addressPrefix": subnet_prefix}}]}}))
        return {}

    return build


async def _hub(gw: Gateway) -> dict[str, str]:
    """A spoke whose DNS server is the inbound endpoint of a resolver in the hub it is peered with."""
    sub = gw.subscription_id
    w = HubSpoke(gw, [sub, sub])
    await w.hub_side()
    spoke = await w.spoke("vnet-spoke", 20)
    await w.peer_both(spoke)
    return {**REUSE, 'vnet = "vnet-pf"': f'vnet = "{spoke}"',
            'subnet = "snet-endpoints"\nsubnet_prefix = "10.70.1.0/24"': 'subnet = "snet-pe"'}


async def _other_subnet(gw: Gateway) -> str:
    await _group(gw)
    vnet = await gw.result(gw.network.virtual_networks.begin_create_or_update(RG, "vnet-other", {
        "location": "westus2", "properties": {"addressSpace": {"addressPrefixes": ["10.9.0.0/16"]}, "subnets": [
            {"name": "snet-x", "properties": {"addressPrefix": "10.9.1.0/24"}}]}}))
    return f"{vnet.id}/subnets/snet-x"


async def _nic(gw: Gateway, name: str) -> str:
    nic = await gw.result(gw.network.network_interfaces.begin_create_or_update(RG, name, {
        "location": "westus2", "properties": {"ipConfigurations": [{"name": "ip", "properties": {
            "subnet": {"id": await _other_subnet(gw)}, "privateIPAllocationMethod": "Dynamic"}}]}}))
    return str(nic.id)


async def _pe(gw: Gateway) -> None:
    subnet = await _other_subnet(gw)
    vault = await gw.result(gw.keyvault.vaults.begin_create_or_update(RG, "kvotherpf01", {
        "location": "eastus2", "properties": {
            "tenantId": gw.target.tenant_id, "sku": {"family": "A", "name": "standard"}, "accessPolicies": [],
            "enableRbacAuthorization": True}}))
    await gw.result(gw.network.private_endpoints.begin_create_or_update(RG, "pe-pf", {
        "location": "westus2", "properties": {"subnet": {"id": subnet}, "privateLinkServiceConnections": [
            {"name": "conn", "properties": {"privateLinkServiceId": vault.id, "groupIds": ["vault"]}}]}}))


async def _vm(gw: Gateway) -> None:
    await gw.result(gw.compute.virtual_machines.begin_create_or_update(RG, "vm-pf", {
        "location": "westus2", "properties": linux_vm_properties("vm-pf", KEY, await _nic(gw, "nic-other"))}))


async def _nsg(gw: Gateway) -> None:
    await _group(gw)
    await gw.result(gw.network.network_security_groups.begin_create_or_update(RG, "vm-pf-nsg",
                                                                               {"location": "westus2"}))


async def _pip(gw: Gateway) -> None:
    await _group(gw)
    await gw.result(gw.network.public_ip_addresses.begin_create_or_update(RG, "vm-pf-pip", {
        "location": "westus2", "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static"}}))


def _taken(make: Callable[[Gateway], Awaitable[Any]]) -> Build:
    """Someone else's resource already holds a name the plan creates."""

    async def build(gw: Gateway) -> dict[str, str]:
        await make(gw)
        return {}

    return build


@dataclasses.dataclass(frozen=True)
class World:
    """A world planting one defect, and the problem (field, start of the message) it must draw."""

    field: str
    message: str
    replace: dict[str, str] = dataclasses.field(default_factory=dict)
    vault_extra: str | None = None
    build: Build | None = None
    emulator: dict[str, Any] = dataclasses.field(default_factory=dict)
    faults: tuple[FaultRule, ...] = ()
    session: str | None = None
    """The subscription the session uses, its tenant left for preflight to read."""


WORLDS: dict[str, World] = {
    "scope": World("plan.subscription", f"the plan targets {OTHER_SUB} but the session uses",
                   replace={f'resource_group = "{RG}"': f'resource_group = "{RG}"\nsubscription = "{OTHER_SUB}"'}),
    "resource_group": World("plan.resource_group", f"cannot read resource group {RG}: AnotherOperationInProgress",
                            faults=(FaultRule("another_op", method="GET", path=f"/resourcegroups/{RG}"),)),
    "permissions": World("permissions", "you lack ", emulator={"reader_only": True}),
    "providers": World("subscription", "resource provider Microsoft.Network is Registering",
                       faults=(FaultRule("registering"),)),
    "tenant": World("plan.subscription", f"cannot read subscription {OTHER_SUB}", session=OTHER_SUB),
    "regions": World("vault.region", "'marsnorth' is not a region of this subscription",
                     replace={'region = "eastus2"': 'region = "marsnorth"'}),
    "vnet": World("network.vnet", f"VNet vnet-pf does not exist in {RG}", replace=REUSE),
    "dns_hub": World("dns.zone", f"VNet vnet-spoke asks DNS server {INBOUND_IP}, the inbound endpoint of resolver "
                     "dnspr-hub in vnet-hub", build=_hub),
    "vnet_match": World("network.vnet", "VNet vnet-pf already exists", build=_vnet("10.70.1.0/24")),
    "subnets": World("network.subnet_prefix", "subnet snet-endpoints already exists with 10.70.9.0/24, not "
                     "10.70.1.0/24", replace=REUSE, build=_vnet("10.70.9.0/24")),
    "zone": World("dns.zone_resource_group", "resource group rg-nowhere does not exist",
                  replace={'link_name = "link-pf"': 'link_name = "link-pf"\nzone_resource_group = "rg-nowhere"'}),
    "vault": World("vault.name", f"vault kvpf0001 not found in {RG}", vault_extra="existing = true"),
    "pe_name": World("private_endpoint.name", "private endpoint pe-pf already exists", build=_taken(_pe)),
    "vm_name": World("test_vm.name", "VM vm-pf already exists", build=_taken(_vm)),
    "nic_name": World("test_vm.name", "NIC vm-pf-nic already exists", build=_taken(lambda gw: _nic(gw, "vm-pf-nic"))),
    "nsg_name": World("test_vm.name", "NSG vm-pf-nsg already exists", build=_taken(_nsg)),
    "pip_name": World("test_vm.name", "public IP vm-pf-pip already exists", build=_taken(_pip)),
}


def _check(name: str) -> Check:
    return next(c for c in preflight.CHECKS if c.name == name)


def _upstream(check: Check) -> list[Check]:
    """The checks ``check`` reads, first first."""
    return [*_upstream(_check(check.after)), _check(check.after)] if check.after else []


def _drawn(world: World, problems: list[Problem]) -> bool:
    return any(p.field == world.field and p.message.startswith(world.message) for p in problems)


@pytest.mark.parametrize("name", [c.name for c in preflight.CHECKS])
async def test_each_check_reports_its_own_problem(emu_factory, name) -> None:
    world = WORLDS[name]  # a new check needs a world here
    emu = await emu_factory(page_size=5, **world.emulator)
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    async with Gateway(target, total_timeout=60) as builder:
        replace = await world.build(builder) if world.build else {}
    emu.faults.set(list(world.faults))
    if world.session:
        target = dataclasses.replace(target, subscription_id=world.session, tenant_id=None)
    extra = {} if world.vault_extra is None else {"vault_extra": world.vault_extra}
    plan = plan_mod.loads(plan_toml("pf", test_vm=True, replace={**world.replace, **replace}, **extra))
    async with Gateway(target, total_timeout=60) as gw:
        alone = PreflightContext(gw, plan)
        for before in _upstream(_check(name)):
            await before.run(alone)
        assert not _drawn(world, alone.result.problems), alone.result.problems  # not a check it reads
        await _check(name).run(alone)
        assert _drawn(world, alone.result.problems), alone.result.problems
        whole = await preflight.run(gw, plan)
    assert _drawn(world, whole.problems), whole.problems


def test_checks_have_unique_names_and_follow_checks_listed_before_them() -> None:
    seen: set[str] = set()
    for check in preflight.CHECKS:
        assert check.name not in seen, check.name
        assert check.after is None or check.after in seen, f"{check.name} runs after unknown {check.after}"
        seen.add(check.name)
    assert seen == set(WORLDS)  # no check dropped, none without a world


async def test_run_runs_every_listed_check_once_after_the_one_it_reads(gw, monkeypatch) -> None:
    events: list[tuple[str, str]] = []

    def recorded(check: Check) -> Check:
        async def run(pf: PreflightContext) -> None:
            events.append(("start", check.name))
            await check.run(pf)
            events.append(("end", check.name))

        return dataclasses.replace(check, run=run)

    checks = tuple(recorded(c) for c in preflight.CHECKS)
    monkeypatch.setattr(preflight, "CHECKS", checks)
    result = await preflight.run(gw, plan_mod.loads(plan_toml("pf", test_vm=True)))
    assert result.ok, result.problems
    started = [name for what, name in events if what == "start"]
    assert sorted(started) == sorted(c.name for c in checks) and len(set(started)) == len(started)
    for check in checks:
        if check.after:
            assert events.index(("end", check.after)) < events.index(("start", check.name)), check.name

"""The few read-only Azure calls the wizard makes, as plain async functions over an open gateway.

They run inside Textual workers (never on the UI's critical path) and return plain data, so screens stay simple.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from plinktui.armid import rg_of
from plinktui.sdkjson import as_json as _j
from screens.messages import NameCheck

if TYPE_CHECKING:
    from plinktui.cloud import Gateway


def _props(obj: dict[str, Any]) -> dict[str, Any]:
    return obj.get("properties") or obj


@dataclass
class VnetInfo:
    """An existing VNet and its subnets."""

    id: str
    name: str
    resource_group: str
    location: str
    address_space: list[str]
    subnets: dict[str, str] = field(default_factory=dict)
    """name -> prefix"""
    policies: dict[str, str] = field(default_factory=dict)
    """name -> privateEndpointNetworkPolicies"""


@dataclass
class VmInfo:
    """A VM with where it sits."""

    name: str
    resource_group: str
    subnet_id: str = ""
    private_ip: str = ""


async def list_subscriptions(gw: Gateway) -> list[tuple[str, str]]:
    """(id, display name) of every subscription the credential sees."""
    out = []
    async for sub in gw.subscriptions.subscriptions.list():
        s = _j(sub)
        out.append((s.get("subscription_id") or s.get("subscriptionId") or "",
                    s.get("display_name") or s.get("displayName") or ""))
    return out


async def list_locations(gw: Gateway) -> list[str]:
    """Region names of the subscription, sorted."""
    names = []
    async for loc in gw.subscriptions.subscriptions.list_locations(gw.subscription_id):
        name = _j(loc).get("name")
        if name:
            names.append(name)
    return sorted(set(names))


async def list_vnets(gw: Gateway) -> list[VnetInfo]:
    """Every VNet of the subscription with its subnets."""
    out = []
    async for vn in gw.network.virtual_networks.list_all():
        v = _j(vn)
        p = _props(v)
        space = (p.get("address_space") or p.get("addressSpace") or {})
        prefixes = space.get("address_prefixes") or space.get("addressPrefixes") or []
        info = VnetInfo(id=v.get("id", ""), name=v.get("name", ""), resource_group=rg_of(v.get("id", "")),
                        location=v.get("location", ""), address_space=list(prefixes))
        for sn in p.get("subnets") or []:
            sp = _props(sn)
            prefix = sp.get("address_prefix") or sp.get("addressPrefix") or \
                ((sp.get("address_prefixes") or sp.get("addressPrefixes") or [""])[0])
            info.subnets[sn.get("name", "")] = prefix
            info.policies[sn.get("name", "")] = sp.get("private_endpoint_network_policies") or \
                sp.get("privateEndpointNetworkPolicies") or "Disabled"
        out.append(info)
    return sorted(out, key=lambda x: (x.location, x.name))


async def list_vaults(gw: Gateway) -> list[tuple[str, str, str]]:
    """(id, name, location) of every vault of the subscription."""
    out = []
    async for vault in gw.keyvault.vaults.list_by_subscription():
        v = _j(vault)
        out.append((v.get("id", ""), v.get("name", ""), v.get("location", "")))
    return sorted(out, key=lambda x: x[1])


async def check_vault_name(gw: Gateway, name: str) -> NameCheck:
    """Is the vault name free globally, soft-deleted vaults included?"""
    async for deleted in gw.keyvault.vaults.list_deleted():
        d = _j(deleted)
        if (d.get("name") or "").lower() == name.lower():
            loc = _props(d).get("location") or "?"
            return NameCheck(name, False, f"a soft-deleted vault holds this name (in {loc}); pick another, or free "
                                          f"it with: az keyvault purge --name {name} --location {loc}")
    res = _j(await gw.keyvault.vaults.check_name_availability({"name": name, "type": "Microsoft.KeyVault/vaults"}))
    available = res.get("name_available", res.get("nameAvailable", True))
    if available is False:
        reason = res.get("message") or res.get("reason") or "already taken"
        return NameCheck(name, False, f"not available: {reason}")
    return NameCheck(name, True, "available")


async def list_vms_in_vnet(gw: Gateway, vnet_id: str) -> list[VmInfo]:
    """VMs with a NIC in the VNet (the candidates for probing from inside)."""
    nic_subnet: dict[str, tuple[str, str]] = {}
    async for nic in gw.network.network_interfaces.list_all():
        n = _j(nic)
        for ipc in _props(n).get("ip_configurations") or _props(n).get("ipConfigurations") or []:
            cfg = _props(ipc)
            sid = (cfg.get("subnet") or {}).get("id", "")
            nic_subnet[n.get("id", "").lower()] = (sid, str(cfg.get("private_ip_address")
                                                            or cfg.get("privateIPAddress") or ""))
            break
    out = []
    async for vm in gw.compute.virtual_machines.list_all():
        v = _j(vm)
        p = _props(v)
        nics = (p.get("network_profile") or p.get("networkProfile") or {}).get("network_interfaces") or \
            (p.get("network_profile") or p.get("networkProfile") or {}).get("networkInterfaces") or []
        for ref in nics:
            sid, ip = nic_subnet.get((ref.get("id") or "").lower(), ("", ""))
            if sid.lower().startswith(vnet_id.lower() + "/"):
                out.append(VmInfo(v.get("name", ""), rg_of(v.get("id", "")), sid, ip))
                break
    return sorted(out, key=lambda x: x.name)

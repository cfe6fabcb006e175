"""Private DNS: which VNet the zone must be linked to (the plan's own, or a hub whose DNS Private Resolver answers for
it), which zone the run uses, and whether the caller may link a hub it does not own."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.dnszone import choose_zone
from plinktui.engine import props
from plinktui.facts import AZURE_DNS
from plinktui.preflight.base import PreflightContext, collect, err_text, read, safe
from plinktui.preflight.permissions import JOIN_ACTION, may_link

if TYPE_CHECKING:
    from plinktui.cloud import Gateway


async def find_dns_hub(gw: Gateway, vnet: dict[str, Any]) -> tuple[str, str, str] | None:
    """When the VNet's DNS server is a DNS Private Resolver inbound endpoint in a peered VNet (a hub), that hub:
    ``(hub VNet id, resolver id, server IP)``; None for Azure DNS, other servers, or a resolver in the VNet itself.

    Looks only where such a resolver can answer from: the VNets this one is peered with (their ``listDnsResolvers``,
    then each resolver's inbound endpoints), in whichever subscription they live.
    """
    servers = [str(x) for x in (props(vnet).get("dhcpOptions") or {}).get("dnsServers") or []
               if str(x) != AZURE_DNS]
    if not servers:
        return None
    remotes = [str((props(p).get("remoteVirtualNetwork") or {}).get("id") or "")
               for p in props(vnet).get("virtualNetworkPeerings") or []]
    for remote in [r for r in remotes if r]:
        parts = remote.split("/")
        if len(parts) < 9:
            continue
        g = gw.at(parts[2])
        res, exc = await safe(collect(g.dnsresolver.dns_resolvers.list_by_virtual_network(parts[4], parts[8])))
        for ref in (res or []) if exc is None else []:
            rid = str(getattr(ref, "id", "") or "")  # azure-mgmt-dnsresolver's models are attribute-style
            rp = rid.split("/")
            eps, exc = await safe(collect(g.dnsresolver.inbound_endpoints.list(rp[4], rp[8])))
            for ep in (eps or []) if exc is None else []:
                ips = {str(c.private_ip_address) for c in getattr(ep, "ip_configurations", None) or []}
                hit = next((srv for srv in servers if srv in ips), None)
                if hit:
                    return remote, rid, hit
    return None


async def dns_hub(pf: PreflightContext) -> None:
    """Whether the VNet's resolver is a hub's (then the zone is linked to the hub, if the caller may link it)."""
    if pf.vnet is None:
        return
    hub = await find_dns_hub(pf.gw, pf.vnet)
    if hub is None:
        return
    plan, facts, net_name = pf.plan, pf.result.facts, pf.plan.network.vnet_name
    hub_id, resolver_id, server = hub
    facts.dns_hub_vnet_id = hub_id
    hub_name = hub_id.rsplit("/", 1)[-1]
    pf.add("dns.zone", f"VNet {net_name} asks DNS server {server}, the inbound endpoint of resolver "
           f"{resolver_id.rsplit('/', 1)[-1]} in {hub_name}: the zone is linked to {hub_name}, not to "
           f"{net_name}", severity="warning")
    if await may_link(pf.gw, hub_id) is False:
        zone_id = (f"/subscriptions/{pf.sub}/resourceGroups/{plan.zone_resource_group}/providers/"
                   f"Microsoft.Network/privateDnsZones/{plan.dns.zone}")
        facts.hub_link_command = (
            f"az network private-dns link vnet create --resource-group {plan.zone_resource_group} --zone-name "
            f"{plan.dns.zone} --name link-{hub_name} --virtual-network {hub_id} --registration-enabled false "
            f"--subscription {pf.sub}")
        pf.add("dns.zone", f"you may not link {zone_id} to {hub_name} (no {JOIN_ACTION} there): the run creates "
               "everything else and leaves the link to whoever owns the hub",
               f"ask them to run: {facts.hub_link_command}", severity="warning")


async def zone(pf: PreflightContext) -> None:
    """The zone the run uses can be chosen (found, named, or to be created in a resource group that exists)."""
    plan, out = pf.plan, pf.result
    zrg = plan.zone_resource_group
    # The zone must be linked to the VNet whose resolver answers for ours: a hub's, when its DNS server is one.
    vnet_id = out.facts.dns_hub_vnet_id or f"/subscriptions/{pf.vnet_sub}/resourceGroups/{pf.vnet_rg}/providers/" \
        f"Microsoft.Network/virtualNetworks/{plan.network.vnet_name}"
    try:
        choice = await choose_zone(pf.gw, plan, vnet_id, run_id=pf.run_id)
    except Exception as exc:  # noqa: BLE001 - reported as a problem like every other read
        pf.add("dns.zone", f"cannot look for zone {plan.dns.zone}: {err_text(exc)}")
        return
    for fld, msg, fix in choice.problems:
        pf.add(fld, msg, fix)
    if not choice.exists and zrg != pf.rg and plan.dns.create_zone != "never":  # the zone would be created there
        rgres, _ = await read(pf.gw.resources.resource_groups.get(zrg))
        if rgres is None:
            pf.add("dns.zone_resource_group", f"resource group {zrg} does not exist",
                   "create it, or leave zone_resource_group out to use the plan's resource group")
    out.facts.zone_id = choice.zone_id
    out.facts.zone_reason = choice.reason
    out.facts.zone_exists = choice.exists and not choice.ours
    out.facts.existing_link = choice.link_name
    if not choice.exists:
        out.absent.add("zone")

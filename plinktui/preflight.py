"""Preflight: everything that can be checked in Azure before the first write. Strictly read-only.

- resource providers registered (read ``registrationState``; never register);
- the caller's permissions (Microsoft.Authorization/permissions) matched, with wildcard semantics of actions and
  notActions, against the actions the plan needs; at subscription scope when the resource group does not exist yet;
- regions exist (``list_locations``);
- the vault name is free (``checkNameAvailability``) and not held by a soft-deleted vault;
- existing resources that the plan reuses match it (VNet region and subscription, subnet prefix, zone), and names
  the plan creates are not taken by someone else's resources.
"""

from __future__ import annotations

import asyncio
import fnmatch
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from plinktui import validation as v
from plinktui.dag import Facts
from plinktui.engine import TAG_RUN, as_json, is_not_found, props
from plinktui.facts import AZURE_DNS
from plinktui.kinds import kinds
from plinktui.plan import Plan

if TYPE_CHECKING:
    from plinktui.cloud import Gateway

PROVIDERS = ("Microsoft.Network", "Microsoft.KeyVault", "Microsoft.Compute")
AUTH_API = "2022-04-01"


@dataclass
class Problem:
    """One preflight finding. ``severity`` error blocks the run; warning is shown and the run goes on."""

    field: str
    message: str
    fix: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" + (f" (fix: {self.fix})" if self.fix else "")


@dataclass
class PreflightResult:
    """What preflight found: problems, facts for the graph, the tenant, and the actions checked."""

    problems: list[Problem] = field(default_factory=list)
    facts: Facts = field(default_factory=Facts)
    tenant_id: str | None = None
    missing_actions: list[str] = field(default_factory=list)
    required_actions: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    absent: set[str] = field(default_factory=set)
    """Graph node keys whose resource preflight read as missing (apply can PUT without another GET)."""

    @property
    def errors(self) -> list[Problem]:
        """Blocking problems."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        """No blocking problem."""
        return not self.errors


def required_actions(plan: Plan, *, rg_exists: bool = True) -> list[str]:
    """The ARM actions the plan needs (what a custom role for plinktui would grant): every kind's, sorted."""
    facts = Facts(rg_exists=rg_exists)
    return sorted({action for k in kinds() for action in k.actions(plan, facts)})


def _match(pattern: str, action: str) -> bool:
    """ARM action wildcard match: ``*`` spans any characters, case-insensitive."""
    return fnmatch.fnmatchcase(action.lower(), pattern.lower().replace("[", "[[]"))


def allowed(permissions: list[dict[str, Any]], action: str) -> bool:
    """True when some permission entry grants ``action`` and its own notActions do not take it away."""
    for perm in permissions:
        if any(_match(a, action) for a in perm.get("actions") or []) and \
                not any(_match(n, action) for n in perm.get("notActions") or []):
            return True
    return False


def missing_actions(permissions: list[dict[str, Any]], needed: list[str]) -> list[str]:
    """The needed actions no permission entry grants."""
    return [a for a in needed if not allowed(permissions, a)]


async def _safe(coro: Any) -> tuple[Any, BaseException | None]:
    try:
        return await coro, None
    except Exception as exc:  # noqa: BLE001 - each check reports its own failure as a problem
        return None, exc


def _err_text(exc: BaseException) -> str:
    code = getattr(getattr(exc, "error", None), "code", None)
    msg = getattr(getattr(exc, "error", None), "message", None) or getattr(exc, "message", None) or str(exc)
    text = " ".join(str(msg).split())[:200]
    return f"{code}: {text}" if code else text


async def _get(call: Any) -> tuple[dict[str, Any] | None, BaseException | None]:
    """GET that maps 404 to (None, None)."""
    res, exc = await _safe(call)
    if exc is not None:
        return None, (None if is_not_found(exc) else exc)
    return as_json(res), None


async def run(gw: Gateway, plan: Plan, *, run_id: str | None = None, check_permissions: bool = True,
              owned: frozenset[str] | set[str] = frozenset()) -> PreflightResult:
    """Run every read-only check concurrently.

    ``run_id``: resuming, so resources tagged with it are ours. ``owned``: node keys of untaggable children (subnets)
    the resumed run's journal proves it created (:func:`plinktui.engine.proven_owned`); any other existing subnet the
    plan names is used, never created or owned.
    """
    out = PreflightResult()
    out.absent = out.facts.absent  # one set: the facts a front end hands on carry it too
    sub = gw.subscription_id
    rg = plan.resource_group
    net, vault, dns, vm = plan.network, plan.vault, plan.dns, plan.test_vm

    def add(fld: str, msg: str, fix: str = "", severity: str = "error") -> None:
        out.problems.append(Problem(fld, msg, fix, severity))

    vnet_sub, vnet_rg = net.vnet_scope(sub, rg)
    vault_sub, vault_rg = vault.vault_scope(sub, rg)
    if plan.plan.subscription and plan.plan.subscription.lower() != sub.lower():
        add("plan.subscription", f"the plan targets {plan.plan.subscription} but the session uses {sub}",
            f"run with --subscription {plan.plan.subscription}")
    if vnet_sub.lower() != sub.lower():
        add("network.vnet", f"the VNet is in subscription {vnet_sub}; an endpoint goes in its VNet's subscription, "
            f"not {sub}", f"run with --subscription {vnet_sub}")
    net_client = gw.network
    kv = gw.at(vault_sub).keyvault

    async def providers() -> None:
        for ns in PROVIDERS:
            res, exc = await _safe(gw.resources.providers.get(ns))
            if exc is not None:
                add("preflight", f"cannot read provider {ns}: {_err_text(exc)}", severity="warning")
                continue
            state = as_json(res).get("registrationState")
            if state != "Registered":
                add("subscription", f"resource provider {ns} is {state or 'not registered'}",
                    f"az provider register --namespace {ns} (plinktui never registers providers itself)")

    async def tenant() -> None:
        if getattr(gw.target, "tenant_id", None):
            out.tenant_id = gw.target.tenant_id
            return
        res, exc = await _safe(gw.subscriptions.subscriptions.get(sub))
        if exc is None:
            out.tenant_id = as_json(res).get("tenantId")
        else:
            add("plan.subscription", f"cannot read subscription {sub}: {_err_text(exc)}",
                "check --subscription and your sign-in")

    async def regions() -> None:
        names: list[str | None] = []
        res, exc = await _safe(_collect(gw.subscriptions.subscriptions.list_locations(sub)))
        if exc is not None:
            add("region", f"cannot list regions: {_err_text(exc)}", severity="warning")
            return
        names = [as_json(loc).get("name") for loc in res]
        out.regions = sorted(n for n in names if n)
        for fld, region in (("network.region", net.region), ("vault.region", vault.region)):
            if region not in names:
                near = [n for n in out.regions if n[:4] == region[:4]][:3] or out.regions[:3]
                add(fld, f"{region!r} is not a region of this subscription", f"use one of {', '.join(near)}")

    async def resource_group() -> None:
        res, exc = await _get(gw.resources.resource_groups.get(rg))
        if exc is not None:
            add("plan.resource_group", f"cannot read resource group {rg}: {_err_text(exc)}", severity="warning")
        out.facts.rg_exists = res is not None
        if res is None and exc is None:
            out.absent.add("rg")

    async def permissions() -> None:
        if not check_permissions:
            return
        scope = f"/subscriptions/{sub}/resourceGroups/{rg}" if out.facts.rg_exists else f"/subscriptions/{sub}"
        needed = required_actions(plan, rg_exists=out.facts.rg_exists)
        out.required_actions = needed
        res, exc = await _safe(gw.raw("GET", f"{scope}/providers/Microsoft.Authorization/permissions",
                                      api_version=AUTH_API))
        if exc is not None:
            add("permissions", f"cannot read your permissions: {_err_text(exc)}", severity="warning")
            return
        status, body = res
        if status == 403:
            add("permissions", "not allowed to read your own permissions (AuthorizationFailed); writes may fail",
                "ask for Reader on the resource group at least", severity="warning")
            return
        if status >= 400 or not isinstance(body, dict):
            add("permissions", f"permissions API answered {status}", severity="warning")
            return
        perms = list(body.get("value") or [])
        missing = missing_actions(perms, needed)
        out.missing_actions = missing
        if missing:
            add("permissions", f"you lack {len(missing)} action(s) the plan needs at {scope}: " + ", ".join(missing),
                "ask for Contributor on the resource group (and Network Contributor on the VNet), "
                "or rerun with --ignore-permissions if access comes from elsewhere")

    async def vnet() -> None:
        res, exc = await _get(gw.at(vnet_sub).network.virtual_networks.get(vnet_rg, net.vnet_name))
        if exc is not None:
            add("network.vnet", f"cannot read the VNet: {_err_text(exc)}")
            return
        if res is None:
            if net.new_vnet:
                out.absent.add("vnet")
            if not net.new_vnet:
                add("network.vnet", f"VNet {net.vnet_name} does not exist in {vnet_rg}",
                    "give address_space to create it, or fix the name / resource group")
            return
        out.facts.vnet_id = res.get("id")
        await hub_checks(res)
        ours = (res.get("tags") or {}).get(TAG_RUN)
        if net.new_vnet:
            if run_id is None or ours != run_id:
                add("network.vnet", f"VNet {net.vnet_name} already exists"
                    + (f" (created by plinktui run {ours})" if ours else ""),
                    "drop address_space to reuse it, or choose another name")
            return
        if res.get("location") != net.region:
            add("network.region", f"the VNet {net.vnet_name} is in {res.get('location')}; a private endpoint goes in "
                f"its VNet's region, whatever the vault's region", f"set network.region = {res.get('location')!r}")
        space = props(res).get("addressSpace", {}).get("addressPrefixes") or []
        subnets = {s.get("name"): props(s).get("addressPrefix") or (props(s).get("addressPrefixes") or [""])[0]
                   for s in props(res).get("subnets") or []}
        checks = [("network.subnet", net.subnet, net.subnet_prefix)]
        if plan.private_link_service.enabled:
            checks.append(("private_link_service.subnet", plan.private_link_service.subnet,
                           plan.private_link_service.subnet_prefix))
        for fld, name, prefix in checks:
            key = "subnet" if fld == "network.subnet" else "pls_subnet"
            if prefix is None:
                if name not in subnets:
                    add(fld, f"subnet {name} does not exist in VNet {net.vnet_name} "
                        f"(it has: {', '.join(subnets) or 'none'})", "give subnet_prefix to create it")
                else:
                    setattr(out.facts, f"{key}_exists", True)
                continue
            if name in subnets:
                if subnets[name] != prefix:
                    add(fld + "_prefix" if not fld.endswith("prefix") else fld,
                        f"subnet {name} already exists with {subnets[name]}, not {prefix}",
                        "drop subnet_prefix to use it as it is, or choose another subnet name")
                elif key not in owned:
                    setattr(out.facts, f"{key}_exists", True)  # used as it is, never created or owned
                continue
            ok, msg = v.check_subnet_in_vnet(fld + "_prefix", prefix, space)
            if not ok:
                add(fld + "_prefix", msg.split(": ", 1)[1])
                continue
            ok, msg = v.check_subnet_free(fld + "_prefix", prefix, {k: p for k, p in subnets.items() if p})
            if not ok:
                add(fld + "_prefix", msg.split(": ", 1)[1])

    async def vault_checks() -> None:
        if vault.existing:
            res, exc = await _get(kv.vaults.get(vault_rg, vault.vault_name))
            if exc is not None or res is None:
                add("vault.name", f"vault {vault.vault_name} not found in {vault_rg}"
                    + (f": {_err_text(exc)}" if exc else ""), "fix the name, or set existing = false to create it")
            return
        res, exc = await _get(kv.vaults.get(rg, vault.vault_name))
        if exc is None and res is None:
            out.absent.add("vault")
        if exc is None and res is not None:
            owner = (res.get("tags") or {}).get(TAG_RUN)
            if run_id is not None and owner == run_id:
                return  # resuming our own run
            add("vault.name", f"vault {vault.vault_name} already exists in {rg}"
                + (f" (created by plinktui run {owner})" if owner else ""),
                "set existing = true to use it, or choose another name")
            return
        avail, exc = await _safe(kv.vaults.check_name_availability({"name": vault.vault_name,
                                                                    "type": "Microsoft.KeyVault/vaults"}))
        deleted, exc2 = await _safe(_collect(kv.vaults.list_deleted()))
        hit = None
        for d in deleted or []:
            dj = as_json(d)
            if (dj.get("name") or "").lower() == vault.vault_name.lower():
                hit = dj
        if hit is not None:
            loc = props(hit).get("location") or vault.region
            add("vault.name", f"{vault.vault_name!r} belongs to a soft-deleted vault (in {loc}, purge protection "
                f"{'on' if props(hit).get('purgeProtectionEnabled') else 'off'})",
                f"recover it (az keyvault recover --name {vault.vault_name}), purge it (az keyvault purge --name "
                f"{vault.vault_name} --location {loc}), or choose another name")
            return
        if exc is not None:
            add("vault.name", f"cannot check the name's availability: {_err_text(exc)}", severity="warning")
            return
        aj = as_json(avail)
        if aj.get("nameAvailable") is False:
            reason = aj.get("reason") or "AlreadyExists"
            add("vault.name", f"{vault.vault_name!r} is not available ({reason}): vault names are global",
                "choose another name, e.g. with a short suffix")
        if exc2 is not None:
            add("vault.name", f"cannot list deleted vaults: {_err_text(exc2)}", severity="warning")

    async def hub_checks(vnet_json: dict[str, Any]) -> None:
        hub = await find_dns_hub(gw, vnet_json)
        if hub is None:
            return
        hub_id, resolver_id, server = hub
        out.facts.dns_hub_vnet_id = hub_id
        hub_name = hub_id.rsplit("/", 1)[-1]
        add("dns.zone", f"VNet {net.vnet_name} asks DNS server {server}, the inbound endpoint of resolver "
            f"{resolver_id.rsplit('/', 1)[-1]} in {hub_name}: the zone is linked to {hub_name}, not to "
            f"{net.vnet_name}", severity="warning")
        if await may_link(gw, hub_id) is False:
            zone_id = (f"/subscriptions/{sub}/resourceGroups/{plan.zone_resource_group}/providers/"
                       f"Microsoft.Network/privateDnsZones/{dns.zone}")
            out.facts.hub_link_command = (
                f"az network private-dns link vnet create --resource-group {plan.zone_resource_group} --zone-name "
                f"{dns.zone} --name link-{hub_name} --virtual-network {hub_id} --registration-enabled false "
                f"--subscription {sub}")
            add("dns.zone", f"you may not link {zone_id} to {hub_name} (no {JOIN_ACTION} there): the run creates "
                "everything else and leaves the link to whoever owns the hub",
                f"ask them to run: {out.facts.hub_link_command}", severity="warning")

    async def zone_checks() -> None:
        from plinktui.dnszone import choose_zone

        zrg = plan.zone_resource_group
        # The zone must be linked to the VNet whose resolver answers for ours: a hub's, when its DNS server is one.
        vnet_id = out.facts.dns_hub_vnet_id or f"/subscriptions/{vnet_sub}/resourceGroups/{vnet_rg}/providers/" \
            f"Microsoft.Network/virtualNetworks/{net.vnet_name}"
        try:
            choice = await choose_zone(gw, plan, vnet_id, run_id=run_id)
        except Exception as exc:  # noqa: BLE001 - reported as a problem like every other read
            add("dns.zone", f"cannot look for zone {dns.zone}: {_err_text(exc)}")
            return
        for fld, msg, fix in choice.problems:
            add(fld, msg, fix)
        if not choice.exists and zrg != rg and dns.create_zone != "never":  # the zone would be created there
            rgres, _ = await _get(gw.resources.resource_groups.get(zrg))
            if rgres is None:
                add("dns.zone_resource_group", f"resource group {zrg} does not exist",
                    "create it, or leave zone_resource_group out to use the plan's resource group")
        out.facts.zone_id = choice.zone_id
        out.facts.zone_reason = choice.reason
        out.facts.zone_exists = choice.exists and not choice.ours
        out.facts.existing_link = choice.link_name
        if not choice.exists:
            out.absent.add("zone")

    async def name_taken(fld: str, call: Any, what: str, key: str) -> None:
        res, exc = await _get(call)
        if exc is None and res is None:
            out.absent.add(key)
            if key == "pe":
                out.absent.add("zone_group")  # a child of an endpoint that does not exist yet
        if exc is None and res is not None:
            owner = (res.get("tags") or {}).get(TAG_RUN)
            if run_id is None or owner != run_id:
                add(fld, f"{what} already exists" + (f" (created by plinktui run {owner})" if owner else ""),
                    f"resume that run (plinktui setup --resume {owner})" if owner else "choose another name")

    async def vnet_then_zone() -> None:
        await vnet()  # its DNS servers pick which VNet the zone must be linked to
        await zone_checks()

    tasks = [providers(), tenant(), regions(), vnet_then_zone(), vault_checks(),
             name_taken("private_endpoint.name", net_client.private_endpoints.get(rg, plan.private_endpoint.name),
                        f"private endpoint {plan.private_endpoint.name}", "pe")]
    if vm.enabled:
        tasks += [
            name_taken("test_vm.name", gw.compute.virtual_machines.get(rg, vm.name), f"VM {vm.name}", "vm"),
            name_taken("test_vm.name", net_client.network_interfaces.get(rg, vm.nic_name), f"NIC {vm.nic_name}", "nic"),
            name_taken("test_vm.name", net_client.network_security_groups.get(rg, vm.nsg_name), f"NSG {vm.nsg_name}",
                       "nsg"),
            name_taken("test_vm.name", net_client.public_ip_addresses.get(rg, vm.pip_name), f"public IP {vm.pip_name}",
                       "pip")]

    async def rg_then_permissions() -> None:
        await resource_group()  # its answer picks the permissions scope
        await permissions()

    await asyncio.gather(rg_then_permissions(), *tasks)
    return out


JOIN_ACTION = "Microsoft.Network/virtualNetworks/join/action"


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
        res, exc = await _safe(_collect(g.dnsresolver.dns_resolvers.list_by_virtual_network(parts[4], parts[8])))
        for ref in (res or []) if exc is None else []:
            rid = str(getattr(ref, "id", "") or "")  # azure-mgmt-dnsresolver's models are attribute-style
            rp = rid.split("/")
            eps, exc = await _safe(_collect(g.dnsresolver.inbound_endpoints.list(rp[4], rp[8])))
            for ep in (eps or []) if exc is None else []:
                ips = {str(c.private_ip_address) for c in getattr(ep, "ip_configurations", None) or []}
                hit = next((srv for srv in servers if srv in ips), None)
                if hit:
                    return remote, rid, hit
    return None


async def may_link(gw: Gateway, vnet_id: str) -> bool | None:
    """Whether the caller holds ``virtualNetworks/join/action`` on a VNet (None: the permissions API did not say)."""
    parts = vnet_id.split("/")
    scope = "/".join(parts[:5])
    g = gw.at(parts[2])
    res, exc = await _safe(g.raw("GET", f"{scope}/providers/Microsoft.Authorization/permissions",
                                 api_version=AUTH_API))
    if exc is not None or res[0] >= 400 or not isinstance(res[1], dict):
        return None
    return allowed(list(res[1].get("value") or []), JOIN_ACTION)


async def _collect(pager: Any) -> list[Any]:
    return [item async for item in pager]

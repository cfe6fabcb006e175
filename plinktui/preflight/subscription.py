"""The subscription the session uses: the one the plan and its VNet live in, its resource providers, its tenant, its
regions, and whether the plan's resource group is already there."""

from __future__ import annotations

from plinktui.engine import as_json
from plinktui.preflight.base import PreflightContext, collect, err_text, read, safe

PROVIDERS = ("Microsoft.Network", "Microsoft.KeyVault", "Microsoft.Compute")


async def scope(pf: PreflightContext) -> None:
    """The session's subscription is the plan's and its VNet's (an endpoint goes in its VNet's subscription)."""
    sub, wanted = pf.sub, pf.plan.plan.subscription
    if wanted and wanted.lower() != sub.lower():
        pf.add("plan.subscription", f"the plan targets {wanted} but the session uses {sub}",
               f"run with --subscription {wanted}")
    if pf.vnet_sub.lower() != sub.lower():
        pf.add("network.vnet", f"the VNet is in subscription {pf.vnet_sub}; an endpoint goes in its VNet's "
               f"subscription, not {sub}", f"run with --subscription {pf.vnet_sub}")


async def providers(pf: PreflightContext) -> None:
    """The resource providers the plan uses are registered (read ``registrationState``; never register)."""
    for ns in PROVIDERS:
        res, exc = await safe(pf.gw.resources.providers.get(ns))
        if exc is not None:
            pf.add("preflight", f"cannot read provider {ns}: {err_text(exc)}", severity="warning")
            continue
        state = as_json(res).get("registrationState")
        if state != "Registered":
            pf.add("subscription", f"resource provider {ns} is {state or 'not registered'}",
                   f"az provider register --namespace {ns} (plinktui never registers providers itself)")


async def tenant(pf: PreflightContext) -> None:
    """The subscription can be read, and names the tenant (the vault's ``tenantId``)."""
    gw, out = pf.gw, pf.result
    if getattr(gw.target, "tenant_id", None):
        out.tenant_id = gw.target.tenant_id
        return
    res, exc = await safe(gw.subscriptions.subscriptions.get(pf.sub))
    if exc is None:
        out.tenant_id = as_json(res).get("tenantId")
    else:
        pf.add("plan.subscription", f"cannot read subscription {pf.sub}: {err_text(exc)}",
               "check --subscription and your sign-in")


async def regions(pf: PreflightContext) -> None:
    """The VNet's and the vault's regions are regions of this subscription (``list_locations``)."""
    res, exc = await safe(collect(pf.gw.subscriptions.subscriptions.list_locations(pf.sub)))
    if exc is not None:
        pf.add("region", f"cannot list regions: {err_text(exc)}", severity="warning")
        return
    names = [as_json(loc).get("name") for loc in res]
    known = pf.result.regions = sorted(n for n in names if n)
    for fld, region in (("network.region", pf.plan.network.region), ("vault.region", pf.plan.vault.region)):
        if region not in names:
            near = [n for n in known if n[:4] == region[:4]][:3] or known[:3]
            pf.add(fld, f"{region!r} is not a region of this subscription", f"use one of {', '.join(near)}")


async def resource_group(pf: PreflightContext) -> None:
    """Whether the plan's resource group exists (it picks the scope the permissions are read at)."""
    res, exc = await read(pf.gw.resources.resource_groups.get(pf.rg))
    if exc is not None:
        pf.add("plan.resource_group", f"cannot read resource group {pf.rg}: {err_text(exc)}", severity="warning")
    pf.result.facts.rg_exists = res is not None
    if res is None and exc is None:
        pf.result.absent.add("rg")

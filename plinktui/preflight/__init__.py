"""Preflight: everything that can be checked in Azure before the first write. Strictly read-only.

A list of named checks (:data:`CHECKS`), one module per area:

- ``subscription``: the session's subscription is the plan's and its VNet's; resource providers registered (read
  ``registrationState``; never register); the tenant; regions exist (``list_locations``); the resource group;
- ``permissions``: the caller's permissions (Microsoft.Authorization/permissions) matched, with wildcard semantics of
  actions and notActions, against the actions the plan needs; at subscription scope when the resource group does not
  exist yet;
- ``network``: existing resources that the plan reuses match it (VNet region and subscription, subnet prefix);
- ``dns``: a hub whose DNS Private Resolver answers for the VNet, and the zone the run uses;
- ``keyvault``: the vault name is free (``checkNameAvailability``) and not held by a soft-deleted vault;
- ``names``: names the plan creates are not taken by someone else's resources.

:func:`run` runs them concurrently; a check that reads another's answer names it in ``after`` and waits for it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from plinktui.preflight import dns, keyvault, names, network, permissions, subscription
from plinktui.preflight.base import Check, PreflightContext, PreflightResult, Problem
from plinktui.preflight.dns import find_dns_hub
from plinktui.preflight.permissions import JOIN_ACTION, allowed, may_link, missing_actions, required_actions

if TYPE_CHECKING:
    from plinktui.cloud import Gateway
    from plinktui.plan import Plan

__all__ = ["CHECKS", "JOIN_ACTION", "Check", "PreflightContext", "PreflightResult", "Problem", "allowed",
           "find_dns_hub", "may_link", "missing_actions", "required_actions", "run"]

CHECKS: tuple[Check, ...] = (
    Check("scope", subscription.scope),
    Check("resource_group", subscription.resource_group),
    Check("permissions", permissions.permissions, after="resource_group"),  # the group's existence picks the scope
    Check("providers", subscription.providers),
    Check("tenant", subscription.tenant),
    Check("regions", subscription.regions),
    Check("vnet", network.vnet),
    Check("dns_hub", dns.dns_hub, after="vnet"),  # the VNet's DNS servers and peerings
    Check("vnet_match", network.vnet_match, after="vnet"),  # the VNet as vnet read it
    Check("subnets", network.subnets, after="vnet"),
    Check("zone", dns.zone, after="dns_hub"),  # the zone is linked to the hub when there is one
    Check("vault", keyvault.vault),
    *names.CHECKS,
)
"""Every check. Those with no ``after`` start together; the checks after one same check follow it one at a time in
this order, so their problems keep the order they had when they were one function."""


async def run(gw: Gateway, plan: Plan, *, run_id: str | None = None, check_permissions: bool = True,
              owned: frozenset[str] | set[str] = frozenset()) -> PreflightResult:
    """Run every check in :data:`CHECKS` once, concurrently but for the ``after`` orderings.

    ``run_id``: resuming, so resources tagged with it are ours. ``owned``: node keys of untaggable children (subnets)
    the resumed run's journal proves it created (:func:`plinktui.engine.proven_owned`); any other existing subnet the
    plan names is used, never created or owned.
    """
    pf = PreflightContext(gw, plan, run_id=run_id, check_permissions=check_permissions, owned=owned)
    checks = CHECKS

    async def chain(first: Check) -> None:
        """``first``, then the checks after it (and after those), one round at a time in table order."""
        wave = [first]
        while wave:
            for check in wave:
                await check.run(pf)
            done = {c.name for c in wave}
            wave = [c for c in checks if c.after in done]

    await asyncio.gather(*(chain(c) for c in checks if c.after is None))
    return pf.result

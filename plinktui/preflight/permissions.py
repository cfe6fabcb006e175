"""The caller's permissions (Microsoft.Authorization/permissions) matched, with the wildcard semantics of actions and
notActions, against the actions the plan needs; and whether the caller may link a zone to a VNet it does not own."""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Any

from plinktui.dag import Facts
from plinktui.kinds import kinds
from plinktui.preflight.base import PreflightContext, err_text, safe

if TYPE_CHECKING:
    from plinktui.cloud import Gateway
    from plinktui.plan import Plan

AUTH_API = "2022-04-01"
JOIN_ACTION = "Microsoft.Network/virtualNetworks/join/action"


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


async def permissions(pf: PreflightContext) -> None:
    """The caller holds every action the plan needs, at the resource group (the subscription when it is not there)."""
    if not pf.check_permissions:
        return
    out, sub, rg = pf.result, pf.sub, pf.rg
    scope = f"/subscriptions/{sub}/resourceGroups/{rg}" if out.facts.rg_exists else f"/subscriptions/{sub}"
    needed = required_actions(pf.plan, rg_exists=out.facts.rg_exists)
    out.required_actions = needed
    res, exc = await safe(pf.gw.raw("GET", f"{scope}/providers/Microsoft.Authorization/permissions",
                                    api_version=AUTH_API))
    if exc is not None:
        pf.add("permissions", f"cannot read your permissions: {err_text(exc)}", severity="warning")
        return
    status, body = res
    if status == 403:
        pf.add("permissions", "not allowed to read your own permissions (AuthorizationFailed); writes may fail",
               "ask for Reader on the resource group at least", severity="warning")
        return
    if status >= 400 or not isinstance(body, dict):
        pf.add("permissions", f"permissions API answered {status}", severity="warning")
        return
    missing = missing_actions(list(body.get("value") or []), needed)
    out.missing_actions = missing
    if missing:
        pf.add("permissions", f"you lack {len(missing)} action(s) the plan needs at {scope}: " + ", ".join(missing),
               "ask for Contributor on the resource group (and Network Contributor on the VNet), "
               "or rerun with --ignore-permissions if access comes from elsewhere")


async def may_link(gw: Gateway, vnet_id: str) -> bool | None:
    """Whether the caller holds ``virtualNetworks/join/action`` on a VNet (None: the permissions API did not say)."""
    parts = vnet_id.split("/")
    scope = "/".join(parts[:5])
    g = gw.at(parts[2])
    res, exc = await safe(g.raw("GET", f"{scope}/providers/Microsoft.Authorization/permissions",
                                api_version=AUTH_API))
    if exc is not None or res[0] >= 400 or not isinstance(res[1], dict):
        return None
    return allowed(list(res[1].get("value") or []), JOIN_ACTION)

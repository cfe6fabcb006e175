"""Which private DNS zone a plan uses: the one already linked to the VNet, the plan's own, or a new one.

Read-only. Azure refuses to link one VNet to two zones of the same name ("overlapping namespaces"), and shared
subscriptions usually have the zone already - often in a central DNS resource group or another subscription - linked
to the VNet. So with ``create_zone = "auto"`` (the default) the zone is chosen in this order:

1. a zone of that name, in any subscription the caller can read, that is linked to the VNet: reused, with its link
   (no new zone, no new link; the endpoint's zone group points at it);
2. the zone in the plan's zone resource group: reused, and plinktui links it to the VNet;
3. otherwise plinktui creates the zone there and links it.

``[dns] zone_id`` names a zone explicitly (any subscription); it must exist. ``create_zone = "never"`` requires an
existing zone; ``"always"`` refuses to run when one exists. A zone or link that this run created earlier (its
``plinktui-run`` tag) is this run's own on resume, not a reused one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from plinktui import validation as v
from plinktui.plan import Plan
from plinktui.sdkjson import as_json as _json

if TYPE_CHECKING:
    from plinktui.cloud import Gateway

ZONES = "Microsoft.Network/privateDnsZones"


@dataclass
class ZoneChoice:
    """The zone the run uses, whether it (and its link to the VNet) already exist, and why."""

    zone_id: str
    exists: bool = False
    link_name: str | None = None
    """An existing link from that zone to the VNet (reused), or None when the run creates its own."""
    reason: str = ""
    ours: bool = False
    """The zone is tagged with the resuming run: it is the run's own, not a reused one."""
    seen: list[str] = field(default_factory=list)
    """Ids of every zone of that name found in scope."""
    subscriptions_searched: int = 0
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    """(field, message, fix) that block the run."""

    @property
    def subscription(self) -> str:
        """The zone's subscription."""
        return (v.parse_arm_id(self.zone_id) or ("", "", "", ""))[0]

    @property
    def resource_group(self) -> str:
        """The zone's resource group."""
        return (v.parse_arm_id(self.zone_id) or ("", "", "", ""))[1]

    @property
    def where(self) -> str:
        """"resource group R (subscription S)" for messages."""
        return f"resource group {self.resource_group} (subscription {self.subscription})"


def zone_id_for(subscription: str, resource_group: str, zone: str) -> str:
    """The resource id of a private DNS zone."""
    return f"/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/{ZONES}/{zone}"


def _is_404(exc: BaseException) -> bool:
    return getattr(exc, "status_code", None) == 404


async def _subscriptions(gw: Gateway) -> list[str]:
    """Every subscription the caller can read (the session's own first); just it when the list is refused."""
    own = gw.subscription_id
    out = [own]
    try:
        async for s in gw.subscriptions.subscriptions.list():
            sid = _json(s).get("subscriptionId") or (_json(s).get("id") or "").rsplit("/", 1)[-1]
            if sid and sid.lower() not in {o.lower() for o in out}:
                out.append(sid)
    except Exception:  # noqa: BLE001 - without the list, the session's subscription is the scope
        pass
    return out


def _client(gw: Gateway, subscription: str) -> Any:
    return gw.at(subscription).privatedns


async def _zones_named(gw: Gateway, subscription: str, zone: str) -> list[dict[str, Any]]:
    try:
        zones = [_json(x) async for x in _client(gw, subscription).private_zones.list()]
        return [z for z in zones if (z.get("name") or "").rstrip(".").lower() == zone.lower()]
    except Exception:  # noqa: BLE001 - a subscription we cannot read holds nothing we can use
        return []


async def _links(gw: Gateway, zone_id: str) -> list[dict[str, Any]]:
    sub, rg, _, name = v.parse_arm_id(zone_id) or ("", "", "", "")
    return [_json(x) async for x in _client(gw, sub).virtual_network_links.list(rg, name)]


def _targets(link: dict[str, Any], vnet_id: str) -> bool:
    target = ((link.get("properties") or {}).get("virtualNetwork") or {}).get("id") or ""
    return target.lower() == vnet_id.lower()


def _tag(obj: dict[str, Any]) -> str | None:
    return (obj.get("tags") or {}).get("plinktui-run")


async def choose_zone(gw: Gateway, plan: Plan, vnet_id: str, *, run_id: str | None = None) -> ZoneChoice:
    """Find the zone the plan should use (see the module docstring). Read-only; never raises for a 404."""
    dns = plan.dns
    home = zone_id_for(gw.subscription_id, plan.zone_resource_group, dns.zone)
    choice = ZoneChoice(zone_id=home)

    def problem(fld: str, msg: str, fix: str) -> None:
        choice.problems.append((fld, msg, fix))

    subs = await _subscriptions(gw)
    choice.subscriptions_searched = len(subs)
    found = [z for zs in await asyncio.gather(*(_zones_named(gw, sub, dns.zone) for sub in subs)) for z in zs]
    explicit = v.parse_arm_id(dns.zone_id) if dns.zone_id else None
    if explicit is not None and dns.zone_id and \
            not any((z.get("id") or "").lower() == dns.zone_id.lower() for z in found):
        # Named explicitly: read it directly (it may sit in a subscription the listing does not show).
        try:
            found.append(_json(await _client(gw, explicit[0]).private_zones.get(explicit[1], explicit[3])))
        except Exception as exc:  # noqa: BLE001
            if not _is_404(exc):
                problem("dns.zone_id", f"cannot read zone {dns.zone_id}: {type(exc).__name__}", "check your access")
                return choice
    choice.seen = [z.get("id") or "" for z in found]

    linked: tuple[dict[str, Any], dict[str, Any]] | None = None
    links_of: dict[str, list[dict[str, Any]]] = {}
    async def links_or_none(z: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            return await _links(gw, z.get("id") or "")
        except Exception:  # noqa: BLE001 - unreadable links: the zone is not known to be linked
            return []

    for z, links in zip(found, await asyncio.gather(*(links_or_none(z) for z in found)), strict=True):
        links_of[(z.get("id") or "").lower()] = links
        hit = next((lk for lk in links if _targets(lk, vnet_id)), None)
        if hit is not None and linked is None:
            linked = (z, hit)
    by_id = {(z.get("id") or "").lower(): z for z in found}

    if explicit is not None and dns.zone_id:
        named = by_id.get(dns.zone_id.lower())
        choice.zone_id = (named or {}).get("id") or dns.zone_id
        if named is None:
            problem("dns.zone_id", f"zone {dns.zone_id} does not exist", "fix zone_id, or drop it to let plinktui "
                    "find or create the zone")
            return choice
        choice.exists = True
        if linked is not None and (linked[0].get("id") or "").lower() != dns.zone_id.lower():
            problem("dns.zone_id", f"VNet {vnet_id.rsplit('/', 1)[-1]} is already linked to another zone of that name "
                    f"({linked[0].get('id')}); Azure refuses a second link to a same-named zone",
                    f"set zone_id = {linked[0].get('id')!r}, or drop zone_id")
            return choice
        if linked is not None:
            choice.link_name = linked[1].get("name")
            choice.reason = f"zone_id names it and it is already linked to the VNet by {choice.link_name}: reused as is"
        else:
            choice.reason = "zone_id names it; plinktui links it to the VNet"
        _check_link_name(choice, plan, links_of.get(dns.zone_id.lower(), []), vnet_id, run_id, problem)
        return choice

    if linked is not None:
        z, lk = linked
        choice.zone_id, choice.exists = z.get("id") or home, True
        mine = run_id is not None and _tag(z) == run_id
        choice.ours = mine
        if run_id is not None and _tag(lk) == run_id:
            choice.reason = f"this run created it and its link {lk.get('name')}"
            return choice
        choice.link_name = lk.get("name")
        choice.reason = (f"already linked to the VNet by {choice.link_name}: reused, no new zone and no new link")
        if dns.create_zone == "always" and not mine:
            problem("dns.create_zone", f"zone {dns.zone} in {choice.where} is already linked to the VNet; Azure "
                    "refuses a second same-named zone on one VNet", "set create_zone = 'auto' to use it")
        return choice

    mine_zone = by_id.get(home.lower())
    if mine_zone is not None:
        choice.zone_id, choice.exists = mine_zone.get("id") or home, True
        choice.ours = run_id is not None and _tag(mine_zone) == run_id
        if choice.ours:
            choice.reason = "this run created it"
        else:
            choice.reason = "it is in the plan's zone resource group and not linked to the VNet yet: reused, " \
                            "plinktui links it"
            if dns.create_zone == "always":
                problem("dns.zone", f"zone {dns.zone} already exists in {plan.zone_resource_group} and create_zone "
                        "is 'always'", "set create_zone = 'auto' to reuse it")
        _check_link_name(choice, plan, links_of.get(home.lower(), []), vnet_id, run_id, problem)
        return choice

    others = len(found)
    if dns.create_zone == "never":
        problem("dns.zone", f"no zone {dns.zone} is linked to the VNet or exists in {plan.zone_resource_group}, and "
                "create_zone is 'never'", "set create_zone = 'auto', or name the zone with dns.zone_id")
        return choice
    choice.reason = (f"no zone of that name is linked to the VNet or sits in {plan.zone_resource_group}: plinktui "
                     "creates it and links it"
                     + (f" ({others} unlinked zone(s) of that name elsewhere are left alone)" if others else ""))
    return choice


def _check_link_name(choice: ZoneChoice, plan: Plan, links: list[dict[str, Any]], vnet_id: str, run_id: str | None,
                     problem: Any) -> None:
    """A new link must not take the name of a link that points at another VNet."""
    if choice.link_name is not None:
        return
    for lk in links:
        if lk.get("name") == plan.dns.link_name and not _targets(lk, vnet_id) and \
                not (run_id is not None and _tag(lk) == run_id):
            problem("dns.link_name", f"link {plan.dns.link_name} already exists in that zone and points at another "
                    "VNet", "choose another link_name")

"""The VNet and subnets the plan names: an existing VNet it reuses matches it (subscription, region), one it creates
is not already there, and every subnet either exists as named or fits the address space and is free."""

from __future__ import annotations

from plinktui import validation as v
from plinktui.engine import TAG_RUN, props
from plinktui.preflight.base import PreflightContext, created_by, err_text, read


async def vnet(pf: PreflightContext) -> None:
    """The VNet can be read, and exists when the plan reuses it (``vnet``, ``vnet_id`` for the later checks)."""
    net = pf.plan.network
    res, exc = await read(pf.gw.at(pf.vnet_sub).network.virtual_networks.get(pf.vnet_rg, net.vnet_name))
    if exc is not None:
        pf.add("network.vnet", f"cannot read the VNet: {err_text(exc)}")
    elif res is None and net.new_vnet:
        pf.result.absent.add("vnet")
    elif res is None:
        pf.add("network.vnet", f"VNet {net.vnet_name} does not exist in {pf.vnet_rg}",
               "give address_space to create it, or fix the name / resource group")
    else:
        pf.vnet = res
        pf.result.facts.vnet_id = res.get("id")


async def vnet_match(pf: PreflightContext) -> None:
    """An existing VNet is this run's when the plan creates it, and in the plan's region when the plan reuses it."""
    net, res = pf.plan.network, pf.vnet
    if res is None:
        return
    if net.new_vnet:
        ours = (res.get("tags") or {}).get(TAG_RUN)
        if pf.run_id is None or ours != pf.run_id:
            pf.add("network.vnet", f"VNet {net.vnet_name} already exists" + created_by(ours),
                   "drop address_space to reuse it, or choose another name")
        return
    if res.get("location") != net.region:
        pf.add("network.region", f"the VNet {net.vnet_name} is in {res.get('location')}; a private endpoint goes in "
               f"its VNet's region, whatever the vault's region", f"set network.region = {res.get('location')!r}")


async def subnets(pf: PreflightContext) -> None:
    """Each subnet the plan names in a VNet it reuses exists as named, or fits the address space and is free."""
    net, res = pf.plan.network, pf.vnet
    if res is None or net.new_vnet:
        return
    space = props(res).get("addressSpace", {}).get("addressPrefixes") or []
    existing = {s.get("name"): props(s).get("addressPrefix") or (props(s).get("addressPrefixes") or [""])[0]
                for s in props(res).get("subnets") or []}
    pls = pf.plan.private_link_service
    wanted = [("subnet", "network.subnet", net.subnet, net.subnet_prefix)]
    if pls.enabled:
        wanted.append(("pls_subnet", "private_link_service.subnet", pls.subnet, pls.subnet_prefix))
    for key, fld, name, prefix in wanted:
        if prefix is None:
            _named(pf, key, fld, name, existing)
        elif name in existing:
            _same_prefix(pf, key, fld, name, prefix, existing[name])
        else:
            _fits(pf, fld, prefix, space, existing)


def _named(pf: PreflightContext, key: str, fld: str, name: str, existing: dict[str, str]) -> None:
    """A subnet named without a prefix must exist; it is used as it is."""
    if name not in existing:
        pf.add(fld, f"subnet {name} does not exist in VNet {pf.plan.network.vnet_name} "
               f"(it has: {', '.join(existing) or 'none'})", "give subnet_prefix to create it")
    else:
        setattr(pf.result.facts, f"{key}_exists", True)


def _same_prefix(pf: PreflightContext, key: str, fld: str, name: str, prefix: str, has: str) -> None:
    """A subnet named with a prefix that already exists must have that prefix."""
    if has != prefix:
        pf.add(fld + "_prefix" if not fld.endswith("prefix") else fld,
               f"subnet {name} already exists with {has}, not {prefix}",
               "drop subnet_prefix to use it as it is, or choose another subnet name")
    elif key not in pf.owned:
        setattr(pf.result.facts, f"{key}_exists", True)  # used as it is, never created or owned


def _fits(pf: PreflightContext, fld: str, prefix: str, space: list[str], existing: dict[str, str]) -> None:
    """A subnet the run creates lies inside the address space and overlaps no other subnet."""
    ok, msg = v.check_subnet_in_vnet(fld + "_prefix", prefix, space)
    if ok:
        ok, msg = v.check_subnet_free(fld + "_prefix", prefix, {k: p for k, p in existing.items() if p})
    if not ok:
        pf.add(fld + "_prefix", msg.split(": ", 1)[1])

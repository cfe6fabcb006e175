"""Teardown: delete exactly what a run can prove it created, in reverse dependency order, and prove it is gone.

A resource is deleted only when the journal says the run created it AND its ``plinktui-run`` tag says so too.
Children that ARM cannot tag need more: a subnet needs the journal's write-ahead proof (absent just before this
run's PUT, and the PUT accepted) and must hold nothing but what the run put there (no NIC, endpoint or service
link left in it); a DNS zone group needs its endpoint to carry the run's tag. Anything else is kept and the reason
said, and teardown still succeeds. 404 counts as done. Reused resources (an existing VNet, subnet, vault, zone,
link, resource group) are never touched. With ``purge`` the soft-deleted vault is purged and the name is confirmed
free again. Generated SSH keys are removed only from plinktui's key directory, and only this run's.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from typing import Any

from plinktui import plan as plan_mod
from plinktui import sshkeys
from plinktui.dag import Graph, Node, build_graph
from plinktui.engine import (
    TAG_RUN,
    UNTAGGABLE,
    Context,
    Emit,
    Event,
    NodeError,
    _no_emit,
    _result,
    as_json,
    execute,
    is_not_found,
    props,
    proven_owned,
    read,
)
from plinktui.journal import Journal

LIVE = ("intent", "creating", "succeeded", "failed", "deleting")


@dataclass
class TeardownResult:
    """What teardown did."""

    deleted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)
    """Why each kept resource (or key file) was left in place."""
    failed: dict[str, str] = field(default_factory=dict)
    purged: bool = False
    keys_removed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing failed."""
        return not self.failed


def reverse_graph(g: Graph) -> Graph:
    """The same nodes with every edge turned round: a node waits for everything that depended on it."""
    rev = Graph()
    for key in g.reverse_order():
        n = g[key]
        rev.add(Node(key=n.key, rtype=n.rtype, name=n.name, deps=tuple(g.dependents(key)), mode=n.mode,
                     weight=n.weight))
    return rev


async def _wait(ctx: Context, poller: Any) -> None:
    await _result(ctx, poller)


async def _delete(ctx: Context, node: Node, entry: dict[str, Any]) -> None:
    net = ctx.gw.network
    rg, name = ctx.rg, node.name
    key = node.key
    if key == "vm":
        vm = await read(ctx, node)
        disk = ((props(vm or {}).get("storageProfile") or {}).get("osDisk") or {}).get("name")
        await _wait(ctx, await ctx.gw.compute.virtual_machines.begin_delete(rg, name, **ctx.lro_kw))
        disk = disk or f"{name}-osdisk"
        try:  # the OS disk normally goes with the VM (deleteOption Delete); make sure
            await _wait(ctx, await ctx.gw.compute.disks.begin_delete(rg, disk, **ctx.lro_kw))
        except Exception as exc:  # noqa: BLE001
            if not is_not_found(exc) and getattr(exc, "status_code", None) not in (400, 405):
                raise
    elif key == "nic":
        await _wait(ctx, await net.network_interfaces.begin_delete(rg, name, **ctx.lro_kw))
    elif key == "pip":
        await _wait(ctx, await net.public_ip_addresses.begin_delete(rg, name, **ctx.lro_kw))
    elif key == "nsg":
        await _wait(ctx, await net.network_security_groups.begin_delete(rg, name, **ctx.lro_kw))
    elif key == "pls":
        await _wait(ctx, await net.private_link_services.begin_delete(rg, name, **ctx.lro_kw))
    elif key == "lb":
        await _wait(ctx, await net.load_balancers.begin_delete(rg, name, **ctx.lro_kw))
    elif key == "zone_group":
        await _wait(ctx, await net.private_dns_zone_groups.begin_delete(rg, ctx.plan.private_endpoint.name, name, **ctx.lro_kw))
    elif key == "pe":
        await _wait(ctx, await net.private_endpoints.begin_delete(rg, name, **ctx.lro_kw))
    elif key == "link":
        await _wait(ctx, await ctx.dns.virtual_network_links.begin_delete(
            ctx.zone_scope[1], ctx.plan.dns.zone, name, **ctx.lro_kw))
    elif key == "zone":
        await _wait(ctx, await ctx.dns.private_zones.begin_delete(ctx.zone_scope[1], ctx.plan.dns.zone, **ctx.lro_kw))
    elif key == "vault":
        await ctx.gw.keyvault.vaults.delete(rg, name)
    elif key in ("subnet", "pls_subnet"):
        await _wait(ctx, await ctx.vnet_net.subnets.begin_delete(ctx.vnet_scope[1], ctx.plan.network.vnet_name, name,
                                                                 **ctx.lro_kw))
    elif key == "vnet":
        await _wait(ctx, await net.virtual_networks.begin_delete(rg, name, **ctx.lro_kw))
    elif key == "rg":
        left = [as_json(r) async for r in ctx.gw.resources.resources.list_by_resource_group(rg)]
        if left:
            raise NodeError(f"resource group {rg} still holds {len(left)} resource(s) plinktui did not create "
                            f"({', '.join(r.get('name', '?') for r in left[:3])}); left in place", "user",
                            "delete them yourself, then: az group delete --name " + rg)
        await _wait(ctx, await ctx.gw.resources.resource_groups.begin_delete(rg, **ctx.lro_kw))
    else:
        raise NodeError(f"no delete for {key}", "fatal")


async def _purge(ctx: Context, result: TeardownResult) -> None:
    name, region = ctx.plan.vault.vault_name, ctx.plan.vault.region
    kv = ctx.gw.keyvault
    try:
        await _wait(ctx, await kv.vaults.begin_purge_deleted(name, region, **ctx.lro_kw))
    except Exception as exc:  # noqa: BLE001
        if not is_not_found(exc):
            raise
    deadline = time.monotonic() + 60
    while True:
        avail = as_json(await kv.vaults.check_name_availability({"name": name, "type": "Microsoft.KeyVault/vaults"}))
        if avail.get("nameAvailable"):
            result.purged = True
            return
        if time.monotonic() > deadline:
            raise NodeError(f"vault name {name} is still reserved after the purge", "retryable", "retry teardown later")
        await asyncio.sleep(ctx.poll_interval)


async def _tagged_leftovers(ctx: Context, groups: set[str], kept: set[str]) -> list[str]:
    """Verify by listing: resources in the run's resource groups that still carry its tag (and were not kept)."""
    out: list[str] = []
    for rg in sorted(groups):
        try:
            if not await ctx.gw.resources.resource_groups.check_existence(rg):
                continue
            async for res in ctx.gw.resources.resources.list_by_resource_group(rg):
                data = as_json(res)
                if (data.get("tags") or {}).get("plinktui-run") == ctx.run_id and \
                        str(data.get("id", "")).lower() not in kept:
                    out.append(f"{data.get('type', '?').split('/')[-1]} {data.get('name')}")
        except Exception as exc:  # noqa: BLE001 - a listing failure must not hide what was deleted
            if not is_not_found(exc):
                out.append(f"(could not list {rg}: {type(exc).__name__})")
    return out


_SUBNET_USERS = ("ipConfigurations", "privateEndpoints", "serviceAssociationLinks", "resourceNavigationLinks",
                 "ipConfigurationProfiles", "applicationGatewayIPConfigurations")


async def why_keep_child(ctx: Context, node: Node, entry: dict[str, Any], cur: dict[str, Any]) -> str | None:
    """For an untaggable child: None when the run can prove it is its own to delete, else why it is kept."""
    if node.key == "zone_group":
        try:
            pe = as_json(await ctx.gw.network.private_endpoints.get(ctx.rg, ctx.plan.private_endpoint.name))
        except Exception as exc:  # noqa: BLE001
            if is_not_found(exc):
                return None  # gone with its endpoint
            raise
        if (pe.get("tags") or {}).get(TAG_RUN) != ctx.run_id:
            return "its private endpoint's tag does not name this run"
        return None
    if not proven_owned(ctx.journal, node.key) or not entry.get("owned"):
        return "the journal holds no proof that this run created it (absent before this run's PUT, PUT accepted)"
    if (cur.get("id") or "").lower() != (entry.get("id") or "").lower():
        return "it is not the subnet this run created (another id)"
    want = ctx.plan.network.subnet_prefix if node.key == "subnet" else ctx.plan.private_link_service.subnet_prefix
    have = props(cur).get("addressPrefix") or (props(cur).get("addressPrefixes") or [None])[0]
    if not want or have != want:
        return f"its prefix {have} is not the {want} this run created"
    users = [u.get("id", "?") for k in _SUBNET_USERS for u in props(cur).get(k) or []]
    if users:
        shown = ", ".join(re.sub(r"/(ipConfigurations|frontendIPConfigurations)/[^/]+$", "", str(u), flags=re.I)
                          .rsplit("/", 1)[-1] for u in users[:3])
        return f"it still holds {len(users)} thing(s) this run did not put there ({shown})"
    return None


async def why_keep_zone(ctx: Context) -> str | None:
    """For this run's own zone or link: why to keep it when other names now rely on it (else None).

    Another run (or a person) may have found this zone linked to the VNet and pointed its endpoint at it; deleting
    the zone, or its link, would silently send that endpoint's name back to the public address.
    """
    sub, rg = ctx.zone_scope
    try:
        others = [as_json(r) async for r in ctx.dns.record_sets.list(rg, ctx.plan.dns.zone)]
    except Exception as exc:  # noqa: BLE001
        if is_not_found(exc):
            return None
        raise
    mine = ctx.plan.vault.vault_name.lower()
    names = sorted({str(r.get("name")) for r in others
                    if not str(r.get("type", "")).lower().endswith("/soa") and str(r.get("name", "")).lower()
                    not in ("@", mine)})
    if names:
        return (f"the zone holds {len(names)} record(s) this run did not put there ({', '.join(names[:3])}); "
                "left so they keep resolving")
    return None


async def teardown(gw: Any, journal: Journal, *, purge: bool = False, emit: Emit = _no_emit,
                   max_parallel: int = 8) -> TeardownResult:
    """Delete the run's resources; the journal ends ``torn_down`` (or ``failed`` listing what is left)."""
    plan = plan_mod.from_dict(journal.data["plan"], source=f"run {journal.run_id}")
    graph = build_graph(plan)
    ctx = Context(gw=gw, plan=plan, graph=graph, journal=journal, emit=emit,
                  poll_interval=0.1 if getattr(gw.target, "is_emulator", False) else 5.0,
                  lro_interval=0.05 if getattr(gw.target, "is_emulator", False) else None,
                  zone_ref=(journal.resources.get("zone") or {}).get("id"))
    result = TeardownResult()
    journal.set_state("tearing_down")
    rev = reverse_graph(graph)
    for key, entry in journal.resources.items():  # a reused link may carry another name than the plan's
        if key in rev and entry.get("name"):
            rev[key].name = entry["name"]

    async def run(node: Node) -> None:
        entry = journal.resources.get(node.key) or {}
        base: dict[str, Any] = {"key": node.key, "rtype": node.rtype, "name": node.name, "id": entry.get("id")}
        untaggable_live = node.key in UNTAGGABLE and node.key != "verify" and entry.get("status") in LIVE
        if node.key == "verify" or not (entry.get("owned") or untaggable_live) or entry.get("status") not in LIVE:
            if entry.get("status") == "reused":
                result.kept.append(node.key)
                result.reasons[node.key] = "existing before this run: used, never deleted"
                await emit(Event("skipped", **base, elapsed=ctx.elapsed(), message="existing: left untouched"))
            return
        cur = await read(ctx, node)
        if cur is None and not entry.get("owned"):
            return  # never proven ours, and gone anyway
        if cur is None:
            journal.record(node.key, status="deleted")
            result.deleted.append(node.key)
            await emit(Event("succeeded", **base, elapsed=ctx.elapsed(), message="already gone"))
            return
        why = await why_keep_child(ctx, node, entry, cur) if node.key in UNTAGGABLE else (
            None if (cur.get("tags") or {}).get(TAG_RUN) == journal.run_id else "its tag does not name this run")
        if why is None and node.key in ("zone", "link"):
            why = await why_keep_zone(ctx)
        if why is None and node.key == "rg":
            left = [as_json(r).get("name", "?") async for r in ctx.gw.resources.resources.list_by_resource_group(ctx.rg)]
            if left:
                why = f"it still holds {len(left)} resource(s) this run did not create or kept ({', '.join(left[:3])})"
        if why is not None:
            result.kept.append(node.key)
            result.reasons[node.key] = why
            journal.record(node.key, status="skipped", owned=False, error=f"kept: {why}")
            await emit(Event("skipped", **base, elapsed=ctx.elapsed(), message=f"left in place: {why}"))
            return
        journal.record(node.key, status="deleting")
        await emit(Event("running", **base, elapsed=ctx.elapsed(), message="deleting"))
        try:
            await _delete(ctx, node, entry)
        except Exception as exc:
            if not is_not_found(exc):
                raise
        if await read(ctx, node) is not None and node.key != "vault":
            raise NodeError(f"{node.name} still exists after delete", "retryable", "run teardown again")
        journal.record(node.key, status="deleted")
        result.deleted.append(node.key)
        await emit(Event("succeeded", **base, elapsed=ctx.elapsed(), message="deleted"))

    outcome = await execute(rev, run, max_parallel=max_parallel, emit=emit, started=ctx.started)
    for key, ev in outcome.errors.items():
        result.failed[key] = ev.error or "failed"
    if purge and "vault" in result.deleted and "vault" not in result.failed:
        try:
            await _purge(ctx, result)
            await emit(Event("succeeded", key="vault", rtype="Microsoft.KeyVault/deletedVaults",
                             name=plan.vault.vault_name, elapsed=ctx.elapsed(), message="purged; the name is free"))
        except Exception as exc:  # noqa: BLE001
            from plinktui.engine import classify, for_run

            cls, msg, fix = classify(exc)
            fix = for_run(fix, journal.run_id)
            result.failed["purge"] = msg
            await emit(Event("failed", key="vault", rtype="Microsoft.KeyVault/deletedVaults",
                             name=plan.vault.vault_name, elapsed=ctx.elapsed(), error=msg, error_class=cls, fix=fix))
    kept_ids = {str((journal.resources.get(k) or {}).get("id", "")).lower() for k in result.kept}
    left = await _tagged_leftovers(ctx, {plan.resource_group, plan.zone_resource_group}, kept_ids)
    if left:
        result.failed["left"] = "still tagged with this run: " + ", ".join(left)
    if not result.failed:
        result.keys_removed, kept_keys = sshkeys.remove([str(k) for k in journal.data.get("generated_keys") or []],
                                                        journal.run_id)
        for i, why in enumerate(kept_keys):
            result.kept.append(f"key{i + 1}")
            result.reasons[f"key{i + 1}"] = why
    journal.data["summary"]["teardown"] = {"deleted": result.deleted, "kept": result.kept, "failed": result.failed,
                                           "purged": result.purged, "reasons": result.reasons}
    journal.set_state("torn_down" if result.ok else "failed")
    return result

"""The final step: check the private path, then (``DisabledAfterVerify``) switch vault public access off.

It checks the endpoint's NIC IP against the zone's A record, probes DNS from the test VM when the plan says
``DisabledAfterVerify``, then switches vault public access off and re-reads it. A step, not a resource: teardown
has nothing to delete for it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
from typing import TYPE_CHECKING, Any

from plinktui.events import ErrorClass, Event, EventKind, NodeError
from plinktui.kinds.base import Kind, Placement, as_json, is_not_found, props, register

if TYPE_CHECKING:
    from plinktui.dag import Facts, Graph, Node
    from plinktui.engine import Context
    from plinktui.plan import Plan

PROBE_LATENCY = 20.0  # seconds the in-VNet DNS probe adds before public access goes off


async def endpoint_ip(ctx: Context) -> tuple[str | None, str | None, str | None, str]:
    """(NIC name, NIC IP, NIC id, connection status) of the plan's private endpoint."""
    pe = as_json(await ctx.gw.network.private_endpoints.get(ctx.rg, ctx.plan.private_endpoint.name))
    p = props(pe)
    conns = (p.get("privateLinkServiceConnections") or []) + (p.get("manualPrivateLinkServiceConnections") or [])
    status = "Unknown"
    if conns:
        status = props(conns[0]).get("privateLinkServiceConnectionState", {}).get("status", "Unknown")
    nic_id = ((p.get("networkInterfaces") or [{}])[0]).get("id")
    ip = None
    for cfg in p.get("customDnsConfigs") or []:
        if cfg.get("ipAddresses"):
            ip = cfg["ipAddresses"][0]
            break
    nic_name = nic_id.rsplit("/", 1)[-1] if nic_id else None
    if nic_id:
        nic_rg = nic_id.split("/")[4]
        nic = as_json(await ctx.gw.network.network_interfaces.get(nic_rg, nic_name))
        for ipc in props(nic).get("ipConfigurations") or []:
            if props(ipc).get("privateIPAddress"):
                ip = props(ipc)["privateIPAddress"]
                break
    return nic_name, ip, nic_id, status


async def zone_record(ctx: Context) -> list[str]:
    """IPs of the vault's A record in the private zone."""
    try:
        rec = as_json(await ctx.dns.record_sets.get(ctx.zone_scope[1], ctx.plan.dns.zone, "A",
                                                    ctx.plan.vault.vault_name))
    except Exception as exc:  # noqa: BLE001
        if is_not_found(exc):
            return []
        raise
    return [a.get("ipv4Address") for a in props(rec).get("aRecords") or [] if a.get("ipv4Address")]


_IP_LINE = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,3}){3})\s", re.M)


def parse_getent(output: str) -> list[str]:
    """IPv4 addresses at the start of ``getent hosts`` lines (Run Command wraps them in [stdout] blocks)."""
    out = []
    for m in _IP_LINE.finditer(output + "\n"):
        try:
            ipaddress.IPv4Address(m.group(1))
        except ValueError:
            continue
        out.append(m.group(1))
    return out


async def dns_probe(ctx: Context, fqdn: str) -> list[str]:
    """Resolve ``fqdn`` from inside the VNet (the test VM) and return the addresses.

    The one place the probe is chosen (swap here): Run Command ``getent hosts`` (what applications get) through
    :func:`plinktui.probes.runcommand.run_shell_script`; it needs no inbound SSH and no host-key pinning.
    ``ctx.probe`` overrides it (the TUI can pass an SSH probe).
    """
    if ctx.probe is not None:
        return await ctx.probe(ctx, fqdn)
    from plinktui.probes.parsers import parse_getent as strict_getent
    from plinktui.probes.runcommand import RunCommandError, run_shell_script

    try:
        out = await run_shell_script(ctx.gw, ctx.rg, ctx.plan.test_vm.name, [f"getent hosts {fqdn}"])
    except RunCommandError as exc:
        raise NodeError(f"Run Command on {ctx.plan.test_vm.name} failed: {exc}", ErrorClass.RETRYABLE, "resume the run") from None
    if out.status != "ok":
        raise NodeError(f"Run Command on {ctx.plan.test_vm.name} gave no usable output: {out.reason}", ErrorClass.RETRYABLE,
                        "resume the run")
    answer = strict_getent(out.stdout, fqdn, out.exit_status)
    return list(answer.addresses) if answer.status == "ok" else parse_getent(out.stdout)


async def verify_step(ctx: Context, node: Node) -> None:
    """Check the private path, then (``DisabledAfterVerify``) switch vault public access off and re-read it."""
    base: dict[str, Any] = {"key": node.key, "rtype": node.rtype, "name": node.name}
    ctx.journal.record("verify", status="intent", rtype=node.rtype, name=node.name, owned=False)
    await ctx.emit(Event(EventKind.RUNNING, **base, elapsed=ctx.elapsed(), message="checking the private path"))
    nic_name, ip, nic_id, status = await endpoint_ip(ctx)
    summary: dict[str, Any] = {"vault_fqdn": ctx.plan.vault.fqdn, "endpoint_nic": nic_name, "endpoint_ip": ip,
                               "endpoint_nic_id": nic_id, "connection": status}
    ctx.journal.data["summary"].update(summary)
    if status != "Approved":
        ctx.journal.record("verify", status="skipped", error=f"connection is {status}")
        await ctx.emit(Event(EventKind.INFO, **base, elapsed=ctx.elapsed(), data=summary,
                             message=f"connection is {status}: approve it on the vault, then resume; "
                                     "public access left as it is"))
        return
    records: list[str] = []
    for _ in range(50):  # the zone group writes the record right after it succeeds; allow a moment
        records = await zone_record(ctx)
        if ip in records:
            break
        await asyncio.sleep(ctx.poll_interval)
    summary["a_record"] = records
    if ip not in records:
        raise NodeError(f"A record {ctx.plan.vault.vault_name} in {ctx.plan.dns.zone} is {records or 'missing'}, "
                        f"expected {ip}", ErrorClass.USER, "check the DNS zone group on the endpoint, then resume")
    if ctx.plan.vault.effective_public_access == "DisabledAfterVerify":
        resolved = await dns_probe(ctx, ctx.plan.vault.fqdn)
        summary["resolved_from_vm"] = resolved
        if ip not in resolved:
            raise NodeError(f"from {ctx.plan.test_vm.name}, {ctx.plan.vault.fqdn} resolves to {resolved or 'nothing'}, "
                            f"not {ip}; public access left on", ErrorClass.USER,
                            "check the zone's VNet link and the VNet's DNS servers, then resume")
        sub, rg = ctx.vault_scope
        await ctx.emit(Event(EventKind.RUNNING, **base, elapsed=ctx.elapsed(),
                             message="private path verified; disabling vault public access"))
        await ctx.gw.keyvault.vaults.update(rg, ctx.plan.vault.vault_name, {"properties": {
            "publicNetworkAccess": "Disabled", "networkAcls": {"defaultAction": "Deny", "bypass": "None"}}})
        after = as_json(await ctx.gw.keyvault.vaults.get(rg, ctx.plan.vault.vault_name))
        summary["public_network_access"] = props(after).get("publicNetworkAccess")
        if props(after).get("publicNetworkAccess") != "Disabled":
            raise NodeError("vault public access is still enabled after the update; an Azure Policy may have "
                            "reverted it", ErrorClass.USER, "check policy assignments (modify/deny effects) on the vault")
    ctx.journal.data["summary"].update(summary)
    ctx.journal.record("verify", status="succeeded")
    await ctx.emit(Event(EventKind.SUCCEEDED, **base, elapsed=ctx.elapsed(), data=summary,
                         message=f"{ctx.plan.vault.fqdn} -> {ip} (zone record matches)"))


def _place(plan: Plan, facts: Facts, g: Graph) -> Placement:
    deps = ("zone_group",) + tuple(k for k in ("link", "vm") if k in g)  # no link when the hub's owner makes it
    weight = PROBE_LATENCY if plan.vault.effective_public_access == "DisabledAfterVerify" else None
    return Placement("private path", deps, mode="step", weight=weight)


KIND = register(Kind(key="verify", arm_type="plinktui/verify", label="verification", latency=0, rank=1000,
                     place=_place, taggable=False, step=verify_step))

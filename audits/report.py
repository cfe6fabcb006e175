"""Report renderers: plain table (TTY), JSON schema ``plinktui.audit/v1``, Markdown and SARIF 2.1.0.

Every value shown comes from the subscription or a VM and is untrusted: the table goes through
:func:`plinktui.untrusted.visible` cell by cell, Markdown through :func:`~plinktui.untrusted.md` /
:func:`~plinktui.untrusted.md_code`, and SARIF's display text through :func:`~plinktui.untrusted.visible`. JSON keeps
values raw (``json.dumps`` escapes control characters itself).

Reports carry resource ids, names, IPs and findings only. Nothing secret is ever collected (no keys, tokens, SAS
URLs or connection strings are read by the collector), and :func:`_scrub` additionally masks anything that looks like
a bearer token or SAS signature in free text, as a belt-and-braces guard for details copied from probe output.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from audits.checks import CATALOGUE, SEVERITY_RANK, Finding
from audits.inventory import Endpoint, Inventory, key, name_of
from plinktui.untrusted import md, md_code, visible

SCHEMA = "plinktui.audit/v1"
TOOL_URI = "https://github.com/plinktui/plinktui"
_SECRETISH = re.compile(r"(?i)(bearer\s+[a-z0-9._~+/=-]{8,}|sig=[a-z0-9%+/=]{8,}|(?:password|secret|token)=\S+)")


def _scrub(text: str) -> str:
    return _SECRETISH.sub("[redacted]", text)


@dataclass
class AuditResult:
    """Everything one audit produced."""

    inventory: Inventory
    findings: list[Finding]
    probes: list[Any] = field(default_factory=list)
    """ProbeVerdict objects (attributes vm, fqdn, resolved_ips, cname_chain, expected_ip, verdict, ...)."""
    stats: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    scope: dict[str, Any] = field(default_factory=dict)
    resolution: list[Any] = field(default_factory=list)
    """``audits.resolution.Path`` objects: every VNet x endpoint FQDN path."""


# ------------------------------------------------------------------------------------------------------------
# JSON
# ------------------------------------------------------------------------------------------------------------

def endpoint_entry(inv: Inventory, ep: Endpoint) -> dict[str, Any]:
    """One ``endpoints[]`` entry of schema plinktui.audit/v1."""
    nic = next((inv.nic_by_id[key(n)] for n in ep.nic_ids if key(n) in inv.nic_by_id), None)
    nic_id = nic.id if nic else (ep.nic_ids[0] if ep.nic_ids else None)
    ips = inv.ips_of(ep)
    if ep.zone_groups:
        zone_group: dict[str, Any] | None = {"source": "api", "names": [g.name for g in ep.zone_groups],
                                             "zones": [name_of(z) for g in ep.zone_groups for z in g.zone_ids]}
    else:
        held = sorted({r.zone_name for ip in ips for r in inv.records_by_ip.get(ip, [])})
        zone_group = {"source": "records", "names": [], "zones": held} if held else None
    return {
        "id": ep.id, "name": ep.name, "region": ep.location, "vnet": ep.vnet_id,
        "subnet": ep.subnet_id, "nic_id": nic_id, "nic_name": name_of(nic_id) if nic_id else None,
        "private_ips": ips, "target_id": ep.target_id, "group_ids": ep.group_ids,
        "connection_state": ep.connection_state, "fqdns": inv.fqdns_of(ep), "zone_group": zone_group,
        "provisioning_state": ep.provisioning_state,
    }


def probe_entry(v: Any, inv: Inventory | None = None) -> dict[str, Any]:
    """One ``probes[]`` entry from a ProbeVerdict (duck-typed); with the inventory, the VNet the VM proves."""
    vm = next((x for x in (inv.vms if inv else []) if x.name == getattr(v, "vm", None)), None)
    return {
        "vm": getattr(v, "vm", None), "vnet": name_of(vm.vnet_id) if vm and vm.vnet_id else None,
        "fqdn": getattr(v, "fqdn", None),
        "resolved_ips": list(getattr(v, "resolved_ips", None) or []),
        "cname_chain": list(getattr(v, "cname_chain", None) or []),
        "expected_ip": getattr(v, "expected_ip", None), "verdict": getattr(v, "verdict", None),
        "findings": list(getattr(v, "findings", None) or []),
        "healthstatus_addr": getattr(v, "healthstatus_addr", None),
        "detail": _scrub(getattr(v, "detail", "") or ""),
    }


def summary(findings: list[Finding]) -> dict[str, int]:
    """Counts by severity."""
    c = Counter(f.severity for f in findings)
    return {"error": c["error"], "warning": c["warning"], "info": c["info"], "total": len(findings)}


def to_json_dict(result: AuditResult) -> dict[str, Any]:
    """The plinktui.audit/v1 document."""
    inv = result.inventory
    return {
        "schema": SCHEMA,
        "scope": result.scope,
        "summary": summary(result.findings),
        "endpoints": [endpoint_entry(inv, ep) for ep in sorted(inv.endpoints, key=lambda e: key(e.id))],
        "findings": [{**f.as_dict(), "detail": _scrub(f.detail)} for f in result.findings],
        "probes": [probe_entry(v, inv) for v in result.probes],
        "resolution": [p.as_dict(inv) for p in result.resolution],
        "stats": dict(result.stats),
        "notes": [_scrub(n) for n in result.notes + inv.notes],
    }


def render_json(result: AuditResult) -> str:
    """JSON text (indented, stable key order)."""
    return json.dumps(to_json_dict(result), indent=2) + "\n"


# ------------------------------------------------------------------------------------------------------------
# Table (TTY) and Markdown
# ------------------------------------------------------------------------------------------------------------

def _short(resource_id: str) -> str:
    parts = resource_id.strip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 else resource_id


def render_table(result: AuditResult, width: int = 120) -> str:
    """Plain-text report for a terminal: endpoints, findings with fixes, probes, then the summary line."""
    inv = result.inventory
    lines: list[str] = []
    eps = sorted(inv.endpoints, key=lambda e: key(e.id))
    lines.append(f"Private endpoints ({len(eps)})")
    rows = [("NAME", "VNET", "IP", "STATE", "TARGET", "FQDN")]
    for ep in eps:
        rows.append((ep.name, name_of(ep.vnet_id or "") or "-", ",".join(inv.ips_of(ep)) or "-",
                     ep.connection_state, name_of(ep.target_id or "") or "-", ",".join(inv.fqdns_of(ep)[:1]) or "-"))
    lines.extend(_columns(rows, width))
    lines.append("")
    lines.append(f"Findings ({len(result.findings)})")
    for f in result.findings:
        lines.append(f"  {f.severity.upper():7} {f.check_id}  {visible(f.title)}  [{visible(_short(f.resource_id))}]")
        lines.append(f"          {visible(_scrub(f.detail))}")
        lines.append(f"          fix: {visible(f.remediation.text)}")
        lines.append(f"          $ {visible(f.remediation.command)}")
    if result.resolution:
        lines.append("")
        lines.extend(resolution_view(result, width))
    if result.probes:
        lines.append("")
        lines.append(f"Probes ({len(result.probes)})")
        prow = [("VM", "VNET", "FQDN", "RESOLVED", "EXPECTED", "VERDICT", "HEALTHSTATUS ADDR")]
        for v in result.probes:
            e = probe_entry(v, inv)
            prow.append((e["vm"] or "-", e["vnet"] or "-", e["fqdn"] or "-", ",".join(e["resolved_ips"]) or "-",
                         e["expected_ip"] or "-", e["verdict"] or "-", e["healthstatus_addr"] or "-"))
        lines.extend(_columns(prow, width))
    notes = result.notes + inv.notes
    if notes:
        lines.append("")
        lines.extend(f"note: {visible(_scrub(n))}" for n in notes)
    s = summary(result.findings)
    st = result.stats
    lines.append("")
    lines.append(f"{s['error']} error(s), {s['warning']} warning(s), {s['info']} info; "
                 f"{len(eps)} endpoint(s); {st.get('arm_requests', '?')} ARM requests in {st.get('seconds', '?')} s")
    return "\n".join(lines) + "\n"


def resolution_rows(result: AuditResult) -> list[tuple[str, ...]]:
    """The VNet x endpoint view's rows (header first): the computed answer and what the VNet's own probe saw."""
    inv = result.inventory
    probed: dict[tuple[str, str], str] = {}
    for v in result.probes:
        e = probe_entry(v, inv)
        if e["vnet"] and e["fqdn"]:
            probed[(e["vnet"].lower(), e["fqdn"].lower())] = f"{e['verdict']} ({e['vm']})"
    rows: list[tuple[str, ...]] = [("VNET", "ENDPOINT", "DNS SERVER", "ANSWER", "VERDICT", "PROBE")]
    for p in result.resolution:
        d = p.as_dict(inv)
        answer = ",".join(d["expected"]) if isinstance(d["expected"], list) else d["expected"]
        rows.append((d["vnet"], d["endpoint"], d["server"], answer, d["verdict"],
                     probed.get((d["vnet"].lower(), d["fqdn"].lower()), "-")))
    return rows


def resolution_view(result: AuditResult, width: int = 120) -> list[str]:
    """The VNet x endpoint view as text lines."""
    return [f"Resolution: VNet x endpoint ({len(result.resolution)})", *_columns(resolution_rows(result), width)]


def _columns(raw_rows: Sequence[tuple[str, ...]], width: int) -> list[str]:
    """Aligned columns; each cell is untrusted and shown through :func:`visible` (widths are measured after)."""
    rows = [tuple(visible(c) for c in r) for r in raw_rows]
    n = len(rows[0])
    widths = [min(max(len(r[i]) for r in rows), 48) for i in range(n)]
    out = []
    for r in rows:
        cells = [(c if len(c) <= widths[i] else c[: widths[i] - 1] + "~").ljust(widths[i]) for i, c in enumerate(r)]
        out.append(("  " + "  ".join(cells)).rstrip()[: max(width, 40)])
    return out


def render_markdown(result: AuditResult) -> str:
    """A Markdown report (for PR comments and wikis)."""
    inv = result.inventory
    s = summary(result.findings)
    out = ["# plinktui audit", "",
           f"**{s['error']}** error(s), **{s['warning']}** warning(s), **{s['info']}** info across "
           f"{len(inv.endpoints)} private endpoint(s); {result.stats.get('arm_requests', '?')} ARM requests in "
           f"{result.stats.get('seconds', '?')} s.", "", "## Findings", ""]
    if not result.findings:
        out.append("No findings.")
    else:
        out += ["| Severity | Check | Resource | Detail | Fix |", "|---|---|---|---|---|"]
        for f in result.findings:
            out.append(f"| {f.severity} | {f.check_id} {md(f.title)} | {md_code(_short(f.resource_id))} | "
                       f"{md(_scrub(f.detail))} | {md(f.remediation.text)}<br>{md_code(f.remediation.command)} |")
    out += ["", "## Private endpoints", "", "| Name | VNet | IP | Connection | Target | FQDN |", "|---|---|---|---|---|---|"]
    for ep in sorted(inv.endpoints, key=lambda e: key(e.id)):
        out.append(f"| {md_code(ep.name)} | {md_code(name_of(ep.vnet_id or ''))} | {md(', '.join(inv.ips_of(ep)))} | "
                   f"{md(ep.connection_state)} | {md_code(name_of(ep.target_id or ''))} | "
                   f"{md(', '.join(inv.fqdns_of(ep)))} |")
    if result.probes:
        out += ["", "## Probes", "", "| VM | FQDN | Resolved | Expected | Verdict | healthstatus addr |",
                "|---|---|---|---|---|---|"]
        for v in result.probes:
            e = probe_entry(v)
            out.append(f"| {md_code(e['vm'])} | {md(e['fqdn'])} | {md(', '.join(e['resolved_ips']))} | "
                       f"{md(e['expected_ip'])} | {md(e['verdict'])} | {md(e['healthstatus_addr'])} |")
    notes = result.notes + inv.notes
    if notes:
        out += ["", "## Notes", ""] + [f"- {md(_scrub(n))}" for n in notes]
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------------------------
# SARIF 2.1.0
# ------------------------------------------------------------------------------------------------------------

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def render_sarif(result: AuditResult, version: str = "0.1.0") -> str:
    """SARIF 2.1.0: rules from the catalogue, one result per finding with the resource as a logical location."""
    rules = []
    index = {}
    for i, rule in enumerate(sorted(CATALOGUE.values(), key=lambda r: r.id)):
        index[rule.id] = i
        rules.append({
            "id": rule.id, "name": "".join(w.capitalize() for w in re.findall(r"[A-Za-z0-9]+", rule.title)),
            "shortDescription": {"text": rule.title}, "fullDescription": {"text": rule.description},
            "help": {"text": rule.description}, "defaultConfiguration": {"level": _LEVEL[rule.severity]},
            "properties": {"source": rule.source, "tags": ["private-link", "dns", "network"]},
        })
    results = []
    for f in result.findings:
        results.append({
            "ruleId": f.check_id, "ruleIndex": index[f.check_id], "level": _LEVEL[f.severity],
            # message.text is shown to people by SARIF viewers: display text, so visible(); ids below stay exact.
            "message": {"text": visible(_scrub(f"{f.detail} Fix: {f.remediation.text} `{f.remediation.command}`"))},
            "locations": [{"logicalLocations": [{"fullyQualifiedName": f.resource_id, "name": name_of(f.resource_id),
                                                 "kind": "resource"}]}],
            "partialFingerprints": {"plinktui/v1": f"{f.check_id}:{f.resource_id.lower()}"},
            "properties": {"severity": f.severity, "remediationCommand": f.remediation.command},
        })
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "plinktui", "informationUri": TOOL_URI, "version": version,
                                "semanticVersion": version, "rules": rules}},
            "results": results,
            "properties": {"stats": result.stats},
        }],
    }
    return json.dumps(doc, indent=2) + "\n"


RENDERERS = {"json": render_json, "markdown": render_markdown, "sarif": render_sarif, "table": render_table}


def render(result: AuditResult, fmt: str) -> str:
    """Render in one of: table, json, markdown, sarif."""
    return RENDERERS[fmt](result)


def worst(findings: list[Finding]) -> str | None:
    """The highest severity present, or None."""
    return max((f.severity for f in findings), key=lambda s: SEVERITY_RANK[s], default=None)

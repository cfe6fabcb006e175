"""A plan as infrastructure as code: an ARM deployment template (resource-group scope) of what the plan creates.

``plinktui export --plan FILE --format arm [-o FILE]`` writes it; the TUI's Review screen offers the same. The
template has a parameter for every name and region (defaults from the plan), creates what the plan would create
(the plan's resource graph decides: reused resources are referenced by id, never declared), and orders resources
with ``dependsOn`` along the same graph edges the engine waits on. Each resource's body comes from its kind's
``template`` hook (``plinktui.kinds``); this module holds only what every template has. Deploy it with
``az deployment group create -g <rg> --template-file T.json``; ``az bicep decompile --file T.json`` turns it into
Bicep.

What a template cannot do that ``plinktui setup`` does: prove the private path from inside the VNet before turning
public access off (``DisabledAfterVerify`` exports as ``Enabled``, with a note), and generate an SSH key pair (a test
VM needs ``adminPublicKey``). A subnet, zone or link in another resource group than the plan's cannot be declared at
resource-group scope; such plans are refused with the reason.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
from typing import Any

from plinktui import __version__
from plinktui.armtemplate import ExportError, TemplateContext, param, resource_id
from plinktui.dag import Node, NodeMode, build_graph
from plinktui.fsutil import atomic_write
from plinktui.kinds import kind
from plinktui.plan import Plan

__all__ = ["SCHEMA", "ExportError", "build_template", "write"]

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def build_template(plan: Plan) -> dict[str, Any]:
    """The deployment template for a plan (raises :class:`ExportError`).

    The plan's graph decides what is declared: each created node's kind gives its resource(s) through its
    ``template`` hook, in graph order, and waits (``dependsOn``) on the created nodes it depends on.
    """
    net, vault = plan.network, plan.vault
    ctx = TemplateContext(plan)
    ctx.param("location", net.region,
              metadata={"description": "Region of the VNet, the private endpoint (and the test VM)."})
    ctx.param("vaultLocation", vault.region, metadata={"description": "Region of the Key Vault (any region)."})
    for name, default in (("vnetName", net.vnet_name), ("subnetName", net.subnet), ("vaultName", vault.vault_name),
                          ("privateEndpointName", plan.private_endpoint.name), ("privateDnsZoneName", plan.dns.zone)):
        ctx.param(name, default)

    declared: list[tuple[Node, list[dict[str, Any]]]] = []
    refusals: list[str] = []  # every reason, not only the first (each says what to change)
    for node in build_graph(plan):
        if node.mode != NodeMode.CREATE:
            continue  # reused resources are referenced by id, never declared; a step is no resource
        k = kind(node.key)
        try:
            if k.template is None:
                raise ExportError(f"the plan creates a {k.label} ({node.key}, {k.arm_type}) that plinktui cannot "
                                  "write as an ARM template yet: deploy this plan with `plinktui setup --plan` instead")
            declared.append((node, k.template(ctx, node)))
        except ExportError as exc:
            refusals.append(str(exc))
    if refusals:
        first, *more = dict.fromkeys(refusals)
        raise ExportError(first + "".join(f" Also: {why}" for why in more))
    endpoint_id = resource_id("Microsoft.Network/privateEndpoints", param("privateEndpointName"))
    resources: list[dict[str, Any]] = []
    for node, made in declared:
        deps = [f"[{ctx.ids[d]}]" for d in node.deps if d in ctx.ids]
        for res in made:
            if deps:
                res["dependsOn"] = [*res.get("dependsOn", []), *deps]
            resources.append(res)
    return {
        "$schema": SCHEMA, "contentVersion": "1.0.0.0",
        "metadata": {"generator": {"name": "plinktui", "version": __version__}, "plan": plan.name,
                     "description": f"Key Vault {vault.vault_name} reachable privately from {net.vnet_name} "
                                    "(private endpoint, private DNS zone, VNet link, zone group)."},
        "parameters": ctx.parameters, "variables": ctx.variables, "resources": resources,
        "outputs": {"privateEndpointId": {"type": "string", "value": f"[{endpoint_id}]"},
                    "vaultId": {"type": "string", "value": ctx.variable("vaultId", f"[{ctx.vault_id}]")}},
    }


def write(plan: Plan, out: str | pathlib.Path | None) -> str:
    """Render the template; write it to ``out`` (atomically) or return it for stdout."""
    text = json.dumps(build_template(plan), indent=2) + "\n"
    if out is not None:
        atomic_write(out, text, durable=False, mode=0o644)  # a template is no secret (the key in it is public)
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``plinktui export``."""
    parser.add_argument("--plan", required=True, metavar="FILE", help="the plan (TOML) to export")
    parser.add_argument("--format", choices=["arm"], default="arm",
                        help="arm: an ARM deployment template (JSON); `az bicep decompile` turns it into Bicep")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here (default: standard output)")


def run(args: argparse.Namespace) -> int:
    """``plinktui export``: exit 0 with the template written, 2 with one line saying what to change."""
    from plinktui.exit_codes import ExitCode
    from plinktui.plan import PlanError, load

    try:
        plan = load(args.plan)
        text = write(plan, args.output)
    except (PlanError, ExportError) as exc:
        print(f"plinktui export: {exc}", file=sys.stderr)
        return ExitCode.ERROR
    except OSError as exc:
        print(f"plinktui export: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return ExitCode.ERROR
    if args.output:
        print(f"wrote {args.output}: deploy with `az deployment group create -g {plan.resource_group} "
              f"--template-file {args.output}`", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return ExitCode.OK

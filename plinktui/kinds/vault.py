"""The Key Vault: never blindly re-PUT. An owned vault is reconciled with a PATCH; a soft delete keeps its name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.armtemplate import param
from plinktui.errors import RESUME_FIX
from plinktui.events import ErrorClass, Event, EventKind, NodeError
from plinktui.kinds.base import (
    PENDING_STATES,
    Kind,
    Placement,
    as_json,
    props,
    provisioning_state,
    register,
    wait_settled,
)

if TYPE_CHECKING:
    from plinktui.armtemplate import TemplateContext
    from plinktui.dag import Facts, Graph, Node
    from plinktui.engine import Context
    from plinktui.plan import Plan

VAULT_CONN_GROUP = "vault"


def initial_public_access(plan: Plan) -> str:
    """A new vault's ``publicNetworkAccess``: on until the private path is verified, unless the plan says Disabled."""
    return "Disabled" if plan.vault.effective_public_access == "Disabled" else "Enabled"


def vault_body(ctx: Context) -> dict[str, Any]:
    """A new vault: RBAC, soft delete, public access on only until the private path is verified."""
    public = initial_public_access(ctx.plan)
    return {"location": ctx.plan.vault.region, "tags": ctx.tags, "properties": vault_properties(
        ctx.plan, ctx.tenant_id, public, "Deny" if public == "Disabled" else "Allow")}


def vault_properties(plan: Plan, tenant_id: Any, public: str, default_action: str) -> dict[str, Any]:
    """A new vault's properties: standard SKU, RBAC as the plan says, soft delete, no bypass of the network rules."""
    vs = plan.vault
    return {"tenantId": tenant_id, "sku": {"family": "A", "name": "standard"},
            "enableRbacAuthorization": vs.rbac, "accessPolicies": [], "enableSoftDelete": True,
            "softDeleteRetentionInDays": vs.soft_delete_retention_days, "publicNetworkAccess": public,
            "networkAcls": {"defaultAction": default_action, "bypass": "None"}}


def vault_patch(ctx: Context, current: dict[str, Any]) -> dict[str, Any]:
    """The PATCH that brings an owned vault in line with the plan (empty when nothing differs)."""
    want = props(vault_body(ctx))
    have = props(current)
    patch: dict[str, Any] = {}
    for k in ("enableRbacAuthorization", "publicNetworkAccess"):
        if have.get(k) is not None and have.get(k) != want[k]:
            patch[k] = want[k]
    if ctx.plan.vault.effective_public_access == "DisabledAfterVerify" and \
            ctx.journal.resources.get("verify", {}).get("status") == "succeeded":
        patch.pop("publicNetworkAccess", None)  # already switched off after verification: keep it off
    body: dict[str, Any] = {}
    if patch:
        body["properties"] = patch
    tags = current.get("tags") or {}
    if any(tags.get(k) != v for k, v in ctx.tags.items()):
        body["tags"] = {**tags, **ctx.tags}
    return body


async def vault_member_name(ctx: Context) -> str:
    """The member name for a static IP comes from the vault's private link resources (not a constant)."""
    sub, rg = ctx.vault_scope
    listing = as_json(await ctx.gw.at(sub).keyvault.private_link_resources.list_by_vault(rg, ctx.plan.vault.vault_name))
    for data in listing.get("value") or []:
        if props(data).get("groupId") == VAULT_CONN_GROUP and props(data).get("requiredMembers"):
            return props(data)["requiredMembers"][0]
    raise NodeError("the vault offers no 'vault' private link resource for a static IP", ErrorClass.USER,
                    "drop private_endpoint.static_ip")


def _place(plan: Plan, facts: Facts, g: Graph) -> Placement:
    if plan.vault.existing:
        return Placement(plan.vault.vault_name, mode="reuse")
    return Placement(plan.vault.vault_name, ("rg",))


async def _get(c: Context, n: Node) -> Any:
    sub, rg = c.vault_scope
    return await c.gw.at(sub).keyvault.vaults.get(rg, n.name)


async def _put(c: Context, n: Node) -> Any:
    return await c.gw.keyvault.vaults.begin_create_or_update(c.rg, n.name, vault_body(c), **c.lro_kw)


async def _reconcile(c: Context, n: Node, cur: dict[str, Any]) -> dict[str, Any] | None:
    patch = vault_patch(c, cur)
    if not patch:
        return None
    await c.emit(Event(EventKind.RUNNING, key=n.key, rtype=n.rtype, name=n.name, id=c.vault_id,
                       elapsed=c.elapsed(), message="reconciling (PATCH)"))
    return as_json(await c.gw.keyvault.vaults.update(c.vault_scope[1], n.name, patch))


async def _repair(c: Context, n: Node, cur: dict[str, Any]) -> dict[str, Any] | None:
    """An owned vault in a failed state: a PATCH, never a blind re-PUT over a vault that may hold keys."""
    want = {k: v for k, v in props(vault_body(c)).items() if k in ("enableRbacAuthorization", "publicNetworkAccess")}
    after = as_json(await c.gw.keyvault.vaults.update(c.vault_scope[1], n.name, {"tags": c.tags, "properties": want}))
    # The PATCH answering 200 does not mean the repair took: trust only the vault's own provisioningState
    # (re-read when the answer lacks it or is still transitional).
    state = str(props(after).get("provisioningState") or "")
    if state.lower() in PENDING_STATES or not state:
        again = await wait_settled(c, n)
        state = provisioning_state(again) if again is not None else "missing"
    if state.lower() != "succeeded":
        raise NodeError(f"Key Vault {n.name} is still {state} after the repair PATCH", ErrorClass.RETRYABLE,
                        f"{RESUME_FIX}; if it stays {state}, tear the run down (plinktui teardown RUN --purge) "
                        "and set it up again")
    return after


async def _delete(c: Context, n: Node) -> None:
    await c.gw.keyvault.vaults.delete(c.rg, n.name)


def _template(t: TemplateContext, n: Node) -> list[dict[str, Any]]:
    access = t.param(
        "vaultPublicNetworkAccess", initial_public_access(t.plan), allowedValues=["Enabled", "Disabled"],
        metadata={"description": "plinktui setup turns public access off only after proving the private path from "
                                 "inside the VNet (DisabledAfterVerify); a template cannot prove it, so that plan "
                                 "exports as Enabled: run `plinktui audit`, then "
                                 "`az keyvault update --public-network-access Disabled`."})
    return [t.resource(n, param("vaultName"), rid=t.vault_id, location=f"[{param('vaultLocation')}]", tags=t.tags,
                       properties=vault_properties(t.plan, "[subscription().tenantId]", f"[{access}]",
                                                   f"[if(equals({access}, 'Disabled'), 'Deny', 'Allow')]"))]


KIND = register(Kind(
    key="vault", arm_type="Microsoft.KeyVault/vaults", label="key vault", latency=20, rank=30,
    place=_place, get=_get, put=_put, rid=lambda c, n: c.vault_id, delete=_delete, scope=lambda c: c.vault_scope,
    reconcile=_reconcile, repair=_repair, gone_after_delete=False, template=_template,
    actions=lambda plan, facts: (
        "Microsoft.KeyVault/vaults/read", "Microsoft.KeyVault/vaults/privateEndpointConnectionsApproval/action")
        + (("Microsoft.KeyVault/vaults/write",)
           if not plan.vault.existing or plan.vault.effective_public_access is not None else ())))

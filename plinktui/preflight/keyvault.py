"""The vault: the one the plan reuses exists; the name of the one it creates is free (globally, and not held by a
soft-deleted vault)."""

from __future__ import annotations

from typing import Any

from plinktui.engine import TAG_RUN, as_json, props
from plinktui.preflight.base import PreflightContext, collect, created_by, err_text, read, safe


async def vault(pf: PreflightContext) -> None:
    """The vault the plan reuses exists; the one it creates is not already in the resource group (unless ours)."""
    spec, rg = pf.plan.vault, pf.rg
    kv = pf.gw.at(pf.vault_sub).keyvault
    if spec.existing:
        res, exc = await read(kv.vaults.get(pf.vault_rg, spec.vault_name))
        if exc is not None or res is None:
            pf.add("vault.name", f"vault {spec.vault_name} not found in {pf.vault_rg}"
                   + (f": {err_text(exc)}" if exc else ""), "fix the name, or set existing = false to create it")
        return
    res, exc = await read(kv.vaults.get(rg, spec.vault_name))
    if exc is None and res is None:
        pf.result.absent.add("vault")
    if exc is None and res is not None:
        owner = (res.get("tags") or {}).get(TAG_RUN)
        if pf.run_id is None or owner != pf.run_id:
            pf.add("vault.name", f"vault {spec.vault_name} already exists in {rg}" + created_by(owner),
                   "set existing = true to use it, or choose another name")
        return  # else resuming our own run
    await _name_free(pf, kv)


async def _name_free(pf: PreflightContext, kv: Any) -> None:
    """Vault names are global: free (``checkNameAvailability``) and not held by a soft-deleted vault."""
    name, region = pf.plan.vault.vault_name, pf.plan.vault.region
    avail, exc = await safe(kv.vaults.check_name_availability({"name": name, "type": "Microsoft.KeyVault/vaults"}))
    deleted, exc2 = await safe(collect(kv.vaults.list_deleted()))
    hit = None
    for d in deleted or []:
        dj = as_json(d)
        if (dj.get("name") or "").lower() == name.lower():
            hit = dj
    if hit is not None:
        loc = props(hit).get("location") or region
        pf.add("vault.name", f"{name!r} belongs to a soft-deleted vault (in {loc}, purge protection "
               f"{'on' if props(hit).get('purgeProtectionEnabled') else 'off'})",
               f"recover it (az keyvault recover --name {name}), purge it (az keyvault purge --name "
               f"{name} --location {loc}), or choose another name")
        return
    if exc is not None:
        pf.add("vault.name", f"cannot check the name's availability: {err_text(exc)}", severity="warning")
        return
    aj = as_json(avail)
    if aj.get("nameAvailable") is False:
        reason = aj.get("reason") or "AlreadyExists"
        pf.add("vault.name", f"{name!r} is not available ({reason}): vault names are global",
               "choose another name, e.g. with a short suffix")
    if exc2 is not None:
        pf.add("vault.name", f"cannot list deleted vaults: {err_text(exc2)}", severity="warning")

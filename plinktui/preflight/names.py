"""Names the plan creates in its resource group that must not be taken by someone else's resources.

Which names those are is the kinds' to say (:attr:`plinktui.kinds.Kind.free_name`: the endpoint, the test VM and its
NIC, NSG and public IP); one check per such kind, named ``<key>_name``.
"""

from __future__ import annotations

from functools import partial

from plinktui.engine import TAG_RUN
from plinktui.kinds import FreeName, kinds
from plinktui.preflight.base import Check, PreflightContext, created_by, read


async def name_free(key: str, spec: FreeName, pf: PreflightContext) -> None:
    """The name is free in the plan's resource group, or held by the run being resumed."""
    name = spec.name(pf.plan)
    if name is None:
        return
    res, exc = await read(getattr(getattr(pf.gw, spec.client), spec.collection).get(pf.rg, name))
    if exc is None and res is None:
        pf.result.absent.update((key, *spec.absent_too))
    if exc is None and res is not None:
        owner = (res.get("tags") or {}).get(TAG_RUN)
        if pf.run_id is None or owner != pf.run_id:
            pf.add(spec.field, f"{spec.what} {name} already exists" + created_by(owner),
                   f"resume that run (plinktui setup --resume {owner})" if owner else "choose another name")


def checks() -> tuple[Check, ...]:
    """One check per registered kind that declares a free name."""
    return tuple(Check(f"{k.key}_name", partial(name_free, k.key, k.free_name)) for k in kinds()
                 if k.free_name is not None)


CHECKS = checks()

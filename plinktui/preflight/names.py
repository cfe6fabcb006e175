"""Names the plan creates in its resource group that must not be taken by someone else's resources.

The table stays here rather than in the kinds registry: the fields and words of these problems are preflight's (the
test VM's NIC, NSG and public IP all answer to ``test_vm.name``), and five kinds would each need a new field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from plinktui.engine import TAG_RUN
from plinktui.preflight.base import Check, PreflightContext, created_by, read

if TYPE_CHECKING:
    from plinktui.plan import Plan


@dataclass(frozen=True)
class FreeName:
    """A resource the plan creates in its resource group: its node key, the plan field a problem names, what the
    message calls it, where the gateway reads it (``gw.<client>.<collection>``), and its name in the plan."""

    key: str
    field: str
    what: str
    client: str
    collection: str
    name: Callable[[Plan], str]
    test_vm: bool = False
    """Only when the plan has a test VM."""


FREE_NAMES = (
    FreeName("pe", "private_endpoint.name", "private endpoint", "network", "private_endpoints",
             lambda p: p.private_endpoint.name),
    FreeName("vm", "test_vm.name", "VM", "compute", "virtual_machines", lambda p: p.test_vm.name, test_vm=True),
    FreeName("nic", "test_vm.name", "NIC", "network", "network_interfaces", lambda p: p.test_vm.nic_name,
             test_vm=True),
    FreeName("nsg", "test_vm.name", "NSG", "network", "network_security_groups", lambda p: p.test_vm.nsg_name,
             test_vm=True),
    FreeName("pip", "test_vm.name", "public IP", "network", "public_ip_addresses", lambda p: p.test_vm.pip_name,
             test_vm=True),
)


async def name_free(spec: FreeName, pf: PreflightContext) -> None:
    """The name is free in the plan's resource group, or held by the run being resumed."""
    if spec.test_vm and not pf.plan.test_vm.enabled:
        return
    name = spec.name(pf.plan)
    res, exc = await read(getattr(getattr(pf.gw, spec.client), spec.collection).get(pf.rg, name))
    if exc is None and res is None:
        pf.result.absent.add(spec.key)
        if spec.key == "pe":
            pf.result.absent.add("zone_group")  # a child of an endpoint that does not exist yet
    if exc is None and res is not None:
        owner = (res.get("tags") or {}).get(TAG_RUN)
        if pf.run_id is None or owner != pf.run_id:
            pf.add(spec.field, f"{spec.what} {name} already exists" + created_by(owner),
                   f"resume that run (plinktui setup --resume {owner})" if owner else "choose another name")


CHECKS = tuple(Check(f"{spec.key}_name", partial(name_free, spec)) for spec in FREE_NAMES)

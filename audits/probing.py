"""Proof from inside the VNet: pick a probe VM per VNet and run the DNS/HTTP probes (plinktui.probes) there.

Planning (which VM probes which FQDNs) is pure and tested on its own; execution imports ``plinktui.probes`` lazily so
importing audits stays cheap and the audit still runs (with a note) where the probe layer is unavailable.

Host keys are always pinned: from ``--known-hosts``, from ``--accept-new-host-key`` (trust on first use with the
fingerprint shown), or — the default — fetched through Run Command (``cat /etc/ssh/ssh_host_ed25519_key.pub``), which
travels over the authenticated ARM channel rather than the network path being tested.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from audits.inventory import Inventory, Vm, key
from plinktui.armid import name_of, sub_of

if TYPE_CHECKING:
    from audits.engine import ProbeOptions
    from plinktui.cloud import Gateway


@dataclass
class ProbeTarget:
    """One name to resolve from a VM, with the IP it must resolve to."""

    fqdn: str
    expected_ip: str | None
    vault: bool
    endpoint_id: str


@dataclass
class ProbePlan:
    """One VM and the names it probes."""

    vm: Vm
    targets: list[ProbeTarget] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _candidate(vm: Vm) -> bool:
    return vm.os_type.lower() in ("linux", "") and vm.running


def plan_probes(inv: Inventory, probe_vm: str | None = None,
                paths: Sequence[Any] | None = None) -> tuple[list[ProbePlan], list[str]]:
    """Choose one running Linux VM per VNet to prove (or the given VM for all) and the names each must check.

    Args:
        inv: The inventory.
        probe_vm: A VM resource id or name to use for every endpoint (``--probe-vm``).
        paths: The resolution paths: every VNet that can reach an endpoint (its own or peered ``Connected``) is
            proven from a VM of its own. Without them, each endpoint's own VNet.

    Returns:
        The plans and notes (one per VNet that has endpoints but no usable VM).
    """
    notes: list[str] = []
    eps_by_vnet: dict[str, list[Any]] = {}
    if paths is not None:
        for p in paths:
            ep = inv.endpoint_by_id.get(key(p.endpoint_id))
            group = eps_by_vnet.setdefault(key(p.vnet_id), [])
            if ep is not None and ep not in group:
                group.append(ep)
    for ep in sorted(inv.endpoints, key=lambda e: key(e.id)):
        if ep.vnet_id and ep not in eps_by_vnet.setdefault(key(ep.vnet_id), []):
            eps_by_vnet[key(ep.vnet_id)].append(ep)
    forced: Vm | None = None
    if probe_vm:
        forced = next((vm for vm in inv.vms if key(vm.id) == key(probe_vm) or vm.name == probe_vm), None)
        if forced is None:
            return [], [f"--probe-vm {probe_vm} was not found in scope; no probes ran"]
    plans: dict[str, ProbePlan] = {}
    for vnet_key, eps in eps_by_vnet.items():
        vm = forced
        if vm is None:
            vms = sorted((v for v in inv.vms_in_vnet(vnet_key) if _candidate(v)), key=lambda v: (v.public_ip is None,
                                                                                                 key(v.id)))
            vm = vms[0] if vms else None
        if vm is None:
            vnet = inv.vnet_by_id.get(vnet_key)
            notes.append(f"VNet {vnet.name if vnet else name_of(vnet_key)} has {len(eps)} endpoint(s) but no running "
                         "Linux VM to probe from; deploy a small VM in the VNet and resolve from there "
                         "(or pass --probe-vm)")
            continue
        plan = plans.setdefault(key(vm.id), ProbePlan(vm))
        for ep in eps:
            ips = inv.ips_of(ep)
            is_vault = "vault" in [g.lower() for g in ep.group_ids]
            for fqdn in inv.fqdns_of(ep):
                if all(t.fqdn != fqdn for t in plan.targets):
                    plan.targets.append(ProbeTarget(fqdn, ips[0] if ips else None, is_vault, ep.id))
    return [p for p in plans.values() if p.targets], notes


def default_ssh_key() -> str | None:
    """The first conventional private key present in ~/.ssh (path only; the key is never read here)."""
    home = os.path.expanduser("~/.ssh")
    for name in ("id_ed25519", "id_ecdsa", "id_rsa"):
        p = os.path.join(home, name)
        if os.path.isfile(p):
            return p
    return None


def _expectations(targets: list[ProbeTarget]) -> list[Any]:
    """plinktui.probes ProbeTarget objects (fqdn, expected NIC IPs, vault or not)."""
    from plinktui.probes.verdict import ProbeTarget as Expect

    return [Expect(t.fqdn, [t.expected_ip] if t.expected_ip else [], t.vault) for t in targets]


def _vm_gateway(gw: Gateway, vm: Vm) -> Gateway:
    """The gateway of the VM's own subscription (Run Command is a call on the VM's subscription)."""
    sub = sub_of(vm.id)
    return gw.at(sub)


async def _probe_ssh(gw: Gateway, plan: ProbePlan, opts: ProbeOptions, key_path: str) -> list[Any]:
    from plinktui.probes import ssh as probe_ssh

    vm = plan.vm
    gw = _vm_gateway(gw, vm)
    pinned = None
    if not opts.known_hosts and not opts.accept_new_host_key:
        from plinktui.probes.runcommand import fetch_host_key_via_run_command

        pinned = await fetch_host_key_via_run_command(gw, vm.resource_group, vm.name)
    if vm.public_ip:
        host, port = await gw.ssh_address(vm.public_ip)
    elif opts.ssh_jump:
        host, port = vm.private_ip or "", 22
    else:
        raise RuntimeError(f"VM {vm.name} has no public IP; pass --ssh-jump or use --probe run-command")
    session = probe_ssh.SshProbeSession(
        host, port, username=opts.ssh_user or vm.admin_username or "azureuser", client_keys=[key_path],
        pinned_host_key=pinned, known_hosts=opts.known_hosts, accept_new=opts.accept_new_host_key,
        state_dir=opts.state_dir, connect_timeout=opts.connect_timeout, jump=opts.ssh_jump, label=vm.name,
        # pin by the VM's public IP, not by the (emulator's loopback) address we happen to connect to
        host_key_alias=vm.public_ip if vm.public_ip and vm.public_ip != host else None)
    async with session as s:
        verdicts = await probe_ssh.probe_fqdns(s, _expectations(plan.targets), vm.private_ip, vm_name=vm.name)
        if session.newly_trusted and session.host_key_fingerprint:
            plan.notes.append(f"trusted the host key of {vm.name} on first use: {session.host_key_fingerprint}")
        return list(verdicts)


async def _probe_run_command(gw: Gateway, plan: ProbePlan) -> list[Any]:
    from plinktui.probes.runcommand import probe_via_run_command

    vm = plan.vm
    gw = _vm_gateway(gw, vm)
    return list(await probe_via_run_command(gw, vm.resource_group, vm.name, _expectations(plan.targets),
                                            vm.private_ip))


async def run_probes(gw: Gateway, inv: Inventory, opts: ProbeOptions,
                     paths: Sequence[Any] | None = None) -> tuple[list[Any], list[str], dict[str, str]]:
    """Run the probes the options ask for.

    Returns:
        (verdicts, notes, VM name -> VNet id). Failures on one VM become a note; the audit goes on.
    """
    plans, notes = plan_probes(inv, opts.probe_vm, paths)
    mode = opts.mode
    key_path = opts.ssh_key or default_ssh_key()
    if mode == "auto":
        if not plans:
            return [], notes + ["no probe VM available: probes skipped (--probe none)"], {}
        if not key_path:
            return [], notes + ["no SSH key found (~/.ssh/id_ed25519); probes skipped — pass --ssh-key or "
                                "--probe run-command"], {}
        mode = "ssh"
    if mode == "ssh" and not key_path:
        return [], notes + ["--probe ssh needs --ssh-key (no default key in ~/.ssh)"], {}
    verdicts: list[Any] = []
    vm_vnets = {p.vm.name: p.vm.vnet_id for p in plans if p.vm.vnet_id}
    for plan in plans:
        try:
            if mode == "ssh":
                verdicts.extend(await _probe_ssh(gw, plan, opts, key_path or ""))
            else:
                verdicts.extend(await _probe_run_command(gw, plan))
            notes.extend(plan.notes)
        except ImportError:
            notes.append("the probe layer (plinktui.probes) is not available; probes skipped")
            break
        except Exception as exc:  # noqa: BLE001 - one VM failing must not end the audit; the note says why
            from plinktui.probes.ssh import SshProbeError

            # our own SSH errors are bounded and must stay whole (a host key mismatch shows both fingerprints)
            text = str(exc) if isinstance(exc, SshProbeError) else str(exc)[:200]
            notes.append(f"probe from VM {plan.vm.name} failed: {type(exc).__name__}: {text}")
    return verdicts, notes, {k: v for k, v in vm_vnets.items() if v}

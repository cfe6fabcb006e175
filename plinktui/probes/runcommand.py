"""The same DNS/HTTP probe through Azure Run Command (``--probe run-command``), for VMs without inbound SSH.

All commands for a VM go into RunShellScript scripts, each command wrapped in nonce markers (see
:mod:`plinktui.probes.batch`). Azure keeps only the last 4,096 bytes of stdout, so FQDNs are batched to stay under
that and a batch whose beginning was cut off is re-run one FQDN at a time. Azure runs one script at a time per VM
(~20 s each), so batches run sequentially.

Run Command also fetches the VM's SSH host key for pinning: it travels over the authenticated ARM channel, not the
network path that is being tested.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from plinktui.probes import batch as probe_batch
from plinktui.probes.batch import UnsafeName, new_nonce, probe_commands, split_sections, wrap
from plinktui.probes.parsers import RunCommandOutput, parse_run_command_result
from plinktui.probes.ssh import _targets, _unsafe, verdict_from_sections
from plinktui.probes.verdict import ProbeTarget, ProbeVerdict

if TYPE_CHECKING:
    from plinktui.cloud import Gateway

STDOUT_BUDGET = 3600  # bytes of expected output per script, below Azure's 4,096-byte cut
_EST_MARKERS = 90  # begin + end marker lines of one wrapped command
_EST = {"getent": 120, "host": 360, "curl": 800}  # generous sizes of each command's output (403 bodies included)
_HOST_KEY = re.compile(r"^(ssh-ed25519|ecdsa-sha2-nistp256|ssh-rsa) ([A-Za-z0-9+/]+={0,3})(?: .*)?$")


class RunCommandError(Exception):
    """Run Command could not be used; the message is one line meant for the user."""


async def run_shell_script(gw: Gateway, resource_group: str, vm_name: str, script: list[str], *,
                           timeout: float = 300.0) -> RunCommandOutput:
    """Run a RunShellScript on a VM and split Azure's answer into streams.

    Args:
        gw: an open plinktui Gateway (``gw.compute`` is the official aio ComputeManagementClient).
        resource_group: the VM's resource group.
        vm_name: the VM name.
        script: the script lines.
        timeout: seconds for the whole operation (Azure needs about 20 s per run).

    Returns:
        The parsed output (``status == "unknown"`` when Azure's message could not be read).

    Raises:
        RunCommandError: the ARM call failed or timed out.
    """
    from azure.core.exceptions import AzureError
    from azure.mgmt.compute.models import RunCommandInput

    try:
        async with asyncio.timeout(timeout):
            poller = await gw.compute.virtual_machines.begin_run_command(
                resource_group, vm_name, RunCommandInput(command_id="RunShellScript", script=script)
            )
            result = await poller.result()
    except TimeoutError:
        raise RunCommandError(f"Run Command on {vm_name} did not finish within {timeout:.0f} s") from None
    except AzureError as exc:
        code = getattr(getattr(exc, "error", None), "code", None) or type(exc).__name__
        message = (getattr(exc, "message", None) or str(exc)).splitlines()[0][:200]
        raise RunCommandError(f"Run Command on {vm_name} failed: {code}: {message}") from None
    return parse_run_command_result(list(getattr(result, "value", None) or []))


async def fetch_host_key_via_run_command(gw: Gateway, resource_group: str, vm_name: str, *,
                                         key_type: str = "ed25519", timeout: float = 300.0) -> str:
    """Read the VM's SSH host public key through Run Command, for pinning.

    Args:
        gw: an open Gateway.
        resource_group: the VM's resource group.
        vm_name: the VM name.
        key_type: which host key file (``ed25519``, ``ecdsa`` or ``rsa``).
        timeout: seconds for the Run Command.

    Returns:
        ``"ssh-ed25519 AAAA..."`` (type and base64 only; the comment is dropped).

    Raises:
        RunCommandError: Run Command failed or printed no valid public key.
    """
    import asyncssh

    if key_type not in ("ed25519", "ecdsa", "rsa"):
        raise ValueError(f"unsupported host key type {key_type!r}")
    out = await run_shell_script(gw, resource_group, vm_name, [f"cat /etc/ssh/ssh_host_{key_type}_key.pub"],
                                 timeout=timeout)
    if out.status != "ok":
        raise RunCommandError(f"Run Command on {vm_name}: unreadable answer ({out.reason})")
    for line in out.stdout.splitlines():
        m = _HOST_KEY.match(line.strip())
        if not m:
            continue
        candidate = f"{m.group(1)} {m.group(2)}"
        try:
            asyncssh.import_public_key(candidate)
        except (asyncssh.KeyImportError, ValueError):
            continue
        return candidate
    raise RunCommandError(f"Run Command on {vm_name} printed no {key_type} host public key")


def _estimate(target: ProbeTarget) -> int:
    kinds = ["getent", "host"] + (["curl"] if target.is_vault else [])
    return sum(_EST[k] + _EST_MARKERS for k in kinds)


def plan_batches(targets: Sequence[ProbeTarget], budget: int = STDOUT_BUDGET) -> list[list[int]]:
    """Group target indexes so each script's expected output stays within ``budget`` bytes (at least one each)."""
    batches: list[list[int]] = []
    cur: list[int] = []
    used = 2 * _EST_MARKERS + 1900  # both resolver files (systemd's, ~900 bytes each) ride in the first script
    for i, t in enumerate(targets):
        size = _estimate(t)
        if cur and used + size > budget:
            batches.append(cur)
            cur, used = [], 0
        cur.append(i)
        used += size
    if cur:
        batches.append(cur)
    return batches


def build_script(nonce: str, targets: Sequence[ProbeTarget], indexes: Iterable[int], *, with_resolv: bool,
                 curl_max_time: int = 5) -> list[str]:
    """Script lines for one batch: tags ``t<i>.getent`` / ``t<i>.host`` / ``t<i>.curl`` and ``resolv``."""
    lines = probe_batch.resolver_lines(nonce) if with_resolv else []
    for i in indexes:
        t = targets[i]
        for kind, cmd in probe_commands(t.fqdn, vault=t.is_vault, max_time=curl_max_time).items():
            lines.append(wrap(nonce, f"t{i}.{kind}", cmd))
    return lines


async def probe_via_run_command(
    gw: Gateway,
    resource_group: str,
    vm_name: str,
    fqdns_with_expectations: Iterable[ProbeTarget | tuple[str, Sequence[str]] | str],
    vm_private_ip: str | None = None,
    *,
    timeout: float = 300.0,
    budget: int = STDOUT_BUDGET,
) -> list[ProbeVerdict]:
    """Probe FQDNs from a VM through Run Command (same commands and verdicts as the SSH probe).

    Args:
        gw: an open Gateway.
        resource_group: the VM's resource group.
        vm_name: the VM name (also reported in the verdicts).
        fqdns_with_expectations: :class:`ProbeTarget` items, ``(fqdn, expected_ips)`` pairs or bare FQDNs.
        vm_private_ip: the VM's private IP (what the healthstatus ``addr`` must be).
        timeout: seconds per Run Command.
        budget: expected stdout bytes per script.

    Returns:
        One :class:`ProbeVerdict` per FQDN, in input order.

    Raises:
        RunCommandError: Run Command itself failed (the caller turns it into a note).
    """

    async def runner(script: list[str]) -> RunCommandOutput:
        return await run_shell_script(gw, resource_group, vm_name, script, timeout=timeout)

    return await probe_with_runner(runner, vm_name, fqdns_with_expectations, vm_private_ip, budget=budget)


ScriptRunner = Callable[[list[str]], Awaitable[RunCommandOutput]]


async def probe_with_runner(
    runner: ScriptRunner,
    vm_name: str,
    fqdns_with_expectations: Iterable[ProbeTarget | tuple[str, Sequence[str]] | str],
    vm_private_ip: str | None = None,
    *,
    budget: int = STDOUT_BUDGET,
) -> list[ProbeVerdict]:
    """The Run Command probe over any RunShellScript runner (Azure's, or the demo VM shell's).

    Args:
        runner: runs script lines, returns the parsed Run Command output.
        vm_name: reported in the verdicts.
        fqdns_with_expectations: as for :func:`probe_via_run_command`.
        vm_private_ip: the VM's private IP.
        budget: expected stdout bytes per script.

    Returns:
        One :class:`ProbeVerdict` per FQDN, in input order.
    """
    targets = _targets(fqdns_with_expectations)
    verdicts: list[ProbeVerdict | None] = [None] * len(targets)
    runnable: list[int] = []
    kinds: dict[int, list[str]] = {}
    for i, t in enumerate(targets):
        try:
            kinds[i] = list(probe_commands(t.fqdn, vault=t.is_vault))
            runnable.append(i)
        except UnsafeName as exc:
            verdicts[i] = _unsafe(vm_name, t, str(exc))
    nonce = new_nonce()
    sections: dict[str, Any] = {}
    problems: dict[int, str] = {}
    queue = [[runnable[j] for j in batch] for batch in plan_batches([targets[i] for i in runnable], budget)]
    first = True
    retried: set[int] = set()

    def complete(i: int, found: dict[str, Any]) -> bool:
        return all(f"t{i}.{kind}" in found for kind in kinds[i])

    while queue:
        batch = queue.pop(0)
        script = build_script(nonce, targets, batch, with_resolv=first)
        out = await runner(script)
        found = split_sections(out.stdout, nonce) if out.status == "ok" else {}
        first = False  # resolv.conf only feeds the detail text: if it was cut, it is not worth another 20 s run
        missing = [i for i in batch if not complete(i, found)]
        sections.update({k: v for k, v in found.items() if not any(k.startswith(f"t{i}.") for i in missing)})
        if missing and out.stdout_truncated and len(batch) > 1:
            # Azure cut the beginning off: run the cut FQDNs again, one per script
            queue[:0] = [[i] for i in missing if i not in retried]
            retried.update(missing)
        for i in missing:
            problems[i] = ("Run Command output was cut at 4,096 bytes." if out.stdout_truncated
                           else f"Run Command output unreadable ({out.reason or 'markers missing'}).")
    resolv = probe_batch.resolver_from_sections(sections)
    for i in runnable:
        has = complete(i, sections)
        verdicts[i] = verdict_from_sections(vm=vm_name, target=targets[i], vm_private_ip=vm_private_ip,
                                            sections=sections, resolv=resolv, prefix=f"t{i}.",
                                            problem="" if has else problems.get(i, ""))
    return [v for v in verdicts if v is not None]

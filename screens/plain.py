"""``plinktui setup --plain``: the wizard's questions as questionary prompts (no full-screen UI).

Same validators as the TUI and plan files (``plinktui.validation``), same plan builder (:class:`WizardState`), so
the plan is the same whichever front end asked. The plan can be saved to a file and applied right away.
Without a terminal it says to use ``--plan`` and exits 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import pathlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from plinktui import validation as v
from plinktui.untrusted import visible
from screens.state import WizardState, check_subscription_list, check_zone_id

EXIT_USAGE = 2


@dataclass
class Question:
    """One prompt: a state attribute, its text, and either a plan-field validator or a list of choices."""

    attr: str
    text: str
    field: str | None = None
    choices: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    when: Callable[[WizardState], bool] = lambda s: True
    help: str = ""
    check: Callable[[str], tuple[bool, str]] | None = None
    """A check for answers that are not one plan field (e.g. a list of subscription ids)."""
    boolean: bool = False
    """A yes/no question: choices are "yes"/"no", the state attribute is a bool."""


def _new_vnet(s: WizardState) -> bool:
    return s.vnet_mode == "new"


QUESTIONS: list[Question] = [
    Question("plan_name", "Plan name (seeds other names)", field="plan.name"),
    Question("vault_mode", "Key Vault", choices=[("new", "Create a new vault"), ("existing", "Use an existing vault")],
             help="A Key Vault endpoint never needs a load balancer: Key Vault sits behind a Microsoft-managed "
                  "Private Link Service."),
    Question("existing_vault_id", "Existing vault (resource id)", field="vault.name",
             when=lambda s: s.vault_mode == "existing"),
    Question("pls_enabled", "Also publish your own service through a Private Link Service (Standard LB)?",
             choices=[("no", "No (a Key Vault endpoint never needs one)"), ("yes", "Yes, my own service too")],
             boolean=True, help="PaaS services such as Key Vault sit behind a Microsoft-managed Private Link "
                                "Service; the load balancer exists only to expose your own service."),
    Question("region", "VNet region (the endpoint lives here)", field="network.region",
             check=v.check_known_region("network.region")),
    Question("vnet_mode", "Virtual network", choices=[("existing", "Use an existing VNet"), ("new", "Create one")]),
    Question("vnet_rg", "Resource group of the existing VNet", field="plan.resource_group",
             when=lambda s: s.vnet_mode == "existing"),
    Question("vnet_name", "VNet name", field="network.vnet"),
    Question("address_space", "Address space (comma-separated CIDRs)", field="network.address_space", when=_new_vnet),
    Question("subnet_mode", "Subnet for the endpoint", choices=[("existing", "Use an existing subnet"),
                                                               ("new", "Create a subnet")],
             when=lambda s: s.vnet_mode == "existing"),
    Question("subnet_name", "Subnet name", field="network.subnet"),
    Question("subnet_prefix", "Subnet prefix", field="network.subnet_prefix",
             when=lambda s: s.vnet_mode == "new" or s.subnet_mode == "new",
             help="Azure keeps 5 addresses of every subnet; a /28 leaves 11."),
    Question("pls_subnet", "Private Link Service subnet name", field="private_link_service.subnet",
             when=lambda s: s.pls_enabled),
    Question("pls_subnet_prefix", "Private Link Service subnet prefix (inside the VNet, clear of other subnets)",
             field="private_link_service.subnet_prefix", when=lambda s: s.pls_enabled),
    Question("pls_visibility", "Visible to subscriptions (comma-separated ids or *; empty = this one)",
             check=check_subscription_list("private_link_service.visibility", True), when=lambda s: s.pls_enabled),
    Question("pls_auto_approval", "Auto-approve connections from (comma-separated subscription ids; may be empty)",
             check=check_subscription_list("private_link_service.auto_approval", False),
             when=lambda s: s.pls_enabled),
    Question("vault_region", "Vault region (any region: the endpoint stays in the VNet's)", field="vault.region",
             check=v.check_known_region("vault.region"), when=lambda s: s.vault_mode == "new"),
    Question("vault_name", "Vault name (global: <name>.vault.azure.net)", field="vault.name",
             when=lambda s: s.vault_mode == "new"),
    Question("zone", "Private DNS zone (must be exact)", field="dns.zone"),
    Question("create_zone", "Zone", choices=[("auto", "Reuse if it exists, else create"),
                                             ("always", "Always create"), ("never", "Only reuse")]),
    Question("zone_id", "Or the zone's resource id, any subscription (empty = search for it)", check=check_zone_id),
    Question("vm_mode", "Prove from inside the VNet with", choices=[
        ("existing", "An existing VM in the VNet"), ("new", "A new small Linux VM"), ("none", "No VM")]),
    Question("existing_vm", "Existing VM name", field="test_vm.name", when=lambda s: s.vm_mode == "existing"),
    Question("vm_name", "Test VM name", field="test_vm.name", when=lambda s: s.vm_mode == "new"),
    Question("admin_username", "Admin user", field="test_vm.admin_username", when=lambda s: s.vm_mode == "new"),
    Question("ssh_public_key", "SSH public key ('generate' or a .pub file)", field="test_vm.ssh_public_key",
             when=lambda s: s.vm_mode == "new"),
    Question("ssh_source", "Address allowed to SSH (your IP/32; no 'anywhere' default)", field="test_vm.ssh_source",
             when=lambda s: s.vm_mode == "new"),
]

Prompter = Callable[[Question, str], Any]


def validator_for(q: Question) -> Callable[[str], bool | str]:
    """questionary's ``validate=``: True, or the core validator's message."""

    def check(text: str) -> bool | str:
        ok, msg = q.check(text.strip()) if q.check else v.validate_field(q.field or "", text.strip())
        return True if ok else msg

    return check


def questionary_prompter(q: Question, default: str) -> Any:
    """Ask one question with questionary (None when the user pressed Ctrl-C)."""
    import questionary

    if q.help:
        print(f"  ℹ {q.help}")
    if q.choices:
        choices = [questionary.Choice(title=label, value=key) for key, label in q.choices]
        return questionary.select(q.text, choices=choices, default=next(
            (c for c in choices if c.value == default), None)).ask()
    return questionary.text(q.text, default=default, validate=validator_for(q)).ask()


def ask_all(state: WizardState, prompter: Prompter = questionary_prompter) -> WizardState | None:
    """Ask every question that applies, in order; None when the user gave up."""
    for q in QUESTIONS:
        if not q.when(state):
            continue
        current = getattr(state, q.attr)
        answer = prompter(q, ("yes" if current else "no") if q.boolean else str(current or ""))
        if answer is None:
            return None
        if q.boolean:
            answer = answer in (True, "yes")
        setattr(state, q.attr, answer.strip() if isinstance(answer, str) else answer)
    if state.vnet_mode == "new":
        state.subnet_mode, state.vnet_rg = "new", ""
    state.link_name = state.link_name or f"link-{state.vnet_name}"[:80]
    return state


def run_plain(args: argparse.Namespace, prompter: Prompter | None = None) -> int:
    """``plinktui setup --plain``: ask, validate through the plan loader, save, and optionally apply."""
    if getattr(args, "plan", None) or getattr(args, "resume", None):
        import asyncio

        from plinktui import provision_cli

        return int(asyncio.run(provision_cli.run_setup(args)))
    if prompter is None and not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("plinktui: --plain asks questions and needs a terminal; without one, write a plan file and run "
              "`plinktui setup --plan FILE --yes`", file=sys.stderr)
        return EXIT_USAGE
    prompt = prompter or questionary_prompter
    subs = getattr(args, "subscription", None) or []
    state = WizardState(demo=False, subscription_id=subs[0] if subs else "")
    state.vault_name = state.vault_name  # a unique default suggestion
    from plinktui.plan import PlanError

    while True:
        answered = ask_all(state, prompt)
        if answered is None:
            print("plinktui: stopped; nothing was saved or created")
            return 130
        try:
            plan = answered.to_plan()
            break
        except PlanError as exc:
            print("The answers do not make a valid plan:")
            for p in exc.problems:
                print(f"  - {visible(p)}")
            print("Let's go through the questions again (your answers are kept as defaults).")
    print()
    print(plan.to_toml())
    if answered.vm_mode == "existing" and answered.existing_vm:
        print(f"The proof runs from your existing VM {answered.existing_vm}: plinktui creates no test VM for it, "
              "which is why the plan says [test_vm] enabled = false.")
    from plinktui.settings import plans_dir

    path = prompt(Question("save_path", "Save the plan to", field=None), str(plans_dir() / f"{plan.name}.toml"))
    if not path:
        return 130
    target = pathlib.Path(str(path).strip()).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    saved = plan.save(str(target))
    print(f"plan saved to {saved}")
    apply_now = prompt(Question("apply", "Create the resources now?", choices=[("no", "Not now"),
                                                                             ("yes", "Yes, create them")]), "no")
    if apply_now != "yes":
        print(f"apply it later with: plinktui setup --plan {saved}")
        return 0
    import asyncio

    from plinktui import provision_cli
    from plinktui.untrusted import guarded_stdio

    args.plan = str(saved)
    with guarded_stdio():  # the prompts are over: from here on, output is what `setup` prints
        return int(asyncio.run(provision_cli.run_setup(args)))

"""Review: the plan as a table (create vs reuse), its dependency tree, preflight results and expected duration."""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, DataTable, Label, Static, Tree

from plinktui.kinds import LABELS
from screens import safe
from screens.step import WizardStep

KIND = LABELS  # node key -> label, from the resource-kind registry


class ReviewScreen(WizardStep):
    """Nothing has been created yet; the Provision button asks once more."""

    STEP = "review"
    HEADING = "Review — nothing has been created yet"
    BINDINGS = [*WizardStep.BINDINGS, Binding("p", "next", "Provision", id="review.provision"),
                Binding("w", "save_plan", "Save plan", id="review.save"),
                Binding("x", "export_template", "Export ARM", id="review.export")]

    def compose_form(self) -> ComposeResult:
        yield DataTable(id="plan-table", cursor_type="row", zebra_stripes=True)
        yield Label("Dependency order")
        yield Tree("plan", id="deps")
        yield Label("Preflight (read-only)")
        yield Static("running…", id="preflight")
        yield Static("", id="duration", classes="note")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#next", Button).label = "Provision…"
        self.plan: Any = None
        self.preflight_result: Any = None
        self._plan_problems: list[str] = []
        from plinktui.dag import build_graph
        from plinktui.plan import PlanError

        try:
            self.plan = self.state.to_plan()
        except PlanError as exc:
            self._plan_problems = exc.problems
            self.query_one("#preflight", Static).update(safe.join_lines(f"✗ {p}" for p in exc.problems))
            self.revalidate()
            return
        self._show_plan(build_graph(self.plan))
        self.run_preflight()

    def _show_plan(self, graph: Any, facts: Any = None) -> None:
        plan = self.plan
        rg_exists = bool(getattr(facts, "rg_exists", False))
        table = self.query_one("#plan-table", DataTable)
        region_of = {"vault": plan.vault.region, "zone": "global", "link": "global", "rg": plan.network.region}
        rows = []
        for node in graph:
            action = {"create": "create", "reuse": "reuse", "step": "check"}.get(node.mode, node.mode)
            if node.key == "rg" and rg_exists:
                action = "use existing"  # preflight found the group: nothing to create (or to count) there
            rows.append((node.key, (action, KIND.get(node.key, node.key), node.name,
                                    region_of.get(node.key, plan.network.region))))
        table.clear(columns=True)
        # Widths from the content, set up front: a table refilled while it re-lays out kept its old, narrower
        # widths and cut words ("use ex", "reso").
        labels = ("action", "kind", "name", "region")
        for i, label in enumerate(labels):
            table.add_column(label, width=max([len(label), *(len(cells[i]) for _key, cells in rows)]))
        for key, cells in rows:
            table.add_row(*safe.row(cells), key=key)
        tree = self.query_one("#deps", Tree)
        tree.clear()
        tree.root.set_label(safe.text(f"plan {plan.name} (resource group {plan.resource_group})"))
        added: dict[str, Any] = {}
        for node in graph:
            parent = added.get(node.deps[-1]) if node.deps else None
            reused = node.mode == "reuse" or (node.key == "rg" and rg_exists)
            label = f"{KIND.get(node.key, node.key)} {node.name}" + (" (reuse)" if reused else "")
            added[node.key] = (parent or tree.root).add(safe.text(label), expand=True)
        tree.root.expand_all()
        from plinktui import runservice

        text = runservice.estimate(graph, self.plink.latency_scale)
        self.query_one("#duration", Static).update(safe.text(text[:1].upper() + text[1:]))

    @work(exclusive=True, group="preflight", exit_on_error=False)
    async def run_preflight(self) -> None:
        """Read-only checks: permissions, providers, regions, names."""
        from plinktui import runservice
        from plinktui.dag import existing_lines

        res, graph = await runservice.preview(await self.plink.gateway(), self.plan)
        self.preflight_result = res
        self._show_plan(graph, res.facts)
        lines = [f"{'✗' if p.severity == 'error' else '!'} {p}" for p in res.problems] or \
            ["✓ permissions, providers, regions and names look fine"]
        lines += [f"· {text}" for text in existing_lines(self.plan, graph, res.facts)]
        # problems and existing names quote what was found in the subscription: shown literally, never as markup
        self.query_one("#preflight", Static).update(safe.join_lines(lines))
        self.revalidate()

    def extra_problem(self) -> str:
        if self._plan_problems:
            return "the plan has problems (see preflight)"
        if getattr(self, "preflight_result", None) is None:
            return "preflight running…"
        if not self.preflight_result.ok:
            return "preflight found blocking problems"
        return ""

    def action_next(self) -> None:
        """Confirm (resources cost money), then provision."""
        self.revalidate()
        if self.query_one("#next", Button).disabled:
            safe.notify(self, self.problem(), severity="warning")
            return
        from screens.modals import ConfirmModal

        creates = sum(1 for r in self.query_one("#plan-table", DataTable).get_column_at(0) if str(r) == "create")
        modal = ConfirmModal("Create these resources?",
                             f"{creates} resources will be created in subscription {self.state.subscription_id}. "
                             "Resources cost money until you tear them down.", yes="Provision", no="Not yet")
        self.app.push_screen(modal, self._confirmed)

    def _confirmed(self, yes: bool | None) -> None:
        if not yes:
            return
        ProvisionScreen = self.plink.provision_screen()  # the app owns navigation

        self.app.push_screen(ProvisionScreen(plan=self.plan, facts=self.preflight_result.facts,
                                             tenant_id=self.preflight_result.tenant_id))

    def action_save_plan(self) -> None:
        """Save the plan as TOML (for ``plinktui setup --plan``)."""
        if self.plan is None:
            return
        from plinktui.settings import plans_dir

        d = plans_dir()
        d.mkdir(parents=True, exist_ok=True)
        path = self.plan.save(d / f"{self.plan.name}.toml")
        safe.notify(self, f"plan saved to {path}")

    def action_export_template(self) -> None:
        """Write the plan as an ARM deployment template (infrastructure as code) and say where."""
        if self.plan is None:
            return
        from plinktui.export import ExportError, write
        from plinktui.settings import config_dir

        path = config_dir() / f"{self.plan.name}.arm.json"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write(self.plan, path)
        except (ExportError, OSError) as exc:
            safe.notify(self, f"cannot export the plan: {exc}", severity="error")
            return
        safe.notify(self, f"ARM template written to {path}. Deploy it with `az deployment group create -g "
                    f"{self.plan.resource_group} --template-file {path}`; `az bicep decompile --file {path}` turns it "
                    "into Bicep.", timeout=12)

    def autopilot_ready(self) -> bool:
        return getattr(self, "preflight_result", None) is not None and super().autopilot_ready()

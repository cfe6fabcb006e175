"""The hub-and-spoke story (``plinktui demo --story hub-spoke``): audit a landing zone of two subscriptions, show every
VNet x endpoint path, apply the fix for the broken spoke and re-audit until both spokes are proven private.

Keys: ``f`` applies the fixes plinktui can apply itself (``audits.fixes``), ``r`` re-audits. Under ``--autopilot``
the screen plays the story alone: audit, a beat on the view, fix, re-audit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from screens import safe
from screens.widgets.vimtable import VimTable

if TYPE_CHECKING:
    from screens.app import PlinkApp

VERDICT_STYLE = {"private": "bold green", "public": "bold red", "timeout": "bold red", "servfail": "bold red",
                 "nxdomain": "bold red", "wrong-ip": "bold red", "unknown": "yellow"}


def proven_vnets(result: Any) -> tuple[list[str], list[str]]:
    """(VNets proven private by a passing probe from their own VM, VNets with a path that is not private)."""
    from audits.report import resolution_rows

    rows = resolution_rows(result)[1:]
    proven = sorted({r[0] for r in rows if r[4] == "private" and r[5].startswith("pass")})
    broken = sorted({r[0] for r in rows if r[4] != "private"})
    return proven, broken


def proof_lines(result: Any) -> list[str]:
    """One line per passing probe, naming the VNet it proves."""
    from audits.report import probe_entry

    out = []
    for v in result.probes:
        e = probe_entry(v, result.inventory)
        if e["verdict"] == "pass":
            out.append(f"✓ {e['vnet']} proven private from {e['vm']}: {e['fqdn']} -> {', '.join(e['resolved_ips'])}"
                       + (f" (healthstatus addr={e['healthstatus_addr']})" if e["healthstatus_addr"] else ""))
    return out


class HubSpokeScreen(Screen[None]):
    """Audit, VNet x endpoint view, fix, re-audit."""

    BINDINGS = [Binding("f", "fix", "Apply fix", id="hubspoke.fix"),
                Binding("r", "rerun", "Re-audit", id="hubspoke.rerun")]
    DEFAULT_CSS = """
    HubSpokeScreen #hs-title { height: 1; padding: 0 1; background: $panel; }
    HubSpokeScreen #hs-status { height: auto; padding: 0 1; }
    HubSpokeScreen #hs-table { height: auto; max-height: 12; }
    HubSpokeScreen #hs-findings { height: auto; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.result: Any = None
        self.fixed = False
        self.busy = False
        self.applied: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("plinktui › hub-and-spoke landing zone: every VNet's path to every endpoint", id="hs-title")
            yield Static("Auditing both subscriptions (connectivity + landing zone)…", id="hs-status")
            yield VimTable(id="hs-table", zebra_stripes=True, cursor_type="row")
            yield Static("", id="hs-findings")
        yield Footer()

    def on_mount(self) -> None:
        self.audit()

    @property
    def plink(self) -> PlinkApp:
        """The app, typed."""
        return cast("PlinkApp", self.app)

    def _status(self, text: str) -> None:
        self.query_one("#hs-status", Static).update(safe.text(text))  # names and errors from the tenant

    @work(exclusive=True, group="hubspoke", exit_on_error=False)
    async def audit(self) -> None:
        """Audit every subscription of the demo tenant, probing each VNet from its own VM."""
        from audits.engine import ProbeOptions, run_audit

        self.busy = True
        try:
            app = self.plink
            gw = await app.gateway()
            cloud = app.demo_cloud
            subs = list(getattr(cloud, "subscription_ids", ()) or [gw.subscription_id])
            probe = ProbeOptions(mode="ssh", ssh_key=cloud.demo_key if cloud else None, connect_timeout=10.0)
            self.result = await run_audit(gw, subscriptions=subs, probe=probe)
            self.show(self.result)
        except Exception as exc:  # noqa: BLE001 - one readable line, the presenter can press r
            self._status(f"✗ the audit failed: {type(exc).__name__}: {str(exc)[:200]} (press r to retry)")
            return
        finally:
            self.busy = False
        self._next_beat()

    def show(self, result: Any) -> None:
        from audits.report import resolution_rows

        rows = resolution_rows(result)
        table: DataTable[Any] = self.query_one("#hs-table", VimTable)
        table.clear(columns=True)
        table.add_columns(*rows[0])
        for r in rows[1:]:
            table.add_row(*safe.row([*r[:4], Text(str(r[4]), style=VERDICT_STYLE.get(r[4], "")), r[5]]))
        proven, broken = proven_vnets(result)
        spokes = sorted({r[0] for r in rows[1:] if "spoke" in r[0]})
        head = (f"{len([v for v in spokes if v in proven])} of {len(spokes)} spokes proven private"
                + (f" · broken: {', '.join(broken)}" if broken else " · every path private"))
        if self.applied:
            head += " · fixed: " + "; ".join(self.applied)
        self._status(head + ("" if self.fixed or not broken else " · press f to apply the fix"))
        lines = [Text.from_markup("[b]Findings[/b]")]
        errors = [f for f in result.findings if f.severity == "error"]
        for f in errors:
            lines.append(safe.text(f"✗ {f.check_id} {f.title}: {f.detail}", style="red"))
            lines.append(safe.text(f"  fix: $ {f.remediation.command}"))
        if not errors:
            lines.append(Text("no errors", style="green"))
        lines += [safe.text(line, style="green") for line in proof_lines(result)]
        self.query_one("#hs-findings", Static).update(safe.join_lines(lines))

    def _next_beat(self) -> None:
        app = self.plink
        pilot = getattr(app, "autopilot", None)
        if pilot is None:
            return
        _, broken = proven_vnets(self.result)
        if broken and not self.fixed:
            self.set_timer(pilot.step_seconds, self.action_fix)
        else:
            pilot.finished = True

    def action_rerun(self) -> None:
        if not self.busy:
            self.audit()

    def action_fix(self) -> None:
        if not self.busy and self.result is not None:
            self.apply_fixes()

    @work(exclusive=True, group="hubspoke", exit_on_error=False)
    async def apply_fixes(self) -> None:
        """Apply every error's fix that plinktui applies itself (probe findings clear with the cause), then re-audit."""
        from audits import fixes

        self.busy = True
        app = self.plink
        done: list[str] = []
        try:
            gw = await app.gateway()
            for f in self.result.findings:
                if f.severity == "error" and fixes.supported(f.remediation.command):
                    done += [f"{f.check_id} {line}" for line in await fixes.apply(gw, f.remediation.command)]
        except Exception as exc:  # noqa: BLE001 - one readable line
            self._status(f"✗ applying the fix failed: {type(exc).__name__}: {str(exc)[:200]}")
            self.busy = False
            return
        self.fixed = True
        self.applied = done
        self.busy = False
        self._status("Applied: " + ("; ".join(done) or "nothing to apply") + " · re-auditing…")
        self.audit()

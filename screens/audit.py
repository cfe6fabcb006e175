"""The audit pane: Endpoints & NICs, DNS checks, VNet × endpoint paths, Findings and Topology, with filter, re-run and
export."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static, TabbedContent, TabPane, Tree

from screens import safe
from screens.messages import AuditFinished
from screens.modals import ReportsWorkerErrors
from screens.widgets.panel import StepHeader
from screens.widgets.vimtable import VimTable

if TYPE_CHECKING:
    from screens.app import PlinkApp

# The most important column first (verdict, state): on a narrow terminal the rest scrolls, the verdict stays.
TABLES = {"endpoints": ("verdict", "endpoint", "connection", "private IP", "FQDNs", "NIC", "subnet", "zone group"),
          "dns": ("verdict", "FQDN", "resolved IPs", "expected IP", "VM", "healthstatus addr", "CNAME chain"),
          "paths": ("VNet", "endpoint", "DNS server", "computed answer", "path verdict", "probe"),
          "findings": ("severity", "id", "resource", "detail", "remediation", "az command")}
TAB_TITLES = {"endpoints": "Endpoints & NICs", "dns": "DNS checks", "paths": "VNet × endpoint", "findings": "Findings"}
EMPTY = {"endpoints": "No private endpoint in this scope.",
         "dns": "No DNS check ran (no VM to probe from, or no endpoint to probe).",
         "paths": "No resolution path computed (no endpoint, or no VNet that can reach one).",
         "findings": "No findings: every check passed."}

FILL_CHUNK = 1000
TOPOLOGY_LEAVES = 200
FILTER_DEBOUNCE = 0.2
VERDICT_STYLE = {"pass": "bold green", "fail": "bold red", "unknown": "yellow"}


def _short(resource_id: str | None) -> str:
    return (resource_id or "").rstrip("/").rsplit("/", 1)[-1]


def verdict_text(verdict: str | None) -> Text:
    """✓ pass / ✗ fail / ? unknown, coloured."""
    v = (verdict or "unknown").lower()
    mark = {"pass": "✓ pass", "fail": "✗ fail"}.get(v, "? " + v)
    return Text(mark, style=VERDICT_STYLE.get(v, ""))


def endpoint_verdicts(result: Any) -> list[tuple[dict[str, Any], str, list[Any]]]:
    """Each endpoint (its JSON entry), its verdict (pass when every probe of its FQDNs passed) and those probes."""
    from audits.report import endpoint_entry

    inv = result.inventory
    by_fqdn: dict[str, list[Any]] = {}
    for p in result.probes:
        by_fqdn.setdefault((getattr(p, "fqdn", "") or "").lower(), []).append(p)
    out = []
    for ep in inv.endpoints:
        e = endpoint_entry(inv, ep)
        probes = [p for f in e["fqdns"] for p in by_fqdn.get(f.lower(), [])]
        verdicts = [getattr(p, "verdict", "unknown") for p in probes]
        verdict = "fail" if "fail" in verdicts else ("pass" if verdicts and all(v == "pass" for v in verdicts)
                                                     else "unknown")
        out.append((e, verdict, probes))
    return out


def endpoint_rows(result: Any) -> list[tuple[Any, ...]]:
    """Rows of the Endpoints & NICs table."""
    rows = []
    for e, verdict, _probes in endpoint_verdicts(result):
        zg = e.get("zone_group") or {}
        rows.append((verdict_text(verdict), e["name"], e.get("connection_state") or "", ", ".join(e["private_ips"]),
                     ", ".join(e["fqdns"]), e.get("nic_name") or "", _short(e.get("subnet")),
                     ", ".join(zg.get("zones") or []) or "none"))
    return rows


def dns_rows(result: Any) -> list[tuple[Any, ...]]:
    """Rows of the DNS checks table."""
    from audits.report import probe_entry

    rows = []
    for p in result.probes:
        e = probe_entry(p)
        rows.append((verdict_text(e["verdict"]), e["fqdn"] or "", ", ".join(e["resolved_ips"]) or "—",
                     e["expected_ip"] or "—", e["vm"] or "", e["healthstatus_addr"] or "—",
                     " → ".join(e["cname_chain"]) or "—"))
    return rows


PATH_STYLE = {"private": "bold green", "unknown": "yellow"}


def path_rows(result: Any) -> list[tuple[Any, ...]]:
    """Rows of the VNet x endpoint table: every VNet's computed path to every endpoint, and its probe."""
    from audits.report import resolution_rows

    return [(*r[:4], Text(r[4], style=PATH_STYLE.get(r[4], "bold red")), r[5])
            for r in resolution_rows(result)[1:]] if getattr(result, "resolution", None) else []


def finding_rows(result: Any) -> list[tuple[Any, ...]]:
    """Rows of the Findings table."""
    style = {"error": "bold red", "warning": "yellow", "info": "cyan"}
    return [(Text(f.severity, style=style.get(f.severity, "")), f.check_id, _short(f.resource_id), f.detail,
             f.remediation.text, f.remediation.command) for f in result.findings]


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def scope_summary(result: Any) -> tuple[str, str]:
    """The whole scope in one line, and its mark: ``1 of 3 endpoints proven · 4 errors · 2 warnings``.

    The mark is ✓ only when every endpoint is proven and no check found an error; one proven endpoint never hides
    errors elsewhere.
    """
    verdicts = [v for _e, v, _p in endpoint_verdicts(result)]
    proven, total = verdicts.count("pass"), len(verdicts)
    errors = sum(1 for f in result.findings if f.severity == "error")
    warnings = sum(1 for f in result.findings if f.severity == "warning")
    mark = "✓" if total and proven == total and not errors else ("✗" if errors or "fail" in verdicts else "?")
    noun = "endpoint" if total == 1 else "endpoints"
    return mark, f"{proven} of {total} {noun} proven · {_count(errors, 'error')} · {_count(warnings, 'warning')}"


def proof_line(name: str, verdict: str, probes: list[Any], notes: list[str] | None = None) -> str:
    """The proof (or its absence) for one endpoint, from the probes of its FQDNs."""
    passes = [p for p in probes if getattr(p, "verdict", "") == "pass"]
    fails = [p for p in probes if getattr(p, "verdict", "") == "fail"]
    if verdict == "pass" and passes:
        p = next((x for x in passes if ".vault." in (getattr(x, "fqdn", "") or "")), passes[0])
        ips = ", ".join(getattr(p, "resolved_ips", []) or [])
        hs = getattr(p, "healthstatus_addr", None)
        return (f"✓ private path proven for {name}: {p.fqdn} → {ips} from {p.vm} (DNS pass"
                + (f", healthstatus addr={hs} = the VM's private IP" if hs else "") + ")")
    if fails:
        p = fails[0]
        return (f"✗ private path NOT proven for {name}: from {p.vm}, {p.fqdn}: "
                f"{getattr(p, 'detail', '') or 'DNS check failed'}")
    why = "; ".join((notes or [])[:2]) or "no probe ran for its FQDNs"
    return f"? {name}: not probed ({why})"


def proof_banner(result: Any, selected: str | None = None) -> tuple[Text, str]:
    """The banner: the scope summary, then the proof line of the selected endpoint (default: the first proven).

    Returns the banner and the endpoint the proof line is about.
    """
    mark, summary = scope_summary(result)
    eps = endpoint_verdicts(result)
    chosen = (next((x for x in eps if x[0]["name"] == selected), None)
              or next((x for x in eps if x[1] == "pass"), None) or next(iter(eps), None))
    style = {"✓": "bold green", "✗": "bold red"}.get(mark, "yellow")
    text = Text(f"{mark} {summary}", style=style)
    if chosen is None:
        note = "; ".join(result.notes[:2]) if result.notes else "no private endpoint found"
        text.append(f"\n? nothing to prove ({note})", style="yellow")
        return text, ""
    e, verdict, probes = chosen
    line = proof_line(e["name"], verdict, probes, result.notes)
    text.append("\n" + line, style=VERDICT_STYLE.get(verdict, "yellow"))
    return text, e["name"]


def export_stem(out: Path) -> str:
    """``audit-<UTC time>`` (``-2``, ``-3``… within the same second): each export keeps the ones before it."""
    import time

    stem = base = f"audit-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}"
    n = 1
    while any(out.glob(f"{stem}.*")):
        n += 1
        stem = f"{base}-{n}"
    return stem


class AuditScreen(ReportsWorkerErrors, Screen[None]):
    """Read-only audit of the subscription, with proof from inside the VNet."""

    BINDINGS = [
        Binding("slash", "filter", "Filter", id="audit.filter"),
        Binding("r", "rerun", "Re-run probes", id="audit.rerun"),
        Binding("e", "export", "Export", id="audit.export"),
        Binding("c", "copy_command", "Copy az command", id="audit.copy"),
        Binding("escape", "back", "Back", id="audit.back"),
    ]

    def __init__(self, from_run: str | None = None) -> None:
        super().__init__()
        self.from_run = from_run
        self.result: Any = None
        self.rows: dict[str, list[tuple[Any, ...]]] = {k: [] for k in TABLES}
        self._filter_timer: Any = None
        self.selected: str | None = None
        """The endpoint whose proof the banner shows (the wizard's own endpoint when opened after a run)."""

    def compose(self) -> ComposeResult:
        yield StepHeader("audit")
        yield Static("Auditing… (collecting the inventory, then probing from inside the VNet)", id="banner")
        yield Input(placeholder="filter rows (esc to close)", id="filter")
        with TabbedContent(id="tabs"):
            with TabPane(TAB_TITLES["endpoints"], id="tab-endpoints"), Vertical():
                yield Static("", id="empty-endpoints", classes="note empty", markup=False)
                yield VimTable(id="endpoints")
            with TabPane(TAB_TITLES["dns"], id="tab-dns"), Vertical():
                yield Static("", id="empty-dns", classes="note empty", markup=False)
                yield VimTable(id="dns")
            with TabPane(TAB_TITLES["paths"], id="tab-paths"), Vertical():
                yield Static("", id="empty-paths", classes="note empty", markup=False)
                yield VimTable(id="paths")
            with TabPane(TAB_TITLES["findings"], id="tab-findings"):
                with Vertical():
                    yield Static("", id="empty-findings", classes="note empty", markup=False)
                    yield VimTable(id="findings")
                    yield Static("", id="finding-detail", classes="note")
            with TabPane("Topology", id="tab-topology"):
                yield Tree("subscription", id="topology")
        yield Footer()

    @property
    def plink(self) -> PlinkApp:
        """The app, typed."""
        return cast("PlinkApp", self.app)

    def on_mount(self) -> None:
        from textual.css.query import NoMatches

        try:
            for key, cols in TABLES.items():
                self.query_one(f"#{key}", VimTable).add_columns(*cols)
            box = self.query_one("#filter", Input)
            box.display = False
            box.disabled = True  # hidden and unfocusable until `/`, so r/e/j/k reach the screen and tables
            for note in self.query(".empty"):
                note.display = False
            self.query_one("#tabs").loading = True
            self.query_one("#endpoints", VimTable).focus()
        except NoMatches:  # the app is quitting while this screen mounts: nothing left to set up
            return
        self.run_audit()

    @work(exclusive=True, group="audit", exit_on_error=False)
    async def run_audit(self) -> None:
        """Collect, probe and check (the audit engine), then render."""
        from audits.engine import run_audit

        gw = await self.plink.gateway()
        result = await run_audit(gw, probe=await self.plink.probe_options())
        self.post_message(AuditFinished(result))

    def on_worker_state_changed(self, event: Any) -> None:
        """An audit that failed says so in the banner too (the modal explains it)."""
        # (Textual also runs the mixin's handler, which opens the error modal: handlers run along the MRO.)
        from textual.worker import WorkerState

        if event.state == WorkerState.ERROR and event.worker.group == "audit":
            from screens.modals import describe_error

            self.query_one("#tabs").loading = False
            message, _fix = describe_error(event.worker.error)
            self.query_one("#banner", Static).update(safe.text(f"✗ the audit did not finish: {message} (r retries)",
                                                               style="bold red"))

    @on(AuditFinished)
    def _done(self, message: AuditFinished) -> None:
        self.show_result(message.result)

    def show_result(self, result: Any) -> None:
        """Render an AuditResult in every tab."""
        self.result = result
        self.query_one("#tabs").loading = False
        if self.selected is None and self.from_run:
            self.selected = f"pe-{self.plink.state.vault_short_name}"
        self._show_banner()
        self.rows = {"endpoints": endpoint_rows(result), "dns": dns_rows(result), "paths": path_rows(result),
                     "findings": finding_rows(result)}
        self._tab_counts()
        self._fill(self.query_one("#filter", Input).value)
        self._topology(result)
        if result.probes:
            self.query_one("#tabs", TabbedContent).active = "tab-dns"
        self.plink.audit_done(self)

    def _show_banner(self) -> None:
        banner, self.selected = proof_banner(self.result, self.selected)
        # names and notes from the subscription: each line shown literally, its style kept
        self.query_one("#banner", Static).update(safe.join_lines(banner.split("\n")))

    def _tab_counts(self) -> None:
        """Counts on the tabs: endpoints, DNS checks, resolution paths, findings (errors first)."""
        tabs = self.query_one("#tabs", TabbedContent)
        errors = sum(1 for f in self.result.findings if f.severity == "error")
        counts = {"endpoints": f"({len(self.rows['endpoints'])})", "dns": f"({len(self.rows['dns'])})",
                  "paths": f"({len(self.rows['paths'])})",
                  "findings": f"({len(self.rows['findings'])}" + (f", {errors} ✗)" if errors else ")")}
        for key, count in counts.items():
            tabs.get_tab(f"tab-{key}").label = f"{TAB_TITLES[key]} {count}"

    def _fill(self, needle: str = "") -> None:
        """(Re)fill the tables with the rows matching ``needle``; big tables fill in chunks (UI stays live)."""
        self.fill_tables(needle.strip().lower())

    @work(exclusive=True, group="fill", exit_on_error=False)
    async def fill_tables(self, needle: str) -> None:
        """Add rows in chunks: DataTable measures every new cell, so 10,000 rows at once would freeze the UI."""
        import asyncio

        for key, rows in self.rows.items():
            table = self.query_one(f"#{key}", VimTable)
            table.clear()
            # Text cells built from visible(), not str: no markup parsing (a resource name with "[" shows as
            # typed), no control character reaches the terminal, and faster.
            matching = [safe.row(row) for row in rows if not needle or any(needle in str(c).lower() for c in row)]
            empty = self.query_one(f"#empty-{key}", Static)
            if not matching:
                empty.update(safe.text(f"No rows match {needle!r} (esc clears the filter)." if needle and rows
                                       else EMPTY[key]))
            empty.display = not matching
            table.display = bool(matching)  # a message, not bare headers
            for start in range(0, len(matching), FILL_CHUNK):
                table.add_rows(matching[start:start + FILL_CHUNK])  # type: ignore[arg-type]
                if len(matching) > FILL_CHUNK:
                    await asyncio.sleep(0.01)  # let a render and pending keys through between chunks
            if key == "endpoints" and self.selected:
                row = next((i for i, r in enumerate(matching) if str(r[1]) == self.selected), None)
                if row is not None:
                    table.move_cursor(row=row)

    def _topology(self, result: Any) -> None:
        from audits.inventory import key

        inv = result.inventory
        tree = self.query_one("#topology", Tree)
        tree.clear()
        tree.root.set_label(safe.text(f"subscription(s) {', '.join(inv.subscriptions) or ''}"))
        eps_by_subnet: dict[str, list[Any]] = {}
        for ep in inv.endpoints:
            eps_by_subnet.setdefault(key(ep.subnet_id or ""), []).append(ep)
        for vnet in inv.vnets:
            vn = tree.root.add(safe.text(f"VNet {vnet.name} ({vnet.location}, {', '.join(vnet.address_prefixes)})"),
                               expand=True)
            for sn in vnet.subnets:
                sn_node = vn.add(safe.text(f"subnet {sn.name} {', '.join(sn.prefixes)}"), expand=True)
                eps = eps_by_subnet.get(key(sn.id), [])
                for ep in eps[:TOPOLOGY_LEAVES]:
                    ips = ", ".join(inv.ips_of(ep))
                    nic = _short(ep.nic_ids[0]) if ep.nic_ids else "no NIC"
                    broken = ep.connection_state != "Approved"
                    label = f"endpoint {ep.name} → NIC {nic} {ips} → {_short(ep.target_id)} [{ep.connection_state}]"
                    sn_node.add_leaf(safe.text(("✗ " if broken else "") + label, style="red" if broken else ""))
                if len(eps) > TOPOLOGY_LEAVES:
                    # a tree of thousands of leaves helps nobody; the Endpoints tab (with /) holds them all
                    sn_node.add_leaf(safe.text(f"… {len(eps) - TOPOLOGY_LEAVES} more endpoints (see Endpoints & "
                                               "NICs, / filters)"))
        for zone in inv.zones:
            zn = tree.root.add(safe.text(f"zone {zone.name} ({_count(len(zone.records), 'record')})"), expand=True)
            for link in zone.links:
                missing = not any(key(v.id) == key(link.vnet_id or "") for v in inv.vnets)
                zn.add_leaf(safe.text(f"link {link.name} → {_short(link.vnet_id)}" + (" (VNet not found)" if missing
                                                                                       else ""),
                                      style="red" if missing else ""))
            if not zone.links:
                zn.add_leaf(Text("✗ no VNet link: this zone answers nowhere", style="red"))
        tree.root.expand_all()

    # ------------------------------------------------------------------ actions
    def action_filter(self) -> None:
        """Show the filter box."""
        box = self.query_one("#filter", Input)
        box.display = True
        box.disabled = False
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter(self, event: Input.Changed) -> None:
        # Debounced: typing "kv-app0001" refills the tables once, not once per key.
        if self._filter_timer is not None:
            self._filter_timer.stop()
        value = event.value
        self._filter_timer = self.set_timer(FILTER_DEBOUNCE, lambda: self._fill(value))

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one("#tabs", TabbedContent).focus()

    def action_back(self) -> None:
        """Close the filter first; else go back."""
        box = self.query_one("#filter", Input)
        if box.display:
            box.value = ""
            box.display = False
            box.disabled = True
            self.query_one("#tabs", TabbedContent).focus()
            return
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def action_rerun(self) -> None:
        """Run the audit and the probes again."""
        self.query_one("#tabs").loading = True
        self.query_one("#banner", Static).update("Re-running the audit and the probes…")
        self.run_audit()

    def action_export(self) -> None:
        """Write JSON, Markdown, SARIF and an SVG screenshot of this pane."""
        if self.result is None:
            self.notify("the audit has not finished yet", severity="warning")
            return
        from audits.report import render
        from plinktui.settings import state_dir

        out = Path(state_dir()) / "exports"
        out.mkdir(parents=True, exist_ok=True)
        stem = export_stem(out)
        written = []
        for fmt, ext in (("json", "json"), ("markdown", "md"), ("sarif", "sarif")):
            path = out / f"{stem}.{ext}"
            path.write_text(render(self.result, fmt))
            written.append(path.name)
        svg = self.app.save_screenshot(filename=f"{stem}.svg", path=str(out))
        written.append(Path(svg).name)
        safe.notify(self, f"exported {', '.join(written)} to {out}")

    @on(VimTable.RowHighlighted, "#endpoints")
    def _endpoint(self, event: VimTable.RowHighlighted) -> None:
        """The banner's proof line follows the highlighted endpoint."""
        table = self.query_one("#endpoints", VimTable)
        if self.result is not None and 0 <= event.cursor_row < table.row_count:
            name = str(table.get_row_at(event.cursor_row)[1])
            if name != self.selected:
                self.selected = name
                self._show_banner()

    @on(VimTable.RowHighlighted, "#findings")
    def _finding(self, event: VimTable.RowHighlighted) -> None:
        table = self.query_one("#findings", VimTable)
        if 0 <= event.cursor_row < table.row_count:
            r = [str(c) for c in table.get_row_at(event.cursor_row)]
            # the cells are already visible() text: copying them never puts a control character in the clipboard
            self.query_one("#finding-detail", Static).update(safe.lines(f"{r[1]} {r[3]}\nFix: {r[4]}\n$ {r[5]}"))

    def action_copy_command(self) -> None:
        """Copy the highlighted finding's az CLI command to the clipboard (OSC 52)."""
        table = self.query_one("#findings", VimTable)
        if table.row_count == 0:
            self.notify("no finding selected (Findings tab)", severity="warning")
            return
        command = str(table.get_row_at(table.cursor_row)[5])
        self.app.copy_to_clipboard(command)
        safe.notify(self, f"copied: {command[:80]}")

    def commands(self) -> list[tuple[str, str, str]]:
        """Screen-aware palette commands."""
        return [("Filter rows", "Filter the audit tables", "filter"), ("Re-run probes", "Audit again", "rerun"),
                ("Export report", "JSON, Markdown, SARIF and SVG", "export"),
                ("Copy az command", "Copy the highlighted finding's fix", "copy_command")]

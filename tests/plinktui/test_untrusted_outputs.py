"""A hostile subscription, driven through every output: nothing it holds drives the terminal, the TUI or a report.

Each *vector* is a place someone other than the user can write (a tag, a description, a request message, an SSH
server's disconnect reason or command output, a journal file). Its payload starts with a marker (``HV01``…) and
carries terminal escapes (clear screen, OSC 52 clipboard write, fake green text), Textual markup (a click action,
hidden text, a closing tag that raises ``MarkupError``), HTML, a Markdown code-span breaker and a link, bidi and
zero-width characters.

Each *output* is something a person reads: every ``--format`` of ``plinktui audit``, ``setup``, ``runs``,
``teardown`` (plain and JSON), the logs at DEBUG, the audit renderers with probe results, and the TUI's audit pane,
Review and provision screens (Pilot). The detector asserts, for every output: no control, bidi or zero-width
character; in Markdown no live HTML, link or broken code span; in the TUI every payload shown still carries its
markup literally (so it was not parsed). It also records which vectors reached which outputs, shown safely.

``test_the_detector_catches_a_raw_print`` shows the same detector failing when the boundary is bypassed.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import pathlib
import re
from typing import Any

import asyncssh
import pytest
from markdown_it import MarkdownIt

from plinktui import cli
from tests.arm_examples import call

SUB_API = {"resources": "2024-03-01", "network": "2024-05-01", "keyvault": "2024-11-01"}
ATTACK = ("[@click=app.quit]x[/] [black on black]hid[/] [/x] \x1b[2J\x1b[H\x1b]52;c;cm0gLXJmIH4=\x07"
          "\x1b[32mALL GOOD\x1b[0m <script>alert(1)</script><img src=x onerror=alert(2)> `t` [l](https://evil.example)"
          " \u202egnp.exe\u200b\x9b\r")
MARKUP = "[@click=app.quit]x[/]"
VECTORS = {
    "HV01": "VNet tag (owner)",
    "HV02": "VNet tag plinktui-run (someone else's)",
    "HV03": "vault tag",
    "HV04": "vault tag plinktui-run on the plan's vault name",
    "HV05": "private endpoint tag",
    "HV06": "connection request message",
    "HV07": "connection rejection description (written by the target's owner)",
    "HV08": "private endpoint tag plinktui-run on the plan's endpoint name",
    "HV09": "SSH auth banner",
    "HV10": "SSH disconnect reason",
    "HV11": "SSH command output (a CNAME in `host`)",
    "HV12": "SSH command output (healthstatus network-info header)",
    "HV13": "journal file (plan name)",
    "HV14": "private DNS TXT record value (in the privatelink zone the audit reads)",
}
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff"
                     "\ufff9-\ufffb\U000e0000-\U000e007f]")
LIVE_HTML = re.compile(r"<\s*(script|img|a|iframe|svg|style|link)\b", re.I)
MARKER = re.compile(r"HV\d\d")


def payload(vid: str) -> str:
    return vid + ATTACK


class Detector:
    """Checks outputs and counts (vector, output) pairs; ``leaks`` lists every problem found."""

    def __init__(self) -> None:
        self.leaks: list[str] = []
        self.outputs: list[str] = []
        self.reached: set[tuple[str, str]] = set()

    def terminal(self, output: str, text: str) -> None:
        """Text printed to a terminal (stdout/stderr) or written to a log."""
        self.outputs.append(output)
        bad = sorted({f"U+{ord(c):04X}" for c in CONTROL.findall(text)})
        if bad:
            self.leaks.append(f"{output}: control characters {bad}")
        self.reached |= {(m, output) for m in MARKER.findall(text)}

    def markdown(self, output: str, text: str) -> None:
        """A Markdown report: terminal-safe, and rendered it has no live HTML, link, or code span broken open."""
        self.terminal(output, text)
        rendered = MarkdownIt("gfm-like", {"html": True}).render(text)
        for m in LIVE_HTML.finditer(rendered):
            self.leaks.append(f"{output}: live HTML {rendered[max(m.start() - 60, 0):m.end() + 60]!r}")
        for code in re.findall(r"<code>(.*?)</code>", rendered, re.S):
            if "ALL GOOD" in code and "`t`" not in code:  # the payload's `t` must stay inside its code span
                self.leaks.append(f"{output}: a backtick in a value closed its code span early: {code[:80]!r}")

    def json(self, output: str, text: str, docs: int = 1) -> Any:
        """JSON output: terminal-safe as text, valid, and the values inside are the raw originals (exact data)."""
        self.terminal(output, text)
        values = [json.loads(line) for line in text.splitlines() if line.strip()] if docs != 1 else json.loads(text)
        return values

    def tui(self, output: str, plains: list[str]) -> None:
        """What the TUI widgets hold: terminal-safe, and markup shown literally (never parsed)."""
        text = "\n".join(plains)
        self.terminal(output, text)
        for m in MARKER.finditer(text):
            if not text.startswith(MARKUP, m.end()):
                self.leaks.append(f"{output}: markup of {m.group()} was parsed (shown: {text[m.start():m.end() + 30]!r})")


# ------------------------------------------------------------------------------------------------ the world


async def _put(emu: Any, path: str, body: dict[str, Any], api: str) -> Any:
    reply = await call(emu, "PUT", path, body, api_version=api)
    assert reply.status in (200, 201, 202), (path, reply.status, reply.body)
    for _ in range(200):  # the emulator completes LROs on read at latency 0
        got = await call(emu, "GET", path, api_version=api)
        state = ((got.body or {}).get("properties") or {}).get("provisioningState", "Succeeded")
        if got.status == 200 and str(state).lower() in ("succeeded", "failed"):
            return got.body
        await asyncio.sleep(0.02)
    raise AssertionError(f"{path} never settled")


async def hostile_world(emu: Any, *, vault_name: str, pe_name: str, rg: str = "rg-hostile") -> dict[str, str]:
    """Plant vectors HV01-HV08 and HV14 by raw ARM, as other people with write access (or the target's owner) would."""
    sub = emu.config.subscription_id
    tenant = emu.config.tenant_id
    base = f"/subscriptions/{sub}/resourceGroups/{rg}"
    net = f"{base}/providers/Microsoft.Network"
    await _put(emu, base, {"location": "westus2"}, SUB_API["resources"])
    vnet = f"{net}/virtualNetworks/vnet-hostile"
    await _put(emu, vnet, {"location": "westus2", "tags": {"owner": payload("HV01"), "plinktui-run": payload("HV02")},
                           "properties": {"addressSpace": {"addressPrefixes": ["10.55.0.0/16"]}, "subnets": [
                               {"name": "snet-pe", "properties": {"addressPrefix": "10.55.1.0/24"}}]}},
               SUB_API["network"])
    vault = f"{base}/providers/Microsoft.KeyVault/vaults/kvhostile0001"
    await _put(emu, vault, {"location": "westus2", "tags": {"note": payload("HV03")}, "properties": {
        "tenantId": tenant, "sku": {"family": "A", "name": "standard"}, "enableRbacAuthorization": True}},
        SUB_API["keyvault"])
    taken = f"{base}/providers/Microsoft.KeyVault/vaults/{vault_name}"
    await _put(emu, taken, {"location": "westus2", "tags": {"plinktui-run": payload("HV04")}, "properties": {
        "tenantId": tenant, "sku": {"family": "A", "name": "standard"}, "enableRbacAuthorization": True}},
        SUB_API["keyvault"])
    await _put(emu, f"{net}/privateEndpoints/pe-hostile", {
        "location": "westus2", "tags": {"x": payload("HV05")}, "properties": {
            "subnet": {"id": f"{vnet}/subnets/snet-pe"}, "manualPrivateLinkServiceConnections": [
                {"name": "conn-hostile", "properties": {"privateLinkServiceId": vault, "groupIds": ["vault"],
                                                        "requestMessage": payload("HV06")[:140]}}]}},
        SUB_API["network"])
    conns = await call(emu, "GET", f"{vault}/privateEndpointConnections", api_version=SUB_API["keyvault"])
    for c in (conns.body or {}).get("value", []):
        await _put(emu, f"{vault}/privateEndpointConnections/{c['name']}", {"properties": {
            "privateLinkServiceConnectionState": {"status": "Rejected", "description": payload("HV07")}}},
            SUB_API["keyvault"])
    await _put(emu, f"{net}/privateEndpoints/{pe_name}", {
        "location": "westus2", "tags": {"plinktui-run": payload("HV08")}, "properties": {
            "subnet": {"id": f"{vnet}/subnets/snet-pe"}, "privateLinkServiceConnections": [
                {"name": "conn-taken", "properties": {"privateLinkServiceId": vault, "groupIds": ["vault"]}}]}},
        SUB_API["network"])
    zone = f"{net}/privateDnsZones/privatelink.vaultcore.azure.net"
    await _put(emu, zone, {"location": "global"}, "2024-06-01")
    await _put(emu, f"{zone}/TXT/kvhostile0001", {"properties": {"ttl": 10, "txtRecords": [
        {"value": [payload("HV14")]}]}}, "2024-06-01")
    await _put(emu, f"{zone}/virtualNetworkLinks/link-hostile", {"location": "global", "properties": {
        "virtualNetwork": {"id": vnet}, "registrationEnabled": False}}, "2024-06-01")
    return {"rg": rg, "vnet": vnet, "vault": vault}


# ------------------------------------------------------------------------------------------------ SSH vectors


class _HostileVm:
    """A VmView (the emulator's own VM protocol) whose DNS and HTTPS answers carry payloads HV11 and HV12."""

    name = "vm-hostile"
    private_ip = "10.55.1.9"
    public_ip = None
    dns_servers = ["168.63.129.16"]
    etc_hosts: list[tuple[str, list[str]]] = []
    host_key_public = ""

    def resolve(self, name: str) -> Any:
        from plinktui.emulator.vmshell import Resolution

        return Resolution(name, [name, payload("HV11")], ["10.55.1.4"])

    def https_get(self, fqdn: str, path: str) -> Any:
        from plinktui.emulator.vmshell import HttpAnswer

        return HttpAnswer(200, [("x-ms-keyvault-network-info", "addr=" + payload("HV12"))], "null")


async def ssh_vectors(tmp_path: pathlib.Path) -> tuple[list[Any], list[str]]:
    """Probe a real SSH server whose command output is hostile, and one that disconnects with a hostile reason."""
    from plinktui.emulator.sshd import DemoSshServer, generate_host_key
    from plinktui.probes.ssh import SshProbeError, SshProbeSession, probe_fqdns
    from plinktui.probes.verdict import ProbeTarget

    client = asyncssh.generate_private_key("ssh-ed25519")
    notes: list[str] = []
    async with DemoSshServer() as srv:
        priv, pub = generate_host_key("root@hostile")
        port = await srv.add_vm("vm1", priv, [client.export_public_key().decode()], _HostileVm,
                                admin_username="azureuser", private_ip=_HostileVm.private_ip)
        async with SshProbeSession("127.0.0.1", port, username="azureuser", client_keys=[client],
                                   pinned_host_key=pub, connect_timeout=10, command_timeout=10) as s:
            verdicts = await probe_fqdns(s, [ProbeTarget("kvhostile0001.vault.azure.net", ["10.55.1.4"])],
                                         _HostileVm.private_ip, vm_name="vm-hostile")

    class Rude(asyncssh.SSHServer):
        def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
            self.conn = conn

        def begin_auth(self, username: str) -> bool:
            self.conn.send_auth_banner(payload("HV09"))
            self.conn.disconnect(asyncssh.DISC_HOST_NOT_ALLOWED_TO_CONNECT, payload("HV10"))
            return True

    key = asyncssh.generate_private_key("ssh-ed25519")
    server = await asyncssh.create_server(Rude, "127.0.0.1", 0, server_host_keys=[key])
    rude_port = server.sockets[0].getsockname()[1]
    try:
        async with SshProbeSession("127.0.0.1", rude_port, username="azureuser", client_keys=[client],
                                   accept_new=True, state_dir=tmp_path / "ssh-state", connect_timeout=10):
            pass
    except SshProbeError as exc:  # what audits/probing.py turns into a note
        notes.append(f"probe from VM vm-rude failed: {type(exc).__name__}: {exc}")
    finally:
        server.close()
    assert notes, "the rude server must have refused the session"
    return verdicts, notes


# ------------------------------------------------------------------------------------------------ running the CLI


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    for h in list(root.handlers):
        if h not in handlers:
            root.removeHandler(h)
    root.setLevel(level)


async def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``plinktui ARGS`` in-process (in a thread: the emulator serves on this loop), logging at DEBUG."""
    capsys.readouterr()
    root = logging.getLogger()
    level = root.level
    try:
        rc = await asyncio.to_thread(cli.main, ["--log-level", "DEBUG", *argv])
    finally:
        root.setLevel(level)  # DEBUG for the command only (markdown-it, asyncio... would flood the test)
    out, err = capsys.readouterr()
    return rc, out, err


def _logs(err: str) -> str:
    return "\n".join(ln for ln in err.splitlines() if re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ", ln))


# ------------------------------------------------------------------------------------------------ Textual helpers


def widget_plains(screen: Any) -> list[str]:
    """The text every widget of ``screen`` holds, as the terminal will draw it (tables, trees, statics, logs)."""
    from textual.widgets import DataTable, RichLog, Static, Tree

    out: list[str] = []
    for table in screen.query(DataTable):
        for i in range(table.row_count):
            for cell in table.get_row_at(i):
                out.append(cell.plain if hasattr(cell, "plain") else str(cell))
    for tree in screen.query(Tree):
        stack = [tree.root]
        while stack:
            node = stack.pop()
            label = tree.process_label(node.label)
            out.append(label.plain)
            stack.extend(node.children)
    for static in screen.query(Static):
        visual = static.render()
        out.append(getattr(visual, "plain", str(visual)))
    for log in screen.query(RichLog):
        out.extend(line.text for line in log.lines)
    return out


def notifications(app: Any) -> list[str]:
    return [f"{n.title} {n.message}" for n in app._notifications]


# ------------------------------------------------------------------------------------------------ the tests

PLAN = """
[plan]
name = "hostile"
resource_group = "rg-hostile"
[network]
region = "westus2"
vnet = "vnet-hostile"
subnet = "snet-new"
subnet_prefix = "10.55.9.0/24"
[vault]
region = "westus2"
name = "{vault}"
public_network_access = "Disabled"
[private_endpoint]
name = "{pe}"
"""


async def test_every_output_of_a_hostile_subscription_is_inert(emu, capsys, tmp_path, restore_logging) -> None:
    from audits.report import AuditResult, render
    from plinktui.journal import Journal, runs_dir
    from plinktui.untrusted import guarded_stdio
    from screens.app import PlinkApp
    from screens.audit import AuditScreen
    from screens.provision import ProvisionScreen
    from screens.review import ReviewScreen
    from tests.tui_helpers import wait_for

    det = Detector()
    await hostile_world(emu, vault_name="kvtakenhostile1", pe_name="pe-taken-hostile")
    target = ["--arm-endpoint", emu.endpoint, "--ca-cert", emu.ca_cert, "--subscription", emu.config.subscription_id]

    # -- plinktui audit, every format (HV01-HV08 live in the subscription) ---------------------------------------
    logs = []
    for fmt in ("table", "markdown", "json", "sarif"):
        rc, out, err = await run_cli(capsys, "audit", "--format", fmt, "--probe", "none", *target)
        assert rc in (0, 1), err[-500:]
        det.terminal(f"audit --format {fmt} (stderr)", err)
        logs.append(_logs(err))
        if fmt == "markdown":
            det.markdown("audit --format markdown", out)
        elif fmt in ("json", "sarif"):
            doc = det.json(f"audit --format {fmt}", out)
            if fmt == "json":  # JSON keeps data exact: the raw description is there, escaped by JSON itself
                assert any(payload("HV07") in f["detail"] for f in doc["findings"]), "raw value kept in JSON"
        else:
            det.terminal("audit --format table", out)

    # -- the same renderers with probe results: SSH command output and a disconnect reason (HV09-HV12) ------------
    from audits.engine import run_audit
    from plinktui.cloud import Gateway, resolve_target

    verdicts, ssh_notes = await ssh_vectors(tmp_path)
    async with Gateway(await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert), total_timeout=60) as gw:
        base = await run_audit(gw)
    result = AuditResult(inventory=base.inventory, findings=base.findings, probes=verdicts, stats=base.stats,
                         notes=ssh_notes, scope=base.scope)
    for fmt in ("table", "markdown", "json", "sarif"):
        with guarded_stdio():  # exactly what `plinktui audit` does with the text: print it
            text = render(result, fmt)
        name = f"audit renderer {fmt} with SSH probe results"
        {"markdown": det.markdown, "json": det.json, "sarif": det.json}.get(fmt, det.terminal)(name, text)

    # -- plinktui setup: preflight refuses the taken vault name, quoting the foreign tag (HV04) -------------------
    plan = tmp_path / "hostile.toml"
    plan.write_text(PLAN.format(vault="kvtakenhostile1", pe="pe-fresh-hostile"))
    for extra in ((), ("--json",)):
        rc, out, err = await run_cli(capsys, "setup", "--plan", str(plan), "--yes", *extra, *target)
        assert rc == 2 and "HV04" in out + err, (out + err)[-500:]  # preflight quoted the foreign tag
        name = "setup" + (" --json" if extra else "")
        det.json(name, out, docs=0) if extra else det.terminal(name, out)
        det.terminal(f"{name} (stderr)", err)
        logs.append(_logs(err))

    # -- a run that succeeds, then a journal someone edited (HV13): runs, teardown --------------------------------
    plan.write_text(PLAN.format(vault="kvfreshhostile1", pe="pe-fresh-hostile").replace('"hostile"', '"hostile2"'))
    rc, out, err = await run_cli(capsys, "setup", "--plan", str(plan), "--yes", *target)
    assert rc == 0, (out + err)[-800:]
    det.terminal("setup (a run that succeeds)", out + err)
    logs.append(_logs(err))
    [run] = [r for r in Journal.list_runs() if r["plan"] == "hostile2"]
    path = runs_dir() / f"{run['run_id']}.json"
    data = json.loads(path.read_text())
    data["plan_name"] = data["plan"]["plan"]["name"] = payload("HV13")
    for entry in data.get("resources", {}).values():
        entry["name"] = payload("HV13")
    path.write_text(json.dumps(data))
    for extra in ((), ("--json",)):
        rc, out, err = await run_cli(capsys, "runs", *extra, *target)
        assert rc == 0, err
        name = "runs" + (" --json" if extra else "")
        det.json(name, out) if extra else det.terminal(name, out)
        det.terminal(f"{name} (stderr)", err)
        logs.append(_logs(err))
    for extra in ((), ("--json",)):
        rc, out, err = await run_cli(capsys, "teardown", run["run_id"], "--yes", *extra, *target)
        name = "teardown" + (" --json" if extra else "")
        det.json(name, out, docs=0) if extra else det.terminal(name, out)
        det.terminal(f"{name} (stderr)", err)
        logs.append(_logs(err))
    det.terminal("logs at DEBUG (every command above)", "\n".join(logs))

    # -- the TUI: audit pane, Review (preflight quoting HV04), provision (engine refusing HV08's endpoint) --------
    # the emulator the CLI runs above went to, as Azure (not the demo cloud): the welcome lists that cloud's runs
    app = PlinkApp({"arm_endpoint": emu.endpoint, "ca_cert": emu.ca_cert}, demo=False)
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for(pilot, lambda: app.gw is not None, what="gateway")
        welcome = app.screen
        await wait_for(pilot, lambda: welcome.query_one("#runs").row_count > 0, what="the runs table")
        det.tui("TUI welcome screen (runs from journals)", widget_plains(welcome))
        audit = AuditScreen()
        await app.push_screen(audit)
        audit.show_result(result)
        await wait_for(pilot, lambda: audit.query_one("#findings").row_count == len(result.findings), what="rows")
        for tab in ("tab-endpoints", "tab-dns", "tab-findings", "tab-topology"):
            audit.query_one("#tabs").active = tab
            await pilot.pause()
        findings = audit.query_one("#findings")
        findings.focus()
        for row in range(findings.row_count):
            findings.move_cursor(row=row)
            await pilot.pause()
            det.tui(f"TUI audit pane, finding {row} detail", widget_plains(audit))
        audit.action_copy_command()
        det.tui("TUI audit pane", widget_plains(audit) + notifications(app))
        det.terminal("TUI audit pane (SVG screenshot)", html.unescape(app.export_screenshot()))
        app.pop_screen()

        s = app.state
        s.subscription_id, s.plan_name, s.resource_group, s.region = emu.config.subscription_id, "hostilet", \
            "rg-hostile", "westus2"
        s.vnet_mode, s.vnet_rg, s.vnet_name, s.subnet_mode, s.subnet_name, s.subnet_prefix = \
            "existing", "rg-hostile", "vnet-hostile", "new", "snet-tui", "10.55.20.0/24"
        s.vault_mode, s.vault_name, s.vault_region, s.vm_mode = "new", "kvtakenhostile1", "westus2", "none"
        review = ReviewScreen()
        await app.push_screen(review)
        await wait_for(pilot, lambda: getattr(review, "preflight_result", None) is not None
                       or bool(getattr(review, "_plan_problems", [])), timeout=60, what="preflight")
        await pilot.pause()
        await pilot.press("ctrl+n")  # blocked: the warning notification quotes the problem
        await pilot.pause()
        det.tui("TUI Review screen", widget_plains(review) + notifications(app))
        det.terminal("TUI Review screen (SVG screenshot)", html.unescape(app.export_screenshot()))
        assert not review.preflight_result.ok and any("HV04" in str(p) for p in review.preflight_result.problems)
        app.pop_screen()

        from plinktui.plan import from_dict

        s.vault_name = "kvtuihostile01"
        data = s.to_plan_dict()
        data["private_endpoint"]["name"] = "pe-taken-hostile"  # taken by someone else (HV08): the engine refuses it
        prov = ProvisionScreen(plan=from_dict(data))
        await app.push_screen(prov)
        await wait_for(pilot, lambda: prov.failed, timeout=120, what="the run to stop at the foreign endpoint")
        await pilot.pause()
        det.tui("TUI provision screen", widget_plains(prov) + notifications(app))
        det.terminal("TUI provision screen (SVG screenshot)", html.unescape(app.export_screenshot()))

    pairs = len(VECTORS) * len(det.outputs)
    reached = sorted(det.reached)
    by_vector = {v: sum(1 for m, _ in reached if m == v) for v in VECTORS}
    print(f"\nhostile fixture: {len(VECTORS)} vectors x {len(det.outputs)} outputs = {pairs} pairs checked; "
          f"{len(reached)} pairs carried a payload (shown inert); {len(det.leaks)} leaks")
    print("reached outputs per vector: " + ", ".join(f"{v}={n}" for v, n in by_vector.items()))
    for v, what in VECTORS.items():
        print(f"  {v} {what}: {sorted(o for m, o in reached if m == v) or 'shown by no output'}")
    assert not det.leaks, "\n".join(det.leaks)
    # Tags, request messages and TXT values are read but never displayed by plinktui; asyncssh's client never shows
    # an auth banner. Every other vector reached at least one output (and was shown inert there).
    assert {v for v, n in by_vector.items() if n == 0} <= {"HV01", "HV02", "HV03", "HV05", "HV06", "HV09", "HV14"}, \
        by_vector


def test_the_detector_catches_a_raw_print(capsys, monkeypatch) -> None:
    """The same checks fail when the boundary is bypassed: a raw print, a renderer without visible(), markup."""
    import audits.report as report
    from plinktui import untrusted

    det = Detector()
    print("status:", payload("HV07"))  # a deliberately raw print
    det.terminal("raw print", capsys.readouterr().out)
    assert any("raw print: control characters" in leak and "U+001B" in leak for leak in det.leaks), det.leaks

    monkeypatch.setattr(report, "visible", lambda v: "" if v is None else str(v))  # a renderer bypassing it
    monkeypatch.setattr(report, "md", lambda v: "" if v is None else str(v))
    from tests.tui_helpers import synthetic_result

    result = synthetic_result(1)
    result.notes.append(payload("HV07"))
    det2 = Detector()
    det2.terminal("table without the boundary", report.render_table(result))
    det2.markdown("markdown without the boundary", report.render_markdown(result))
    assert any("table without the boundary" in leak for leak in det2.leaks)
    assert any("markdown without the boundary: live HTML" in leak for leak in det2.leaks), det2.leaks

    det3 = Detector()
    det3.tui("markup parsed", ["HV07x [/] hidden"])
    assert det3.leaks and "markup of HV07 was parsed" in det3.leaks[0]
    assert untrusted.visible(payload("HV07")).startswith("HV07[@click=app.quit]x[/]")

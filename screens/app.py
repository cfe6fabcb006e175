"""The plinktui Textual app: wizard, provisioning pane, audit pane, demo and presenter autopilot.

Import cost matters: this module imports Textual and the pure core only. The Azure SDK, the emulator and the audit
engine are imported inside workers, after the first screen has painted.
"""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker

from screens import safe
from screens.autopilot import Autopilot
from screens.commands import ScreenCommands
from screens.modals import ConfirmModal, ErrorModal, ReportsWorkerErrors, describe_error
from screens.state import WizardState

if TYPE_CHECKING:
    from plinktui.cloud import Gateway
    from plinktui.emulator.embedded import DemoCloud

AUTOPILOT_LATENCY_SCALE = 0.05
"""The embedded cloud's latency scale under ``--autopilot`` (keeps the whole story well under 90 s)."""


WORKER_TITLES = {"connect": "Cannot connect to the cloud", "audit": "The audit did not finish",
                 "provision": "The run stopped", "preflight": "Preflight did not finish",
                 "subs": "Cannot list subscriptions", "network": "Cannot read regions and VNets",
                 "vms": "Cannot list the VMs", "teardown": "Teardown did not finish", "reset": "The reset stopped"}
"""The error modal's title per worker group: what did not happen, in words (never a function's name)."""


def target_status(target: Any, demo: bool) -> str:
    """The welcome screen's cloud line. A ✓ only for what is known to work: the emulator answered; real Azure is
    only reached after sign-in (on the next screen)."""
    if target.is_emulator:
        where = "Demo cloud (embedded Azure emulator, offline)" if demo else f"ARM {target.arm_endpoint} (emulator)"
        return f"✓ {where} · subscription {target.subscription_id}"
    sub = (f"subscription {target.subscription_id}" if target.subscription_id
           else "the subscription is picked after sign-in")
    return f"Azure Resource Manager {target.arm_endpoint} · sign-in on the next screen · {sub}"


class PlinkApp(ReportsWorkerErrors, App[int]):
    """plinktui."""

    TITLE = "plinktui"
    SUB_TITLE = "Key Vault over Private Link"
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses defined elsewhere still find it
    COMMANDS = App.COMMANDS | {ScreenCommands}
    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        Binding("ctrl+t", "toggle_theme", "Light/dark", id="app.theme"),
        Binding("f2", "toggle_explain", "Side panel", id="app.explain"),
        Binding("space", "autopilot_continue", "Continue", id="app.autopilot.continue", show=False),
        Binding("a", "autopilot_toggle", "Auto-advance", id="app.autopilot.toggle", show=False),
        Binding("R", "reset_demo", "Reset demo", id="app.demo.reset", show=False),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(self, target_kwargs: dict[str, Any] | None = None, *, demo: bool = True, autopilot: bool = False,
                 connect: bool = True, latency_scale: float | None = None, step_seconds: float = 1.5,
                 demo_cloud: DemoCloud | None = None, auth: str = "default", credential: Any = None, story: str = "setup") -> None:
        super().__init__()
        self.story = story
        """``plinktui demo --story``: ``setup`` (the wizard) or ``hub-spoke`` (the landing-zone audit)."""
        self.target_kwargs = {k: v for k, v in (target_kwargs or {}).items() if v}
        self.demo = demo
        self._started_as = (demo, dict(self.target_kwargs))
        """How the command started the app: its flags apply to that cloud only, not to the one switched to."""
        self.state = WizardState(demo=demo)
        self.gw: Gateway | None = None
        """The gateway of the chosen subscription (None until the connect worker opened it)."""
        self.demo_cloud: DemoCloud | None = demo_cloud
        """The embedded demo cloud (tests inject one running on their own loop)."""
        self.target_status = ("Demo cloud (embedded Azure emulator): starting…" if demo
                              else "Azure: connecting…")
        self.connect = connect
        self.latency_scale: float | None = (latency_scale if latency_scale is not None else
                                            (AUTOPILOT_LATENCY_SCALE if autopilot else None) if demo else None)
        self.current_run: str | None = None
        self._gw_ready = asyncio.Event()
        self._root_gw: Gateway | None = None
        """The gateway the connect worker opened; the per-subscription ones derive from it and close with it."""
        self.autopilot = Autopilot(self, step_seconds=step_seconds) if autopilot else None
        self.auth = auth
        """How to sign in to real Azure: "default" (DefaultAzureCredential: az login, env, managed identity) or
        "device-code" (a code to enter on another device's browser)."""
        self.credential: Any = credential
        """The credential the gateway uses (None: the gateway's default; the demo cloud's local token)."""
        self.identity: Any = None
        self.identity_error: tuple[str, str | None] | None = None
        self.device_code: str = ""
        """The device-code prompt to show (URL and code), while a device-code sign-in waits for the user."""

    # ------------------------------------------------------------------ navigation
    def wizard_steps(self) -> tuple[type[Screen[Any]], ...]:
        """The guided setup, in order (the app owns navigation: a step asks it for the next one)."""
        from screens.dns import DnsScreen
        from screens.network import NetworkScreen
        from screens.review import ReviewScreen
        from screens.scenario import ScenarioScreen
        from screens.signin import SignInScreen
        from screens.testvm import TestVmScreen
        from screens.vault import VaultScreen
        from screens.welcome import WelcomeScreen

        return (WelcomeScreen, SignInScreen, ScenarioScreen, NetworkScreen, VaultScreen, DnsScreen, TestVmScreen,
                ReviewScreen)

    def next_step(self, step: Screen[Any]) -> Screen[Any] | None:
        """A fresh instance of the step after ``step`` (None after the last one)."""
        steps = self.wizard_steps()
        later = steps[steps.index(type(step)) + 1:] if type(step) in steps else ()
        return later[0]() if later else None

    def provision_screen(self) -> Any:
        """The provisioning pane's class (the Review step starts it through the app, not by importing it)."""
        from screens.provision import ProvisionScreen

        return ProvisionScreen

    # ------------------------------------------------------------------ lifecycle
    def on_mount(self) -> None:
        self._fix_console_size(self.size.width, self.size.height)
        self.screen_change_signal.subscribe(self, self._fit_screen)
        self._fit(self.size.width, self.size.height)
        if self.story == "hub-spoke":
            from screens.hubspoke import HubSpokeScreen

            self.push_screen(HubSpokeScreen())
        else:
            self.push_screen(self.wizard_steps()[0]())
        if self.connect:
            self.call_after_refresh(self.open_gateway)
        if self.autopilot is not None:
            self.autopilot.start()
            self.notify("Autopilot: space continues, a toggles auto-advance", timeout=4)

    def on_resize(self, event: Any) -> None:
        self._fix_console_size(event.size.width, event.size.height)
        self._fit(event.size.width, event.size.height)

    def _fit(self, width: int, height: int) -> None:
        """Adapt the layout to the terminal: narrow below 100 columns, a "make it larger" view below the minimum."""
        from screens.widgets.fit import TooSmall, size_classes

        self.update_classes(size_classes(width, height), animate=False)
        for screen in self.screen_stack:
            self._fit_screen(screen)
            for widget in screen.query(TooSmall):
                widget.refresh_size()

    def _fit_screen(self, screen: Any) -> None:
        """Every screen carries a (normally hidden) TooSmall view, like Textual's own toast rack."""
        from screens.widgets.fit import TooSmall

        if screen.is_attached and not screen.query_children(TooSmall):
            screen.mount(TooSmall())

    def _fix_console_size(self, width: int, height: int) -> None:
        # The app's Rich console only measures (it writes nowhere). Without a fixed size every measurement asks
        # the OS for the terminal size: three syscalls per DataTable cell, which made 10,000-row tables crawl.
        self.console.size = (width, height)

    async def on_unmount(self) -> None:
        if self._root_gw is not None:
            try:
                await self._root_gw.close()
            except Exception:  # noqa: BLE001 - closing on exit must never print a traceback
                pass

    @work(exclusive=True, group="connect", exit_on_error=False)
    async def open_gateway(self) -> None:
        """Resolve the cloud target (starting the embedded demo cloud if asked) and open the gateway."""
        from plinktui.cloud import Gateway, resolve_target

        kwargs = dict(self.target_kwargs)
        if self.demo and not kwargs.get("arm_endpoint"):
            if self.demo_cloud is None:
                from plinktui.emulator.embedded import ensure_demo_cloud

                self.demo_cloud = await ensure_demo_cloud(self.latency_scale, story=self.story)
                if self.latency_scale is None:
                    from plinktui.emulator.embedded import _latency_scale

                    self.latency_scale = _latency_scale()
            kwargs.update(arm_endpoint=self.demo_cloud.endpoint, ca_cert=self.demo_cloud.ca_cert)
        sub = kwargs.pop("subscription", None)
        target = await resolve_target(arm_endpoint=kwargs.get("arm_endpoint"), ca_cert=kwargs.get("ca_cert"),
                                      subscription=sub)
        if self.credential is None and not target.is_emulator:
            self.credential = self._make_credential()
        gw = Gateway(target, credential=self.credential)
        await gw.__aenter__()
        self._root_gw = self.gw = gw
        self.state.subscription_id = target.subscription_id or ""
        if self.credential is not None:
            self.load_identity()
        self.target_status = target_status(target, self.demo)
        self._gw_ready.set()
        self._refresh_welcome()

    def cloud(self) -> str:
        """The cloud the app is on, as runs record it (``demo`` or the ARM endpoint)."""
        from plinktui.cloud import DEMO_CLOUD, PUBLIC_ARM

        if self.demo and not self.target_kwargs.get("arm_endpoint"):  # an explicit endpoint is its own cloud
            return DEMO_CLOUD
        if self.gw is not None:
            return str(self.gw.target.arm_endpoint).rstrip("/")
        return str(self.target_kwargs.get("arm_endpoint") or PUBLIC_ARM).rstrip("/")

    def _refresh_welcome(self) -> None:
        from screens.welcome import WelcomeScreen

        for screen in self.screen_stack:
            if isinstance(screen, WelcomeScreen):
                screen.refresh_status()

    async def gateway(self) -> Gateway:
        """The open gateway (waits for the connect worker)."""
        await self._gw_ready.wait()
        if self.gw is None:
            from plinktui.cloud import TargetError

            raise TargetError("not connected to a cloud yet; go back to the start screen and connect again")
        return self.gw

    def use_subscription(self, subscription_id: str) -> None:
        """Bind the gateway to the chosen subscription (derived from the root gateway: one sign-in, kept clients)."""
        if self._root_gw is not None and subscription_id:
            self.gw = self._root_gw.at(subscription_id)

    def _make_credential(self) -> Any:
        """The real-Azure credential for the chosen sign-in method."""
        if self.auth == "device-code":
            from screens.identity import AsyncDeviceCodeCredential

            return AsyncDeviceCodeCredential(self.device_code_prompt)
        from azure.identity.aio import DefaultAzureCredential

        return DefaultAzureCredential()

    def device_code_prompt(self, verification_uri: str, user_code: str, expires_on: Any) -> None:
        """azure-identity's prompt callback (called from the sign-in thread): show the URL and code in the UI."""
        text = (f"To sign in, open {verification_uri} on any device and enter the code {user_code} "
                f"(valid until {expires_on:%H:%M} UTC).")
        try:
            self.call_from_thread(self._show_device_code, text)
        except RuntimeError:  # already on the app's thread
            self._show_device_code(text)

    def _show_device_code(self, text: str) -> None:
        self.device_code = text
        safe.notify(self, text, title="Device-code sign-in", timeout=30)
        self._refresh_identity()

    @work(exclusive=True, group="identity", exit_on_error=False)
    async def load_identity(self) -> None:
        """Who the credential signs in as (from the token's claims; the token itself is never shown)."""
        from screens.identity import who_is_signed_in

        self.identity, self.identity_error = None, None
        try:
            if self.credential is not None and self.gw is not None:
                self.identity = await who_is_signed_in(self.credential, self.gw.target.credential_scope)
        except Exception as exc:  # noqa: BLE001 - shown inline as one sentence with its fix
            self.identity_error = describe_error(exc)
        self.device_code = ""
        self._refresh_identity()

    def _refresh_identity(self) -> None:
        for screen in self.screen_stack:
            if hasattr(screen, "refresh_identity"):
                screen.refresh_identity()

    def use_auth(self, auth: str) -> None:
        """Switch the real-Azure sign-in method (reopens the gateway with the new credential)."""
        if auth == self.auth:
            return
        self.auth = auth
        self.reconnect(demo=self.demo)

    def reconnect(self, demo: bool) -> None:
        """Switch between real Azure and the demo cloud (or re-sign-in): close the gateway, open a new one."""
        old = self._root_gw
        self.demo = demo
        self.target_kwargs = dict(self._started_as[1]) if demo == self._started_as[0] else {}
        self.state = WizardState(demo=demo)
        self.gw = self._root_gw = None
        self._gw_ready = asyncio.Event()
        self.identity, self.identity_error, self.device_code = None, None, ""
        self.credential = None  # the old gateway closes its credential; the new target gets a fresh one
        if not demo:
            self.latency_scale = None
        self.target_status = ("Demo cloud (embedded Azure emulator): starting…" if demo else "Azure: connecting…")
        self._refresh_welcome()
        self._close_later(old)
        self.open_gateway()

    @work(group="close", exit_on_error=False)
    async def _close_later(self, gw: Gateway | None) -> None:
        if gw is not None:
            await gw.close()

    def identity_text(self) -> str:
        """Who is signed in, in one line (the claims of the access token; never the token)."""
        if self.gw is not None and self.gw.target.is_emulator and self.credential is None:
            return ("Signed in to the demo cloud with its local token (no Entra ID sign-in). Tenant "
                    f"{self.gw.target.tenant_id}.")
        how = "device code" if self.auth == "device-code" else "DefaultAzureCredential (your `az login` is reused)"
        if self.identity is not None:
            return f"{self.identity.describe()} Via {how}."
        if self.identity_error is not None:
            message, fix = self.identity_error
            return f"✗ {message}" + (f" Fix: {fix}" if fix else "")
        if self.device_code:
            return self.device_code
        return f"Signing in with {how}…"

    # ------------------------------------------------------------------ audit probes
    async def probe_options(self) -> Any:
        """How the audit proves the path from inside: SSH from the chosen VM with pinned host keys."""
        from audits.engine import ProbeOptions

        opts = ProbeOptions(mode="auto", probe_vm=self.state.probe_vm)
        keys: list[str] = []
        if self.current_run:
            from plinktui.journal import Journal

            keys = Journal.open(self.current_run).data.get("generated_keys") or []
        # A test VM this run created accepts the key generated for it; other demo VMs accept the demo key.
        run_key = keys[0] if keys and self.state.vm_mode == "new" else None
        if self.demo and self.demo_cloud is not None:
            opts.mode = "ssh"
            opts.ssh_key = run_key or self.demo_cloud.demo_key
            opts.connect_timeout = 10.0
            if importlib.util.find_spec("plinktui.probes.runcommand") is None:
                # No Run Command pinning available: trust on first use, on loopback, against the demo VM only.
                opts.accept_new_host_key = True
        elif keys:
            opts.ssh_key = keys[0]
        return opts

    def audit_done(self, screen: Any) -> None:
        """The audit pane rendered a result (the autopilot's last beat)."""
        if self.autopilot is not None:
            self.autopilot.finished = True

    # ------------------------------------------------------------------ errors
    def _fatal_error(self) -> None:
        """An unhandled error: the full traceback goes to a log file, the terminal gets one readable paragraph.

        (Textual's default prints a Rich traceback with local variables: thousands of lines that can hold
        subscription data.)
        """
        import sys

        from rich.text import Text

        from plinktui.crashlog import write_crash_log

        error = sys.exc_info()[1] or self._exception
        log = write_crash_log(error)
        self.bell()
        reason = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}" if error else "?"
        self._exit_renderables.append(Text(f"plinktui stopped on an unexpected error ({reason.strip()}).\n"
                                           f"The full traceback is in {log}; please include it when you report "
                                           "this."))
        self._close_messages_no_wait()

    def show_worker_error(self, worker: Worker[Any]) -> None:
        """One readable modal for any worker error; never a traceback."""
        exc = worker.error
        if exc is None or isinstance(exc, asyncio.CancelledError):
            return
        message, fix = describe_error(exc)
        what = WORKER_TITLES.get(worker.group, "Something went wrong")
        self.push_screen(ErrorModal(what, message, fix))

    # ------------------------------------------------------------------ actions
    def action_help(self) -> None:
        """Context help for the current screen."""
        from screens import concepts
        from screens.help_screen import HelpScreen

        step = getattr(self.screen, "STEP", None) or ("audit" if type(self.screen).__name__ == "AuditScreen"
                                                      else "provision")
        self.push_screen(HelpScreen(concepts.SCREEN_HELP.get(step, "")))

    def action_toggle_explain(self) -> None:
        """Show or hide the explanation panel (collapsed by default below 100 columns)."""
        self.toggle_class("-explain-flipped")

    def action_toggle_theme(self) -> None:
        """Light/dark."""
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def action_autopilot_continue(self) -> None:
        """Presenter: do the next beat now."""
        if self.autopilot is not None:
            self.autopilot.beat()

    def action_autopilot_toggle(self) -> None:
        """Presenter: auto-advance on/off."""
        if self.autopilot is not None:
            on = self.autopilot.toggle()
            safe.notify(self, f"auto-advance {'on' if on else 'off'}")

    def action_reset_demo(self) -> None:
        """Demo: tear down every demo run and purge its vault, for the next session."""
        if not self.demo:
            self.notify("reset applies to the demo cloud only", severity="warning")
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.reset_demo()

        self.push_screen(ConfirmModal("Reset the demo?", "Tears down every run in the demo cloud and purges the "
                                      "vaults, for the next session.", yes="Reset"), answer)

    @work(exclusive=True, group="reset", exit_on_error=False)
    async def reset_demo(self) -> None:
        """Teardown + purge of every demo run."""
        from plinktui.cloud import DEMO_CLOUD, run_cloud
        from plinktui.journal import Journal
        from screens.runner import teardown_run

        gw = await self.gateway()
        runs = [r for r in Journal.list_runs() if r.get("state") not in ("torn_down",)
                and run_cloud(Journal.open(r["run_id"]).data.get("target")) == DEMO_CLOUD]  # never a real run
        for r in runs:
            safe.notify(self, f"tearing down {r['run_id']}…")
            await teardown_run(gw, r["run_id"], _quiet, purge=True)
        self.state = WizardState(demo=True, subscription_id=self.state.subscription_id)
        while len(self.screen_stack) > 2:
            self.pop_screen()
        for screen in self.screen_stack:
            if hasattr(screen, "load_runs"):
                screen.load_runs()
        safe.notify(self, f"demo reset: {len(runs)} run(s) torn down")

    def confirm_teardown(self, run_id: str, after: Any = None) -> None:
        """Ask, then tear down a run (deleting only what it created) and purge its vault."""

        def answer(yes: bool | None) -> None:
            if yes:
                self.teardown(run_id, after)

        self.push_screen(ConfirmModal(f"Tear down run {run_id}?", "Deletes what this run created (tagged and "
                                      "journaled), in reverse order, and purges its vault. Reused resources stay.",
                                      yes="Tear down"), answer)

    @work(exclusive=True, group="teardown", exit_on_error=False)
    async def teardown(self, run_id: str, after: Any = None) -> None:
        """Teardown worker."""
        from screens.runner import teardown_run

        # Stays up for the whole job (a teardown takes as long as the deletes; a 4-second toast ended long before)
        safe.notify(self, f"tearing down {run_id}: deleting what it created, in reverse order, then purging its vault…",
                    title="Teardown running", timeout=3600)
        try:
            result = await teardown_run(await self.gateway(), run_id, _quiet, purge=True)
        finally:
            self.clear_notifications()
        kept = "".join(f"\n· kept {key}: {why}" for key, why in list(result.reasons.items())[:4])
        safe.notify(self, f"run {run_id}: {len(result.deleted)} deleted, {len(result.kept)} kept"
                    + (f", {len(result.failed)} failed" if result.failed else "") + kept, title="Teardown finished",
                    severity="information" if result.ok else "error", timeout=15)
        if after is not None:
            after()

    def global_commands(self) -> list[tuple[str, str, str]]:
        """Palette commands available everywhere."""
        cmds = [("Help", "Context help for this screen", "help"), ("Toggle light/dark", "Switch theme",
                                                                    "toggle_theme")]
        if self.demo:
            cmds.append(("Reset demo", "Tear down and purge every demo run", "reset_demo"))
        if self.autopilot is not None:
            cmds.append(("Toggle auto-advance", "Presenter autopilot on/off", "autopilot_toggle"))
        return cmds


class PresenterApp(PlinkApp):
    """``plinktui demo --autopilot``: the presenter's keys win over whatever has focus (an Input would swallow them)."""

    BINDINGS = [
        Binding("space", "autopilot_continue", "Continue", id="presenter.continue", priority=True),
        Binding("a", "autopilot_toggle", "Auto-advance", id="presenter.toggle", priority=True),
    ]

    def __init__(self, target_kwargs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        kwargs["autopilot"] = True
        super().__init__(target_kwargs, **kwargs)


async def _quiet(event: Any) -> None:
    return None


def run(target_kwargs: dict[str, Any], *, demo: bool, autopilot: bool, story: str = "setup") -> int:
    """Run the TUI (``plinktui`` or ``plinktui demo [--autopilot] [--story hub-spoke]``); returns the exit code."""
    app = PresenterApp(target_kwargs, demo=demo, story=story) if autopilot else PlinkApp(target_kwargs, demo=demo,
                                                                                         story=story)
    try:
        result = app.run()
    except KeyboardInterrupt:
        return 130
    if app.return_code:
        return int(app.return_code)  # an unhandled error already said what happened (and where its log is)
    return int(result or 0)

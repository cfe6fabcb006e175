"""Sign-in and subscription: who is signed in, and a searchable subscription picker."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from screens import safe
from screens.step import WizardStep
from screens.widgets.choice import Choice

AUTH_CHOICES = [("default", "az login session (DefaultAzureCredential)"),
                ("device-code", "Device code: sign in from another device's browser")]


class SignInScreen(WizardStep):
    """Shows the identity (DefaultAzureCredential or the demo cloud) and picks a subscription."""

    STEP = "signin"
    HEADING = "Sign-in and subscription"
    FIRST_FOCUS = "#subs"

    def __init__(self, then: str = "setup") -> None:
        super().__init__()
        self.then = then
        """What Next opens: the guided setup ("setup") or the audit pane ("audit", from the welcome's `u`)."""

    def compose_form(self) -> ComposeResult:
        yield Static(id="identity")
        yield Choice("Sign in with", AUTH_CHOICES, self.plink.auth, id="auth")
        yield Label("Subscription (type to search)")
        yield Input(placeholder="search by name or id", id="sub-search")
        yield OptionList(id="subs")

    def on_mount(self) -> None:
        super().on_mount()
        self._subs: list[tuple[str, str]] = []
        self.refresh_identity()
        self.query_one("#auth", Choice).display = not self.plink.demo
        self.query_one("#subs", OptionList).loading = True
        self.load()

    def refresh_identity(self) -> None:
        """Show who is signed in (or the device code to enter, or why sign-in failed)."""
        self.query_one("#identity", Static).update(safe.lines(self.plink.identity_text()))

    @on(Choice.Changed, "#auth")
    def _auth(self) -> None:
        """A new sign-in method: reopen the gateway with its credential and list subscriptions again."""
        auth = self.query_one("#auth", Choice).value
        if auth == self.plink.auth:
            return
        self._subs = []
        self.query_one("#subs", OptionList).clear_options()
        self.query_one("#subs", OptionList).loading = True
        self.plink.use_auth(auth)
        self.refresh_identity()
        self.load()

    @work(exclusive=True, group="subs", exit_on_error=False)
    async def load(self) -> None:
        """Sign in through the run service (as the CLI does), then list subscriptions (a worker; the screen stays
        responsive)."""
        from plinktui import runservice
        from plinktui.signin import SIGN_IN_TIMEOUT, SignInError
        from screens.identity import DEVICE_CODE_SECONDS
        from screens.services import list_subscriptions

        gw = await self.plink.gateway()
        self.refresh_identity()
        # A device code waits for a person: bound it just beyond the code's own life, so its clearer error wins.
        wait = DEVICE_CODE_SECONDS + 30.0 if self.plink.auth == "device-code" else SIGN_IN_TIMEOUT
        try:
            await runservice.signed_in(gw, timeout=wait)
        except SignInError as exc:
            # Said once, inline, where the sign-in method is chosen (not again in a modal).
            self.plink.identity_error = exc.sentence, exc.fix
            self.refresh_identity()
            self.query_one("#subs", OptionList).loading = False
            self.revalidate()
            return
        subs = await list_subscriptions(gw)
        self._subs = subs or ([(gw.target.subscription_id, "")] if gw.target.subscription_id else [])
        self._show_subs()
        self.query_one("#subs", OptionList).loading = False

    def _show_subs(self) -> None:
        needle = self.query_one("#sub-search", Input).value.strip().lower()
        ol = self.query_one("#subs", OptionList)
        ol.clear_options()
        current = self.state.subscription_id or (self.plink.gw.subscription_id if self.plink.gw else "")
        for sid, name in self._subs:
            if needle and needle not in sid.lower() and needle not in name.lower():
                continue
            ol.add_option(Option(safe.text(f"{name or '(no name)'}  {sid}"), id=sid))
        for i in range(ol.option_count):
            if ol.get_option_at_index(i).id == current:
                ol.highlighted = i
        if ol.highlighted is None and ol.option_count:
            ol.highlighted = 0
        self.revalidate()

    @on(Input.Changed, "#sub-search")
    def _search(self) -> None:
        self._show_subs()

    def _chosen(self) -> tuple[str, str] | None:
        ol = self.query_one("#subs", OptionList)
        if ol.highlighted is None or ol.option_count == 0:
            return None
        sid = ol.get_option_at_index(ol.highlighted).id or ""
        return next(((s, n) for s, n in self._subs if s == sid), None)

    @on(OptionList.OptionHighlighted)
    def _highlighted(self) -> None:
        self.revalidate()

    def extra_problem(self) -> str:
        if not getattr(self, "_subs", None):
            return "sign in first (see above)" if self.plink.identity_error else "loading subscriptions…"
        return "" if self._chosen() else "pick a subscription"

    def save(self) -> None:
        chosen = self._chosen()
        if chosen:
            self.state.subscription_id, self.state.subscription_name = chosen
            self.plink.use_subscription(chosen[0])

    def next_screen(self) -> Screen[Any] | None:
        if self.then == "audit":
            from screens.audit import AuditScreen

            return AuditScreen()
        return super().next_screen()

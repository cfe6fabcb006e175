"""Sign-in: who is signed in (read from the access token's claims, never showing the token), the device-code
prompt in the UI, the one-sentence auth error with its fix, and the gateway using the credential it is given."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from datetime import UTC, datetime

from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError
from textual.widgets import Static

from plinktui.cloud import Gateway, resolve_target
from screens.app import PlinkApp
from screens.identity import AsyncDeviceCodeCredential, Identity, decode_claims, identity_from_token
from screens.modals import describe_error
from screens.signin import SignInScreen
from screens.welcome import WelcomeScreen
from tests.tui_helpers import advance, wait_for

SIZE = (150, 44)
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OID = "0b5f5c1e-3d2a-4c6b-9e8f-1a2b3c4d5e6f"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def unsigned_jwt(**claims: object) -> str:
    """A synthetic, unsigned JWT (alg none): enough to test display, useless to any server."""
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.c2lnbmF0dXJl"


TOKEN = unsigned_jwt(upn="alice@contoso.example", unique_name="live.com#alice@contoso.example", oid=OID,
                     tid=TENANT, aud="https://management.azure.com/", sub="secret-subject-claim")


class SyntheticCredential:
    """A TokenCredential that hands out the synthetic token (the emulator accepts any bearer)."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token, self.calls = token, 0
        self.prompt = None
        self.release = asyncio.Event()
        self.release.set()

    async def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        self.calls += 1
        if self.prompt is not None and not self.release.is_set():
            # like azure-identity's device flow: the prompt is called from the sign-in thread, then we wait
            await asyncio.to_thread(self.prompt, "https://microsoft.com/devicelogin", "GX7KQ2PLM",
                                    datetime(2026, 1, 1, 12, 30, tzinfo=UTC))
            await self.release.wait()
        return AccessToken(self.token, int(time.time()) + 3600)

    async def close(self) -> None:
        pass


class RefusingCredential(SyntheticCredential):
    async def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        raise ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token from the included "
                                        "credentials.")


def test_claims_of_a_synthetic_unsigned_jwt() -> None:
    claims = decode_claims(TOKEN)
    assert claims is not None and claims["tid"] == TENANT
    ident = identity_from_token(TOKEN)
    assert ident == Identity(name="alice@contoso.example", object_id=OID, tenant_id=TENANT)
    text = ident.describe()
    assert text == f"Signed in as alice@contoso.example (object id {OID}), tenant {TENANT}."
    assert TOKEN not in text and "secret-subject-claim" not in text


def test_claim_fallbacks_and_non_jwts() -> None:
    assert Identity.from_claims({"unique_name": "bob@fabrikam.example", "tid": TENANT}).name == "bob@fabrikam.example"
    sp = Identity.from_claims({"oid": OID, "tid": TENANT})  # a service principal's token has no upn
    assert sp.describe() == f"Signed in as object id {OID}, tenant {TENANT}."
    assert Identity.from_claims({"app_displayname": "ci-deployer", "oid": OID}).name == "ci-deployer"
    for not_jwt in ("plinktui-emulator-local-token", "a.b", "a.!!!.c", f"x.{_b64([1, 2])}.y", ""):
        assert decode_claims(not_jwt) is None and identity_from_token(not_jwt) is None


def test_auth_error_is_one_sentence_with_the_fix() -> None:
    message, fix = describe_error(ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token"))
    assert message == ("Not signed in to Azure: no credential was found (az login, environment variables or a "
                       "managed identity).")
    assert fix is not None and "az login" in fix and "--use-device-code" in fix


def test_device_code_credential_builds_without_network() -> None:
    seen: list[tuple[str, str]] = []
    cred = AsyncDeviceCodeCredential(lambda uri, code, exp: seen.append((uri, code)), tenant_id=TENANT)
    assert callable(cred.get_token) and seen == []
    asyncio.run(cred.close())


async def test_gateway_uses_the_credential_it_is_given(emu_factory) -> None:
    emu = await emu_factory(latency_scale=0)
    cred = SyntheticCredential()
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    async with Gateway(target, credential=cred) as gw:
        [g async for g in gw.resources.resource_groups.list()]
    assert cred.calls >= 1


async def _signin_text(pilot, app) -> str:
    await advance(pilot, WelcomeScreen)
    await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen), what="sign-in")
    return str(app.screen.query_one("#identity", Static).render())


async def test_signin_screen_shows_who_from_the_token_claims(emu_factory) -> None:
    emu = await emu_factory(latency_scale=0)
    app = PlinkApp({"arm_endpoint": emu.endpoint, "ca_cert": emu.ca_cert}, demo=False,
                   credential=SyntheticCredential())
    async with app.run_test(size=SIZE) as pilot:
        await _signin_text(pilot, app)
        ident = app.screen.query_one("#identity", Static)
        await wait_for(pilot, lambda: "Signed in as" in str(ident.render()), what="identity")
        text = str(ident.render())
        assert f"alice@contoso.example (object id {OID}), tenant {TENANT}" in text
        assert "DefaultAzureCredential" in text
        assert app.screen.query_one("#auth").display  # the device-code option is offered for real Azure
        screen_text = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert TOKEN not in screen_text and TOKEN.split(".")[1] not in screen_text


async def test_device_code_prompt_is_shown_in_the_ui(emu_factory) -> None:
    emu = await emu_factory(latency_scale=0)
    cred = SyntheticCredential()
    cred.release.clear()
    app = PlinkApp({"arm_endpoint": emu.endpoint, "ca_cert": emu.ca_cert}, demo=False, credential=cred,
                   auth="device-code")
    cred.prompt = app.device_code_prompt
    async with app.run_test(size=SIZE) as pilot:
        await _signin_text(pilot, app)
        ident = app.screen.query_one("#identity", Static)
        await wait_for(pilot, lambda: "GX7KQ2PLM" in str(ident.render()), what="device code shown")
        assert "open https://microsoft.com/devicelogin on any device and enter the code GX7KQ2PLM" in \
            str(ident.render())
        cred.release.set()
        await wait_for(pilot, lambda: "Signed in as alice@contoso.example" in str(ident.render()), what="signed in")
        assert "Via device code." in str(ident.render())


async def test_failed_sign_in_says_why_and_the_fix(emu_factory) -> None:
    emu = await emu_factory(latency_scale=0)
    app = PlinkApp({"arm_endpoint": emu.endpoint, "ca_cert": emu.ca_cert}, demo=False,
                   credential=RefusingCredential())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.identity_error is not None, what="sign-in failure")
        assert app.identity_text() == ("✗ Not signed in to Azure: no credential was found (az login, environment "
                                       "variables or a managed identity). Fix: run `az login` (or `az login "
                                       "--use-device-code` on a machine without a browser), then try again")


async def test_a_failed_sign_in_is_said_once_inline_not_again_in_a_modal(emu_factory) -> None:
    """Why 7: the sign-in error appeared inline and, for the subscription list, again in a modal."""
    from screens.modals import ErrorModal

    emu = await emu_factory(latency_scale=0)
    app = PlinkApp({"arm_endpoint": emu.endpoint, "ca_cert": emu.ca_cert}, demo=False,
                   credential=RefusingCredential())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.gw is not None, what="gateway")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen), what="sign-in")
        screen = app.screen
        await wait_for(pilot, lambda: not any(w.is_running for w in app.workers if w.group == "subs"), what="subs")
        await pilot.pause(0.1)
        assert not any(isinstance(s, ErrorModal) for s in app.screen_stack)
        text = str(screen.query_one("#identity", Static).render())
        assert text.startswith("✗ Not signed in to Azure") and text.count("Not signed in") == 1
        assert "Fix: run `az login`" in text
        assert screen.problem() == "sign in first (see above)"
        assert str(screen.query_one("#why-disabled", Static).render()) == "sign in first (see above)"


def test_welcome_status_claims_nothing_before_sign_in() -> None:
    """Why 5: '✓ ARM … subscription (pick one)' was shown before anyone signed in."""
    from plinktui.cloud import CloudTarget
    from screens.app import target_status

    before = target_status(CloudTarget(), demo=False)
    assert not before.startswith("✓") and "sign-in on the next screen" in before
    assert "picked after sign-in" in before
    assert "subscription 11111111" in target_status(CloudTarget(subscription_id="11111111"), demo=False)


async def test_u_without_a_subscription_signs_in_first_then_audits(emu_factory) -> None:
    """Why 5: `u` said 'Something went wrong (run_audit) no subscription chosen: pass --subscription…'."""
    from screens.audit import AuditScreen

    emu = await emu_factory(latency_scale=0)
    app = PlinkApp({"arm_endpoint": emu.endpoint, "ca_cert": emu.ca_cert}, demo=False,
                   credential=SyntheticCredential())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.gw is not None, what="gateway")
        app.gw = app._root_gw.for_subscription("")  # as on real Azure with no --subscription and no az default
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen), what="sign-in first")
        screen = app.screen
        await wait_for(pilot, lambda: not screen.problem(), what="a subscription to pick")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, AuditScreen), what="audit pane")
        assert app.gw.target.subscription_id == emu.config.subscription_id

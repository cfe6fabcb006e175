"""Welcome: the user picks real Azure or the demo cloud on the screen (not only by the command)."""

from __future__ import annotations

import pytest
from textual.widgets import Button, Static

from screens.app import PlinkApp
from screens.signin import SignInScreen
from screens.welcome import WelcomeScreen
from screens.widgets.choice import Choice
from tests.tui_helpers import advance, wait_for

SIZE = (150, 44)


async def test_switching_between_azure_and_the_demo_cloud_on_the_welcome_screen(
        emu_factory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLINKTUI_DEMO_LATENCY_SCALE", "0")  # the embedded cloud is per process; keep it fast
    azure = await emu_factory(latency_scale=0)  # stands in for "real Azure" given by --arm-endpoint
    app = PlinkApp({"arm_endpoint": azure.endpoint, "ca_cert": azure.ca_cert}, demo=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.gw is not None, what="gateway")
        welcome = app.screen
        assert isinstance(welcome, WelcomeScreen)
        cloud = welcome.query_one("#cloud", Choice)
        assert cloud.value == "azure" and app.gw.target.arm_endpoint == azure.endpoint
        assert "Reset demo" not in [t for t, _h, _a in app.global_commands()]

        cloud.value = "demo"  # starts the embedded demo cloud in a worker
        await wait_for(pilot, lambda: app.gw is not None and app.gw.target.arm_endpoint != azure.endpoint,
                       timeout=60, what="demo cloud")
        assert app.demo and app.gw.target.is_emulator and app.state.demo
        status = str(welcome.query_one("#target-status", Static).render())
        assert status.startswith("✓ Demo cloud (embedded Azure emulator, offline)")
        await wait_for(pilot, lambda: not welcome.query_one("#next", Button).disabled, what="Next enabled")
        assert "Reset demo" in [t for t, _h, _a in app.global_commands()]
        await advance(pilot, WelcomeScreen)
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen), what="sign-in")
        assert app.screen.query_one("#identity", Static).render().plain.startswith("Signed in to the demo cloud")
        assert not app.screen.query_one("#auth").display  # no sign-in method to choose in the demo
        await pilot.press("escape")

        await wait_for(pilot, lambda: app.screen is welcome, what="back on welcome")
        cloud.value = "azure"
        await wait_for(pilot, lambda: app.gw is not None and app.gw.target.arm_endpoint == azure.endpoint,
                       what="back on the --arm-endpoint cloud")
        assert not app.demo and app.latency_scale is None
        assert str(welcome.query_one("#target-status", Static).render()).startswith(f"✓ ARM {azure.endpoint}")

"""The run service: the CLI and the TUI runner run a plan the same way (the drift between them is gone)."""

from __future__ import annotations

from typing import Any

import pytest

from plinktui import plan as plan_mod
from plinktui import preflight, runservice
from plinktui.walk import RetryPolicy
from screens import runner
from tests.cli_runs import cli, plan_file, summary


async def test_a_tui_run_gets_the_same_context_as_a_cli_run(emu, gw, tmp_path, monkeypatch) -> None:
    plan = plan_mod.load(plan_file(tmp_path, name="tuiside", vault="kvtesttui0001"))
    pf = await preflight.run(gw, plan)
    assert pf.absent and pf.facts.absent is pf.absent
    handle = runner.RunHandle(runner.create_journal(gw, plan), plan)
    seen: list[Any] = []
    real_run = runservice.run

    async def spy(ctx: Any, **kw: Any) -> Any:
        seen.append(ctx)
        return await real_run(ctx, **kw)

    monkeypatch.setattr(runservice, "run", spy)
    events: list[Any] = []

    async def emit(ev: Any) -> None:
        events.append(ev)

    outcome = await runner.apply_run(gw, handle, emit, facts=pf.facts, tenant_id=pf.tenant_id, fresh=True)
    assert outcome.ok, outcome.errors
    ctx = seen[0]
    assert (ctx.poll_interval, ctx.lro_interval) == (0.1, 0.05)  # the emulator's short intervals, as in the CLI
    assert ctx.absent == pf.absent and "vault" in ctx.absent  # what preflight read as missing is not read again
    assert ctx.zone_ref == pf.facts.zone_id
    key_events = [e for e in events if e.kind == "info" and "generated SSH key" in e.message]
    assert len(key_events) == 1 and key_events[0].key == "vm"  # ensure_public_key, with its event
    assert handle.journal.data["generated_keys"] and ctx.public_key.startswith("ssh-ed25519 ")


async def test_a_torn_down_run_is_not_resumed_from_the_tui(emu, tmp_path, capsys) -> None:
    rc, lines = await cli(emu, "setup", ["--plan", str(plan_file(tmp_path, name="tdtui", vault="kvtesttd00001"))],
                          capsys)
    run_id = summary(lines)["run_id"]
    rc, lines = await cli(emu, "teardown", [run_id, "--purge"], capsys)
    assert rc == 0, summary(lines)
    with pytest.raises(runservice.RunRefused, match="was torn down; start a new run"):
        runner.open_run(run_id)


def test_retry_policy_backs_off_up_to_its_ceiling() -> None:
    policy = RetryPolicy(maximum_attempts=5, initial_interval=0.5, backoff_coefficient=2.0, maximum_interval=3.0)
    assert [policy.delay(i) for i in range(4)] == [0.5, 1.0, 2.0, 3.0]
    assert RetryPolicy().maximum_attempts == 3  # one try and two retries, as before the policy existed


@pytest.mark.parametrize("attempts", [1, 2, 4])
async def test_the_walker_tries_a_retryable_node_as_often_as_its_policy_says(attempts: int) -> None:
    from plinktui.dag import Graph, Node
    from plinktui.events import ErrorClass, NodeError
    from plinktui.walk import execute

    g = Graph()
    g.add(Node(key="a", rtype="test/a", name="a"))
    calls: list[str] = []

    async def run(node: Node) -> None:
        calls.append(node.key)
        raise NodeError("busy", ErrorClass.RETRYABLE)

    outcome = await execute(g, run, retry=RetryPolicy(maximum_attempts=attempts, initial_interval=0.0))
    assert len(calls) == attempts and outcome.status == {"a": "failed"}
    assert outcome.errors["a"].error_class == ErrorClass.RETRYABLE

"""The DAG executor with plain async node runners: order, bounded concurrency, failures, retries, cancel."""

from __future__ import annotations

import asyncio
import json

import pytest

from plinktui import plan as plan_mod
from plinktui.dag import build_graph
from plinktui.engine import Event, NodeError, classify, execute, parse_getent
from tests.factories import plan_toml

WALKTHROUGH = plan_toml("par", test_vm=True)


def graph():
    return build_graph(plan_mod.loads(WALKTHROUGH))


async def test_dependencies_respected_and_parallelism_bounded() -> None:
    g = graph()
    done: list[str] = []
    live = {"now": 0, "max": 0}

    async def run(node) -> None:
        assert all(d in done for d in node.deps), node.key
        live["now"] += 1
        live["max"] = max(live["max"], live["now"])
        await asyncio.sleep(0.001 * node.weight)
        live["now"] -= 1
        done.append(node.key)

    out = await execute(g, run, max_parallel=3)
    assert out.ok and sorted(done) == sorted(g.nodes)
    assert 2 <= live["max"] <= 3


async def test_max_parallel_one_is_sequential() -> None:
    live = {"now": 0, "max": 0}

    async def run(node) -> None:
        live["now"] += 1
        live["max"] = max(live["max"], live["now"])
        await asyncio.sleep(0)
        live["now"] -= 1

    assert (await execute(graph(), run, max_parallel=1)).ok
    assert live["max"] == 1


async def test_failure_skips_dependents_but_independent_branches_finish() -> None:
    events: list[Event] = []

    async def emit(ev: Event) -> None:
        events.append(ev)

    async def run(node) -> None:
        if node.key == "vault":
            raise NodeError("vault name taken", "user", "choose another name")

    out = await execute(graph(), run, emit=emit)
    assert out.status["vault"] == "failed"
    assert out.status["pe"] == out.status["zone_group"] == out.status["verify"] == "skipped"
    assert out.status["vm"] == out.status["link"] == "succeeded"
    failed = [e for e in events if e.kind == "failed"]
    assert failed[0].error_class == "user" and failed[0].fix == "choose another name"


async def test_retryable_errors_are_retried() -> None:
    calls = {"n": 0}

    async def run(node) -> None:
        if node.key == "nsg":
            calls["n"] += 1
            if calls["n"] < 2:
                raise NodeError("throttled", "retryable")

    out = await execute(graph(), run)
    assert out.ok and calls["n"] == 2


async def test_cancel_emits_cancelled_for_running_nodes() -> None:
    events: list[Event] = []

    async def emit(ev: Event) -> None:
        events.append(ev)

    async def run(node) -> None:
        await asyncio.sleep(0 if node.key == "rg" else 10)

    task = asyncio.create_task(execute(graph(), run, emit=emit))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    cancelled = {e.key for e in events if e.kind == "cancelled"}
    assert "vault" in cancelled and "rg" not in cancelled


def test_classify_plain_errors() -> None:
    assert classify(TimeoutError())[0] == "retryable"
    assert classify(NodeError("x", "user", "fix"))[2] == "fix"
    assert classify(RuntimeError("boom"))[0] == "fatal"


def test_classify_http_errors() -> None:
    from azure.core.exceptions import HttpResponseError
    from azure.core.rest import HttpRequest

    class Resp:
        def __init__(self, status: int, body: str) -> None:
            self.status_code, self.reason, self.request = status, "x", HttpRequest("GET", "https://x")
            self.headers = {"content-type": "application/json"}
            self._body = body.encode()
            self.content_type = "application/json"

        def text(self, encoding=None) -> str:
            return self._body.decode()

        def body(self) -> bytes:
            return self._body

    def err(status: int, code: str) -> HttpResponseError:
        return HttpResponseError(response=Resp(status, json.dumps({"error": {"code": code, "message": "m"}})))

    assert classify(err(429, "TooManyRequests"))[0] == "retryable"
    cls, msg, fix = classify(err(403, "AuthorizationFailed"))
    assert cls == "user" and "AuthorizationFailed" in msg and "Contributor" in fix
    assert classify(err(409, "VaultAlreadyExists"))[0] == "user"


def test_parse_getent_lenient() -> None:
    out = "Enable succeeded: \n[stdout]\n10.70.1.4       kv.privatelink.vaultcore.azure.net kv.vault.azure.net\n\n[stderr]\n"
    assert parse_getent(out) == ["10.70.1.4"]


def test_fixes_name_the_run_they_belong_to() -> None:
    from plinktui.engine import RESUME_FIX, for_run

    assert for_run(RESUME_FIX, "crash-20261129-1") == "resume the run: plinktui setup --resume crash-20261129-1"
    assert for_run("see plinktui RUNS", "x") == "see plinktui RUNS"  # only the whole word RUN is a placeholder
    assert for_run(None, "x") is None

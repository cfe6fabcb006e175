"""Run journal: atomic writes, write-ahead records, the lock, run listing with interrupted runs."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

from plinktui import journal as jmod
from plinktui.journal import Journal, JournalError, RunLock


def make(tmp_path: pathlib.Path, name: str = "demo") -> Journal:
    return Journal.create(name, {"plan": {"name": name}}, target={"arm_endpoint": "https://x",
                                                                   "subscription_id": "s", "token": "never"},
                          directory=tmp_path)


def test_create_record_reopen(tmp_path: pathlib.Path) -> None:
    j = make(tmp_path)
    j.record("vnet", status="intent", rtype="Microsoft.Network/virtualNetworks", name="v", rid="/id", owned=True)
    j.record("vnet", status="succeeded")
    again = Journal.open(j.run_id, directory=tmp_path)
    assert again.resources["vnet"]["status"] == "succeeded" and again.resources["vnet"]["owned"] is True
    assert "token" not in json.dumps(again.data)  # only the known target keys are kept
    assert oct(os.stat(j.path).st_mode & 0o777) == "0o600"


def test_open_by_prefix_and_unknown(tmp_path: pathlib.Path) -> None:
    j = make(tmp_path)
    assert Journal.open(j.run_id[:-3], directory=tmp_path).run_id == j.run_id
    with pytest.raises(JournalError, match="no run"):
        Journal.open("nope", directory=tmp_path)


def test_atomic_write_leaves_no_temp_files(tmp_path: pathlib.Path) -> None:
    j = make(tmp_path)
    for i in range(20):
        j.record(f"n{i}", status="intent")
    assert sorted(p.name for p in tmp_path.iterdir()) == [j.path.name]


def test_invalid_states_refused(tmp_path: pathlib.Path) -> None:
    j = make(tmp_path)
    with pytest.raises(ValueError):
        j.record("x", status="bogus")
    with pytest.raises(ValueError):
        j.set_state("bogus")


def test_lock_excludes_a_second_holder(tmp_path: pathlib.Path) -> None:
    a = RunLock(tmp_path / "demo.lock")
    a.acquire(wait=0, run_id="r1")
    b = RunLock(tmp_path / "demo.lock")
    with pytest.raises(JournalError, match="r1"):
        b.acquire(wait=0.2)
    assert b.is_held_elsewhere()
    a.release()
    b.acquire(wait=0)
    b.release()


def test_running_run_without_lock_holder_is_interrupted(tmp_path: pathlib.Path) -> None:
    j = make(tmp_path)
    runs = Journal.list_runs(directory=tmp_path)
    assert [r["state"] for r in runs] == ["interrupted"]
    with j.locked(wait=0):
        assert Journal.list_runs(directory=tmp_path)[0]["state"] == "running"
    j.set_state("succeeded")
    assert Journal.list_runs(directory=tmp_path)[0]["state"] == "succeeded"


def test_lock_dies_with_its_process(tmp_path: pathlib.Path) -> None:
    code = ("import sys, os; sys.path.insert(0, %r); from plinktui.journal import RunLock; "
            "RunLock(__import__('pathlib').Path(%r)).acquire(wait=0, run_id='child'); os._exit(0)")
    subprocess.run([sys.executable, "-c", code % (str(pathlib.Path(jmod.__file__).parents[1]),
                                                  str(tmp_path / "demo.lock"))], check=True)
    lock = RunLock(tmp_path / "demo.lock")
    lock.acquire(wait=0)
    lock.release()


def test_generated_keys_recorded_once(tmp_path: pathlib.Path) -> None:
    j = make(tmp_path)
    j.add_generated_key("/k")
    j.add_generated_key("/k")
    assert j.data["generated_keys"] == ["/k"]


def test_typed_accessors_read_statuses_and_the_write_ahead_proof(tmp_path: pathlib.Path) -> None:
    from plinktui.journal import ResStatus, RunState

    j = make(tmp_path)
    assert j.state == RunState.RUNNING and j.entry("subnet") == {} and j.status_of("subnet") is None
    rid = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a"
    j.record("subnet", status=ResStatus.INTENT, rid=rid, absent_at="2026-01-01T00:00:00Z")
    assert j.status_of("subnet") is ResStatus.INTENT and not j.proven_owned("subnet")
    j.record("subnet", status=ResStatus.CREATING, put_accepted=True, seal=j.seal("subnet", rid, "2026-01-01T00:00:00Z"))
    assert j.proven_owned("subnet") and j.proven_keys() == {"subnet"}
    j.resources["subnet"]["absent_at"] = "2026-01-02T00:00:00Z"  # edited by hand: the seal no longer holds
    assert not j.proven_owned("subnet") and j.proven_keys() == set()
    reopened = json.loads(j.path.read_text())
    assert reopened["resources"]["subnet"]["status"] == "creating"  # StrEnums are stored as their plain strings

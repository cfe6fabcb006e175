"""A run's SSH key is journalled before it is written: a kill between writing the key and journalling it once left
a key no teardown removes. The journal now names the key (fsynced) before the key is written."""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

from plinktui import plan as plan_mod
from plinktui import sshkeys
from plinktui.engine import Context, ensure_public_key
from plinktui.journal import Journal
from plinktui.teardown import teardown
from tests.factories import plan_toml

PLAN = plan_toml("orph", octet=73, vault="kvorphan00001", vault_extra="", test_vm=True)

# A child that creates a run journal, then is SIGKILLed by the kernel at the first moment the private key exists
# on disk (its chmod right after the write): the worst point for the old order (key written, journal not yet).
CHILD = textwrap.dedent("""
    import os, signal, sys
    from plinktui import plan as plan_mod, sshkeys
    from plinktui.journal import Journal

    plan = plan_mod.loads(sys.stdin.read())
    j = Journal.create(plan.name, plan.to_dict(), target={})
    print(j.run_id, flush=True)
    real_chmod = os.chmod
    def chmod(path, mode, *a, **k):
        if str(path).endswith("_ed25519"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real_chmod(path, mode, *a, **k)
    os.chmod = chmod
    sshkeys.generate_for_run(j)
""")


def _killed_child() -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CHILD], input=PLAN, capture_output=True, text=True,
                          env=os.environ.copy(), timeout=60, check=False)


def test_kill_right_after_the_key_is_written_leaves_a_journal_that_names_it() -> None:
    proc = _killed_child()
    assert proc.returncode == -9, proc.stderr  # really killed, mid-generation
    run_id = proc.stdout.strip()
    private, public = sshkeys.key_paths(run_id)
    assert private.exists() and not public.exists()  # killed between the key write and the end of generation
    assert Journal.open(run_id).data["generated_keys"] == [str(private)]  # ... yet the journal already names it


async def test_teardown_after_such_a_kill_removes_the_key(gw) -> None:
    plan = plan_mod.loads(PLAN)
    proc = await asyncio.to_thread(_killed_child)
    assert proc.returncode == -9, proc.stderr
    run_id = proc.stdout.strip()
    private, _ = sshkeys.key_paths(run_id)
    assert private.exists()
    journal = Journal.open(run_id)
    assert journal.data["plan"]["plan"]["name"] == plan.name
    result = await teardown(gw, journal)
    assert result.ok and str(private) in result.keys_removed and not private.exists()


def test_key_path_is_journalled_durably_before_the_key_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = plan_mod.loads(PLAN)
    journal = Journal.create(plan.name, plan.to_dict(), target={})
    private, public = sshkeys.key_paths(journal.run_id)
    fsyncs: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (fsyncs.append(fd), real_fsync(fd))[1])
    seen: list[tuple[bool, list[str]]] = []
    real_add = journal.add_generated_key

    def add(path: str) -> None:
        real_add(path)
        on_disk = json.loads(journal.path.read_text())["generated_keys"]
        seen.append((pathlib.Path(path).exists(), on_disk))

    monkeypatch.setattr(journal, "add_generated_key", add)
    pair = sshkeys.generate_for_run(journal)
    assert seen == [(False, [str(private)])]  # recorded on disk while the key did not exist yet
    assert fsyncs  # the record was fsynced
    assert pair.private_path == private and private.exists() and public.exists()
    assert oct(private.stat().st_mode & 0o777) == "0o600"


async def test_engine_records_the_key_even_when_writing_it_fails() -> None:
    """The setup path (ensure_public_key): if the write dies, the journal still names the intended key."""
    plan = plan_mod.loads(PLAN)
    journal = Journal.create(plan.name, plan.to_dict(), target={})
    private, _ = sshkeys.key_paths(journal.run_id)
    private.mkdir()  # the key cannot be written: stands in for a crash at the write
    ctx = Context(gw=None, plan=plan, graph=None, journal=journal)  # type: ignore[arg-type]
    with pytest.raises(OSError):
        await ensure_public_key(ctx)
    assert Journal.open(journal.run_id).data["generated_keys"] == [str(private)]
    private.rmdir()
    await ensure_public_key(ctx)  # resume: same path, recorded once, key now written
    assert Journal.open(journal.run_id).data["generated_keys"] == [str(private)] and private.exists()
    assert ctx.public_key and ctx.public_key.startswith("ssh-ed25519 ")

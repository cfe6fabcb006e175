"""plinktui.fsutil.atomic_write: old or new content, never partial; 0600; never through a planted link."""

from __future__ import annotations

import os
import pathlib
import stat

import pytest

from plinktui import fsutil
from plinktui.fsutil import atomic_write


def test_writes_bytes_and_text_with_mode_0600(tmp_path: pathlib.Path) -> None:
    target = tmp_path / "state.json"
    atomic_write(target, b'{"a": 1}')
    assert target.read_bytes() == b'{"a": 1}'
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    atomic_write(target, "é", sync_dir=True)
    assert target.read_text(encoding="utf-8") == "é"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temp file left


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path: pathlib.Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "known_hosts"
    atomic_write(target, "old\n")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(fsutil.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["known_hosts"]


def test_a_planted_symlink_is_replaced_not_written_through(tmp_path: pathlib.Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    target = tmp_path / "emulator-key.pem"
    os.symlink(victim, target)
    atomic_write(target, "secret")
    assert victim.read_text() == "keep me"
    assert not target.is_symlink() and target.read_text() == "secret"


def _dead_pid() -> int:
    import subprocess

    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_a_writer_killed_mid_write_leaves_a_temp_that_remove_stale_temps_drops(tmp_path: pathlib.Path) -> None:
    """The temp name carries the writer's pid, so the leftovers of a killed writer can be told from a live one's."""
    import subprocess
    import sys

    target = tmp_path / "run.json"
    atomic_write(target, "old")
    # a real process dies between writing its temp file and the rename (os._exit: no cleanup runs, like kill -9)
    code = ("import os, sys; from plinktui import fsutil; fsutil.os.replace = lambda *a: os._exit(9); "
            "fsutil.atomic_write(sys.argv[1], 'new')")
    assert subprocess.run([sys.executable, "-c", code, str(target)], check=False).returncode == 9
    left = [p.name for p in tmp_path.iterdir() if p.name != "run.json"]
    assert len(left) == 1 and left[0].startswith(".run.json.") and left[0].endswith(".tmp")
    live = tmp_path / f".run.json.{os.getpid()}.0123456789abcdef.tmp"  # this process: a write in progress
    live.write_text("in progress")
    fsutil.remove_stale_temps(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["run.json", live.name])
    assert target.read_text() == "old"


def test_remove_stale_temps_reads_both_temp_name_forms_and_leaves_other_files(tmp_path: pathlib.Path) -> None:
    target = tmp_path / "kv-demo-1.json"
    target.write_text("{}")
    dead = _dead_pid()
    stale = [f".kv-demo-1.json.{dead}.tmp",  # the journal's earlier form: .NAME.PID.tmp
             f".kv-demo-1.json.{dead}.a1b2c3d4e5f60718.tmp"]
    kept = [f".kv-demo-1.json.{os.getpid()}.tmp", ".kv-demo-1.json.notapid.tmp", ".kv-demo-1.json.0.tmp",
            f".kv-demo-2.json.{dead}.tmp", f"kv-demo-1.json.{dead}.tmp"]
    for name in stale + kept:
        (tmp_path / name).write_text("partial")
    fsutil.remove_stale_temps(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["kv-demo-1.json", *kept])

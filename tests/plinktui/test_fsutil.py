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

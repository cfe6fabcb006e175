"""Atomic file writes: readers see the old file or the new one, never a partial one.

The content goes to a fresh temp file in the same folder, opened with ``O_CREAT | O_EXCL | O_NOFOLLOW`` and mode
0600 (an existing file or a planted symlink of that name makes the open fail instead of writing through it), is
fsynced, then renamed over the target. A failed write removes the temp file; a writer killed mid-write cannot, so the
temp name carries the writer's process id and a random part (``.NAME.PID.RANDOM.tmp``): :func:`remove_stale_temps`
drops the ones whose writer is gone (the run journal does on every open).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pathlib
import secrets


def atomic_write(path: os.PathLike[str] | str, data: bytes | str, *, durable: bool = True,
                 sync_dir: bool = False, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` atomically.

    Args:
        path: the file to (re)write.
        data: the new content (``str`` is written as UTF-8).
        durable: fsync the content before the rename, so it survives a power loss too (a killed process never
            loses a renamed file: the page cache outlives it).
        sync_dir: also fsync the folder after the rename, so the new name itself survives a power loss.
        mode: the new file's permissions (0600: readable by the user only).
    """
    target = pathlib.Path(path)
    payload = data.encode() if isinstance(data, str) else data
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(tmp, flags, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if sync_dir:
        dfd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def remove_stale_temps(path: os.PathLike[str] | str) -> None:
    """Drop the temp files that killed writers of ``path`` left beside it: ``.NAME.PID[.RANDOM].tmp`` whose PID is no
    longer a process. A live writer's temp file (this process's included) is left alone; ``path`` itself is always
    whole, thanks to the atomic rename."""
    target = pathlib.Path(path)
    for tmp in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        try:
            pid = int(tmp.name[len(target.name) + 2:-len(".tmp")].split(".", 1)[0])
            if pid <= 0:
                continue
            os.kill(pid, 0)  # raises ProcessLookupError when no such process: the writer is dead
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                tmp.unlink()
        except (ValueError, OverflowError, PermissionError):
            continue  # not one of our names, or a process of another user's: not ours to judge

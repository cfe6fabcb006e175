"""Files only the user may touch: the emulator's state directory, its TLS key and certificate.

The emulator keeps a private key (its TLS identity, which clients trust as a CA) and the demo VMs' host keys in its
state directory. A directory someone else owns, or one that group or others may write, would let them plant a
symlink where the key is about to be written (``emulator-key.tmp`` -> a file of the user's) or swap the CA that
clients trust: such a directory is refused. Files are written through a fresh, randomly named temp file opened with
``O_CREAT | O_EXCL | O_NOFOLLOW`` and mode 0600, then renamed over the target.
"""

from __future__ import annotations

import os
import pathlib
import stat

from plinktui.fsutil import atomic_write


class UnsafeDirectory(ValueError):
    """The state directory is not private to the user; the message says what to change."""


def ensure_private_dir(directory: pathlib.Path) -> pathlib.Path:
    """Create ``directory`` (mode 0700) if missing; refuse it when another user owns it or group/others may write.

    Returns:
        The directory.

    Raises:
        UnsafeDirectory: owned by someone else, or writable by group or others (the message names the fix).
    """
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = os.stat(directory)  # follows a symlink: what matters is the directory the files land in
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafeDirectory(f"{directory} is not a directory")
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise UnsafeDirectory(f"state directory {directory} belongs to another user (uid {st.st_uid}); "
                              "use a directory of your own (--state FILE in it)")
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UnsafeDirectory(f"state directory {directory} is writable by group or others "
                              f"(mode {stat.S_IMODE(st.st_mode):o}): run `chmod go-w {directory}` or pick another")
    return directory


def write_private(path: pathlib.Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, mode 0600, never through a link someone planted.

    The temp file has a random name and is opened with ``O_EXCL | O_NOFOLLOW``: an existing file or symlink of that
    name makes the open fail instead of writing through it.
    """
    atomic_write(path, data)

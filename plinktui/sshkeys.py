"""SSH key pairs that plinktui generates for the test VM (``ssh_public_key = "generate"``).

Keys are ed25519, written under ``<state dir>/keys/`` with mode 0600 (the folder 0700). The journal records the
paths (never the key material) so teardown removes them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class KeyPair:
    """Paths of a generated key pair and the public key line."""

    private_path: Path
    public_path: Path
    public_key: str


def keys_dir() -> Path:
    """Folder for generated keys (created 0700)."""
    from plinktui.settings import state_dir

    d = state_dir() / "keys"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(d, 0o700)
    return d


def key_paths(name: str, directory: Path | None = None) -> tuple[Path, Path]:
    """(private, public) paths of the key pair named ``name``, without creating them."""
    d = directory or keys_dir()
    return d / f"{name}_ed25519", d / f"{name}_ed25519.pub"


class KeyJournal(Protocol):
    """What :func:`generate_for_run` needs of a run journal."""

    @property
    def run_id(self) -> str: ...  # the run id names the key files

    def add_generated_key(self, path: str) -> None: ...  # persists durably


def generate_for_run(journal: KeyJournal, directory: Path | None = None) -> KeyPair:
    """Generate (or reuse) the run's key pair, recording its path in the journal *before* writing it.

    Write-ahead, like every resource: a kill between the two steps leaves a journal that names a key which may not
    exist (teardown skips a missing file), never a key file that no journal names (teardown could not remove it).

    Args:
        journal: the run's journal; ``add_generated_key`` must persist durably (fsync) before it returns.
        directory: where to write; defaults to :func:`keys_dir`.

    Returns:
        The key pair named after the run id.
    """
    private_path, _ = key_paths(journal.run_id, directory)
    journal.add_generated_key(str(private_path))
    return generate(journal.run_id, directory)


def generate(name: str, directory: Path | None = None, comment: str = "plinktui") -> KeyPair:
    """Create (or reuse, on resume) an ed25519 key pair named ``name``.

    Args:
        name: file stem, e.g. the run id.
        directory: where to write; defaults to :func:`keys_dir`.
        comment: the public key's comment.

    Returns:
        The key pair; the private key file is 0600 and never read back by plinktui except to authenticate.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    priv_path, pub_path = key_paths(name, directory)
    if priv_path.exists() and pub_path.exists():
        return KeyPair(priv_path, pub_path, pub_path.read_text().strip())
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    fd = os.open(priv_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, private)
    finally:
        os.close(fd)
    os.chmod(priv_path, 0o600)
    line = public.decode() + f" {comment}"
    fd = os.open(pub_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)
    return KeyPair(priv_path, pub_path, line)


def remove(paths: list[str], run_id: str, directory: Path | None = None) -> tuple[list[str], list[str]]:
    """Delete the run's generated key pair; returns (paths removed, one reason per path kept).

    A journal is untrusted input: a path it lists is removed only when it is exactly this run's key file
    (``<key dir>/<run id>_ed25519`` and its ``.pub``) in plinktui's own key directory, and not a symlink. Anything
    else it names (``~/.ssh/id_ed25519``, a ``..`` path, another run's key) is kept and reported.
    """
    own_private, own_public = key_paths(run_id, directory)
    base = own_private.parent.resolve()
    removed, kept = [], []
    for p in paths:
        given = Path(str(p))
        if given.resolve(strict=False) != base / own_private.name or given.is_symlink():
            kept.append(f"{p}: not this run's key in plinktui's key directory; left in place")
            continue
        for path in (base / own_private.name, base / own_public.name):
            if path.is_symlink():
                kept.append(f"{path}: a symlink; left in place")
                continue
            try:
                path.unlink()
                removed.append(str(path))
            except FileNotFoundError:
                pass
    return removed, kept

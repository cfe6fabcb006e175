"""Per-run write-ahead journal: what a run meant to create, what it did create, and who owns what.

One JSON file per run under ``<state dir>/runs/``. Every change is written to a temporary file, fsynced and renamed
over the journal (then the folder is fsynced), so a ``kill -9`` at any moment leaves either the old or the new
version, never a torn one. The intent is recorded *before* each PUT, the resource id and status after.

An exclusive ``flock`` on ``<plan>.lock`` makes sure one apply (or teardown) of a plan runs at a time; the kernel
drops it when the process dies, so a crashed run never leaves a stale lock.

Nothing secret goes in here: no tokens, no continuation tokens, no private keys (only the *path* of a generated
key, so teardown can remove it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from plinktui.fsutil import atomic_write, remove_stale_temps

VERSION = 1



class RunState(StrEnum):
    """A run's state. ``running`` in a file whose lock is free means the process died: shown as ``interrupted``."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    TEARING_DOWN = "tearing_down"
    TORN_DOWN = "torn_down"


class ResStatus(StrEnum):
    """One resource's status in a run (``intent`` is written before the PUT, ``deleting`` before the DELETE)."""

    INTENT = "intent"
    CREATING = "creating"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REUSED = "reused"
    SKIPPED = "skipped"
    DELETING = "deleting"
    DELETED = "deleted"


RUN_STATES = tuple(RunState)
RES_STATES = tuple(ResStatus)


class JournalError(Exception):
    """The journal cannot be used (missing, unreadable, locked by another process)."""


def runs_dir() -> Path:
    """Where journals live (the lead's settings module decides the state dir)."""
    try:
        from plinktui.settings import runs_dir as _runs_dir

        return _runs_dir()
    except ImportError:  # pragma: no cover - settings always ships; kept for isolated use
        base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        d = Path(base) / "plinktui" / "runs"
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
        return d


def _seal_secret(directory: Path) -> bytes:
    """The per-installation secret behind :meth:`Journal.seal` (created once, 0600)."""
    path = directory / ".seal.key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    try:
        os.write(fd, secrets.token_bytes(32))
        os.fsync(fd)
    finally:
        os.close(fd)
    return path.read_bytes()


def now_iso() -> str:
    """UTC timestamp, seconds precision."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_run_id(plan_name: str) -> str:
    """A sortable, unique run id that names its plan, e.g. ``kv-demo-20261129-124501-3fa2``."""
    return f"{plan_name}-{dt.datetime.now(dt.UTC).strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"


@dataclass
class RunLock:
    """An exclusive advisory lock on a plan (held for the whole apply or teardown)."""

    path: Path
    fd: int | None = None

    def acquire(self, wait: float = 5.0, run_id: str = "") -> None:
        """Take the lock, waiting up to ``wait`` seconds.

        Raises:
            JournalError: another plinktui process holds it (the message names the lock file and its holder).
        """
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
                    os.close(fd)
                    raise JournalError(f"another plinktui run holds {self.path} ({holder or 'unknown holder'}); "
                                       "wait for it to finish or stop it") from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} run {run_id}".encode(), 0)
        self.fd = fd

    def release(self) -> None:
        """Drop the lock (also dropped by the kernel if the process dies)."""
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, 0)
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def is_held_elsewhere(self) -> bool:
        """True when some process holds the lock right now (non-blocking probe)."""
        if not self.path.exists():
            return False
        fd = os.open(self.path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        finally:
            os.close(fd)


class Journal:
    """One run's journal. Every mutating method persists before it returns."""

    def __init__(self, path: Path, data: dict[str, Any]):
        self.path = path
        self.data = data
        self.lock = RunLock(path.parent / f"{data['plan_name']}.lock")

    # ---------------------------------------------------------------- create / open / list

    @classmethod
    def create(cls, plan_name: str, plan: dict[str, Any], *, target: dict[str, Any], plan_file: str | None = None,
               run_id: str | None = None, directory: Path | None = None) -> Journal:
        """Create a new run journal (state ``running``) and write it."""
        d = directory or runs_dir()
        rid = run_id or new_run_id(plan_name)
        data = {
            "version": VERSION, "run_id": rid, "plan_name": plan_name, "plan_file": plan_file, "plan": plan,
            "target": {k: target.get(k) for k in ("arm_endpoint", "subscription_id", "is_emulator", "cloud")},
            "state": "running", "started": now_iso(), "updated": now_iso(), "pid": os.getpid(),
            "resources": {}, "generated_keys": [], "summary": {}, "history": [{"at": now_iso(), "event": "start"}],
        }
        j = cls(d / f"{rid}.json", data)
        j.save(new_file=True)
        return j

    @classmethod
    def open(cls, run_id: str, directory: Path | None = None) -> Journal:
        """Open an existing run by id (or a unique prefix of it)."""
        d = directory or runs_dir()
        path = d / f"{run_id}.json"
        if not path.exists():
            matches = sorted(d.glob(f"{run_id}*.json"))
            if len(matches) != 1:
                known = ", ".join(p.stem for p in sorted(d.glob("*.json"))[-5:]) or "none"
                raise JournalError(f"no run {run_id!r} (recent runs: {known}); see `plinktui runs`")
            path = matches[0]
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            raise JournalError(f"cannot read journal {path}: {e}") from None
        if data.get("version") != VERSION:
            raise JournalError(f"journal {path} has an unknown version {data.get('version')!r}")
        remove_stale_temps(path)
        return cls(path, data)

    @staticmethod
    def list_runs(directory: Path | None = None) -> list[dict[str, Any]]:
        """Every run, oldest first: run_id, plan, state, started (and updated, resources count)."""
        d = directory or runs_dir()
        out = []
        for path in sorted(d.glob("*.json")):
            try:
                data = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            j = Journal(path, data)
            out.append({"run_id": data.get("run_id"), "plan": data.get("plan_name"), "state": j.effective_state(),
                        "started": data.get("started"), "updated": data.get("updated"),
                        "resources": sum(1 for r in data.get("resources", {}).values()
                                         if r.get("owned") and r.get("status") in ("succeeded", "creating", "intent",
                                                                                   "failed", "deleting"))})
        out.sort(key=lambda r: (r["started"] or "", r["run_id"] or ""))
        return out

    # ---------------------------------------------------------------- state

    @property
    def run_id(self) -> str:
        """The run's id."""
        return self.data["run_id"]

    @property
    def state(self) -> str:
        """The recorded run state."""
        return self.data["state"]

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        """Per node key: rtype, name, id, status, owned, error."""
        return self.data["resources"]

    def entry(self, key: str) -> dict[str, Any]:
        """The resource entry of node ``key`` (empty when the run never recorded it)."""
        return self.resources.get(key) or {}

    def status_of(self, key: str) -> ResStatus | None:
        """The recorded status of node ``key`` (None when never recorded or not a known status)."""
        st = self.entry(key).get("status")
        return ResStatus(st) if st in RES_STATES else None

    def proven_owned(self, key: str) -> bool:
        """True when this journal proves the run created the untaggable child ``key`` (subnet, zone group).

        The proof is write-ahead: ``absent_at`` (a GET answered 404 just before this run's PUT, recorded with the
        intent) and ``put_accepted`` (ARM accepted that PUT, so it created the child), sealed with this
        installation's secret (:meth:`seal`). A refused or failed entry without them, or an entry edited by hand,
        never implies ownership, whatever its ``owned`` or ``status`` say.
        """
        entry = self.entry(key)
        return bool(entry.get("absent_at")) and entry.get("put_accepted") is True and self.seal_holds(key)

    def proven_keys(self) -> set[str]:
        """The node keys whose untaggable child this journal proves the run created."""
        return {k for k in list(self.resources) if self.proven_owned(k)}

    def effective_state(self) -> str:
        """The recorded state, except a ``running``/``tearing_down`` run whose lock is free was interrupted."""
        st = self.data.get("state", "running")
        if st in ("running", "tearing_down") and not self.lock.is_held_elsewhere():
            return "interrupted"
        return st

    def save(self, *, durable: bool = True, new_file: bool = False) -> None:
        """Persist atomically (:func:`plinktui.fsutil.atomic_write`: readers see the old or the new file).

        Args:
            durable: fsync the content before the rename, so it survives a power loss too (a killed process never
                loses a renamed file: the page cache outlives it). Write-ahead intents and run states are durable;
                progress notes need not be, because the ownership tags in Azure are the second record.
            new_file: also fsync the folder, so the new name itself survives a power loss.
        """
        self.data["updated"] = now_iso()
        atomic_write(self.path, json.dumps(self.data, indent=1, sort_keys=False), durable=durable, sync_dir=new_file)

    def set_state(self, state: str, **summary: Any) -> None:
        """Record the run state (and summary fields) and persist."""
        if state not in RUN_STATES:
            raise ValueError(state)
        self.data["state"] = state
        if summary:
            self.data["summary"].update(summary)
        self.data["history"].append({"at": now_iso(), "event": state})
        self.save()

    def record(self, key: str, *, status: str, rtype: str | None = None, name: str | None = None,
               rid: str | None = None, owned: bool | None = None, error: str | None = None,
               **extra: Any) -> None:
        """Update one resource entry and persist (write-ahead: call with ``intent`` before each PUT)."""
        if status not in RES_STATES:
            raise ValueError(status)
        entry = self.resources.setdefault(key, {})
        entry["status"] = status
        for k, val in (("rtype", rtype), ("name", name), ("id", rid), ("owned", owned), ("error", error)):
            if val is not None:
                entry[k] = val
        if status in ("succeeded", "reused", "deleted"):
            entry.pop("error", None)
        entry.update(extra)
        entry["updated"] = now_iso()
        # The intent must be on disk before ARM sees the PUT; later progress needs only the atomic rename.
        self.save(durable=status in ("intent", "deleting"))

    def add_generated_key(self, path: str) -> None:
        """Remember a key file plinktui generates (teardown removes it); call before writing the key.

        Always durable (fsynced before the rename): this is the write-ahead record of a file on the user's disk.
        """
        if path not in self.data["generated_keys"]:
            self.data["generated_keys"].append(path)
            self.save(durable=True)

    def seal(self, key: str, rid: str, absent_at: str) -> str:
        """An HMAC binding "this run saw ``rid`` absent at ``absent_at`` and ARM accepted its PUT" to this machine.

        The secret lives beside the journals (0600) and never in them, so an entry copied into or forged in a
        journal does not carry a valid seal: ownership of an untaggable child cannot be written in by hand.
        """
        text = "\x1f".join((self.run_id, key, rid.lower(), absent_at)).encode()
        return hmac.new(_seal_secret(self.path.parent), text, hashlib.sha256).hexdigest()

    def seal_holds(self, key: str) -> bool:
        """True when the entry's seal matches its run, key, id and absence time."""
        entry = self.resources.get(key) or {}
        seal, rid, absent_at = entry.get("seal"), entry.get("id"), entry.get("absent_at")
        if not (isinstance(seal, str) and isinstance(rid, str) and isinstance(absent_at, str)):
            return False
        return hmac.compare_digest(seal, self.seal(key, rid, absent_at))

    @contextlib.contextmanager
    def locked(self, wait: float = 5.0) -> Iterator[Journal]:
        """Hold the plan's lock for the duration of the block."""
        self.lock.acquire(wait=wait, run_id=self.run_id)
        try:
            yield self
        finally:
            self.lock.release()

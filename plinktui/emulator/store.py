"""The emulator's state: ARM resource documents by id, with atomic persistence.

Documents are stored the way ARM returns them (``id``, ``name``, ``type``, ``location``, ``tags``, ``etag``,
``properties``...). What only the emulator needs (a VM's SSH host key, an operation's deadline) lives beside the
document in ``internal``. All mutation happens synchronously on the event loop, so concurrent requests never see a
half-applied change.

Persistence: the whole state is written to a temporary file, fsynced and renamed over the state file, so a crash
leaves either the old or the new state, never a torn file. Writes are coalesced (at most one flush per interval).
"""

from __future__ import annotations

import json
import os
import pathlib
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from plinktui.fsutil import atomic_write

FORMAT = "plinktui.emulator-state/v1"
Records = list["Record"]
"""A list of records (named, because ``Store.list`` shadows the builtin inside the class)."""


def new_etag() -> str:
    """An ARM-style weak etag."""
    return f'W/"{uuid.uuid4()}"'


@dataclass
class Record:
    """One resource: its ARM document and the emulator's private notes about it."""

    doc: dict[str, Any]
    internal: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.doc["id"])

    @property
    def props(self) -> dict[str, Any]:
        return self.doc.setdefault("properties", {})


class Store:
    """Resources by lower-cased id, indexed by lower-cased type; plus free-form emulator data (``extra``)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = pathlib.Path(path) if path else None
        self._by_id: dict[str, Record] = {}
        self._by_type: dict[str, dict[str, Record]] = {}
        self.extra: dict[str, Any] = {}
        self._derived: dict[str, tuple[int, Any]] = {}
        self.dirty = False
        self.version = 0
        """Bumped by every change: derived indexes (e.g. connections by target) rebuild when it moves."""
        self._lock = threading.Lock()
        self._taken = 0  # serializations taken (numbered in order)
        self._written = 0  # the number of the one on disk

    # -- queries ---------------------------------------------------------------------------------------------------

    def get(self, rid: str) -> Record | None:
        """The record with this id (any case), or None."""
        return self._by_id.get(rid.lower())

    def of_type(self, rtype: str) -> Iterator[Record]:
        """Every record of one type, in creation order."""
        return iter(list(self._by_type.get(rtype.lower(), {}).values()))

    def list(self, rtype: str, prefix: str | None = None) -> Records:
        """Records of ``rtype`` whose id starts with ``prefix`` (case-insensitive)."""
        recs = self._by_type.get(rtype.lower(), {})
        if prefix is None:
            return list(recs.values())
        low = prefix.lower().rstrip("/") + "/"
        return [r for key, r in recs.items() if key.startswith(low)]

    def children(self, parent_id: str, rtype: str) -> Records:
        """Direct children of ``parent_id`` of the given (full) type."""
        return self.list(rtype, parent_id)

    def __len__(self) -> int:
        return len(self._by_id)

    # -- mutation --------------------------------------------------------------------------------------------------

    def put(self, doc: dict[str, Any], internal: dict[str, Any] | None = None) -> Record:
        """Insert or replace a document (keeps the existing internal notes unless new ones are given)."""
        key = str(doc["id"]).lower()
        rec = self._by_id.get(key)
        if rec is None:
            rec = Record(doc, internal or {})
            self._by_id[key] = rec
            self._by_type.setdefault(str(doc["type"]).lower(), {})[key] = rec
        else:
            rec.doc = doc
            if internal is not None:
                rec.internal = internal
        self.dirty = True
        self.version += 1
        return rec

    def delete(self, rid: str) -> Record | None:
        """Remove a record (and nothing else); returns it, or None if it was not there."""
        key = rid.lower()
        rec = self._by_id.pop(key, None)
        if rec is not None:
            self._by_type.get(str(rec.doc["type"]).lower(), {}).pop(key, None)
            self.dirty = True
            self.version += 1
        return rec

    def touch(self) -> None:
        """Mark the state as changed (after editing a record in place)."""
        self.dirty = True
        self.version += 1

    def derived(self, key: str, build: Any) -> Any:
        """A value computed from the whole state (an index), rebuilt only when the state has changed since."""
        cached = self._derived.get(key)
        if cached is None or cached[0] != self.version:
            cached = (self.version, build())
            self._derived[key] = cached
        return cached[1]

    # -- persistence -----------------------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready copy of the whole state."""
        return {
            "format": FORMAT,
            "resources": [{"doc": r.doc, "internal": r.internal} for r in self._by_id.values()],
            "extra": self.extra,
        }

    def serialize(self) -> tuple[int, str]:
        """The state as JSON text, numbered in the order taken; the state counts as saved from here on.

        Call it on the thread that changes the state (the event loop): the records are plain dicts, so reading them
        while another thread edits them can fail or tear. :meth:`write` may then run on any thread.
        """
        self.dirty = False
        self._taken += 1
        return self._taken, json.dumps(self.snapshot(), separators=(",", ":"))

    def write(self, number: int, data: str) -> None:
        """Write serialized state atomically (temp file, fsync, rename, fsync of the directory), unless a later
        serialization is already on disk (a slow background write never overwrites the final one)."""
        if self.path is None:
            return
        with self._lock:
            if number < self._written:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, data, sync_dir=True)
            self._written = number

    def flush(self) -> None:
        """Serialize and write the state now, on this thread."""
        if self.path is None:
            self.dirty = False
            return
        self.write(*self.serialize())

    def load(self) -> bool:
        """Read the state file if there is one; returns whether anything was loaded."""
        if self.path is None or not self.path.exists():
            return False
        data = json.loads(self.path.read_text())
        if data.get("format") != FORMAT:
            raise ValueError(f"{self.path} is not a plinktui emulator state file")
        self._by_id.clear()
        self._by_type.clear()
        for item in data.get("resources", []):
            self.put(item["doc"], item.get("internal") or {})
        self.extra = data.get("extra") or {}
        self.dirty = False
        return True


class _suppress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return True

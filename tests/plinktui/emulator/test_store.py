"""The emulator's state store on disk: serialized on the thread that edits it, written anywhere, newest wins."""

from __future__ import annotations

import json
import pathlib

from plinktui.emulator.store import Store

VNET = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/"


def _doc(name: str) -> dict:
    return {"id": VNET + name, "name": name, "type": "Microsoft.Network/virtualNetworks"}


def _names(path: pathlib.Path) -> list[str]:
    return sorted(r["doc"]["name"] for r in json.loads(path.read_text())["resources"])


def test_a_late_background_write_never_overwrites_a_newer_state(tmp_path: pathlib.Path) -> None:
    store = Store(tmp_path / "state.json")
    store.put(_doc("vnet-a"))
    early = store.serialize()  # the background flush took its copy ...
    store.put(_doc("vnet-b"))
    store.flush()  # ... the final flush (on stop) wrote the newer state ...
    store.write(*early)  # ... and the slow background write lands last
    assert _names(tmp_path / "state.json") == ["vnet-a", "vnet-b"]


def test_serialize_is_a_copy_later_edits_do_not_reach(tmp_path: pathlib.Path) -> None:
    store = Store(tmp_path / "state.json")
    store.put(_doc("vnet-a"))
    taken = store.serialize()
    assert not store.dirty
    store.put(_doc("vnet-b"))
    assert store.dirty
    store.write(*taken)
    assert _names(tmp_path / "state.json") == ["vnet-a"]
    store.flush()
    assert _names(tmp_path / "state.json") == ["vnet-a", "vnet-b"] and not store.dirty

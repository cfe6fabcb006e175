"""REST-shaped JSON from whatever an Azure SDK call returns.

The azure-mgmt SDKs return MutableMapping models whose ``as_dict()`` is the REST body itself (camelCase,
``properties`` nested); the emulator's raw calls and the tests hand over plain dicts. Everything that reads ARM
JSON goes through :func:`as_json`, so both look the same to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def as_json(obj: Any) -> dict[str, Any]:
    """A plain dict from an SDK model (``as_dict()``), a mapping (a dict is returned as is), or None (``{}``).

    Raises:
        TypeError: anything else (it is not ARM JSON).
    """
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return obj
    if hasattr(obj, "as_dict"):
        return obj.as_dict()
    if isinstance(obj, Mapping):
        return dict(obj)
    raise TypeError(f"cannot read {type(obj).__name__} as ARM JSON")

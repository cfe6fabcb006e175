"""The resource-kind registry: one module per kind in this package, each registering one :class:`Kind`.

Importing the package imports every module in it, so adding a kind is adding one file here (plus its tests).
"""

from __future__ import annotations

import importlib
import pkgutil

from plinktui.kinds.base import LABELS, FreeName, Kind, Placement, kind, kinds, register, registered, unregister

__all__ = ["LABELS", "FreeName", "Kind", "Placement", "kind", "kinds", "label", "register", "registered",
           "unregister"]


def label(key: str) -> str:
    """What people call the node ``key`` (its kind's label; the key itself when no kind has it)."""
    return LABELS.get(key, key)


for _info in pkgutil.iter_modules(__path__):
    if _info.name != "base":
        importlib.import_module(f"{__name__}.{_info.name}")

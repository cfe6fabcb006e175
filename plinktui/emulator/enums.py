"""Enum values as ARM reads them: case-insensitive on the way in, stored and returned in the canonical spelling.

Real ARM accepts ``"disabled"`` for ``privateEndpointNetworkPolicies`` and answers ``"Disabled"`` (the SDKs send
their enums' exact casing, but templates, az ``--set`` and raw REST clients do not). Every enum a provider validates
goes through :func:`canonical`, which answers the canonical spelling or raises the provider's own error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def canonical(value: Any, allowed: Iterable[str], fail: Callable[[str], Exception]) -> str:
    """``allowed``'s spelling of ``value`` (compared case-insensitively); ``fail(value)`` when it is none of them."""
    text = str(value)
    for name in allowed:
        if name.lower() == text.lower():
            return name
    raise fail(text)


def is_value(value: Any, name: str) -> bool:
    """Case-insensitive comparison of an enum value with one name."""
    return isinstance(value, str) and value.lower() == name.lower()

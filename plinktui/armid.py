"""ARM resource ids: ``/subscriptions/{sub}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}[/{type}/{name}]``.

Segment names (``subscriptions``, ``resourceGroups``, ``providers``) compare case-insensitively, as ARM does; the
values keep the caller's spelling. A missing part reads as ``""`` (never an exception), so these helpers are safe on
ids from untrusted responses.
"""

from __future__ import annotations

from typing import Any


def parse_id(rid: str) -> dict[str, Any]:
    """Split an id: ``subscription``, ``resourceGroup``, ``namespace``, then the type/name pairs (``types``,
    ``names``) below the provider namespace."""
    parts = rid.strip("/").split("/")
    out: dict[str, Any] = {"subscription": "", "resourceGroup": "", "namespace": "", "types": [], "names": []}
    i = 0
    while i < len(parts) - 1:
        seg = parts[i].lower()
        if seg == "subscriptions":
            out["subscription"] = parts[i + 1]
        elif seg == "resourcegroups":
            out["resourceGroup"] = parts[i + 1]
        elif seg == "providers":
            out["namespace"] = parts[i + 1]
            rest = parts[i + 2:]
            out["types"] = rest[0::2]
            out["names"] = rest[1::2]
            break
        i += 2
    return out


def sub_of(rid: str) -> str:
    """The subscription id of an id (``""`` when absent)."""
    return str(parse_id(rid)["subscription"])


def rg_of(rid: str) -> str:
    """The resource group name of an id (``""`` when absent)."""
    return str(parse_id(rid)["resourceGroup"])


def name_of(rid: str) -> str:
    """The last segment of an id (the resource's own name)."""
    return rid.rstrip("/").rsplit("/", 1)[-1]


def vnet_of_subnet(subnet_id: str | None) -> str | None:
    """The VNet id of a subnet id (``.../virtualNetworks/v/subnets/s`` -> ``.../virtualNetworks/v``)."""
    if not subnet_id:
        return None
    i = subnet_id.lower().rfind("/subnets/")
    return subnet_id[:i] if i > 0 else None

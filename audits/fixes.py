"""Apply a finding's ``az`` fix through the official SDK clients (the same ARM call the command makes).

Used where plinktui applies a fix itself (the hub-spoke demo story); only fixes that change configuration without
deleting data are supported: ``az network vnet peering create|delete`` and ``az network private-dns link vnet
create``. Anything else raises ``UnsupportedFix`` and is left to a human.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plinktui.cloud import Gateway


class UnsupportedFix(ValueError):
    """The command is not one plinktui applies itself."""


def _opts(words: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, w in enumerate(words):
        if w.startswith("--"):
            nxt = words[i + 1] if i + 1 < len(words) else ""
            out[w[2:]] = "" if nxt.startswith("--") else nxt
    return out


def commands(command: str) -> list[list[str]]:
    """The ``&&``-joined commands of a fix, split into words."""
    return [shlex.split(part) for part in command.split(" && ") if part.strip()]


def supported(command: str) -> bool:
    """Whether every command of the fix is one :func:`apply` runs."""
    heads = [w[:6] for w in commands(command)]
    return bool(heads) and all(h[:4] == ["az", "network", "vnet", "peering"] and h[4:5] in (["create"], ["delete"])
                               or h == ["az", "network", "private-dns", "link", "vnet", "create"] for h in heads)


async def apply(gw: Gateway, command: str) -> list[str]:
    """Run every command of a fix through the SDK; returns one line per call made."""
    done = []
    for words in commands(command):
        o = _opts(words)
        g = gw.at(o.get("subscription"))
        head = words[:5]
        if head[:4] == ["az", "network", "vnet", "peering"] and words[4] in ("create", "delete"):
            ops = g.network.virtual_network_peerings
            if words[4] == "create":
                await g.result(ops.begin_create_or_update(o["resource-group"], o["vnet-name"], o["name"], {
                    "properties": {"remoteVirtualNetwork": {"id": o["remote-vnet"]},
                                   "allowVirtualNetworkAccess": "allow-vnet-access" in o}}))
            else:
                await g.result(ops.begin_delete(o["resource-group"], o["vnet-name"], o["name"]))
            done.append(f"peering {o['name']} on {o['vnet-name']}: {words[4]}d")
        elif words[:6] == ["az", "network", "private-dns", "link", "vnet", "create"]:
            await g.result(g.privatedns.virtual_network_links.begin_create_or_update(
                o["resource-group"], o["zone-name"], o["name"], {"location": "global", "properties": {
                    "virtualNetwork": {"id": o["virtual-network"]},
                    "registrationEnabled": o.get("registration-enabled") == "true"}}))
            done.append(f"zone {o['zone-name']} linked by {o['name']}")
        else:
            raise UnsupportedFix(f"plinktui does not apply '{' '.join(head)} ...' itself; run it by hand")
    return done

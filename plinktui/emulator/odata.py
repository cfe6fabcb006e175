"""The ``$filter`` of ARM's generic resources list (``GET /subscriptions/{id}[/resourceGroups/{rg}]/resources``).

ARM accepts clauses ``<field> eq '<value>'`` joined by ``and`` over ``resourceType``, ``resourceGroup``, ``name``,
``location``, ``tagName`` and ``tagValue``; comparisons ignore case. ``az`` sends e.g. ``resourceGroup eq 'rg1' and
name eq 'vnet1' and resourceType eq 'Microsoft.Network/virtualNetworks'`` to learn whether a VNet exists.
"""

from __future__ import annotations

import re
from typing import Any

from plinktui.emulator import errors

FIELDS = {"resourcetype": "type", "resourcegroup": "resourceGroup", "name": "name", "location": "location",
          "tagname": "tagName", "tagvalue": "tagValue"}
_CLAUSE = re.compile(r"^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$", re.IGNORECASE)


def parse(text: str) -> list[tuple[str, str]]:
    """``[(field, value)]`` of an ``and``-joined filter; 400 ``InvalidFilterInQueryString`` for anything else."""
    if not text.strip():
        return []
    out = []
    for clause in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        match = _CLAUSE.match(clause)
        if not match or match.group(1).lower() not in FIELDS:
            raise errors.ArmError(f"Invalid $filter '{text}' specified in the query string. The emulator supports "
                                  f"'<field> eq '<value>'' clauses joined by 'and' over {', '.join(FIELDS.values())}.",
                                  code="InvalidFilterInQueryString")
        out.append((FIELDS[match.group(1).lower()], match.group(2).replace("''", "'")))
    return out


def matches(doc: dict[str, Any], resource_group: str, clauses: list[tuple[str, str]]) -> bool:
    """Whether a resource (its document and resource group) passes every clause."""
    tags = doc.get("tags") or {}
    for field, value in clauses:
        want = value.lower()
        if field == "resourceGroup":
            have = resource_group.lower() == want
        elif field == "tagName":
            have = want in {k.lower() for k in tags}
        elif field == "tagValue":
            have = want in {str(v).lower() for v in tags.values()}
        else:
            have = str(doc.get(field, "")).replace(" ", "").lower() == want.replace(" ", "") \
                if field == "location" else str(doc.get(field, "")).lower() == want
        if not have:
            return False
    return True

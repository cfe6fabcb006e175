"""Resource Graph's tables, built from the emulator's state.

- ``resources``: every tracked resource of every subscription, one row each: ``id`` (as ARM spells it), ``name``,
  ``type`` lower-cased (as Resource Graph returns it), ``tenantId``, ``kind``, ``location``, ``resourceGroup``,
  ``subscriptionId``, ``managedBy``, ``sku``, ``plan``, ``properties`` (what the resource provider returns on GET,
  e.g. a VNet with its subnets inline), ``tags``, ``identity``, ``zones``, ``extendedLocation``. Child resources
  are rows only where Azure indexes them (private DNS zone VNet links); subnets, zone groups, record sets and
  soft-deleted vaults are not rows. VMs carry ``properties.extended.instanceView.powerState`` as Resource Graph
  adds it.
- ``resourcecontainers``: subscriptions (``microsoft.resources/subscriptions``) and resource groups
  (``microsoft.resources/subscriptions/resourcegroups``).

Rows are rebuilt only when the state changes (``Store.derived``), so paging through a large answer does not rebuild
them per page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.emulator.resource import parse_id

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator

INDEXED_CHILDREN = {"microsoft.network/privatednszones/virtualnetworklinks"}
"""Child types that Resource Graph indexes as rows of ``resources``."""

RESOURCE_GROUP = "microsoft.resources/resourcegroups"


def _row(emu: Emulator, rec: Any, rtype: str) -> dict[str, Any]:
    doc = rec.doc
    kind = emu.kinds.get(rtype)
    view = kind.view(None, rec) if kind is not None else doc
    # Rows share the views' values (no deep copy: the evaluator never mutates a value, and the table is rebuilt
    # whenever the state changes); only a VM's properties are copied, to add Resource Graph's ``extended``.
    props = view.get("properties") or {}
    if kind is not None and hasattr(kind, "instance_view"):
        for status in (kind.instance_view(rec).get("statuses") or []):
            if str(status.get("code", "")).startswith("PowerState/"):
                props = {**props, "extended": {"instanceView": {"powerState": {
                    "code": status["code"], "displayStatus": status.get("displayStatus", "")}}}}
    info = parse_id(rec.id)
    return {"id": rec.id, "name": doc.get("name", ""), "type": rtype, "tenantId": emu.config.tenant_id,
            "kind": doc.get("kind", ""), "location": doc.get("location", ""),
            "resourceGroup": info["resourceGroup"], "subscriptionId": info["subscription"],
            "managedBy": doc.get("managedBy", ""), "sku": doc.get("sku"), "plan": doc.get("plan"),
            "properties": props, "tags": doc.get("tags") or {}, "identity": doc.get("identity"),
            "zones": doc.get("zones"), "extendedLocation": doc.get("extendedLocation")}


def resources(emu: Emulator) -> list[dict[str, Any]]:
    """The ``resources`` table (cached until the state changes)."""

    def build() -> list[dict[str, Any]]:
        rows = []
        for rec in list(emu.store._by_id.values()):
            rtype = str(rec.doc.get("type", "")).lower()
            if rtype == RESOURCE_GROUP or (rtype.count("/") != 1 and rtype not in INDEXED_CHILDREN):
                continue
            kind = emu.kinds.get(rtype)
            if kind is not None and not kind.listable(rec):
                continue
            rows.append(_row(emu, rec, rtype))
        return rows

    return emu.store.derived("graph:resources", build)


def resourcecontainers(emu: Emulator) -> list[dict[str, Any]]:
    """The ``resourcecontainers`` table: subscriptions, then resource groups."""

    def build() -> list[dict[str, Any]]:
        rows = []
        for sub in emu.tenancy.ids:
            doc = emu.tenancy.subscription_doc(sub)
            rows.append({"id": doc["id"], "name": doc["displayName"], "type": "microsoft.resources/subscriptions",
                         "tenantId": emu.config.tenant_id, "kind": "", "location": "", "resourceGroup": "",
                         "subscriptionId": sub, "managedBy": "", "sku": None, "plan": None,
                         "properties": {"state": doc["state"], "subscriptionPolicies": doc["subscriptionPolicies"],
                                        "managementGroupAncestorsChain": [
                                            {"name": emu.config.tenant_id, "displayName": "Tenant Root Group"}]},
                         "tags": {}, "identity": None, "zones": None, "extendedLocation": None})
        for rec in emu.store.list("Microsoft.Resources/resourceGroups"):
            info = parse_id(rec.id)
            rows.append({"id": rec.id, "name": rec.doc.get("name", ""),
                         "type": "microsoft.resources/subscriptions/resourcegroups",
                         "tenantId": emu.config.tenant_id, "kind": "", "location": rec.doc.get("location", ""),
                         "resourceGroup": info["resourceGroup"], "subscriptionId": info["subscription"],
                         "managedBy": rec.doc.get("managedBy", ""), "sku": None, "plan": None,
                         "properties": {"provisioningState": rec.props.get("provisioningState", "Succeeded")},
                         "tags": rec.doc.get("tags") or {}, "identity": None, "zones": None,
                         "extendedLocation": None})
        return rows

    return emu.store.derived("graph:resourcecontainers", build)


TABLES = {"resources": resources, "resourcecontainers": resourcecontainers}
COLUMNS = ["id", "name", "type", "tenantId", "kind", "location", "resourceGroup", "subscriptionId", "managedBy", "sku",
           "plan", "properties", "tags", "identity", "zones", "extendedLocation"]
SCHEMAS = {"resources": COLUMNS, "resourcecontainers": COLUMNS}
"""The columns of each table (both tables share Resource Graph's resource columns)."""

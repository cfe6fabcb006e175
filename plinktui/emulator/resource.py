"""Generic ARM resource handling: one ``Kind`` per resource type, mounted on the router as GET/PUT/PATCH/DELETE on
the item and GET on its collections.

A provider module subclasses ``Kind`` and overrides the hooks it needs:

- ``build(req, rid, body, existing)``: validate the PUT body and return the new document (raise ``ArmError``);
- ``after_put(req, rec, created)``: side effects that happen with the write (a private endpoint makes its NIC);
- ``on_provisioned(rec)``: side effects when the LRO succeeds (rarely needed);
- ``check_delete(req, rec)``: refuse a delete (a subnet still in use);
- ``on_delete(rec)``: side effects when the resource goes (remove the NIC, the DNS records);
- ``view(req, rec)``: the document as returned (a VNet embeds its subnets);
- ``patch(req, rec, body)``: PATCH semantics (default: tags only, as Microsoft.Network's updateTags).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from plinktui.emulator import errors
from plinktui.emulator.store import Record, new_etag

if TYPE_CHECKING:
    from plinktui.emulator.lro import Operation
    from plinktui.emulator.server import Emulator

DEFAULT_NAME = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,78}[A-Za-z0-9_])?$")  # ARM: no trailing . or -


@dataclass
class Req:
    """What a handler needs of one ARM request."""

    emu: Emulator
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    base_url: str
    api_version: str

    @property
    def sub(self) -> str:
        return self.params.get("sub", "")

    @property
    def rg(self) -> str:
        return self.params.get("rg", "")


@dataclass
class Resp:
    """A handler's answer."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def ref(obj: Any) -> str | None:
    """The ``id`` of a ``{"id": ...}`` reference, or None."""
    if isinstance(obj, dict) and isinstance(obj.get("id"), str):
        return obj["id"]
    return None


def parse_id(rid: str) -> dict[str, str]:
    """Split an ARM id: subscription, resourceGroup, namespace, then type/name pairs (``types``, ``names``)."""
    parts = rid.strip("/").split("/")
    out: dict[str, Any] = {"subscription": "", "resourceGroup": "", "namespace": "", "types": [], "names": []}
    i = 0
    while i < len(parts) - 1:
        key = parts[i].lower()
        if key == "subscriptions":
            out["subscription"] = parts[i + 1]
        elif key == "resourcegroups":
            out["resourceGroup"] = parts[i + 1]
        elif key == "providers":
            out["namespace"] = parts[i + 1]
            rest = parts[i + 2:]
            out["types"] = rest[0::2]
            out["names"] = rest[1::2]
            break
        i += 2
    return out


def name_of(rid: str) -> str:
    """The last segment of an id."""
    return rid.rstrip("/").rsplit("/", 1)[-1]


MAX_TOP = 1000
"""The largest page a ``$top`` asks for that the emulator honours (a guess: the Private DNS docs give only the
default, 100)."""


def paged(req: Req, items: list[Any], render: Callable[[Any], dict[str, Any]] | None = None) -> Resp:
    """One page of a list, with an absolute ``nextLink`` that keeps ``api-version``.

    ``render`` turns an item into its ARM view; it runs only for the items on this page, so listing N resources
    page by page costs O(N) views in all, not O(N) per page.
    """
    size = req.emu.config.page_size
    top = req.query.get("$top") or ""
    keep = ""
    if top.isdigit() and int(top) > 0:  # a list that takes $top (record sets, zones): that many a page, up to 1,000
        size = min(int(top), MAX_TOP)
        keep = f"&$top={top}"
    try:
        start = int(req.query.get("$skipToken") or req.query.get("$skiptoken") or 0)
    except ValueError:
        raise errors.InvalidParameter("The $skipToken is not valid.") from None
    page = items[start:start + size]
    body: dict[str, Any] = {"value": [render(i) for i in page] if render else page}
    if start + size < len(items):
        body["nextLink"] = f"{req.base_url}{req.path}?api-version={req.api_version}{keep}&$skipToken={start + size}"
    return Resp(200, body)


def paged_view(req: Req, kind: Kind, recs: list[Record]) -> Resp:
    """A page of a kind's records as ARM returns them (listable ones only)."""
    return paged(req, [r for r in recs if kind.listable(r)], lambda r: kind.view(req, r))


class Kind:
    """One ARM resource type. Subclass and set the class attributes; override hooks as needed."""

    type: str = ""
    """Full type, e.g. ``Microsoft.Network/virtualNetworks``."""
    item: str = ""
    """Item path template ending in ``{name}`` (children use ``{parent}`` etc. before it)."""
    lists: tuple[str, ...] = ()
    """Extra collection templates (e.g. the subscription-wide list); the item's own collection is added."""
    latency: str = ""
    """Key into the latency profile; '' = answers synchronously."""
    name_pattern: re.Pattern[str] = DEFAULT_NAME
    name_rule: str = ("1-80 characters: letters, digits, underscores, periods and hyphens, ending with a letter, "
                      "digit or underscore")
    has_location: bool = True
    location_required: bool = True
    sync_delete: bool = False
    """True: DELETE completes in the request (Key Vault answers 200), never as an LRO."""
    provisioning_state: bool = True
    """Whether the document carries ``properties.provisioningState``."""
    initial_state: str = "Updating"
    etag: bool = True
    poll_by_get: bool = False
    """True when clients follow a PUT by polling GET on the resource (Key Vault): a GET during the operation then
    carries ``Retry-After`` so they come back when it is due, not after their default interval."""

    @property
    def namespace(self) -> str:
        return self.type.split("/", 1)[0]

    def rid(self, req: Req) -> str:
        """The canonical id for the request's path parameters."""
        return self.item.format(**req.params)

    # -- hooks -----------------------------------------------------------------------------------------------------

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        """Validate a PUT and return the new document (identity fields are stamped by the caller)."""
        props = body.get("properties") or {}
        if not isinstance(props, dict):
            raise errors.InvalidRequestContent("The 'properties' member must be an object.")
        doc: dict[str, Any] = {"properties": copy.deepcopy(props)}
        for key in ("sku", "kind", "zones", "identity", "extendedLocation", "plan"):
            if key in body:
                doc[key] = copy.deepcopy(body[key])
        return doc

    def after_put(self, req: Req, rec: Record, created: bool) -> None:
        """Side effects of the write itself."""

    def on_provisioned(self, rec: Record) -> None:
        """Side effects when the operation succeeds."""

    def check_delete(self, req: Req, rec: Record) -> None:
        """Raise to refuse the delete."""

    def on_delete(self, rec: Record) -> None:
        """Side effects when the resource is removed."""

    def view(self, req: Req | None, rec: Record) -> dict[str, Any]:
        """The document as ARM returns it."""
        return rec.doc

    def lro_answer(self, req: Req, status: int, view: dict[str, Any], op: Operation) -> Resp:
        """The answer to a PUT that starts an operation: by default ``status`` (201/200) with the document,
        ``Azure-AsyncOperation`` and ``Retry-After``. Key Vault answers 200 and lets clients poll GET; private DNS
        answers 202 with an empty body and its own operation URLs."""
        return Resp(status, view, req.emu.async_headers(req, op))

    def patch(self, req: Req, rec: Record, body: dict[str, Any]) -> dict[str, Any]:
        """PATCH: by default only tags (Microsoft.Network updateTags semantics)."""
        return self.patched_copy(rec, body)[0]

    @staticmethod
    def patched_copy(rec: Record, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """A copy of the document with the PATCH's tags applied, and the PATCH's properties (already checked to be
        an object by the route) for a kind to merge as its semantics say."""
        doc = copy.deepcopy(rec.doc)
        if "tags" in body:
            doc["tags"] = body.get("tags") or {}
        return doc, body.get("properties") or {}

    def listable(self, rec: Record) -> bool:
        """Whether a record shows in lists (soft-deleted vaults do not)."""
        return True

    def check_name(self, name: str) -> None:
        """Raise ARM's error when a PUT's ``name`` breaks the type's naming rule (default: ``name_pattern``)."""
        _check_name(self, name)


def _check_name(kind: Kind, name: str) -> None:
    if ".." in name or not kind.name_pattern.match(name):
        label = kind.type.rsplit("/", 1)[-1]
        raise errors.InvalidResourceName(
            f"Resource name {name!r} is invalid for {label}. The name must be {kind.name_rule}.",
            code="InvalidResourceName",
        )


def _stamp(kind: Kind, req: Req, rid: str, doc: dict[str, Any], body: dict[str, Any],
           existing: Record | None) -> dict[str, Any]:
    """Identity fields in ARM order: id, name, type, etag, location, tags, then the rest."""
    out: dict[str, Any] = {"id": rid, "name": name_of(rid), "type": kind.type}
    if kind.etag:
        out["etag"] = new_etag()
    if kind.has_location:
        loc = body.get("location") or (existing.doc.get("location") if existing else None)
        if not loc and kind.location_required:
            raise errors.ArmError("The 'location' property is required for this resource.",
                                  code="LocationRequired")
        if loc:
            out["location"] = req.emu.check_location(str(loc), kind.type)
            before = existing.doc.get("location") if existing else None
            if before and str(before).replace(" ", "").lower() != out["location"]:
                raise errors.ArmError(
                    f"The resource '{name_of(rid)}' already exists in location '{before}' in resource group "
                    f"'{req.rg}'. A resource with the same name cannot be created in location '{out['location']}'. "
                    "Please select a new resource name.", code="InvalidResourceLocation")
    tags = body.get("tags", existing.doc.get("tags") if existing else None)
    if tags is not None:
        if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
            raise errors.InvalidRequestContent("The 'tags' member must be an object of string values.")
        out["tags"] = tags
    for key, value in doc.items():
        if key not in out:
            out[key] = value
    return out


def mount(emu: Emulator, kind: Kind) -> None:
    """Register a kind's item and collection routes on the emulator."""
    router = emu.router
    collection = kind.item.rsplit("/", 1)[0]

    async def get_item(req: Req) -> Resp:
        rec = emu.find(kind.rid(req), kind)
        pending = emu.ops.pending_for(rec.id) if kind.poll_by_get else None
        return Resp(200, kind.view(req, rec), {"Retry-After": pending.retry_after()} if pending else {})

    async def put_item(req: Req) -> Resp:
        emu.check_scope(req)
        rid = kind.rid(req)
        kind.check_name(name_of(rid))
        emu.check_parent(rid, kind)
        body = req.body
        if not isinstance(body, dict):
            raise errors.InvalidRequestContent("The request content was invalid and could not be deserialized: "
                                               "a JSON object is required.")
        if "properties" in body and not isinstance(body["properties"], dict | None):
            raise errors.InvalidRequestContent("The request content was invalid and could not be deserialized: "
                                               "'properties' must be an object.")
        if "location" in body and not isinstance(body["location"], str):
            raise errors.InvalidRequestContent("The request content was invalid and could not be deserialized: "
                                               "'location' must be a string.")
        existing = store_get = emu.store.get(rid)
        if existing is not None and "If-Match" in req.headers:
            if req.headers["If-Match"] not in ("*", existing.doc.get("etag")):
                raise errors.PreconditionFailed("The etag in If-Match does not match the resource's etag.")
        if existing is None and req.headers.get("If-None-Match") == "*":
            pass
        elif existing is not None and req.headers.get("If-None-Match") == "*":
            raise errors.PreconditionFailed("The resource exists and If-None-Match is '*'.")
        emu.check_write_allowed(req)
        doc = _stamp(kind, req, rid, kind.build(req, rid, body, existing), body, existing)
        created = store_get is None
        return emu.commit_put(req, kind, rid, doc, created)

    async def patch_item(req: Req) -> Resp:
        rec = emu.find(kind.rid(req), kind)
        if not isinstance(req.body, dict):
            raise errors.InvalidRequestContent("The request content was invalid and could not be deserialized.")
        tags = req.body.get("tags")
        if tags is not None and (not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values())):
            raise errors.InvalidRequestContent("The 'tags' member must be an object of string values.")
        if not isinstance(req.body.get("properties"), dict | None):
            raise errors.InvalidRequestContent("The 'properties' member must be an object.")
        emu.check_write_allowed(req)
        doc = kind.patch(req, rec, req.body)
        if kind.etag:
            doc["etag"] = new_etag()
        emu.store.put(doc)
        kind.after_put(req, rec, False)
        return Resp(200, kind.view(req, rec))

    async def delete_item(req: Req) -> Resp:
        emu.check_scope(req, must_exist=False)
        rid = kind.rid(req)
        rec = emu.store.get(rid)
        if rec is None or not kind.listable(rec):
            return Resp(204)
        emu.check_write_allowed(req)
        kind.check_delete(req, rec)
        return emu.commit_delete(req, kind, rec)

    async def list_items(req: Req) -> Resp:
        emu.check_scope(req)
        parent = collection.format(**req.params).rsplit("/", 1)[0]
        if kind.item.count("{") > 3:  # a child resource: its parent must exist
            emu.find(parent)
        recs = emu.store.list(kind.type, parent)
        return paged_view(req, kind, recs)

    router.add("GET", kind.item, get_item)
    router.add("PUT", kind.item, put_item)
    router.add("PATCH", kind.item, patch_item)
    router.add("DELETE", kind.item, delete_item)
    router.add("GET", collection, list_items)

    for template in kind.lists:
        async def list_scope(req: Req, _template: str = template) -> Resp:
            emu.check_scope(req)
            scope = _template.format(**req.params).split("/providers/", 1)[0]
            recs = emu.store.list(kind.type, scope)
            return paged_view(req, kind, recs)

        router.add("GET", template, list_scope)
    emu.kinds[kind.type.lower()] = kind

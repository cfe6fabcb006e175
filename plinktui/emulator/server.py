"""The ARM emulator: an aiohttp HTTPS server on loopback that the official azure-mgmt SDK clients drive unchanged.

The request path, in order: control endpoints (``/_emulator/``, no auth), bearer check (401), ``api-version``
check (400), counting, emulated network latency, injected faults, routing (404 for unknown routes, 405 for a
wrong method), JSON body parsing (400), the handler, and the ARM error envelope for anything raised.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import logging
import pathlib
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from plinktui.emulator import dns, errors, jsonc
from plinktui.emulator.faults import FaultRule, Faults
from plinktui.emulator.lro import Operation, Operations
from plinktui.emulator.privatefs import ensure_private_dir
from plinktui.emulator.resource import Kind, Req, Resp, parse_id
from plinktui.emulator.routing import Router
from plinktui.emulator.runtime_config import SETTINGS, check_config
from plinktui.emulator.store import Record, Store
from plinktui.emulator.tenancy import Tenancy
from plinktui.emulator.throttling import Throttling

log = logging.getLogger("plinktui.emulator")

DEFAULT_SUBSCRIPTION = "8f2e4c1a-7b3d-4e5f-9a6b-1c2d3e4f5a6b"
DEFAULT_TENANT = "72f988bf-0000-4000-8000-000000000001"

LATENCY_PROFILE: dict[str, float] = {
    "resourceGroup": 0, "vnet": 4, "subnet": 3, "nsg": 3, "pip": 3, "nic": 2, "vault": 20, "zone": 30,
    "link": 30, "pe": 60, "zonegroup": 5, "lb": 5, "pls": 30, "vm": 60, "runcommand": 20, "record": 0,
    "purge": 20, "dnsresolver": 30, "resolverendpoint": 30, "ruleset": 10,
}
"""Seconds before an LRO completes at ``--latency-scale 1`` (README, "Latency profile")."""

PROVIDERS = ("resources", "network", "keyvault", "privatedns", "compute", "deployments", "images",
             "resourcegraph", "dnsresolver")
"""Provider modules under plinktui.emulator.providers; each has ``register(emu)``."""

MAX_BODY = 4 * 1024 * 1024
READ_ONLY_POSTS = ("checknameavailability", "resources")
"""POSTs that only read: name checks, and Resource Graph queries (``/providers/Microsoft.ResourceGraph/resources``)."""


@dataclass
class EmulatorConfig:
    """How the emulator behaves."""

    latency_scale: float = 0.0
    request_latency_ms: float = 0.0
    page_size: int = 100
    reader_only: bool = False
    """The caller gets Reader permissions: writes answer 403 AuthorizationFailed, permissions API says so."""
    reader_scopes: list[str] = field(default_factory=list)
    """Scopes (subscription or resource group ids) where the caller is only a Reader: writes there answer 403
    AuthorizationFailed, the permissions API there says Reader, and linking a zone to a VNet there is refused with
    LinkedAuthorizationFailed (no ``virtualNetworks/join/action``)."""
    subscription_id: str = DEFAULT_SUBSCRIPTION
    tenant_id: str = DEFAULT_TENANT
    subscriptions: int = 1
    """How many subscriptions the one tenant holds; the first is ``subscription_id`` (see ``tenancy``)."""
    throttle: bool = False
    """Model ARM's request throttling and Resource Graph's user quota (see ``throttling``)."""
    seed: int = 0
    flush_interval: float = 0.2


@dataclass
class Stats:
    """Request counters (ARM requests only; control endpoints are not counted)."""

    requests: int = 0
    reads: int = 0
    writes: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"requests": self.requests, "reads": self.reads, "writes": self.writes,
                "by_method": dict(self.by_method), "by_status": dict(self.by_status)}


class Emulator:
    """The emulated cloud: state, routes, operations, faults; and the HTTPS server that serves it."""

    def __init__(self, config: EmulatorConfig | None = None, state_path: str | pathlib.Path | None = None,
                 cert_dir: str | pathlib.Path | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.store = Store(state_path)
        if self.store.path is not None:  # it will hold host keys: refuse a directory others could plant links in
            ensure_private_dir(self.store.path.parent)
        self.ops = Operations()
        self.router = Router()
        self.faults = Faults(self.config.seed)
        self.tenancy = Tenancy(self.config)
        self.throttling = Throttling(lambda: self.config.throttle)
        self.stats = Stats()
        self.kinds: dict[str, Kind] = {}
        self.on_start: list[Callable[[], Awaitable[None]]] = []
        self.on_stop: list[Callable[[], Awaitable[None]]] = []
        self.control_routes: dict[tuple[str, str], Callable[[web.Request], Awaitable[web.StreamResponse]]] = {}
        self.public_routes: dict[tuple[str, str], Callable[[web.Request], Awaitable[web.StreamResponse]]] = {}
        """ARM paths served without a bearer token (``/metadata/endpoints``)."""
        self.signin: dict[str, str] = {}
        self.cert_dir = pathlib.Path(cert_dir) if cert_dir else (
            self.store.path.parent if self.store.path else None)
        self.endpoint = ""
        self.ca_cert = ""
        self.host = "127.0.0.1"
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._register_core()
        importlib.import_module("plinktui.emulator.signin").register(self)
        for name in PROVIDERS:
            module = importlib.import_module(f"plinktui.emulator.providers.{name}")
            module.register(self)
        dns.register_control(self)
        if self.store.load():
            self._settle_after_restart()

    # -- helpers for providers -------------------------------------------------------------------------------------

    def latency(self, key: str) -> float:
        """Seconds an LRO of this kind takes now."""
        return LATENCY_PROFILE.get(key, 0.0) * self.config.latency_scale if key else 0.0

    def find(self, rid: str, kind: Kind | None = None) -> Record:
        """The record, or ARM's 404."""
        rec = self.store.get(rid)
        if rec is None or (kind is not None and not kind.listable(rec)):
            info = parse_id(rid)
            rtype = "/".join([info["namespace"], *info["types"]]) if info["namespace"] else "resourceGroups"
            name = rid.rstrip("/").rsplit("/", 1)[-1]
            if info["resourceGroup"] and not self.rg_exists(info["subscription"], info["resourceGroup"]):
                raise errors.ResourceGroupNotFound(f"Resource group '{info['resourceGroup']}' could not be found.")
            raise errors.ResourceNotFound(
                f"The Resource '{rtype}/{name}' under resource group '{info['resourceGroup']}' was not found. "
                "For more details please go to https://aka.ms/ARMResourceNotFoundFix")
        self.settle(rec)
        return rec

    def settle(self, rec: Record) -> None:
        """Apply a due operation on this resource before anyone looks at it."""
        self.ops.pending_for(rec.id)

    def rg_id(self, sub: str, rg: str) -> str:
        return f"/subscriptions/{sub}/resourceGroups/{rg}"

    def rg_exists(self, sub: str, rg: str) -> bool:
        return self.store.get(self.rg_id(sub, rg)) is not None

    def check_scope(self, req: Req, must_exist: bool = True) -> None:
        """The subscription must be ours and the resource group (if any) must exist."""
        if req.sub and req.sub.lower() not in self.tenancy.known:
            raise errors.SubscriptionNotFound(f"The subscription '{req.sub}' could not be found.")
        if must_exist and req.rg and not self.rg_exists(req.sub, req.rg):
            raise errors.ResourceGroupNotFound(f"Resource group '{req.rg}' could not be found.")

    def check_parent(self, rid: str, kind: Kind) -> None:
        """A child's parent resource must exist."""
        if kind.item.count("{") > 3:
            parent = rid.rsplit("/", 2)[0]
            if self.store.get(parent) is None:
                raise errors.ParentResourceNotFound(
                    f"Failed to perform 'write' on resource(s) of type '{kind.type}', because the parent resource "
                    f"'{parent}' could not be found.")

    def check_location(self, location: str, rtype: str) -> str:
        """Normalise a location (``West US 2`` -> ``westus2``) and refuse unknown ones."""
        from plinktui.emulator.providers.resources import LOCATION_NAMES

        norm = location.replace(" ", "").lower()
        if norm == "global" or norm in LOCATION_NAMES:
            return norm
        raise errors.LocationNotAvailable(
            f"The provided location '{location}' is not available for resource type '{rtype}'. "
            f"List of available regions for the resource type is '{','.join(sorted(LOCATION_NAMES))}'.")

    def is_reader(self, scope: str) -> bool:
        """Whether the caller is only a Reader at this id or scope (``reader_only`` or a ``reader_scopes`` prefix)."""
        low = scope.lower().rstrip("/") + "/"
        return self.config.reader_only or any(low.startswith(s.lower().rstrip("/") + "/")
                                              for s in self.config.reader_scopes)

    def check_write_allowed(self, req: Req) -> None:
        """Reader-only mode (or a Reader scope) refuses every write with ARM's AuthorizationFailed."""
        if self.is_reader(req.path):
            action = f"{req.method.lower()}"
            raise errors.AuthorizationFailed(
                "The client 'plinktui-demo-user' with object id '00000000-0000-0000-0000-0000000000aa' does not have "
                f"authorization to perform action '{action}' over scope '{req.path}' or the scope is invalid. If "
                "access was recently granted, please refresh your credentials.")

    def async_headers(self, req: Req, op: Operation, with_location: bool = False) -> dict[str, str]:
        url = f"{req.base_url}{op.id}?api-version={req.api_version}"
        headers = {"Azure-AsyncOperation": url, "Retry-After": op.retry_after()}
        if with_location:
            headers["Location"] = url.replace("/operations/", "/operationResults/")
        return headers

    def _lro_outcome(self, req: Req) -> tuple[str, bool]:
        rule = self.faults.pick("lro", req.method, req.path)
        if rule is None:
            return "Succeeded", False
        return {"lro_failed": ("Failed", False), "lro_canceled": ("Canceled", False),
                "lro_stuck": ("Succeeded", True)}[rule.fault]

    def commit_put(self, req: Req, kind: Kind, rid: str, doc: dict[str, Any], created: bool) -> Resp:
        """Store a PUT, run its side effects and start its LRO."""
        delay = self.latency(kind.latency)
        outcome, stuck = self._lro_outcome(req)
        pending = self.ops.pending_for(rid)
        if pending is not None:  # a re-PUT during an operation joins it rather than restarting the clock
            delay = pending.remaining()
            pending.status = "Succeeded"
        async_op = delay > 0 or stuck or outcome != "Succeeded"
        if kind.provisioning_state:
            doc.setdefault("properties", {})["provisioningState"] = kind.initial_state if async_op else "Succeeded"
        rec = self.store.put(doc)
        kind.after_put(req, rec, created)
        status = 201 if created else 200
        if not async_op:
            kind.on_provisioned(rec)
            return Resp(status, kind.view(req, rec))

        def done(op: Operation) -> None:
            cur = self.store.get(rid)
            if cur is not None:
                if kind.provisioning_state:
                    cur.props["provisioningState"] = "Succeeded"
                kind.on_provisioned(cur)
                self.store.touch()

        def failed(op: Operation) -> None:
            cur = self.store.get(rid)
            if cur is not None and kind.provisioning_state:
                cur.props["provisioningState"] = "Failed" if op.outcome == "Failed" else "Canceled"
                self.store.touch()

        done.on_fail = failed  # type: ignore[attr-defined]
        op = self.ops.start("put", rid, kind.namespace, str(doc.get("location", "global")),
                            None if stuck else delay, done, outcome)
        return kind.lro_answer(req, status, kind.view(req, rec), op)

    def commit_delete(self, req: Req, kind: Kind, rec: Record) -> Resp:
        """Delete now (sync kinds, zero latency) or as an LRO."""
        delay = self.latency(kind.latency)
        outcome, stuck = self._lro_outcome(req)
        rid = rec.id

        def remove(op: Operation | None = None) -> None:
            cur = self.store.get(rid)
            if cur is not None:
                kind.on_delete(cur)
                self.store.delete(rid)

        if kind.sync_delete or (delay <= 0 and not stuck and outcome == "Succeeded"):
            remove()
            return Resp(200)
        if kind.provisioning_state:
            rec.props["provisioningState"] = "Deleting"
            self.store.touch()

        def failed(op: Operation) -> None:
            cur = self.store.get(rid)
            if cur is not None and kind.provisioning_state:
                cur.props["provisioningState"] = "Failed"
                self.store.touch()

        remove.on_fail = failed  # type: ignore[attr-defined]
        op = self.ops.start("delete", rid, kind.namespace, str(rec.doc.get("location", "global")),
                            None if stuck else delay, remove, outcome)
        headers = self.async_headers(req, op, with_location=True)
        return Resp(202, None, headers)

    def start_action(self, req: Req, rid: str, latency_key: str, action: Callable[[], Any],
                     location: str = "global") -> Resp:
        """A POST action as an LRO with a ``Location`` header; the result is the action's return value."""
        delay = self.latency(latency_key)
        outcome, stuck = self._lro_outcome(req)
        if delay <= 0 and not stuck and outcome == "Succeeded":
            result = action()
            return Resp(200, result) if result is not None else Resp(200)
        namespace = parse_id(rid)["namespace"] or "Microsoft.Resources"
        op = self.ops.start("post", rid, namespace, location, None if stuck else delay,
                            lambda _op: action(), outcome)
        url = f"{req.base_url}{op.id}?api-version={req.api_version}".replace("/operations/", "/operationResults/")
        return Resp(202, None, {"Location": url, "Retry-After": op.retry_after()})

    def _settle_after_restart(self) -> None:
        """Operations do not survive a restart: finish what was in flight as if its time had come."""
        for rec in list(self.store._by_id.values()):
            state = (rec.doc.get("properties") or {}).get("provisioningState")
            if state in ("Updating", "Creating", "RegisteringDns"):
                rec.props["provisioningState"] = "Succeeded"
                kind = self.kinds.get(str(rec.doc.get("type", "")).lower())
                if kind:
                    kind.on_provisioned(rec)
            elif state == "Deleting":
                kind = self.kinds.get(str(rec.doc.get("type", "")).lower())
                if kind:
                    kind.on_delete(rec)
                self.store.delete(rec.id)

    # -- core routes -----------------------------------------------------------------------------------------------

    def _register_core(self) -> None:
        def polled(req: Req) -> Operation:
            """The operation a poll asks about (404 when unknown; an injected poll fault answers 500)."""
            op = self.ops.get(req.params["op"])
            if op is None:
                raise errors.NotFound(f"The operation '{req.params['op']}' could not be found.")
            if self.faults.pick("poll", req.method, req.path):
                raise errors.InternalServerError("The server encountered an internal error (injected fault).")
            return op

        async def op_status(req: Req) -> Resp:
            op = polled(req)
            headers = {}
            if op.status == "InProgress":
                headers["Retry-After"] = op.retry_after()
            return Resp(200, op.status_body(), headers)

        async def op_result(req: Req) -> Resp:
            op = polled(req)
            if op.status == "InProgress":
                return Resp(202, None, {"Location": f"{req.base_url}{req.path}?api-version={req.api_version}",
                                        "Retry-After": op.retry_after()})
            if op.status != "Succeeded":
                raise errors.ArmError(op.error["message"] if op.error else "The operation failed.",
                                      code=(op.error or {}).get("code", "OperationFailed"), status=500)
            return Resp(200, op.result) if op.result is not None else Resp(204)

        for ns_tpl in ("/subscriptions/{sub}/providers/{ns}/locations/{loc}/operations/{op}",
                       "/subscriptions/{sub}/providers/{ns}/locations/{loc}/asyncOperations/{op}",
                       "/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/privateDnsOperationStatuses/{op}"):
            self.router.add("GET", ns_tpl, op_status)
        self.router.add("GET", "/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/privateDnsOperationResults/{op}",
                        op_result)
        self.router.add("GET", "/subscriptions/{sub}/providers/{ns}/locations/{loc}/operationResults/{op}",
                        op_result)

    # -- HTTP ------------------------------------------------------------------------------------------------------

    def control(self, method: str, path: str) -> Callable[..., Any]:
        """Decorator: register a control endpoint under ``/_emulator/``."""

        def deco(fn: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> Callable[..., Any]:
            self.control_routes[(method.upper(), path.rstrip("/"))] = fn
            return fn

        return deco

    def identity(self) -> dict[str, Any]:
        """What ``GET /_emulator/`` and the banner say."""
        return {
            "service": "plinktui-emulator",
            "endpoint": self.endpoint,
            "ca_cert": self.ca_cert,
            "subscription_id": self.config.subscription_id,
            "subscription_ids": self.tenancy.ids,
            "tenant_id": self.config.tenant_id,
            "ssh": {"host": "127.0.0.1", "map": f"{self.endpoint}/_emulator/ssh",
                    "how": "GET the map (no auth) for each demo VM's loopback port, keyed by public IP and VM id"},
            "identity_endpoint": f"{self.endpoint}{self.signin['identity_path']}",
            "identity_header": self.signin["identity_header"],
            "latency_scale": self.config.latency_scale,
            "reader_only": self.config.reader_only,
            "throttle": self.config.throttle,
            "stats": self.stats.as_dict(),
        }

    async def _control(self, request: web.Request) -> web.StreamResponse:
        path = request.path.rstrip("/")
        fn = self.control_routes.get((request.method, path))
        if fn is not None:
            return await fn(request)
        if path == "/_emulator" and request.method == "GET":
            return web.json_response(self.identity())
        if path == "/_emulator/stats":
            if request.method == "GET":
                return web.json_response(self.stats.as_dict())
            if request.method in ("POST", "DELETE"):
                self.stats = Stats()
                return web.json_response(self.stats.as_dict())
        if path == "/_emulator/faults":
            if request.method == "GET":
                return web.json_response(self.faults.describe())
            if request.method == "DELETE":
                self.faults.set([])
                self._release_stuck()
                return web.json_response(self.faults.describe())
            if request.method == "POST":
                try:
                    data = await request.json()
                    rules = [FaultRule(**r) if isinstance(r, dict) else FaultRule.parse(r) for r in data.get("rules", [])]
                except (ValueError, TypeError) as exc:
                    return web.json_response({"error": {"code": "InvalidFault", "message": str(exc)}}, status=400)
                self.faults.set(rules, data.get("seed"))
                return web.json_response(self.faults.describe())
        if path == "/_emulator/config" and request.method in ("GET", "POST"):
            if request.method == "POST":
                try:
                    values = check_config(await request.json())  # every value checked before any is applied
                except ValueError as exc:  # also a body that is not JSON
                    return web.json_response({"error": {"code": "InvalidConfig", "message": str(exc)}}, status=400)
                for key, value in values.items():
                    setattr(self.config, key, value)
                if values.get("throttle"):
                    self.throttling.reset()  # full buckets when throttling is switched on
            return web.json_response({k: getattr(self.config, k) for k in SETTINGS})
        return web.json_response({"error": {"code": "NotFound", "message": f"No control endpoint {path}"}},
                                 status=404)

    def _release_stuck(self) -> None:
        """Clearing faults also ends their lasting effect: stuck operations (and re-PUTs that joined them) finish
        now, as Azure's do eventually; otherwise a resource would stay ``Creating`` for ever after the fault."""
        now = time.monotonic()
        for op in list(self.ops._by_resource.values()):
            if op.status == "InProgress" and (op.due is None or op.due == float("inf")):
                op.due = now
        self.ops.settle_all()

    def _count(self, method: str, path: str, status: int) -> None:
        self.stats.requests += 1
        self.stats.by_method[method] = self.stats.by_method.get(method, 0) + 1
        self.stats.by_status[str(status)] = self.stats.by_status.get(str(status), 0) + 1
        last = path.rstrip("/").rsplit("/", 1)[-1].lower()
        if method in ("GET", "HEAD") or (method == "POST" and last in READ_ONLY_POSTS):
            self.stats.reads += 1
        else:
            self.stats.writes += 1

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Every request enters here."""
        if request.path.startswith("/_emulator"):
            return await self._control(request)
        public = self.public_routes.get((request.method.upper(), "/" + request.path.strip("/").lower()))
        if public is not None:
            return await public(request)
        method = request.method.upper()
        try:
            resp = await self._handle_arm(request, method)
        except errors.ArmError as exc:
            resp = Resp(exc.status, exc.body(), exc.headers)
        except ConnectionResetError:
            raise
        except Exception:  # never a traceback to the client: an ARM-shaped 500, and a log line for us
            log.exception("emulator handler failed for %s %s", method, request.path)
            resp = Resp(500, errors.InternalServerError("The server encountered an internal error.").body())
        self._count(method, request.path, resp.status)
        if resp.status == 204 or resp.body is None:
            return web.Response(status=resp.status, headers=resp.headers)
        return web.json_response(resp.body, status=resp.status, headers=resp.headers,
                                 dumps=lambda o: json.dumps(o, separators=(",", ":")))

    async def _handle_arm(self, request: web.Request, method: str) -> Resp:
        auth = request.headers.get("Authorization", "")
        if not auth.lower().startswith("bearer ") or not auth[7:].strip():
            raise errors.AuthenticationFailed(
                "Authentication failed. The 'Authorization' header is missing.",
                headers={"WWW-Authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/'
                         f'{self.config.tenant_id}", error="invalid_token", '
                         'error_description="The authentication failed because of missing \'Authorization\' header."'})
        api_version = request.query.get("api-version", "")
        if not api_version:
            raise errors.MissingApiVersion(
                "The api-version query parameter (?api-version=) is required for all requests.")
        if self.config.request_latency_ms > 0:
            await asyncio.sleep(self.config.request_latency_ms / 1000.0)
        limits = self.throttling.admit(method, request.path, auth)
        rule = self.faults.pick("request", method, request.path)
        if rule is not None:
            self._inject(request, rule)
        route, params, known = self.router.resolve(method, request.path)
        if route is None:
            if known:
                raise errors.MethodNotAllowed(
                    f"The requested resource does not support http method '{method}'.", status=405)
            parts = request.path.strip("/").split("/")
            ns = parts[parts.index("providers") + 1] if "providers" in [p.lower() for p in parts][:-1] else ""
            if ns and ns.lower() not in {k.split("/")[0] for k in self.kinds} | {"microsoft.authorization",
                                                                                 "microsoft.resources"}:
                raise errors.ArmError(f"The resource namespace '{ns}' is invalid.", code="InvalidResourceNamespace")
            raise errors.InvalidResourceType(
                f"The resource type could not be found in the namespace '{ns or 'Microsoft.Resources'}' for api "
                f"version '{api_version}'. (path {request.path})", status=404, code="InvalidResourceType")
        body: Any = None
        if method in ("PUT", "PATCH", "POST"):
            if request.content_length and request.content_length > MAX_BODY:
                raise errors.RequestTooLarge("The request content is too large.")
            raw = await request.read()
            if raw.strip():
                try:
                    body = jsonc.loads(raw)  # ARM reads JSONC (az splices templates in unquoted)
                except (ValueError, UnicodeDecodeError) as exc:
                    raise errors.InvalidRequestContent(
                        f"The request content was invalid and could not be deserialized: '{exc}'.") from None
        base = f"https://{self.host}:{self.port}"
        req = Req(self, method, request.path, params, dict(request.query), body, dict(request.headers), base,
                  api_version)
        resp = await route.handler(req)
        resp.headers.update(limits)
        if rule is None:
            after = self.faults.pick("response", method, request.path)
            if after is not None and request.transport is not None:
                request.transport.abort()  # the write happened; the client never hears of it
        return resp

    def _inject(self, request: web.Request, rule: FaultRule) -> None:
        if rule.fault == "reset":
            if request.transport is not None:
                request.transport.abort()
            raise ConnectionResetError("injected reset")
        if rule.fault == "throttle":
            raise errors.TooManyRequests(
                "The request is being throttled (injected fault).",
                headers={"Retry-After": rule.retry_after or "1"})
        if rule.fault == "unavailable":
            raise errors.ServiceUnavailable("The service is unavailable (injected fault).")
        if rule.fault == "server_error":
            raise errors.InternalServerError("The server encountered an internal error (injected fault).")
        if rule.fault == "another_op":
            raise errors.AnotherOperationInProgress(
                "Operation is not allowed because another operation is in progress on the resource (injected).",
                headers={"Retry-After": rule.retry_after or "1"})

    # -- lifecycle -------------------------------------------------------------------------------------------------

    def app(self) -> web.Application:
        """The aiohttp application."""
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on loopback with TLS; sets ``endpoint`` and ``ca_cert``."""
        from plinktui.emulator.certs import ensure_cert

        if not host.startswith("127.") and host not in ("localhost", "::1"):
            raise ValueError("the emulator listens on loopback only")
        cert_dir = self.cert_dir or pathlib.Path.cwd()
        cert, key = ensure_cert(cert_dir)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        self._runner = web.AppRunner(self.app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port, ssl_context=ctx, backlog=512)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.host = host
        self.endpoint = f"https://{host}:{self.port}"
        self.ca_cert = str(cert)
        for hook in self.on_start:
            await hook()
        self._tasks.append(asyncio.create_task(self._background()))

    async def _background(self) -> None:
        while True:
            await asyncio.sleep(self.config.flush_interval)
            with contextlib.suppress(Exception):
                self.ops.settle_all()
            if self.store.dirty:
                try:
                    # serialized here, on the loop that edits the records; only the disk write leaves it
                    await asyncio.to_thread(self.store.write, *self.store.serialize())
                except OSError as exc:
                    log.warning("could not persist emulator state: %s", exc)

    async def stop(self) -> None:
        """Stop serving, finish background work and persist the state."""
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        for hook in self.on_stop:
            with contextlib.suppress(Exception):
                await hook()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.store.flush()

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def _now() -> float:
    return time.monotonic()

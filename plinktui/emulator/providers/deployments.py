"""Microsoft.Resources/deployments at resource-group scope: PUT (Incremental), GET, validate, operations list.

The PUT validates the template at once (an unsupported function, a missing parameter, a dependsOn on nothing or a
cycle is a 400 ``InvalidTemplate``), stores the deployment ``Accepted`` and answers 201 with ``Azure-AsyncOperation``
and ``Retry-After``. A background task then deploys: every resource is a PUT dispatched to the emulator's own
provider routes (the same handlers, so the same validation and side effects as a direct PUT), started as soon as its
dependencies have succeeded, and awaited until its own operation ends. The first failing resource fails the
deployment with ARM's ``DeploymentFailed`` envelope (the resource's error in ``details``); the resources that waited
for it are never started. Deployment operations list what was sent and how each ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

from plinktui.emulator import errors
from plinktui.emulator.lro import Operation, utcnow_iso
from plinktui.emulator.resource import DEFAULT_NAME, Req, Resp, paged, parse_id
from plinktui.emulator.templates.expressions import TemplateError
from plinktui.emulator.templates.functions import Scope
from plinktui.emulator.templates.planner import Planned, bind_parameters, check_functions, plan

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator

ITEM = "/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.Resources/deployments/{name}"
LEGACY_ITEM = "/subscriptions/{sub}/resourcegroups/{rg}/deployments/{name}"
FAILED_MESSAGE = ("At least one resource deployment operation failed. Please list deployment operations for details. "
                  "Please see https://aka.ms/arm-deployment-operations for usage details.")
DONE = ("Succeeded", "Failed", "Canceled")


class InvalidTemplate(errors.ArmError):
    status, code = 400, "InvalidTemplate"


def _iso_duration(seconds: float) -> str:
    return f"PT{seconds:.7f}S"


class Deployments:
    """Deployment documents and their runs (kept in the store's ``extra``, so they persist with the state)."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.tasks: set[asyncio.Task[None]] = set()
        for doc in self.docs().values():  # a run does not survive a restart
            if doc["properties"]["provisioningState"] not in DONE:
                doc["properties"]["provisioningState"] = "Failed"
                doc["properties"]["error"] = {"code": "DeploymentFailed", "message": "The emulator restarted while "
                                              "this deployment ran; deploy it again."}

    async def stop(self) -> None:
        """Cancel runs still going when the emulator stops (a restart reports them Failed)."""
        for task in list(self.tasks):
            task.cancel()
        for task in list(self.tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def docs(self) -> dict[str, dict[str, Any]]:
        return self.emu.store.extra.setdefault("deployments", {})

    def templates(self) -> dict[str, dict[str, Any]]:
        return self.emu.store.extra.setdefault("deployment_templates", {})

    def ops_of(self, rid: str) -> list[dict[str, Any]]:
        return self.emu.store.extra.setdefault("deployment_operations", {}).setdefault(rid.lower(), [])

    def rid(self, req: Req) -> str:
        return (f"/subscriptions/{req.sub}/resourceGroups/{req.rg}/providers/Microsoft.Resources/deployments/"
                f"{req.params['name']}")

    def get(self, req: Req) -> dict[str, Any]:
        self.emu.check_scope(req)
        doc = self.docs().get(self.rid(req).lower())
        if doc is None:
            raise errors.ArmError(f"Deployment '{req.params['name']}' could not be found.", code="DeploymentNotFound",
                                  status=404)
        return doc

    # -- validation --------------------------------------------------------------------------------------------

    def prepare(self, req: Req) -> tuple[dict[str, Any], list[Planned]]:
        """Check the request and the template; the deployment's properties and its planned resources."""
        self.emu.check_scope(req)
        name = req.params["name"]
        if len(name) > 64 or not DEFAULT_NAME.match(name):
            raise errors.InvalidParameter(f"The deployment name '{name}' is not valid: 1-64 letters, digits, '-', "
                                          "'.', '_' or '(' ')'.", code="InvalidDeploymentName")
        body = req.body if isinstance(req.body, dict) else {}
        props = body.get("properties")
        if not isinstance(props, dict):
            raise errors.InvalidRequestContent("The request content was invalid and could not be deserialized: "
                                               "'properties' is required.")
        mode = str(props.get("mode", ""))
        if mode.lower() != "incremental":
            raise errors.ArmError(f"The deployment mode '{mode}' is not supported by the plinktui emulator: use "
                                  "'Incremental'.", code="InvalidDeploymentMode")
        template = props.get("template")
        if "templateLink" in props or not isinstance(template, dict):
            raise InvalidTemplate("The plinktui emulator deploys inline templates only: send "
                                  "'properties.template' (templateLink is not supported).")
        rg = self.emu.store.get(self.emu.rg_id(req.sub, req.rg))
        location = str((rg.doc if rg else {}).get("location", ""))
        scope = Scope(req.sub, self.emu.config.tenant_id, req.rg, location, name, {}, {},
                      reference=lambda rid, api, full: self.reference(req, rid, full))
        try:
            check_functions(template)
            params = bind_parameters(template, props.get("parameters") or {}, scope)
            planned = plan(template, scope)
        except TemplateError as exc:
            message = exc.message if exc.message.startswith("Deployment template") else \
                f"Deployment template validation failed: '{exc.message}'"
            raise InvalidTemplate(message) from None
        seen: set[str] = set()
        for p in planned:
            if p.id.lower() in seen:
                raise InvalidTemplate(f"Deployment template validation failed: 'The resource '{p.id}' is defined "
                                      "multiple times in a template. Please see https://aka.ms/arm-syntax-resources "
                                      "for usage details.'")
            seen.add(p.id.lower())
        resolve = {p.name.lower(): p.id for p in planned}
        scope.resolve_name = lambda n: resolve.get(n.lower())
        defs = template.get("parameters") or {}
        shown = {k: {"type": str((defs.get(k) or {}).get("type", "String")).capitalize(),
                     "value": "" if str((defs.get(k) or {}).get("type", "")).lower().startswith("secure") else v}
                 for k, v in params.items()}
        text = json.dumps(template, sort_keys=True)
        properties = {
            "templateHash": str(int(hashlib.sha256(text.encode()).hexdigest()[:15], 16)),
            "parameters": shown, "mode": "Incremental", "provisioningState": "Accepted", "timestamp": utcnow_iso(),
            "duration": "PT0S", "correlationId": str(uuid.uuid4()), "providers": _providers(planned),
            "dependencies": _dependencies(planned),
        }
        return {"template": template, "properties": properties}, planned

    def reference(self, req: Req, rid: str, full: bool) -> Any:
        rec = self.emu.store.get(rid)
        if rec is None:
            info = parse_id(rid)
            raise TemplateError(f"The Resource '{info['namespace']}/{'/'.join(info['types'])}/"
                                f"{'/'.join(info['names'])}' under resource group '{info['resourceGroup']}' was not "
                                "found.", code="ResourceNotFound")
        kind = self.emu.kinds.get(str(rec.doc.get("type", "")).lower())
        view = kind.view(req, rec) if kind else rec.doc
        return view if full else view.get("properties", {})

    # -- the run -------------------------------------------------------------------------------------------------

    def start(self, req: Req) -> Resp:
        rid = self.rid(req)
        current = self.docs().get(rid.lower())
        if current is not None and current["properties"]["provisioningState"] not in DONE:
            raise errors.ArmError(f"Unable to edit or replace deployment '{req.params['name']}': previous deployment "
                                  f"from '{current['properties']['timestamp']}' is still active. Please see "
                                  "https://aka.ms/arm-deploy for usage details.", code="DeploymentActive", status=409)
        staged, planned = self.prepare(req)
        self.emu.check_write_allowed(req)
        doc = {"id": rid, "name": req.params["name"], "type": "Microsoft.Resources/deployments",
               "properties": staged["properties"]}
        self.docs()[rid.lower()] = doc
        self.templates()[rid.lower()] = staged["template"]
        self.emu.store.extra.setdefault("deployment_operations", {})[rid.lower()] = []
        self.emu.store.touch()
        op = self.emu.ops.start("put", rid, "Microsoft.Resources", "global", None)
        op.external = True  # the run below ends it
        task = asyncio.create_task(self.run(req, doc, planned, op))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        url = f"{req.base_url}{op.id}?api-version={req.api_version}"
        return Resp(201 if current is None else 200, doc, {"Azure-AsyncOperation": url, "Retry-After": "1"})

    async def run(self, req: Req, doc: dict[str, Any], planned: list[Planned], op: Operation) -> None:
        started = time.monotonic()
        props = doc["properties"]
        props["provisioningState"] = "Running"
        done: dict[str, asyncio.Future[bool]] = {p.id.lower(): asyncio.get_running_loop().create_future()
                                                 for p in planned}
        failures: list[dict[str, Any]] = []

        async def one(p: Planned) -> None:
            ok = True
            for dep in p.depends_on:
                ok = await done[dep.lower()] and ok
            if ok and not failures:
                error = await self.deploy_one(req, doc, p)
                if error is not None:
                    failures.append(error)
                    ok = False
            else:
                ok = False
            done[p.id.lower()].set_result(ok)

        await asyncio.gather(*(one(p) for p in planned))
        props["duration"] = _iso_duration(time.monotonic() - started)
        props["timestamp"] = utcnow_iso()
        if failures:
            error = {"code": "DeploymentFailed", "target": doc["id"], "message": FAILED_MESSAGE, "details": failures}
            props["provisioningState"] = "Failed"
            props["error"] = error
            op.status, op.error = "Failed", error
        else:
            props["provisioningState"] = "Succeeded"
            props["outputResources"] = [{"id": p.id} for p in planned]
            outputs = self.templates().get(doc["id"].lower(), {}).get("outputs")
            if isinstance(outputs, dict) and outputs:
                props["outputs"] = self.outputs(req, planned, outputs)
            op.status = "Succeeded"
        op.ended = utcnow_iso()
        self.emu.ops._by_resource.pop(doc["id"].lower(), None)
        self.emu.store.touch()

    def outputs(self, req: Req, planned: list[Planned], outputs: dict[str, Any]) -> dict[str, Any]:
        from plinktui.emulator.templates.functions import expand

        scope = planned[0].scope if planned else None
        out: dict[str, Any] = {}
        for key, spec in outputs.items():
            if scope is None or not isinstance(spec, dict):
                continue
            try:
                out[key] = {"type": str(spec.get("type", "String")).capitalize(), "value": expand(spec.get("value"), scope)}
            except TemplateError as exc:
                out[key] = {"type": "String", "value": f"(not evaluated: {exc.message})"}
        return out

    async def deploy_one(self, req: Req, doc: dict[str, Any], p: Planned) -> dict[str, Any] | None:
        """PUT one resource through the emulator's routes and wait for it; its ARM error, or None."""
        record: dict[str, Any] = {"id": f"{doc['id']}/operations/{uuid.uuid4().hex[:16].upper()}",
                  "operationId": uuid.uuid4().hex[:16].upper(),
                  "properties": {"provisioningOperation": "Create", "provisioningState": "Running",
                                 "timestamp": utcnow_iso(), "duration": "PT0S", "trackingId": str(uuid.uuid4()),
                                 "targetResource": {"id": p.id, "resourceType": p.type, "resourceName": p.name}}}
        self.ops_of(doc["id"]).append(record)
        started = time.monotonic()
        error: dict[str, Any] | None = None
        status = 0
        try:
            body = p.body()
            route, params, known = self.emu.router.resolve("PUT", p.id)
            if route is None:
                rtype = "/".join(p.type.split("/")[1:])
                raise errors.ArmError(f"The resource type '{rtype}' could not be found in the namespace "
                                      f"'{p.type.split('/')[0]}' for api version '{p.api_version}'.",
                                      code="NoRegisteredProviderFound")
            sub_req = Req(self.emu, "PUT", p.id, params, {"api-version": p.api_version}, body, {}, req.base_url,
                          p.api_version)
            resp = await route.handler(sub_req)
            status = resp.status
            await self.wait(resp)
            rec = self.emu.store.get(p.id)
            state = ((rec.doc.get("properties") or {}).get("provisioningState") if rec else None) or "Succeeded"
            if state in ("Failed", "Canceled"):
                error = {"code": "ResourceDeploymentFailure", "target": p.id,
                         "message": f"The resource write operation failed to complete successfully, because it reached "
                                    f"terminal provisioning state '{state}'."}
        except TemplateError as exc:
            status, error = 400, {"code": exc.code, "message": exc.message}
        except errors.ArmError as exc:
            status, error = exc.status, exc.body()["error"]
        except Exception as exc:  # an emulator bug must still end the deployment, never hang it
            status, error = 500, {"code": "InternalServerError", "message": f"The emulator failed: {exc}"}
        props: dict[str, Any] = record["properties"]
        props["duration"] = _iso_duration(time.monotonic() - started)
        props["timestamp"] = utcnow_iso()
        if error is None:
            props["provisioningState"] = "Succeeded"
            props["statusCode"] = "Created" if status == 201 else "OK"
            return None
        props["provisioningState"] = "Failed"
        props["statusCode"] = {400: "BadRequest", 404: "NotFound", 409: "Conflict"}.get(status, "InternalServerError")
        props["statusMessage"] = {"status": "Failed", "error": error}
        return error

    async def wait(self, resp: Resp) -> None:
        """Follow a resource's async operation to its end (raise its error as ARM's)."""
        url = resp.headers.get("Azure-AsyncOperation") or resp.headers.get("Location")
        if not url:
            return
        name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        while True:
            op = self.emu.ops.get(name)
            if op is None or op.status != "InProgress":
                break
            left = op.remaining()
            await asyncio.sleep(min(max(left, 0.02), 0.5))
        if op is not None and op.status != "Succeeded":
            err = op.error or {"code": "OperationFailed", "message": "The operation failed."}
            raise errors.ArmError(err.get("message", ""), code=err.get("code", "OperationFailed"))


def _providers(planned: list[Planned]) -> list[dict[str, Any]]:
    by_ns: dict[str, dict[str, set[str]]] = {}
    for p in planned:
        ns, _, rtype = p.type.partition("/")
        loc = p.raw.get("location") if isinstance(p.raw.get("location"), str) else None
        by_ns.setdefault(ns, {}).setdefault(rtype, set())
        if loc and not loc.startswith("["):
            by_ns[ns][rtype].add(loc)
    return [{"namespace": ns, "resourceTypes": [{"resourceType": t, "locations": sorted(locs)}
                                                for t, locs in types.items()]} for ns, types in by_ns.items()]


def _dependencies(planned: list[Planned]) -> list[dict[str, Any]]:
    by_id = {p.id.lower(): p for p in planned}
    out = []
    for p in planned:
        if p.depends_on:
            out.append({"dependsOn": [{"id": d, "resourceType": by_id[d.lower()].type,
                                       "resourceName": by_id[d.lower()].name} for d in p.depends_on],
                        "id": p.id, "resourceType": p.type, "resourceName": p.name})
    return out


def register(emu: Emulator) -> None:
    """Mount the deployment routes."""
    deps = Deployments(emu)
    emu.deployments = deps  # type: ignore[attr-defined]
    emu.on_stop.append(deps.stop)

    async def put(req: Req) -> Resp:
        return deps.start(req)

    async def get(req: Req) -> Resp:
        return Resp(200, deps.get(req))

    async def validate(req: Req) -> Resp:
        staged, _ = deps.prepare(req)
        props = dict(staged["properties"], provisioningState="Succeeded")
        return Resp(200, {"id": deps.rid(req), "name": req.params["name"], "type": "Microsoft.Resources/deployments",
                          "properties": props})

    async def list_rg(req: Req) -> Resp:
        emu.check_scope(req)
        prefix = f"/subscriptions/{req.sub}/resourcegroups/{req.rg}/".lower()
        return paged(req, [d for k, d in deps.docs().items() if k.startswith(prefix)])

    async def operations(req: Req) -> Resp:
        doc = deps.get(req)
        return paged(req, deps.ops_of(doc["id"]))

    async def operation(req: Req) -> Resp:
        doc = deps.get(req)
        for item in deps.ops_of(doc["id"]):
            if item["operationId"].lower() == req.params["op"].lower():
                return Resp(200, item)
        raise errors.NotFound(f"Deployment operation '{req.params['op']}' could not be found.")

    emu.router.add("PUT", ITEM, put)
    emu.router.add("GET", ITEM, get)
    emu.router.add("POST", ITEM + "/validate", validate)
    emu.router.add("GET", ITEM.rsplit("/", 1)[0], list_rg)
    # Deployment operations live at the provider-less path in the REST spec (az deployment operation group list
    # uses it); both forms answer.
    for base in (ITEM, LEGACY_ITEM):
        emu.router.add("GET", base + "/operations", operations)
        emu.router.add("GET", base + "/operations/{op}", operation)
    emu.router.add("GET", LEGACY_ITEM, get)

"""Replay official ARM examples (shared/arm-examples) against the emulator and compare response structure.

Shared by the emulator providers' contract tests. An example is ``{"parameters": {...}, "responses": {status: {"body":
...}}}``; the request body is ``parameters["parameters"]`` (or the one parameter holding a dict). Ids are rewritten to
the emulator's subscription and resource group; the comparison is a recursive key-set check: every key of the
example's response body must be present in ours (values naturally differ), except keys a test documents as not
modelled.

Two ways in: per file (``load``, ``request_body``, ``missing_keys``: compute/keyvault tests) and per namespace
(``load_examples`` + ``request_for`` + ``missing_keys_named``: every example of a namespace with its method and path
template read from INDEX.md, ids rewritten to the emulator's subscription, list items matched by name).
"""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import re
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

# A copy of shared/arm-examples (official Azure/azure-rest-api-specs examples, MIT) so the suite needs nothing
# outside the repository; PLINKTUI_ARM_EXAMPLES points elsewhere (e.g. a newer set).
EXAMPLES = pathlib.Path(os.environ.get("PLINKTUI_ARM_EXAMPLES", pathlib.Path(__file__).parent / "data" / "arm-examples"))


def load(relpath: str) -> dict[str, Any]:
    """One example file, e.g. ``Microsoft.Compute/2026-04-01/VirtualMachine_Get.json``."""
    return json.loads((EXAMPLES / relpath).read_text())


def rewrite(obj: Any, mapping: dict[str, str]) -> Any:
    """Replace substrings (placeholders, example ids) everywhere in a JSON value, keys included."""
    if isinstance(obj, dict):
        return {rewrite(k, mapping): rewrite(v, mapping) for k, v in obj.items()}
    if isinstance(obj, list):
        return [rewrite(v, mapping) for v in obj]
    if isinstance(obj, str):
        for old, new in mapping.items():
            obj = obj.replace(old, new)
        return obj
    return obj


def request_body(example: dict[str, Any]) -> Any:
    """The request body of an example (None for GET/DELETE examples)."""
    params = example.get("parameters") or {}
    for key in ("parameters", "body", "properties"):
        if isinstance(params.get(key), dict):
            return params[key]
    return None


def missing_keys(expected: Any, actual: Any, ignore: frozenset[str] | set[str] = frozenset(),
                 path: str = "") -> list[str]:
    """Paths of keys the example's response has and ours lacks (recursively; lists compare their first items).

    ``ignore`` holds key names (at any depth) or dotted paths documented as not modelled.
    """
    out: list[str] = []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [path or "<root>"]
        for key, value in expected.items():
            sub = f"{path}.{key}" if path else key
            if key in ignore or sub in ignore:
                continue
            if key not in actual:
                out.append(sub)
                continue
            out += missing_keys(value, actual[key], ignore, sub)
    elif isinstance(expected, list) and expected:
        if not isinstance(actual, list):
            return [path]
        if actual:
            out += missing_keys(expected[0], actual[0], ignore, f"{path}[0]")
    return out


@dataclass
class Reply:
    """One raw HTTPS answer."""

    status: int
    body: Any
    headers: dict[str, str]


def _call_sync(endpoint: str, ca_cert: str, method: str, path: str, body: Any, api_version: str | None,
               token: str | None) -> Reply:
    url = path if path.startswith("https://") else endpoint + path
    if api_version and "api-version=" not in url:
        url += ("&" if "?" in url else "?") + f"api-version={api_version}"
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    ctx = ssl.create_default_context(cafile=ca_cert)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            raw = r.read()
            return Reply(r.status, json.loads(raw) if raw else None, dict(r.headers))
    except urllib.error.HTTPError as e:
        raw = e.read()
        return Reply(e.code, json.loads(raw) if raw else None, dict(e.headers))


async def call(emu: Any, method: str, path: str, body: Any = None, api_version: str | None = None,
               token: str | None = "contract-test") -> Reply:
    """Raw HTTPS to the emulator (urllib in a thread: the emulator serves on this test's event loop)."""
    return await asyncio.to_thread(_call_sync, emu.endpoint, emu.ca_cert, method, path, body, api_version, token)


async def settle(emu: Any, reply: Reply, tries: int = 500) -> Reply:
    """Follow an LRO answer: poll ``Location`` until it stops answering 202 (POST), or return the reply as is."""
    location = reply.headers.get("Location")
    if reply.status != 202 or not location:
        return reply
    for _ in range(tries):
        polled = await call(emu, "GET", location)
        if polled.status != 202:
            return polled
        await asyncio.sleep(0.02)
    raise AssertionError(f"LRO at {location} never finished")

# -- whole-namespace replay (network helper): examples with their method and path template from INDEX.md ----------

ROOT = EXAMPLES
SUB_RE = re.compile(r"/subscriptions/[^/]+", re.IGNORECASE)


@dataclass
class Example:
    """One official example: what to send and what Azure answered."""

    file: str
    """Path relative to the examples root, e.g. ``Microsoft.Network/2026-03-01/SubnetGet.json``."""
    operation_id: str
    method: str
    template: str
    params: dict[str, Any]
    responses: dict[int, Any]
    api_version: str = ""
    """The api-version the installed SDK sends (INDEX.md's 'SDK ver'), not the example folder's."""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return pathlib.PurePath(self.file).stem

    def body(self) -> Any:
        """The request body (the one object parameter that is not a path parameter)."""
        if self.method not in ("PUT", "PATCH", "POST"):
            return None
        names = set(re.findall(r"\{(\w+)\}", self.template))
        for key, value in self.params.items():
            if key not in names and key != "extendedLocation" and isinstance(value, dict):
                return value
        return None

    def expected(self, status: int) -> Any:
        """The example's response body for our status (or the first one with a body)."""
        if status in self.responses and (self.responses[status] or {}).get("body") is not None:
            return self.responses[status]["body"]
        for resp in self.responses.values():
            if (resp or {}).get("body") is not None:
                return resp["body"]
        return None


def _index() -> dict[str, tuple[str, str, str]]:
    """file -> (method, path template, SDK api-version) from INDEX.md."""
    out = {}
    for line in (ROOT / "INDEX.md").read_text().splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) < 8 or not cells[1].endswith(".json"):
            continue
        method, _, template = cells[3].strip("`").partition(" ")
        template = template.split("(")[0].strip().rstrip("`").strip()
        out[cells[1]] = (method.upper(), template, cells[5])
    return out


def load_examples(namespace: str, exclude: tuple[str, ...] = ()) -> list[Example]:
    """Every example of a provider namespace (minus files whose name contains an ``exclude`` string)."""
    out = []
    for rel, (method, template, sdk_version) in sorted(_index().items()):
        if not rel.startswith(namespace + "/") or any(x in rel for x in exclude):
            continue
        data = json.loads((ROOT / rel).read_text())
        responses = {int(k): v for k, v in data.get("responses", {}).items()}
        out.append(Example(rel, data.get("operationId", ""), method, template, data.get("parameters", {}),
                           responses, sdk_version))
    return out


def rewrite_ids(obj: Any, sub: str, strings: dict[str, str] | None = None) -> Any:
    """Ids pointed at the emulator's subscription; exact string values mapped (e.g. a location it does not know)."""
    strings = strings or {}
    if isinstance(obj, dict):
        return {k: rewrite_ids(v, sub, strings) for k, v in obj.items()}
    if isinstance(obj, list):
        return [rewrite_ids(v, sub, strings) for v in obj]
    if isinstance(obj, str):
        if obj in strings:
            return strings[obj]
        return SUB_RE.sub(f"/subscriptions/{sub}", obj.replace("/provders/", "/providers/"))
    return obj


def request_for(example: Example, sub: str, strings: dict[str, str] | None = None) -> tuple[str, Any]:
    """The path (template filled from the example's parameters) and body to send."""
    params = {k: str(v) for k, v in example.params.items() if isinstance(v, str | int)}
    params["subscriptionId"] = sub

    def fill(m: re.Match[str]) -> str:
        return params.get(m.group(1), m.group(0))

    path = re.sub(r"\{(\w+)\}", fill, example.template)
    return path, rewrite_ids(example.body(), sub, strings)


def missing_keys_named(expected: Any, actual: Any, ignore: set[str] | frozenset[str] = frozenset(),
                 path: str = "") -> list[str]:
    """Key paths the example's response has and ours lacks (``ignore`` holds paths documented as not modelled;
    list items appear as ``name[]``; a leading ``value[].`` of list responses is not part of the ignore path)."""
    out: list[str] = []
    bare = path[len("value[]."):] if path.startswith("value[].") else path
    if bare in ignore:
        return out
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [path or "<root>"]
        for key, value in expected.items():
            sub = f"{path}.{key}" if path else key
            sub_bare = sub[len("value[]."):] if sub.startswith("value[].") else sub
            if sub_bare in ignore:
                continue
            if key not in actual:
                out.append(sub)
                continue
            out += missing_keys_named(value, actual[key], ignore, sub)
    elif isinstance(expected, list) and expected and isinstance(expected[0], dict):
        if not isinstance(actual, list) or not actual:
            return [f"{path}[]"]
        by_name = {a.get("name"): a for a in actual if isinstance(a, dict)}
        for i, item in enumerate(expected[:3]):
            mine = by_name.get(item.get("name")) if item.get("name") in by_name else actual[min(i, len(actual) - 1)]
            out += missing_keys_named(item, mine, ignore, f"{path}[]")
    return sorted(set(out))


DEPLOYMENTS_API = "2026-06-01"


def dep_path(emu: Any, rg: str, name: str) -> str:
    return (f"/subscriptions/{emu.config.subscription_id}/resourcegroups/{rg}/providers/Microsoft.Resources/"
            f"deployments/{name}")


async def deploy(emu: Any, rg: str, name: str, template: dict[str, Any], parameters: dict[str, Any] | None = None):
    put = await call(emu, "PUT", dep_path(emu, rg, name), {"properties": {
        "mode": "Incremental", "template": template, "parameters": parameters or {}}}, DEPLOYMENTS_API)
    if put.status >= 300:
        return put, None
    for _ in range(400):
        got = await call(emu, "GET", dep_path(emu, rg, name), None, DEPLOYMENTS_API)
        if got.body["properties"]["provisioningState"] in ("Succeeded", "Failed"):
            return put, got
        await asyncio.sleep(0.02)
    raise AssertionError("deployment never finished")

"""Microsoft.ResourceGraph: ``POST /providers/Microsoft.ResourceGraph/resources`` (api-version 2021-03-01, the
one azure-mgmt-resourcegraph sends).

Request: ``query`` (the KQL subset of ``graph.parser``), ``subscriptions`` and/or ``managementGroups`` (neither:
every subscription of the tenant), ``options`` with ``$top`` (at most 1,000 rows a page, the default too),
``$skip``, ``$skipToken`` and ``resultFormat`` (``objectArray``, the default, or ``table``). Answer:
``totalRecords``, ``count``, ``resultTruncated`` (``"false"``), ``$skipToken`` while rows remain, ``data``,
``facets`` (always empty: facets are not modelled).

A query outside the subset answers 400 in Resource Graph's shape: ``BadRequest`` with the details
``InvalidQuery`` and one of ``ParserFailure``, ``UnsupportedOperator``, ``UnknownFunction``,
``InvalidFunctionCall``, ``UnknownColumn``, ``UnknownTable`` (with ``line``, ``characterPositionInLine`` and
``token``). An evaluated answer is kept (keyed by query, scope and state version) so that following
``$skipToken`` pages costs a slice, not a re-evaluation.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from plinktui.emulator import errors
from plinktui.emulator.graph.evaluate import evaluate
from plinktui.emulator.graph.parser import QueryError
from plinktui.emulator.graph.tables import SCHEMAS, TABLES
from plinktui.emulator.resource import Req, Resp

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator

PATH = "/providers/Microsoft.ResourceGraph/resources"
MAX_ROWS = 1000
"""Rows a page at most (and by default)."""
CACHE = 8


def _bad(message: str, detail_code: str, **extra: Any) -> errors.ArmError:
    correlation = str(uuid.uuid4())
    return errors.ArmError(
        f"Please provide below info when asking for support: correlationId = {correlation}. {message}",
        code="BadRequest", status=400,
        details=[{"code": "InvalidQuery", "message": "Query is invalid. Please refer to the documentation for the "
                  "Azure Resource Graph service and fix the error before retrying."},
                 {"code": detail_code, "message": message, **extra}])


def _query_error(text: str, exc: QueryError) -> errors.ArmError:
    line = text.count("\n", 0, exc.pos) + 1
    column = exc.pos - (text.rfind("\n", 0, exc.pos) + 1)
    return _bad(exc.message, exc.code, line=line, characterPositionInLine=column, token=exc.token)


def _int_option(options: dict[str, Any], key: str, low: int, high: int) -> int | None:
    value = options.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(f"The option '{key}' must be a whole number between {low} and {high}.", "InvalidOptions")
    return value


def _token(offset: int, top: int, digest: str) -> str:
    return base64.b64encode(json.dumps({"o": offset, "t": top, "q": digest}).encode()).decode()


def _untoken(token: str, digest: str) -> tuple[int, int]:
    """(offset, page size): a next page keeps the first page's ``$top`` unless the request gives one."""
    try:
        data = json.loads(base64.b64decode(token.encode(), validate=True))
        offset, top = int(data["o"]), int(data["t"])
        if data.get("q") != digest or offset < 0 or not 1 <= top <= MAX_ROWS:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise _bad("The $skipToken is not valid for this query.", "InvalidSkipToken") from None
    return offset, top


def register(emu: Emulator) -> None:
    """Mount the Resource Graph query route."""
    answers: OrderedDict[tuple[Any, ...], list[dict[str, Any]]] = OrderedDict()

    def scope(body: dict[str, Any]) -> list[str]:
        subs = body.get("subscriptions")
        groups = body.get("managementGroups")
        for name, value in (("subscriptions", subs), ("managementGroups", groups)):
            if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
                raise _bad(f"'{name}' must be a list of strings.", "InvalidScope")
        known = {s.lower(): s for s in emu.tenancy.ids}
        out: dict[str, str] = {}
        for s in subs or []:
            if s.lower() in known:
                out[s.lower()] = known[s.lower()]
        for g in groups or []:
            under = emu.tenancy.subscriptions_under(g)
            if under is None:
                raise _bad(f"The management group '{g}' was not found or the caller has no access to it.",
                           "ManagementGroupNotFound")
            out.update({s.lower(): s for s in under})
        if subs is None and groups is None:
            out = dict(known)
        if not out:
            raise _bad("None of the subscriptions in the request are accessible.",
                       "NoValidSubscriptionsInQueryRequest")
        return sorted(out)

    def rows_for(text: str, subs: list[str]) -> list[dict[str, Any]]:
        key = (text, tuple(subs), emu.store.version)
        cached = answers.get(key)
        if cached is not None:
            answers.move_to_end(key)
            return cached
        wanted = set(subs)

        def table(name: str) -> list[dict[str, Any]]:
            build = TABLES.get(name)
            if build is None:
                raise QueryError(f"the table '{name}' is not supported by this emulator", 0, "UnknownTable", name)
            return [r for r in build(emu) if str(r.get("subscriptionId", "")).lower() in wanted]

        try:
            result = evaluate(text, table, SCHEMAS)
        except QueryError as exc:
            raise _query_error(text, exc) from None
        except RecursionError:
            raise _bad("The query is nested too deeply.", "ParserFailure") from None
        answers[key] = result
        while len(answers) > CACHE:
            answers.popitem(last=False)
        return result

    async def query(req: Req) -> Resp:
        body = req.body
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            raise errors.InvalidRequestContent("The request content must be an object with a 'query' string.")
        options = body.get("options") or {}
        if not isinstance(options, dict):
            raise _bad("'options' must be an object.", "InvalidOptions")
        subs = scope(body)
        text = body["query"]
        rows = rows_for(text, subs)
        asked = _int_option(options, "$top", 1, MAX_ROWS)
        top = asked or MAX_ROWS
        skip = _int_option(options, "$skip", 0, 2**31 - 1) or 0
        digest = hashlib.sha256(json.dumps([text, subs]).encode()).hexdigest()[:16]
        token = options.get("$skipToken")
        if token:
            if not isinstance(token, str):
                raise _bad("The $skipToken must be a string.", "InvalidSkipToken")
            skip, kept = _untoken(token, digest)
            top = asked or kept
        fmt = options.get("resultFormat") or "objectArray"
        if fmt not in ("objectArray", "table"):
            raise _bad("resultFormat must be 'objectArray' or 'table'.", "InvalidOptions")
        page = rows[skip:skip + top]
        data: Any = page
        if fmt == "table":
            columns = list(dict.fromkeys(c for r in page for c in r))
            data = {"columns": [{"name": c, "type": _type_of(page, c)} for c in columns],
                    "rows": [[r.get(c) for c in columns] for r in page]}
        out: dict[str, Any] = {"totalRecords": len(rows), "count": len(page), "resultTruncated": "false"}
        if skip + top < len(rows):
            out["$skipToken"] = _token(skip + top, top, digest)
        out["data"] = data
        out["facets"] = []
        return Resp(200, out)

    emu.router.add("POST", PATH, query)


def _type_of(rows: list[dict[str, Any]], column: str) -> str:
    for r in rows:
        v = r.get(column)
        if v is None:
            continue
        if isinstance(v, bool):
            return "boolean"
        if isinstance(v, int):
            return "integer"
        if isinstance(v, float):
            return "number"
        if isinstance(v, str):
            return "string"
        return "object"
    return "string"

"""Evaluate a parsed KQL query (``graph.parser``) over tables of rows (dicts), with KQL's semantics where the subset
reaches: case-sensitive ``==``/``in``, case-insensitive ``=~``/``in~``/``has``/``contains``/``startswith``; a
missing property is null and a comparison with null is false; ``order by`` sorts descending unless ``asc``;
derived column names follow Kusto (``properties.a.b`` -> ``properties_a_b``, ``count()`` -> ``count_``,
``make_list(x)`` -> ``list_x``); ``join`` defaults to ``innerunique`` and renames clashing right columns with a
``1`` suffix.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from plinktui.emulator.graph.parser import (
    Assign,
    Binary,
    Call,
    Col,
    InList,
    Lit,
    Member,
    Op,
    Query,
    QueryError,
    Unary,
    parse,
)

Row = dict[str, Any]
Tables = Callable[[str], list[Row]]
"""Table name (lower-cased) -> its rows; raises QueryError for an unknown table."""
Schemas = dict[str, list[str]]


# -- scalar semantics -------------------------------------------------------------------------------------------------

def _s(value: Any) -> str:
    """KQL ``tostring``: strings as they are, null as '', dynamic values as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _num(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return None
    return None


def _toint(value: Any) -> int | None:
    n = _num(value)
    if n is None or (isinstance(n, float) and (math.isnan(n) or math.isinf(n))):
        return None
    return int(n)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


_WORD = re.compile(r"[A-Za-z0-9]+")


def _has(haystack: str, needle: str, cs: bool) -> bool:
    """KQL ``has``: the needle is a whole term (or terms) of the haystack."""
    if not needle:
        return True
    h, n = (haystack, needle) if cs else (haystack.lower(), needle.lower())
    for m in re.finditer(re.escape(n), h):
        before = h[m.start() - 1] if m.start() > 0 else " "
        after = h[m.end()] if m.end() < len(h) else " "
        if not (before.isalnum() and n[0].isalnum()) and not (after.isalnum() and n[-1].isalnum()):
            return True
    return False


def _string_op(op: str, left: Any, right: Any) -> bool:
    neg = op.startswith("!")
    base = op.lstrip("!")
    cs = base.endswith("_cs")
    base = base.removesuffix("_cs")
    if left is None:
        return neg
    a, b = _s(left), _s(right)
    if not cs:
        a, b = a.lower(), b.lower()
    result = {"has": lambda: _has(a, b, True), "contains": lambda: b in a, "startswith": lambda: a.startswith(b),
              "endswith": lambda: a.endswith(b), "hasprefix": lambda: any(w.startswith(b) for w in _WORD.findall(a)),
              "hassuffix": lambda: any(w.endswith(b) for w in _WORD.findall(a))}[base]()
    return not result if neg else result


def _equal(a: Any, b: Any, ci: bool) -> bool:
    if a is None or b is None:
        return False
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower() if ci else a == b
    if isinstance(a, str) or isinstance(b, str):
        if ci:
            return _s(a).lower() == _s(b).lower()
        return _s(a) == _s(b)
    na, nb = _num(a), _num(b)
    if na is not None and nb is not None:
        return na == nb
    return bool(a == b)


def _order(a: Any, b: Any) -> int | None:
    if a is None or b is None:
        return None
    na, nb = _num(a), _num(b)
    if not isinstance(a, str) and not isinstance(b, str) and na is not None and nb is not None:
        return (na > nb) - (na < nb)
    sa, sb = _s(a), _s(b)
    return (sa > sb) - (sa < sb)


def _split(args: list[Any]) -> Any:
    if len(args) not in (2, 3):
        raise QueryError("split() takes 2 or 3 arguments", code="InvalidFunctionCall")
    if args[0] is None:
        return None
    parts = _s(args[0]).split(_s(args[1])) if _s(args[1]) else [_s(args[0])]
    if len(args) == 3:
        i = _toint(args[2])
        return [parts[i]] if i is not None and -len(parts) <= i < len(parts) else []
    return parts


def _parse_json(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _substring(args: list[Any]) -> str:
    text = _s(args[0])
    start = _toint(args[1]) or 0
    if len(args) > 2:
        length = _toint(args[2]) or 0
        return text[start:start + length]
    return text[start:]


FUNCTIONS: dict[str, Callable[[list[Any]], Any]] = {
    "tolower": lambda a: None if a[0] is None else _s(a[0]).lower(),
    "toupper": lambda a: None if a[0] is None else _s(a[0]).upper(),
    "tostring": lambda a: _s(a[0]),
    "toint": lambda a: _toint(a[0]),
    "tolong": lambda a: _toint(a[0]),
    "todouble": lambda a: None if _num(a[0]) is None else float(_num(a[0]) or 0),
    "toreal": lambda a: None if _num(a[0]) is None else float(_num(a[0]) or 0),
    "tobool": lambda a: a[0] if isinstance(a[0], bool) else ({"true": True, "false": False}.get(_s(a[0]).lower())),
    "split": _split,
    "strcat": lambda a: "".join(_s(x) for x in a),
    "strlen": lambda a: len(_s(a[0])),
    "substring": _substring,
    "trim": lambda a: _s(a[1]).strip(_s(a[0])) if len(a) == 2 else _s(a[0]).strip(),
    "parse_json": lambda a: _parse_json(a[0]),
    "todynamic": lambda a: _parse_json(a[0]),
    "iff": lambda a: a[1] if a[0] is True else a[2],
    "iif": lambda a: a[1] if a[0] is True else a[2],
    "coalesce": lambda a: next((x for x in a if not (x is None or x == "")), None),
    "array_length": lambda a: len(a[0]) if isinstance(a[0], list) else None,
    "isempty": lambda a: _empty(a[0]),
    "isnotempty": lambda a: not _empty(a[0]),
    "isnull": lambda a: a[0] is None,
    "isnotnull": lambda a: a[0] is not None,
    "not": lambda a: a[0] is not True,
    "pack_array": lambda a: list(a),
    "bag_keys": lambda a: list(a[0]) if isinstance(a[0], dict) else None,
}
"""Scalar functions of the subset, over already evaluated arguments."""

ARITY = {"tolower": 1, "toupper": 1, "tostring": 1, "toint": 1, "tolong": 1, "todouble": 1, "toreal": 1,
         "tobool": 1, "strlen": 1, "parse_json": 1, "todynamic": 1, "iff": 3, "iif": 3, "array_length": 1,
         "isempty": 1, "isnotempty": 1, "isnull": 1, "isnotnull": 1, "not": 1, "bag_keys": 1}

AGGREGATES = {"count", "countif", "dcount", "make_list", "make_set", "sum", "min", "max", "any", "take_any", "avg"}
AGG_PREFIX = {"count": "count_", "countif": "countif_", "dcount": "dcount_", "make_list": "list_",
              "make_set": "set_", "sum": "sum_", "min": "min_", "max": "max_", "any": "any_", "take_any": "any_",
              "avg": "avg_"}


def scalar(e: Any, row: Row) -> Any:
    """The value of an expression on one row."""
    if isinstance(e, Lit):
        return e.value
    if isinstance(e, Col):
        if e.name in row:
            return row[e.name]
        raise QueryError(f"the name '{e.name}' does not refer to any known column", code="UnknownColumn",
                         token=e.name)
    if isinstance(e, Member):
        base = scalar(e.target, row)
        if isinstance(e.key, int):
            return base[e.key] if isinstance(base, list) and -len(base) <= e.key < len(base) else None
        if isinstance(base, dict):
            if e.key in base:
                return base[e.key]
            low = e.key.lower()  # ARG property names are matched case-insensitively on dynamic bags
            return next((v for k, v in base.items() if k.lower() == low), None)
        return None
    if isinstance(e, Binary):
        return _binary(e, row)
    if isinstance(e, InList):
        left = scalar(e.left, row)
        if left is None:
            return False  # like == and !=: a comparison with null is false, negated or not
        values: list[Any] = []
        for item in e.items:
            v = scalar(item, row)
            values.extend(v if isinstance(v, list) else [v])
        ci = e.op.endswith("~")
        found = any(_equal(left, v, ci) for v in values)
        return not found if e.op.startswith("!") else found
    if isinstance(e, Unary):
        v = _num(scalar(e.operand, row))
        return None if v is None else -v
    if isinstance(e, Call):
        return _call(e, row)
    raise QueryError("unsupported expression", code="ParserFailure")


def _binary(e: Binary, row: Row) -> Any:
    if e.op == "and":
        return scalar(e.left, row) is True and scalar(e.right, row) is True
    if e.op == "or":
        return scalar(e.left, row) is True or scalar(e.right, row) is True
    a, b = scalar(e.left, row), scalar(e.right, row)
    if e.op in ("==", "=~"):
        return _equal(a, b, e.op == "=~")
    if e.op in ("!=", "!~"):
        return a is not None and b is not None and not _equal(a, b, e.op == "!~")
    if e.op in ("<", "<=", ">", ">="):
        c = _order(a, b)
        if c is None:
            return False
        return {"<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[e.op]
    if e.op in ("+", "-", "*", "/", "%"):
        x, y = _num(a), _num(b)
        if x is None or y is None:
            return None
        if e.op in ("/", "%") and y == 0:
            return None
        if e.op == "/":
            return x // y if isinstance(x, int) and isinstance(y, int) else x / y
        return {"+": x + y, "-": x - y, "*": x * y, "%": x % y}[e.op]
    return _string_op(e.op, a, b)


def _call(e: Call, row: Row) -> Any:
    if e.name in AGGREGATES:
        raise QueryError(f"the aggregate '{e.name}()' is only allowed in summarize", e.pos, "InvalidFunctionCall",
                         e.name)
    fn = FUNCTIONS.get(e.name)
    if fn is None:
        raise QueryError(f"the function '{e.name}' is not supported by this emulator", e.pos, "UnknownFunction",
                         e.name)
    want = ARITY.get(e.name)
    if want is not None and len(e.args) != want:
        raise QueryError(f"{e.name}() takes {want} argument(s), got {len(e.args)}", e.pos, "InvalidFunctionCall",
                         e.name)
    if e.name in ("iff", "iif"):  # lazy: only the branch taken is evaluated
        return scalar(e.args[1], row) if scalar(e.args[0], row) is True else scalar(e.args[2], row)
    return fn([scalar(a, row) for a in e.args])


# -- column names -----------------------------------------------------------------------------------------------------

def derived_name(e: Any, index: int) -> str:
    """Kusto's name for an unnamed column."""
    if isinstance(e, Col):
        return e.name
    if isinstance(e, Member):
        base = derived_name(e.target, index)
        return f"{base}_{e.key}" if not base.startswith("Column") else f"Column{index}"
    if isinstance(e, Call):
        if e.name in AGG_PREFIX:
            arg = derived_name(e.args[0], index) if e.args and not isinstance(e.args[0], Binary) else ""
            return AGG_PREFIX[e.name] + ("" if e.name in ("count", "countif") else arg)
        if len(e.args) == 1 and isinstance(e.args[0], Col | Member):
            return derived_name(e.args[0], index)
    return f"Column{index}"


# -- tabular operators ------------------------------------------------------------------------------------------------

def _assign_all(items: list[Assign], row: Row) -> list[tuple[str, Any]]:
    return [(a.name or derived_name(a.expr, i + 1), scalar(a.expr, row)) for i, a in enumerate(items)]


def _where(rows: list[Row], op: Op) -> list[Row]:
    pred = op.args["pred"]
    fast = _column_test(pred)
    if fast is not None:  # `column =~ 'x'` / `column in~ (...)`: the commonest filter, without the tree walk
        name, wanted = fast
        return [r for r in rows if (r[name].lower() in wanted if isinstance(r.get(name), str)
                                    else scalar(pred, r) is True)]
    return [r for r in rows if scalar(pred, r) is True]


def _column_test(pred: Any) -> tuple[str, set[str]] | None:
    """``(column, lower-cased strings)`` when the predicate is ``col =~ 'lit'`` or ``col in~ ('lit', ...)``."""
    if isinstance(pred, Binary) and pred.op == "=~" and isinstance(pred.left, Col) and isinstance(pred.right, Lit) \
            and isinstance(pred.right.value, str):
        return pred.left.name, {pred.right.value.lower()}
    if isinstance(pred, InList) and pred.op == "in~" and isinstance(pred.left, Col) and pred.items and all(
            isinstance(i, Lit) and isinstance(i.value, str) for i in pred.items):
        return pred.left.name, {i.value.lower() for i in pred.items}
    return None


def _project(rows: list[Row], op: Op) -> list[Row]:
    return [dict(_assign_all(op.args["items"], r)) for r in rows]


def _extend(rows: list[Row], op: Op) -> list[Row]:
    out = []
    for r in rows:
        new = dict(r)
        for name, value in _assign_all(op.args["items"], r):
            new[name] = value
        out.append(new)
    return out


def _project_away(rows: list[Row], op: Op) -> list[Row]:
    drop = set(op.args["names"])
    return [{k: v for k, v in r.items() if k not in drop} for r in rows]


def _mv_expand(rows: list[Row], op: Op) -> list[Row]:
    items: list[Assign] = op.args["items"]
    if len(items) != 1:
        raise QueryError("mv-expand of several columns is not supported by this emulator", code="UnsupportedOperator")
    item = items[0]
    name = item.name or derived_name(item.expr, 1)
    out = []
    for r in rows:
        value = scalar(item.expr, r)
        values = value if isinstance(value, list) else (
            [{k: v} for k, v in value.items()] if isinstance(value, dict) else [value])
        for v in values or [None]:  # an empty array keeps its row, with an empty value (guess; see docs)
            new = dict(r)
            new[name] = v
            out.append(new)
    return out


def _aggregate(call: Call, group: list[Row]) -> Any:
    name = call.name
    if name == "count":
        return len(group)
    if name == "countif":
        return sum(1 for r in group if scalar(call.args[0], r) is True)
    values = [scalar(call.args[0], r) for r in group] if call.args else []
    present = [v for v in values if v is not None]
    if name == "dcount":
        return len({_s(v) for v in present})
    if name == "make_list":
        return present
    if name == "make_set":
        seen: dict[str, Any] = {}
        for v in present:
            seen.setdefault(_s(v), v)
        return list(seen.values())
    if name in ("any", "take_any"):
        return present[0] if present else None
    nums = [n for n in (_num(v) for v in present) if n is not None]
    if name == "sum":
        return sum(nums)
    if name == "avg":
        return sum(nums) / len(nums) if nums else None
    ordered = [v for v in present]
    if not ordered:
        return None
    if nums and len(nums) == len(present):
        return min(nums) if name == "min" else max(nums)
    return min(ordered, key=_s) if name == "min" else max(ordered, key=_s)


def _summarize(rows: list[Row], op: Op) -> list[Row]:
    aggs: list[Assign] = op.args["aggs"]
    by: list[Assign] = op.args["by"]
    for a in aggs:
        if not isinstance(a.expr, Call) or a.expr.name not in AGGREGATES:
            raise QueryError("summarize takes aggregation functions (count(), make_list(), ...)",
                             code="InvalidFunctionCall")
    groups: dict[tuple[str, ...], tuple[list[tuple[str, Any]], list[Row]]] = {}
    for r in rows:
        keys = _assign_all(by, r)
        groups.setdefault(tuple(_s(v) for _, v in keys), (keys, []))[1].append(r)
    if not by and not groups:
        groups[()] = ([], [])
    out = []
    for keys, group in groups.values():
        row = dict(keys)
        for i, a in enumerate(aggs):
            row[a.name or derived_name(a.expr, i + 1)] = _aggregate(a.expr, group)
        out.append(row)
    return out


def _sort(rows: list[Row], keys: list[tuple[Any, bool]]) -> list[Row]:
    import functools

    def cmp(x: Row, y: Row) -> int:
        for e, desc in keys:
            a, b = scalar(e, x), scalar(e, y)
            if a is None or b is None:
                if a is None and b is None:
                    continue
                # nulls last when descending, first when ascending (Kusto's default)
                return (1 if a is None else -1) if desc else (-1 if a is None else 1)
            c = _order(a, b) or 0
            if c:
                return -c if desc else c
        return 0

    return sorted(rows, key=functools.cmp_to_key(cmp))


def _renamed(taken: dict[str, Any] | list[str], name: str) -> str:
    """Kusto's name for a right-side column that clashes: ``id`` -> ``id1`` -> ``id2``."""
    while name in taken:
        name = name + "1" if not name[-1].isdigit() else name[:-1] + str(int(name[-1]) + 1)
    return name


def _join(rows: list[Row], cols: list[str], op: Op, tables: Tables, schemas: Schemas) -> tuple[list[Row], list[str]]:
    right, right_cols = run(op.args["right"], tables, schemas)
    keys: list[tuple[str, str]] = op.args["keys"]
    for left_key, right_key in keys:
        if left_key not in cols or right_key not in right_cols:
            missing = left_key if left_key not in cols else right_key
            raise QueryError(f"the join key '{missing}' does not refer to any known column", code="UnknownColumn",
                             token=missing)

    def key_of(r: Row, side: int) -> tuple[str, ...] | None:
        vals = [r.get(k[side]) for k in keys]
        return None if any(v is None for v in vals) else tuple(_s(v) for v in vals)

    index: dict[tuple[str, ...], list[Row]] = {}
    for r in right:
        k = key_of(r, 1)
        if k is not None:
            index.setdefault(k, []).append(r)
    kind = op.args["kind"]
    if kind == "innerunique":
        seen: set[tuple[str, ...]] = set()
        unique = []
        for r in rows:
            k = key_of(r, 0)
            if k is not None and k in seen:
                continue
            if k is not None:
                seen.add(k)
            unique.append(r)
        rows = unique
    out_cols = list(cols)
    names: dict[str, str] = {}
    for c in right_cols:
        names[c] = _renamed(out_cols, c)
        out_cols.append(names[c])
    empty = dict.fromkeys(right_cols)
    out = []
    for r in rows:
        k = key_of(r, 0)
        matches = index.get(k, []) if k is not None else []
        if not matches and kind == "leftouter":
            matches = [empty]
        for m in matches:
            merged = dict(r)
            for c in right_cols:
                merged[names[c]] = m.get(c)
            out.append(merged)
    return out, out_cols


def _distinct(rows: list[Row], op: Op) -> list[Row]:
    seen: dict[tuple[str, ...], Row] = {}
    for r in rows:
        new = dict(_assign_all(op.args["items"], r))
        seen.setdefault(tuple(_s(v) for v in new.values()), new)
    return list(seen.values())


def _union(parts: list[tuple[list[Row], list[str]]]) -> tuple[list[Row], list[str]]:
    """Rows of every part under the union of their columns (a column a part lacks is null in its rows)."""
    cols = list(dict.fromkeys(c for _, part_cols in parts for c in part_cols))
    rows = []
    for part_rows, part_cols in parts:
        fill = [c for c in cols if c not in part_cols]
        for r in part_rows:
            rows.append({**r, **dict.fromkeys(fill)} if fill else r)
    return rows, cols


def _names(items: list[Assign]) -> list[str]:
    return [a.name or derived_name(a.expr, i + 1) for i, a in enumerate(items)]


def run(query: Query, tables: Tables, schemas: Schemas | None = None) -> tuple[list[Row], list[str]]:
    """Evaluate a parsed query: its rows and its columns (the schema, known even when there are no rows)."""
    schemas = schemas or {}
    if isinstance(query.source, Op):
        rows, cols = _union([run(q, tables, schemas) for q in query.source.args["sources"]])
    else:
        name = str(query.source).lower()
        rows = list(tables(name))  # operators build new rows; a table's rows are never changed
        cols = list(schemas.get(name) or (rows[0].keys() if rows else []))
    for op in query.ops:
        k = op.kind
        if k == "where":
            rows = _where(rows, op)
        elif k == "project":
            rows, cols = _project(rows, op), _names(op.args["items"])
        elif k == "extend":
            rows = _extend(rows, op)
            cols = list(dict.fromkeys([*cols, *_names(op.args["items"])]))
        elif k == "project-away":
            rows = _project_away(rows, op)
            cols = [c for c in cols if c not in set(op.args["names"])]
        elif k == "mv-expand":
            rows = _mv_expand(rows, op)
            cols = list(dict.fromkeys([*cols, *_names(op.args["items"])]))
        elif k == "summarize":
            rows = _summarize(rows, op)
            cols = [*_names(op.args["by"]), *_names(op.args["aggs"])]
        elif k == "join":
            rows, cols = _join(rows, cols, op, tables, schemas)
        elif k == "union":
            rows, cols = _union([(rows, cols), *(run(q, tables, schemas) for q in op.args["sources"])])
        elif k == "order":
            rows = _sort(rows, op.args["keys"])
        elif k == "top":
            rows = _sort(rows, op.args["keys"])[: op.args["n"]]
        elif k == "limit":
            rows = rows[: op.args["n"]]
        elif k == "distinct":
            rows, cols = _distinct(rows, op), _names(op.args["items"])
        elif k == "count":
            rows, cols = [{"Count": len(rows)}], ["Count"]
    return rows, cols


def evaluate(text: str, tables: Tables, schemas: Schemas | None = None) -> list[Row]:
    """Parse and evaluate a query of the subset over ``tables`` (raises QueryError).

    ``schemas``: table name -> its columns, so that a query over an empty table still knows them.
    """
    return run(parse(text), tables, schemas)[0]

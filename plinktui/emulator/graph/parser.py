"""A hand-written tokenizer and recursive-descent parser for the KQL subset the emulated Resource Graph answers.

The subset (docs/resource-graph.md lists it): a table (``resources``, ``resourcecontainers``) or ``union``, then
``| where``, ``project``, ``project-away``, ``extend``, ``mv-expand``, ``summarize ... by``, ``join kind=inner|
leftouter|innerunique``, ``union``, ``order by``/``sort by``, ``top``, ``limit``/``take``, ``distinct``, ``count``;
expressions with ``and``/``or``, comparisons, ``=~``/``!~``, ``in``/``in~``/``!in``/``!in~``, ``has``,
``contains``, ``startswith``, ``endswith`` (and their ``!``/``_cs`` forms), arithmetic, member access
(``properties.a.b``, ``x['k']``, ``x[0]``), ``dynamic([...])`` literals and function calls. Anything else raises
``QueryError`` with the position, which the provider turns into Resource Graph's error shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


class QueryError(Exception):
    """A query outside the subset or malformed: ``code`` is Resource Graph's detail code."""

    def __init__(self, message: str, pos: int = 0, code: str = "ParserFailure", token: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.code = code
        self.token = token


# -- tokens -----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tok:
    kind: str
    """name | str | num | op | end"""
    value: Any
    pos: int


_OPS = ("!in~", "!has", "!~", "=~", "in~", "==", "!=", "<=", ">=", "<", ">", "=", "(", ")", "[", "]", ",", ".",
        "|", "+", "-", "*", "/", "%", "$")


def tokenize(text: str) -> list[Tok]:
    """Split a query into tokens; names may contain ``-`` only for the operators that have one (``project-away``,
    ``mv-expand``, ``has_cs`` style names use ``_``)."""
    out: list[Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c == "/" and text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        if c in "'\"" or (c == "@" and i + 1 < n and text[i + 1] in "'\""):
            verbatim = c == "@"
            start = i
            if verbatim:
                i += 1
            quote = text[i]
            i += 1
            buf = []
            while True:
                if i >= n:
                    raise QueryError("unterminated string literal", start)
                ch = text[i]
                if ch == quote:
                    i += 1
                    break
                if ch == "\\" and not verbatim and i + 1 < n:
                    nxt = text[i + 1]
                    buf.append({"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"'}.get(nxt, "\\" + nxt))
                    i += 2
                    continue
                buf.append(ch)
                i += 1
            out.append(Tok("str", "".join(buf), start))
            continue
        if c.isdigit():
            start = i
            while i < n and (text[i].isdigit() or text[i] == "."):
                if text[i] == "." and not (i + 1 < n and text[i + 1].isdigit()):
                    break
                i += 1
            raw = text[start:i]
            out.append(Tok("num", float(raw) if "." in raw else int(raw), start))
            continue
        if c.isalpha() or c == "_":
            start = i
            while i < n and (text[i].isalnum() or text[i] == "_"):
                i += 1
            word = text[start:i]
            # project-away, mv-expand, project-rename...: a dash joins two words only for these operator names.
            if i < n and text[i] == "-" and word.lower() in ("project", "mv"):
                j = i + 1
                while j < n and (text[j].isalnum() or text[j] == "_"):
                    j += 1
                word, i = text[start:j], j
            # in~ / !in~ are operators, written without spaces
            if word.lower() == "in" and i < n and text[i] == "~":
                out.append(Tok("op", "in~", start))
                i += 1
                continue
            out.append(Tok("name", word, start))
            continue
        if c == "!" and text[i + 1:i + 3].lower() == "in" and not (i + 3 < n and (text[i + 3].isalnum())):
            if i + 3 < n and text[i + 3] == "~":
                out.append(Tok("op", "!in~", i))
                i += 4
            else:
                out.append(Tok("op", "!in", i))
                i += 3
            continue
        if c == "!" and i + 1 < n and text[i + 1].isalpha():
            start = i
            i += 1
            while i < n and (text[i].isalnum() or text[i] == "_"):
                i += 1
            out.append(Tok("name", text[start:i], start))  # !has, !contains, !startswith ...
            continue
        for op in _OPS:
            if text.startswith(op, i):
                out.append(Tok("op", op, i))
                i += len(op)
                break
        else:
            raise QueryError(f"unexpected character {c!r}", i, token=c)
    out.append(Tok("end", None, n))
    return out


# -- syntax tree ------------------------------------------------------------------------------------------------------

@dataclass
class Lit:
    value: Any


@dataclass
class Col:
    name: str


@dataclass
class Member:
    target: Any
    key: Any
    """A str (``.name`` / ``['name']``) or an int (``[0]``)."""


@dataclass
class Call:
    name: str
    args: list[Any]
    pos: int = 0


@dataclass
class Unary:
    op: str
    operand: Any


@dataclass
class Binary:
    op: str
    left: Any
    right: Any


@dataclass
class InList:
    op: str
    left: Any
    items: list[Any]


@dataclass
class Assign:
    """``name = expr`` in project/extend/summarize, or a bare expression (name None: derived)."""

    name: str | None
    expr: Any


@dataclass
class Op:
    """One tabular operator: ``kind`` and its parts."""

    kind: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Query:
    source: Any
    """A table name (str) or a ``union`` Op."""
    ops: list[Op]


STRING_OPS = {"has", "has_cs", "contains", "contains_cs", "startswith", "startswith_cs", "endswith", "endswith_cs",
              "hasprefix", "hassuffix"}
NEGATED = {"!" + op for op in STRING_OPS}
COMPARE = {"==", "!=", "=~", "!~", "<", "<=", ">", ">="}
DEFAULT_TABLE = "resources"
"""The table of a query that names none (Resource Graph's default)."""
TABULAR = {"where", "project", "project-away", "extend", "mv-expand", "summarize", "join", "union", "order", "sort",
           "top", "limit", "take", "distinct", "count"}


class Parser:
    """Recursive descent over the token list."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokenize(text)
        self.i = 0

    # -- token helpers
    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def peek(self, offset: int = 1) -> Tok:
        return self.toks[min(self.i + offset, len(self.toks) - 1)]

    def next(self) -> Tok:
        t = self.tok
        self.i += 1
        return t

    def is_op(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.value in ops

    def is_word(self, *words: str) -> bool:
        return self.tok.kind == "name" and str(self.tok.value).lower() in words

    def expect_op(self, op: str) -> Tok:
        if not self.is_op(op):
            self.fail(f"expected '{op}'")
        return self.next()

    def expect_word(self, word: str) -> Tok:
        if not self.is_word(word):
            self.fail(f"expected '{word}'")
        return self.next()

    def name(self) -> str:
        if self.tok.kind == "name":
            return str(self.next().value)
        if self.is_op("[") and self.peek().kind == "str":  # ['column name']
            self.next()
            value = str(self.next().value)
            self.expect_op("]")
            return value
        self.fail("expected a name")
        raise AssertionError

    def fail(self, message: str, code: str = "ParserFailure") -> None:
        t = self.tok
        token = "<end of query>" if t.kind == "end" else str(t.value)
        raise QueryError(f"{message} near {token!r}", t.pos, code, token)

    # -- query
    def parse(self) -> Query:
        query = self.query()
        if self.tok.kind != "end":
            self.fail("unexpected text after the query")
        return query

    def query(self) -> Query:
        ops = []
        if self.is_word("union"):
            self.next()
            source: Any = Op("union", {"sources": self.union_sources()})
        elif self.is_op("|") or (self.tok.kind == "name" and str(self.tok.value).lower() in TABULAR - {"union"}):
            # Resource Graph's default table: a query may start with its first operator
            source = DEFAULT_TABLE
            if self.is_op("|"):
                self.next()
            ops.append(self.operator())
        elif self.tok.kind == "name":
            source = self.next().value
        else:
            self.fail("a query starts with a table name")
            raise AssertionError
        while self.is_op("|"):
            self.next()
            ops.append(self.operator())
        return Query(source, ops)

    def union_sources(self) -> list[Query]:
        if self.is_word("kind"):
            self.next()
            self.expect_op("=")
            self.name()
        sources = [self.union_source()]
        while self.is_op(","):
            self.next()
            sources.append(self.union_source())
        return sources

    def union_source(self) -> Query:
        if self.is_op("("):
            self.next()
            q = self.query()
            self.expect_op(")")
            return q
        if self.tok.kind == "name":
            return Query(self.next().value, [])
        self.fail("union takes tables or (subqueries)")
        raise AssertionError

    def operator(self) -> Op:
        if self.tok.kind != "name":
            self.fail("expected a tabular operator")
        word = str(self.tok.value).lower()
        if word not in TABULAR:
            self.fail(f"the operator '{self.tok.value}' is not supported by this emulator", "UnsupportedOperator")
        self.next()
        if word == "where":
            return Op("where", {"pred": self.expr()})
        if word in ("project", "extend"):
            return Op(word, {"items": self.assignments()})
        if word == "project-away":
            names = [self.name()]
            while self.is_op(","):
                self.next()
                names.append(self.name())
            return Op("project-away", {"names": names})
        if word == "mv-expand":
            return Op("mv-expand", {"items": self.assignments()})
        if word == "summarize":
            aggs = [] if self.is_word("by") else self.assignments()
            by = []
            if self.is_word("by"):
                self.next()
                by = self.assignments()
            return Op("summarize", {"aggs": aggs, "by": by})
        if word == "join":
            kind = "innerunique"
            if self.is_word("kind"):
                self.next()
                self.expect_op("=")
                kind = self.name().lower()
                if kind not in ("inner", "leftouter", "innerunique"):
                    raise QueryError(f"join kind '{kind}' is not supported by this emulator",
                                     self.toks[self.i - 1].pos, "UnsupportedOperator", kind)
            self.expect_op("(")
            right = self.query()
            self.expect_op(")")
            self.expect_word("on")
            keys = [self.join_key()]
            while self.is_op(","):
                self.next()
                keys.append(self.join_key())
            return Op("join", {"kind": kind, "right": right, "keys": keys})
        if word == "union":
            return Op("union", {"sources": self.union_sources()})
        if word in ("order", "sort"):
            self.expect_word("by")
            return Op("order", {"keys": self.sort_keys()})
        if word == "top":
            n = self.count_arg()
            self.expect_word("by")
            return Op("top", {"n": n, "keys": self.sort_keys()})
        if word in ("limit", "take"):
            return Op("limit", {"n": self.count_arg()})
        if word == "distinct":
            return Op("distinct", {"items": self.assignments()})
        return Op("count")

    def count_arg(self) -> int:
        t = self.tok
        if t.kind != "num" or not isinstance(t.value, int):
            self.fail("expected a whole number")
        return int(self.next().value)

    def join_key(self) -> tuple[str, str]:
        if self.is_op("$"):
            left = self.side("left")
            self.expect_op("==")
            right = self.side("right")
            return left, right
        name = self.name()
        return name, name

    def side(self, which: str) -> str:
        self.expect_op("$")
        self.expect_word(which)
        self.expect_op(".")
        return self.name()

    def sort_keys(self) -> list[tuple[Any, bool]]:
        keys = [self.sort_key()]
        while self.is_op(","):
            self.next()
            keys.append(self.sort_key())
        return keys

    def sort_key(self) -> tuple[Any, bool]:
        e = self.expr()
        desc = True  # KQL sorts descending unless told otherwise
        if self.is_word("asc", "desc"):
            desc = self.next().value.lower() == "desc"
        if self.is_word("nulls"):
            self.next()
            self.name()
        return e, desc

    def assignments(self) -> list[Assign]:
        items = [self.assignment()]
        while self.is_op(","):
            self.next()
            items.append(self.assignment())
        return items

    def assignment(self) -> Assign:
        if (self.tok.kind == "name" and self.peek().kind == "op" and self.peek().value == "=") or (
                self.is_op("[") and self.peek().kind == "str" and self.peek(2).kind == "op"
                and self.peek(2).value == "]" and self.peek(3).kind == "op" and self.peek(3).value == "="):
            name = self.name()
            self.expect_op("=")
            return Assign(name, self.expr())
        return Assign(None, self.expr())

    # -- expressions
    def expr(self) -> Any:
        return self.or_expr()

    def or_expr(self) -> Any:
        left = self.and_expr()
        while self.is_word("or"):
            self.next()
            left = Binary("or", left, self.and_expr())
        return left

    def and_expr(self) -> Any:
        left = self.compare()
        while self.is_word("and"):
            self.next()
            left = Binary("and", left, self.compare())
        return left

    def compare(self) -> Any:
        left = self.additive()
        t = self.tok
        if t.kind == "op" and t.value in COMPARE:
            self.next()
            return Binary(t.value, left, self.additive())
        if t.kind == "op" and t.value in ("in~", "!in", "!in~") or self.is_word("in"):
            op = str(self.next().value).lower()
            self.expect_op("(")
            items = [] if self.is_op(")") else [self.expr()]
            while self.is_op(","):
                self.next()
                items.append(self.expr())
            self.expect_op(")")
            return InList(op, left, items)
        if t.kind == "name" and str(t.value).lower() in STRING_OPS | NEGATED:
            self.next()
            return Binary(str(t.value).lower(), left, self.additive())
        if t.kind == "name" and str(t.value).lower() in ("matches", "between", "has_any", "has_all"):
            self.fail(f"the operator '{t.value}' is not supported by this emulator", "UnsupportedOperator")
        return left

    def additive(self) -> Any:
        left = self.multiplicative()
        while self.is_op("+", "-"):
            op = self.next().value
            left = Binary(op, left, self.multiplicative())
        return left

    def multiplicative(self) -> Any:
        left = self.unary()
        while self.is_op("*", "/", "%"):
            op = self.next().value
            left = Binary(op, left, self.unary())
        return left

    def unary(self) -> Any:
        if self.is_op("-"):
            self.next()
            return Unary("-", self.unary())
        return self.postfix()

    def postfix(self) -> Any:
        e = self.primary()
        while True:
            if self.is_op("."):
                self.next()
                e = Member(e, self.name())
            elif self.is_op("["):
                self.next()
                k = self.tok
                if k.kind == "str":
                    key: Any = self.next().value
                elif k.kind == "num" and isinstance(k.value, int):
                    key = self.next().value
                elif self.is_op("-") and self.peek().kind == "num":
                    self.next()
                    key = -int(self.next().value)
                else:
                    self.fail("an index is a string or a whole number")
                    raise AssertionError
                self.expect_op("]")
                e = Member(e, key)
            else:
                return e

    def primary(self) -> Any:
        t = self.tok
        if t.kind in ("str", "num"):
            self.next()
            return Lit(t.value)
        if self.is_op("("):
            self.next()
            e = self.expr()
            self.expect_op(")")
            return e
        if self.is_op("["):
            return Col(self.name())
        if t.kind == "name":
            word = str(t.value)
            low = word.lower()
            if low in ("true", "false") and not (self.peek().kind == "op" and self.peek().value == "("):
                self.next()
                return Lit(low == "true")
            if low == "null":
                self.next()
                return Lit(None)
            self.next()
            if self.is_op("("):
                if low == "dynamic":
                    return Lit(self.dynamic_literal())
                self.next()
                args = [] if self.is_op(")") else [self.expr()]
                while self.is_op(","):
                    self.next()
                    args.append(self.expr())
                self.expect_op(")")
                return Call(low, args, t.pos)
            return Col(word)
        self.fail("expected an expression")
        raise AssertionError

    def dynamic_literal(self) -> Any:
        """``dynamic(<JSON>)``: the text between the parentheses, read as JSON (single quotes allowed)."""
        open_tok = self.expect_op("(")
        depth, j = 1, self.i
        while depth and self.toks[j].kind != "end":
            if self.toks[j].kind == "op" and self.toks[j].value == "(":
                depth += 1
            elif self.toks[j].kind == "op" and self.toks[j].value == ")":
                depth -= 1
            j += 1
        if depth:
            self.fail("unterminated dynamic(...)")
        close = self.toks[j - 1]
        raw = self.text[open_tok.pos + 1:close.pos].strip()
        self.i = j
        if raw in ("", "null"):
            return None
        try:
            return json.loads(_single_to_double(raw))
        except ValueError:
            raise QueryError("dynamic(...) must hold a JSON value", open_tok.pos, token=raw[:40]) from None


def _single_to_double(raw: str) -> str:
    """KQL dynamic literals accept 'single-quoted' strings; JSON does not."""
    out, quote = [], None
    for ch in raw:
        if quote is None and ch == "'":
            out.append('"')
            quote = "'"
        elif quote == "'" and ch == "'":
            out.append('"')
            quote = None
        elif quote is None and ch == '"':
            out.append(ch)
            quote = '"'
        elif quote == '"' and ch == '"':
            out.append(ch)
            quote = None
        else:
            out.append(ch)
    return "".join(out)


def parse(text: str) -> Query:
    """Parse a query of the subset (raises QueryError)."""
    if not isinstance(text, str) or not text.strip():
        raise QueryError("the query is empty", 0)
    return Parser(text).parse()

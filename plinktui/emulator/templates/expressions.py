"""ARM template language expressions: parse ``"[func(args).prop[0]]"`` into a tree and evaluate it.

Grammar (the documented subset that deployment templates use)::

    expression := primary ( "." identifier | "[" expression "]" )*
    primary    := identifier "(" [ expression ( "," expression )* ] ")" | 'string' | number

A JSON string is an expression when it starts with ``[`` and ends with ``]``; ``[[`` at the start escapes a literal
``[``. Strings use single quotes, a quote inside is doubled (``'it''s'``). Function names and property names are
case-insensitive, as in ARM. Evaluation is delegated to a function table (:mod:`.functions`); an unknown function is
an ``InvalidTemplate`` error that names it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


class TemplateError(Exception):
    """A template that cannot be processed; becomes ARM's ``InvalidTemplate`` (or ``code`` when given)."""

    def __init__(self, message: str, code: str = "InvalidTemplate") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Call:
    """``name(args...)``."""

    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Literal:
    """A string or number."""

    value: Any


@dataclass(frozen=True)
class Member:
    """``target.name`` (property access, case-insensitive)."""

    target: Node
    name: str


@dataclass(frozen=True)
class Index:
    """``target[index]``."""

    target: Node
    index: Node


Node = Call | Literal | Member | Index


def is_expression(text: Any) -> bool:
    """Whether a JSON value is a template expression (not an escaped ``[[`` literal)."""
    return isinstance(text, str) and len(text) >= 2 and text[0] == "[" and text[-1] == "]" and text[1] != "["


def unescape(text: str) -> str:
    """A non-expression string as ARM reads it: a leading ``[[`` stands for ``[``."""
    return text[1:] if text.startswith("[[") and text.endswith("]") else text


def _tokens(src: str) -> Iterator[tuple[str, Any, int]]:
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c.isspace():
            i += 1
        elif c in "().,[]":
            yield c, c, i
            i += 1
        elif c == "'":
            j, out = i + 1, []
            while True:
                if j >= n:
                    raise TemplateError(f"The language expression '{src}' is not valid: a string is not closed.")
                if src[j] == "'":
                    if j + 1 < n and src[j + 1] == "'":
                        out.append("'")
                        j += 2
                        continue
                    break
                out.append(src[j])
                j += 1
            yield "str", "".join(out), i
            i = j + 1
        elif c.isdigit() or (c == "-" and i + 1 < n and src[i + 1].isdigit()):
            j = i + 1
            while j < n and (src[j].isdigit() or src[j] == "."):
                j += 1
            text = src[i:j]
            yield "num", float(text) if "." in text else int(text), i
            i = j
        elif c.isalpha() or c in "_$":
            j = i + 1
            while j < n and (src[j].isalnum() or src[j] in "_$"):
                j += 1
            yield "id", src[i:j], i
            i = j
        else:
            raise TemplateError(f"The language expression '{src}' is not valid: unexpected character '{c}' at "
                                f"position {i}.")


class _Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.toks = list(_tokens(src))
        self.pos = 0

    def peek(self) -> str | None:
        return self.toks[self.pos][0] if self.pos < len(self.toks) else None

    def take(self, kind: str) -> Any:
        if self.peek() != kind:
            where = self.toks[self.pos][2] if self.pos < len(self.toks) else len(self.src)
            raise TemplateError(f"The language expression '{self.src}' is not valid: expected '{kind}' at position "
                                f"{where}.")
        tok = self.toks[self.pos]
        self.pos += 1
        return tok[1]

    def expression(self) -> Node:
        node = self.primary()
        while self.peek() in (".", "["):
            if self.peek() == ".":
                self.take(".")
                node = Member(node, self.take("id"))
            else:
                self.take("[")
                node = Index(node, self.expression())
                self.take("]")
        return node

    def primary(self) -> Node:
        kind = self.peek()
        if kind == "str":
            return Literal(self.take("str"))
        if kind == "num":
            return Literal(self.take("num"))
        if kind == "id":
            name = self.take("id")
            while self.peek() == "." and self.pos + 1 < len(self.toks) and self.toks[self.pos + 1][0] == "id" \
                    and self.pos + 2 < len(self.toks) and self.toks[self.pos + 2][0] == "(":
                self.take(".")  # a user-defined function's namespace: ns.func(...)
                name = f"{name}.{self.take('id')}"
            self.take("(")
            args: list[Node] = []
            if self.peek() != ")":
                args.append(self.expression())
                while self.peek() == ",":
                    self.take(",")
                    args.append(self.expression())
            self.take(")")
            return Call(name, tuple(args))
        raise TemplateError(f"The language expression '{self.src}' is not valid: expected a function call, a string "
                            "or a number.")


def parse(expression: str) -> Node:
    """Parse the inside of ``[...]`` (or the whole bracketed string)."""
    src = expression[1:-1] if is_expression(expression) else expression
    parser = _Parser(src)
    node = parser.expression()
    if parser.peek() is not None:
        raise TemplateError(f"The language expression '{src}' is not valid: unexpected text after position "
                            f"{parser.toks[parser.pos][2]}.")
    return node


def calls(node: Node) -> Iterator[Call]:
    """Every function call in a tree, outermost first."""
    if isinstance(node, Call):
        yield node
        for arg in node.args:
            yield from calls(arg)
    elif isinstance(node, Member):
        yield from calls(node.target)
    elif isinstance(node, Index):
        yield from calls(node.target)
        yield from calls(node.index)


def member(value: Any, name: str) -> Any:
    """ARM property access: case-insensitive on objects."""
    if isinstance(value, dict):
        if name in value:
            return value[name]
        for key, item in value.items():
            if key.lower() == name.lower():
                return item
        raise TemplateError(f"The language expression property '{name}' doesn't exist, available properties are "
                            f"'{', '.join(value)}'.")
    raise TemplateError(f"The language expression property '{name}' can't be evaluated: the value is not an object.")


def evaluate(node: Node, call: Callable[[Call], Any]) -> Any:
    """Evaluate a tree; ``call(node)`` runs a function call and evaluates its arguments itself (``if`` is lazy)."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Member):
        return member(evaluate(node.target, call), node.name)
    if isinstance(node, Index):
        target = evaluate(node.target, call)
        index = evaluate(node.index, call)
        if isinstance(target, list) and isinstance(index, int):
            if not 0 <= index < len(target):
                raise TemplateError(f"The language expression index '{index}' is out of bounds (length "
                                    f"{len(target)}).")
            return target[index]
        if isinstance(target, dict) and isinstance(index, str):
            return member(target, index)
        raise TemplateError("The language expression index is not valid for this value.")
    return call(node)

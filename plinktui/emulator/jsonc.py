"""Request bodies as ARM reads them: JSON, plus the leniency of ARM's deserializer (Newtonsoft.Json).

The Azure CLI relies on it: ``az deployment group create --template-file`` splices the template file's text into the
body after an unquoted property name (``..., template:{...}}``) so that the template keeps its comments and
whitespace. ARM accepts that, so the emulator does too: ``//`` and ``/* */`` comments, unquoted property names,
single-quoted strings and trailing commas. Anything else is still ``InvalidRequestContent``.
"""

from __future__ import annotations

import json
from typing import Any

_WORD = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def loads(text: str | bytes) -> Any:
    """Parse strict JSON quickly, or fall back to the lenient grammar (raises ``ValueError`` when neither fits)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    try:
        return json.loads(text)
    except ValueError as strict:
        try:
            return _Parser(text).document()
        except ValueError:
            raise strict from None


class _Parser:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def fail(self, what: str) -> ValueError:
        return ValueError(f"{what} at char {self.i}")

    def skip(self) -> None:
        s, n = self.s, len(self.s)
        while self.i < n:
            c = s[self.i]
            if c in " \t\r\n\ufeff":
                self.i += 1
            elif s.startswith("//", self.i):
                end = s.find("\n", self.i)
                self.i = n if end < 0 else end + 1
            elif s.startswith("/*", self.i):
                end = s.find("*/", self.i + 2)
                if end < 0:
                    raise self.fail("unterminated comment")
                self.i = end + 2
            else:
                return

    def document(self) -> Any:
        value = self.value()
        self.skip()
        if self.i != len(self.s):
            raise self.fail("unexpected text after the value")
        return value

    def value(self) -> Any:
        self.skip()
        if self.i >= len(self.s):
            raise self.fail("unexpected end")
        c = self.s[self.i]
        if c == "{":
            return self.obj()
        if c == "[":
            return self.arr()
        if c in "\"'":
            return self.string()
        word = self.word()
        if word in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[word]
        try:
            return json.loads(word)
        except ValueError:
            raise self.fail(f"unexpected {word!r}") from None

    def word(self) -> str:
        start = self.i
        while self.i < len(self.s) and (self.s[self.i] in _WORD or self.s[self.i] in "+-."):
            self.i += 1
        if start == self.i:
            raise self.fail("unexpected character")
        return self.s[start:self.i]

    def string(self) -> str:
        quote = self.s[self.i]
        self.i += 1
        out: list[str] = []
        while True:
            if self.i >= len(self.s):
                raise self.fail("unterminated string")
            c = self.s[self.i]
            if c == quote:
                self.i += 1
                return "".join(out)
            if c == "\\":
                nxt = self.s[self.i + 1:self.i + 2]
                if nxt == "u":
                    out.append(chr(int(self.s[self.i + 2:self.i + 6], 16)))
                    self.i += 6
                    continue
                if nxt not in _ESCAPES:
                    raise self.fail("bad escape")
                out.append(_ESCAPES[nxt])
                self.i += 2
                continue
            out.append(c)
            self.i += 1

    def key(self) -> str:
        self.skip()
        if self.i < len(self.s) and self.s[self.i] in "\"'":
            return self.string()
        start = self.i
        while self.i < len(self.s) and self.s[self.i] in _WORD:
            self.i += 1
        if start == self.i:
            raise self.fail("expected a property name")
        return self.s[start:self.i]

    def obj(self) -> dict[str, Any]:
        self.i += 1
        out: dict[str, Any] = {}
        while True:
            self.skip()
            if self.s[self.i:self.i + 1] == "}":
                self.i += 1
                return out
            name = self.key()
            self.skip()
            if self.s[self.i:self.i + 1] != ":":
                raise self.fail("expected ':'")
            self.i += 1
            out[name] = self.value()
            self.skip()
            c = self.s[self.i:self.i + 1]
            if c == ",":
                self.i += 1
            elif c != "}":
                raise self.fail("expected ',' or '}'")

    def arr(self) -> list[Any]:
        self.i += 1
        out: list[Any] = []
        while True:
            self.skip()
            if self.s[self.i:self.i + 1] == "]":
                self.i += 1
                return out
            out.append(self.value())
            self.skip()
            c = self.s[self.i:self.i + 1]
            if c == ",":
                self.i += 1
            elif c != "]":
                raise self.fail("expected ',' or ']'")

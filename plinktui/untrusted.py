"""The one boundary between untrusted text and anything that displays it.

Everything read from a subscription (names, tags, descriptions, request messages, records), from an SSH server
(banners, disconnect reasons, command output) or from a journal file may have been written by someone the user does
not trust. It becomes *display* only through this module:

- :func:`visible` for a terminal line, a log record or a TUI cell: every character a terminal or a bidi-aware
  renderer acts on (C0/C1 controls including newline, DEL, bidi overrides and isolates, zero-width and other format
  characters, line/paragraph separators, lone surrogates) is shown as a Python-style escape such as ``\\x1b`` or
  ``\\u202e``. It is never emitted.
- :func:`md` / :func:`md_code` for Markdown: text with HTML and Markdown syntax escaped (words a renderer could
  turn into a link or a mention go into code spans), or a code span that no backtick in the value can break.
- :class:`TerminalStream` wraps ``sys.stdout``/``sys.stderr`` for the headless commands, so even a ``print`` that
  forgot :func:`visible` cannot drive the terminal; a deliberate cursor movement has to go through
  :meth:`TerminalStream.control`, which only knows the few sequences plinktui itself draws with.
- :class:`VisibleFormatter` does the same for log records at every level (DEBUG included).

The Textual side has its own helper (``screens/safe.py``) that turns values into ``rich.text.Text`` built from
:func:`visible`, never into markup. JSON needs nothing: ``json.dumps`` escapes control characters itself, so JSON
values stay raw (and exact) there.

This module is headless (no textual import) and has no dependency outside the standard library.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import sys
from collections.abc import Iterator
from typing import Any, TextIO

# What a terminal or a bidi-aware renderer acts on. The ranges are spelled out rather than computed from
# unicodedata categories so that importing this module stays instant (a CLI imports it before anything else).
_LINE_CONTROLS = "\t\n"
_OTHER_DANGEROUS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 controls but tab and newline (CR, ESC, BEL included), DEL, C1 (CSI, OSC, ST)
    "\u00ad\u061c\u180e"  # soft hyphen, Arabic letter mark, Mongolian vowel separator: invisible format chars
    "\u200b-\u200f"  # zero-width space/non-joiner/joiner, LRM, RLM
    "\u2028-\u202e"  # line and paragraph separators, bidi embeddings and overrides (LRE RLE PDF LRO RLO)
    "\u2060-\u206f"  # word joiner, invisible operators, bidi isolates (LRI RLI FSI PDI), deprecated format chars
    "\ufeff\ufff9-\ufffb"  # BOM / zero-width no-break space, interlinear annotation controls
    "\ud800-\udfff"  # lone surrogates (undecodable bytes kept by surrogateescape); they cannot even be encoded
    "\U000e0000-\U000e007f"  # tag characters (invisible; used to smuggle text)
)
_UNSAFE = re.compile(f"[{_LINE_CONTROLS}{_OTHER_DANGEROUS}]")
# In a multi-line body (a traceback, a terminal stream) newline and tab keep their meaning; CR never does, since it
# lets a later part of a line overwrite an earlier one.
_UNSAFE_KEEP_LINES = re.compile(f"[{_OTHER_DANGEROUS}]")


_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    if match.group() in _NAMED:
        return _NAMED[match.group()]
    code = ord(match.group())
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(value: object) -> str:
    """One line of untrusted text, safe for a terminal, a log line, a TUI cell or a plain report.

    Args:
        value: anything; ``None`` becomes ``""``, other non-strings go through ``str()``.

    Returns:
        The text with every dangerous character written as an escape (``"\\x1b[2J"`` is shown as the eight
        characters ``\\x1b[2J``); newline, tab and CR are escaped too, so a value can never start a fake line.
        Safe text comes back unchanged, so applying it twice is harmless.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def visible_lines(value: object) -> str:
    """Like :func:`visible` but newline and tab keep their meaning: for multi-line bodies (a traceback, a stream)."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return _UNSAFE_KEEP_LINES.sub(_escape, text) if _UNSAFE_KEEP_LINES.search(text) else text


def clip(value: object, limit: int) -> str:
    """:func:`visible`, then cut to ``limit`` characters with ``…`` (for one-line notifications and titles)."""
    text = visible(value)
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


# ------------------------------------------------------------------------------------------------------ Markdown

# HTML first (so no tag or entity survives), then every ASCII punctuation character that Markdown or GitHub gives a
# meaning to inline: emphasis, code, links and images, tables, headings, strike-through, math, @mentions, #refs.
_MD_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_MD_SPECIAL = re.compile(r'[&<>"\\`*_{}\[\]()#!|~$@]')
# At the start of a list item or cell these begin a nested list or a heading: escape them there only.
_MD_LINE_START = re.compile(r"^(\s*)(?:([-+])|(\d+)([.]))")
# A word a renderer may turn into a link by itself: GFM's extended autolinks (scheme://, www., e-mail addresses),
# and bare domain names, which linkify-style renderers (markdown-it, many wikis) link too. Also any @mention.
_MD_LINKISH = re.compile(r"(?i)://|\bwww\.|@|\.[a-z][a-z0-9-]*[a-z]")
_MD_WORDS = re.compile(r"(\s+)")


def _md_char(match: re.Match[str]) -> str:
    ch = match.group()
    return _MD_HTML.get(ch) or "\\" + ch


def _md_start(text: str) -> str:
    m = _MD_LINE_START.match(text)
    if not m:
        return text
    lead, bullet, digits, dot = m.groups()
    return lead + (f"\\{bullet}" if bullet else f"{digits}\\{dot}") + text[m.end():]


def md(value: object) -> str:
    """Untrusted text as inline Markdown that renders as exactly that text: no HTML, link, emphasis or mention.

    The value first goes through :func:`visible` (so it is one line without control characters); then every word a
    renderer could turn into a link or a mention (``https://…``, ``www.…``, ``a@b.c``, ``@team``, a bare domain name
    such as ``evil.example``) becomes a code span, where no renderer makes links; in the other words HTML special
    characters become entities and Markdown punctuation is backslash-escaped. Usable in a table cell (``|`` is
    escaped) and in a list item.
    """
    text = visible(value)
    if not _MD_LINKISH.search(text):
        return _md_start(_MD_SPECIAL.sub(_md_char, text))
    words = _MD_WORDS.split(text)  # words at even indexes, the white space between them at odd ones
    out = [w if i % 2 else (md_code(w) if _MD_LINKISH.search(w) else _MD_SPECIAL.sub(_md_char, w))
           for i, w in enumerate(words)]
    return _md_start("".join(out))


def md_code(value: object) -> str:
    """Untrusted text as a Markdown code span that no backtick in it can close early (table-cell safe).

    The fence is one backtick longer than the longest run of backticks in the value, padded with a space when the
    value starts or ends with a backtick; ``|`` is escaped as ``\\|`` (GFM splits table cells before it parses code
    spans). Empty values give ``""``.
    """
    text = visible(value).replace("|", "\\|")
    if not text:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0) if "`" in text else 0
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or (text.startswith(" ") and text.endswith(" ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# ------------------------------------------------------------------------------------------------------ terminals

# The only escape sequences plinktui writes on purpose: move the cursor up N lines and erase to the end of screen
# (the live progress table of `setup` and `teardown` redraws itself with them).
_CONTROL_ALLOWED = re.compile(r"(?:\x1b\[\d{1,4}F|\x1b\[J)+")


class TerminalStream(io.TextIOBase):
    """A text stream that never lets a control character through: ``write`` applies :func:`visible_lines`.

    It wraps the real ``sys.stdout``/``sys.stderr`` while a headless command runs (see :func:`guarded_stdio`), so
    the safe path is the default one: a report, an error line or a prompt that forgot :func:`visible` still cannot
    clear the screen or write the clipboard. Attributes it does not define (``fileno``, ``isatty``, ``encoding``,
    ``buffer``) are those of the wrapped stream.
    """

    def __init__(self, raw: TextIO) -> None:
        super().__init__()
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(visible_lines(text))
        return len(text)

    def control(self, sequence: str) -> None:
        """Write a cursor-movement sequence plinktui draws with; anything else raises ``ValueError``."""
        if not _CONTROL_ALLOWED.fullmatch(sequence):
            raise ValueError(f"not an allowed terminal control sequence: {visible(sequence)}")
        self.raw.write(sequence)

    def flush(self) -> None:
        self.raw.flush()

    def isatty(self) -> bool:
        return bool(self.raw.isatty())

    def fileno(self) -> int:
        return self.raw.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.raw, "encoding", "utf-8") or "utf-8"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


def control(stream: TextIO, sequence: str) -> None:
    """Write a cursor-movement sequence to ``stream`` (through :meth:`TerminalStream.control` when it is guarded)."""
    if isinstance(stream, TerminalStream):
        stream.control(sequence)
    elif _CONTROL_ALLOWED.fullmatch(sequence):
        stream.write(sequence)
    else:
        raise ValueError(f"not an allowed terminal control sequence: {visible(sequence)}")


@contextlib.contextmanager
def guarded_stdio() -> Iterator[None]:
    """Route ``sys.stdout`` and ``sys.stderr`` through :class:`TerminalStream` for the duration (idempotent)."""
    saved = sys.stdout, sys.stderr
    if not isinstance(sys.stdout, TerminalStream):
        sys.stdout = TerminalStream(sys.stdout)
    if not isinstance(sys.stderr, TerminalStream):
        sys.stderr = TerminalStream(sys.stderr)
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        sys.stdout, sys.stderr = saved


# ------------------------------------------------------------------------------------------------------ logging


class VisibleFormatter(logging.Formatter):
    """A log formatter that makes every record safe: the message through :func:`visible` (one line per record, so
    a value cannot forge a second record), tracebacks and stack dumps through :func:`visible_lines`."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's API
        record.message = visible(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:  # noqa: N802
        return visible_lines(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:  # noqa: N802
        return visible_lines(super().formatStack(stack_info))

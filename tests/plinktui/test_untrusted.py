"""The untrusted-text boundary (plinktui/untrusted.py): what each helper lets through and what it never does."""

from __future__ import annotations

import html as html_lib
import io
import logging
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from plinktui.untrusted import TerminalStream, VisibleFormatter, clip, control, md, md_code, visible, visible_lines

ATTACK = "\x1b[2J\x1b[H\x1b]52;c;cm0gLXJmIH4=\x07\x1b[32mALL GOOD\x1b[0m"
DANGEROUS = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff"
                       "\ufff9-\ufffb\ud800-\udfff\U000e0000-\U000e007f]")


def test_visible_shows_escapes_instead_of_emitting_them() -> None:
    assert visible(ATTACK) == "\\x1b[2J\\x1b[H\\x1b]52;c;cm0gLXJmIH4=\\x07\\x1b[32mALL GOOD\\x1b[0m"
    assert visible("a\nb\rc\td") == "a\\nb\\rc\\td"  # a value never starts a fake line
    assert visible("pay\u202egnp.exe \u200b\ufeff\x9b\x7f") == "pay\\u202egnp.exe \\u200b\\ufeff\\x9b\\x7f"
    assert visible("\U000e0041") == "\\U000e0041"
    assert visible(None) == "" and visible(42) == "42"


def test_visible_leaves_honest_text_alone_and_is_idempotent() -> None:
    for honest in ("kv-prod-01", "10.1.2.4", "名前 💥 ＫＶ", "a [b] `c` <d>", "C:\\path"):
        assert visible(honest) == honest
    assert visible(visible(ATTACK)) == visible(ATTACK)


@given(st.text())
def test_visible_never_returns_a_dangerous_character(text: str) -> None:
    assert not DANGEROUS.search(visible(text))
    assert not DANGEROUS.search(visible_lines(text).replace("\n", "").replace("\t", ""))


def test_visible_lines_keeps_newline_and_tab_but_not_cr() -> None:
    assert visible_lines("a\n\tb\r\x1b") == "a\n\tb\\r\\x1b"


def test_clip_cuts_after_escaping() -> None:
    assert clip("\x1b" * 10, 9) == "\\x1b\\x1b…"
    assert clip("short", 9) == "short"


def _render(markdown: str) -> str:
    return MarkdownIt("gfm-like").render(markdown)


@pytest.mark.parametrize("value", [
    "<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "[x](https://evil.example)", "![i](https://e/x.png)",
    "https://evil.example/a", "www.evil.example", "mail me: a@evil.example", "**bold** _it_ ~~s~~", "`code`",
    "a | b", "- list", "1. item", "# heading", "&lt;script&gt;", "@team #12", ATTACK,
])
def test_md_renders_as_the_same_text_with_nothing_live(value: str) -> None:
    html = _render(f"| a |\n|---|\n| {md(value)} |\n\n- {md(value)}\n")
    assert "<script" not in html and "<img" not in html and "<a " not in html
    for tag in ("<strong", "<em", "<s>", "<del", "<h1", "<ol", "<ul><li><ul"):
        assert tag not in html.replace("<ul>\n<li>", "<ul><li>", 1), (value, html)
    assert "\x1b" not in html


@pytest.mark.parametrize("value", ["plain", "a`b", "``x``", "`lead", "trail`", "a | b", "<b>x</b>", ATTACK])
def test_md_code_is_one_unbreakable_code_span(value: str) -> None:
    html = _render(f"| a |\n|---|\n| {md_code(value)} |\n")
    assert html.count("<code>") == 1 and "<b>" not in html and "\x1b" not in html, html
    code = re.search(r"<code>(.*)</code>", html, re.S)
    assert code and html_lib.unescape(code.group(1)) == visible(value)  # exactly the value, nothing cut off


def test_md_code_of_nothing_is_nothing() -> None:
    assert md_code("") == "" and md_code(None) == ""


def test_terminal_stream_escapes_writes_and_allows_only_known_cursor_moves() -> None:
    raw = io.StringIO()
    out = TerminalStream(raw)  # type: ignore[arg-type]
    print("name:", ATTACK, file=out)
    out.control("\x1b[3F\x1b[J")
    with pytest.raises(ValueError):
        out.control("\x1b]52;c;x\x07")
    assert raw.getvalue() == f"name: {visible(ATTACK)}\n\x1b[3F\x1b[J"
    plain = io.StringIO()
    control(plain, "\x1b[1F")
    with pytest.raises(ValueError):
        control(plain, "\x1b[2J")
    assert plain.getvalue() == "\x1b[1F"


def test_visible_formatter_makes_every_record_one_safe_line() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(VisibleFormatter("%(levelname)s %(message)s"))
    log = logging.getLogger("test.untrusted")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        log.debug("reason %s", "bye\n" + ATTACK)
        try:
            raise RuntimeError("boom\x1b[2J")
        except RuntimeError:
            log.exception("failed on %s", "\u202evm")
    finally:
        log.removeHandler(handler)
    text = stream.getvalue()
    assert not DANGEROUS.search(text.replace("\n", ""))
    assert text.splitlines()[0] == f"DEBUG reason bye\\n{visible(ATTACK)}"
    assert "RuntimeError: boom\\x1b[2J" in text and "failed on \\u202evm" in text


async def test_live_progress_table_draws_with_cursor_moves_only() -> None:
    """`setup` on a TTY redraws its table with two escape sequences; a hostile name adds none, even under the guard."""
    from plinktui.engine import Event
    from plinktui.provision_cli import Renderer

    raw = io.StringIO()
    r = Renderer("live", out=TerminalStream(raw))  # type: ignore[arg-type]
    name = "pe\n" + ATTACK
    await r.event(Event("running", key="pe", rtype="Microsoft.Network/privateEndpoints", name=name))
    await r.event(Event("failed", key="pe", rtype="Microsoft.Network/privateEndpoints", name=name,
                        error="refused: " + ATTACK, fix="rename it"))
    r.line("done " + ATTACK)
    text = raw.getvalue()
    escapes = re.findall(r"\x1b\[[0-9;]*[A-Za-z]", text)
    assert escapes and set(escapes) <= {"\x1b[1F", "\x1b[J"}, escapes
    rest = re.sub(r"\x1b\[\d*F|\x1b\[J", "", text)
    assert not DANGEROUS.search(rest.replace("\n", ""))
    assert visible(name) in text and "pe\\n" in text  # the name stays on its own line, shown literally

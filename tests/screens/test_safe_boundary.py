"""The boundary stays the easy path: a static check of the Textual code, so a new widget call cannot quietly hand a
``str`` (parsed as markup, ESC kept) to a widget.

Every call of ``update``, ``write``, ``add_leaf``, ``set_label``, ``add_row`` or ``notify`` in ``screens/`` passes a
string literal, ``rich.text.Text(...)`` of our own words, or goes through ``screens/safe.py``.
"""

from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
METHODS = {"update", "write", "add_leaf", "set_label", "add_row", "notify"}


def _safe_arg(arg: ast.expr) -> bool:
    if isinstance(arg, ast.Starred):
        arg = arg.value
    if isinstance(arg, ast.Constant):
        return True
    if isinstance(arg, ast.Call):
        f = arg.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "safe":
            return True
        if isinstance(f, ast.Name) and f.id == "Text":  # our own words, styled
            return not arg.args or isinstance(arg.args[0], ast.Constant)
    return False


def violations(source: str, name: str) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in METHODS:
            receiver = node.func.value
            if isinstance(receiver, ast.Name) and receiver.id == "safe":
                continue
            if node.args and not _safe_arg(node.args[0]):
                out.append(f"{name}:{node.lineno}: .{node.func.attr}({ast.unparse(node.args[0])[:60]})")
    return out


def test_screens_hand_widgets_only_safe_text() -> None:
    found = []
    for path in sorted((ROOT / "screens").rglob("*.py")):
        if path.name != "safe.py":
            found += violations(path.read_text(), str(path.relative_to(ROOT)))
    assert not found, "untrusted text must reach widgets through screens/safe.py:\n" + "\n".join(found)


def test_the_static_check_catches_a_raw_widget_call() -> None:
    raw = ("def f(self, ev):\n"
           "    self.notify(f'copied: {ev.name}')\n"
           "    tree.root.add_leaf(ev.name)\n"
           "    box.update(Text(ev.error))\n"
           "    log.write(safe.text(ev.name))\n"
           "    safe.notify(self, ev.name)\n")
    assert [v.split(": ", 1)[1] for v in violations(raw, "x")] == [
        ".notify(f'copied: {ev.name}')", ".add_leaf(ev.name)", ".update(Text(ev.error))"]

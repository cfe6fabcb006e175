"""House rule: host keys are always checked. ``known_hosts=None`` turns asyncssh's check off, so it is banned."""

from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[3]
BANNED = re.compile(r"known_hosts\s*=\s*None\b")


def test_no_known_hosts_none_anywhere() -> None:
    hits = []
    scanned = 0
    for top in ("plinktui", "audits", "screens"):
        for path in (ROOT / top).rglob("*.py"):
            scanned += 1
            for no, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                if BANNED.search(line):
                    hits.append(f"{path.relative_to(ROOT)}:{no}: {line.strip()}")
    assert scanned > 5  # the scan really looked at the code
    assert not hits, "known_hosts=None disables host key checking:\n" + "\n".join(hits)


def test_the_ban_pattern_catches_both_spellings() -> None:
    assert BANNED.search("asyncssh.connect(h, known_hosts=None)")
    assert BANNED.search("known_hosts = None")
    assert not BANNED.search("known_hosts=trusted")

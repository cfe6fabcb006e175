"""plinktui.facts: one definition of Azure's platform DNS address, used everywhere."""

from __future__ import annotations

import pathlib
import re

from plinktui.facts import AZURE_DNS

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_azure_dns_is_the_platform_address() -> None:
    assert AZURE_DNS == "168.63.129.16"


def test_no_module_defines_its_own_copy() -> None:
    pattern = re.compile(r"^\s*\w+\s*(:\s*\w+\s*)?=\s*[\"']168\.63\.129\.16[\"']", re.M)
    copies = [str(p.relative_to(ROOT)) for pkg in ("plinktui", "audits", "screens") for p in (ROOT / pkg).rglob("*.py")
              if pattern.search(p.read_text(encoding="utf-8"))]
    assert copies == ["plinktui/facts.py"]

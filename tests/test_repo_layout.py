"""The tests mirror the source layout: ``tests/<package>/test_<module>[_<aspect>].py`` tests ``<package>/<module>``.

A test file is found from the code it tests, and no file is named after the piece of work that produced it. The
rule: a test file under ``tests/a/b/`` names, as its first word or words, a module or package somewhere under
``a/b/`` (``tests/plinktui/emulator/test_compute_contract.py`` -> ``plinktui/emulator/providers/compute``); test
files at the top of ``tests/`` hold repository-wide rules and start with ``test_repo_``.
"""

from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"


def _names_under(source: pathlib.Path) -> set[str]:
    """Every module and package name under a source directory (recursively)."""
    names = {p.stem for p in source.rglob("*.py") if p.stem != "__init__"}
    names |= {p.parent.name for p in source.rglob("__init__.py") if p.parent != source}
    return names


def misplaced(tests: pathlib.Path, root: pathlib.Path) -> list[str]:
    """Test files whose name does not lead with a module or package of the directory they mirror."""
    bad = []
    for path in sorted(tests.rglob("test_*.py")):
        rel = path.relative_to(tests)
        stem = path.stem.removeprefix("test_")
        if len(rel.parts) == 1:
            if not stem.startswith("repo_"):
                bad.append(f"{rel}: a top-level test file holds a repository-wide rule (test_repo_*)")
            continue
        source = root.joinpath(*rel.parts[:-1])
        if not source.is_dir():
            bad.append(f"{rel}: there is no source directory {source.relative_to(root)}")
            continue
        if not any(stem == name or stem.startswith(name + "_") for name in _names_under(source)):
            bad.append(f"{rel}: {stem!r} does not start with a module or package of {source.relative_to(root)}")
    return bad


def test_every_test_file_mirrors_a_source_module() -> None:
    assert misplaced(TESTS, ROOT) == []


def test_the_rule_catches_a_file_named_after_the_work(tmp_path: pathlib.Path) -> None:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "engine.py").write_text("")
    (tmp_path / "pkg" / "sub" / "__init__.py").write_text("")
    tests = tmp_path / "tests"
    (tests / "pkg").mkdir(parents=True)
    for name in ("test_engine.py", "test_engine_crash.py", "test_sub_models.py", "test_followups_engine.py",
                 "test_enginex.py"):
        (tests / "pkg" / name).write_text("")
    (tests / "nowhere").mkdir()
    (tests / "nowhere" / "test_x.py").write_text("")
    (tests / "test_brownfield.py").write_text("")
    (tests / "test_repo_rules.py").write_text("")
    bad = misplaced(tests, tmp_path)
    assert [line.split(":")[0] for line in bad] == ["nowhere/test_x.py", "pkg/test_enginex.py",
                                                    "pkg/test_followups_engine.py", "test_brownfield.py"]


def test_no_test_module_imports_another() -> None:
    """Shared builders live in helper modules at the top of tests/ (factories, cli_runs, audit_world, ...)."""
    bad = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}" for p in sorted(TESTS.rglob("*.py"))
           for n, line in enumerate(p.read_text().splitlines(), 1)
           if re.match(r"\s*(from|import)\s+tests(\.\w+)*\.test_\w+", line)]
    assert bad == []

"""Run ``plinktui setup`` / ``teardown`` in-process against an emulator, the way the CLI does, and read its JSON
lines; the walkthrough plan (with a test VM) these runs use."""

from __future__ import annotations

import argparse
import json
import pathlib
from typing import Any

import pytest

from plinktui import provision_cli
from tests import factories


def plan_file(tmp_path: pathlib.Path, name: str = "par", vault: str = "kvtestpar0001", **kwargs: Any) -> pathlib.Path:
    """The walkthrough plan with a test VM (tests.factories), as these engine tests use it."""
    return factories.plan_file(tmp_path, name, vault=vault, test_vm=True, **kwargs)


def parse(kind: str, argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    {"setup": provision_cli.add_setup_arguments, "teardown": provision_cli.add_teardown_arguments}[kind](p)
    provision_cli.add_target_arguments(p)
    return p.parse_args(argv)


async def cli(emu: Any, kind: str, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict]]:
    args = parse(kind, [*argv, "--yes", "--json", "--arm-endpoint", emu.endpoint, "--ca-cert", emu.ca_cert])
    fn = provision_cli.run_setup if kind == "setup" else provision_cli.run_teardown
    capsys.readouterr()
    rc = await fn(args)
    out = capsys.readouterr().out
    return rc, [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def summary(lines: list[dict]) -> dict:
    assert lines and lines[-1]["kind"] in ("summary", "error"), lines[-3:]
    return lines[-1]

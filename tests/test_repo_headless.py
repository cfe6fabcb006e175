"""The core stays headless: importing every module of plinktui/ and audits/ and running a headless audit against
an in-process emulator never loads textual or questionary (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import asyncio, importlib, pkgutil, sys, tempfile, pathlib, io, contextlib
    import plinktui, audits
    for pkg in (plinktui, audits):
        for mod in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            if not mod.name.endswith("__main__"):
                importlib.import_module(mod.name)
    from plinktui.emulator.server import Emulator, EmulatorConfig
    from audits import cli as audit_cli

    async def main():
        d = pathlib.Path(tempfile.mkdtemp())
        emu = Emulator(EmulatorConfig(), state_path=None, cert_dir=d)
        await emu.start()
        try:
            args = audit_cli_parser().parse_args(["--arm-endpoint", emu.endpoint, "--ca-cert", emu.ca_cert,
                                                  "--format", "json", "--probe", "none"])
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                code = await audit_cli.run(args)
            assert code == 0, (code, out.getvalue()[-300:])
            assert '"plinktui.audit/v1"' in out.getvalue()
        finally:
            await emu.stop()

    def audit_cli_parser():
        import argparse
        p = argparse.ArgumentParser()
        audit_cli.add_arguments(p)
        p.add_argument("--demo", action="store_true")
        return p

    asyncio.run(main())
    leaked = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "questionary", "screens"))
    print("LEAKED:" + ",".join(leaked))
    """
)


def test_core_and_headless_audit_never_import_the_tui() -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "LEAKED:\n" in proc.stdout or proc.stdout.strip().endswith("LEAKED:"), proc.stdout[-500:]

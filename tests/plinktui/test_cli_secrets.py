"""Secrets canary: a canary client secret, the credential's token, a planted private key and the generated key must
never appear in anything plinktui prints or writes, with debug logging on, through setup, audit (json, markdown,
sarif, with an SSH probe), teardown. Also: generated SSH keys are 0600, in the state dir, removed by teardown.

The CLI runs as subprocesses against a standalone emulator (``plinktui emulator serve``), as a user would run it.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import pathlib
import stat
import sys

import pytest

from plinktui.cloud import EMULATOR_TOKEN, Gateway, resolve_target
from tests.factories import plan_toml

ROOT = pathlib.Path(__file__).resolve().parents[2]
CANARY_SECRET = "canary-secret-7c1e5b20-never-print"
CANARY_TOKEN = "canary-token-93af0d11-never-print"


def _soak_module():
    spec = importlib.util.spec_from_file_location("plinktui_bench_soak", ROOT / "bench" / "soak.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def _exe() -> str:
    exe = pathlib.Path(sys.executable).parent / "plinktui"
    assert exe.exists(), "the plinktui console script must sit next to the test interpreter"
    return str(exe)


@pytest.fixture
def standalone(tmp_path: pathlib.Path):
    """A standalone emulator with its own HOME and XDG dirs (``Emu`` from bench/soak.py)."""
    emu = _soak_module().Emu(tmp_path, 0.0, _exe())
    yield emu
    emu.stop()


def _body_lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln and not ln.startswith("-----") and len(ln) >= 20]


def _common_lines() -> set[str]:
    """Lines every unencrypted OpenSSH ed25519 key shares (the 'openssh-key-v1 ... none ... ssh-ed25519' header):
    they are no canary, and the emulator's own demo-VM host keys carry them too."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    def one() -> set[str]:
        pem = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM,
                                                        serialization.PrivateFormat.OpenSSH,
                                                        serialization.NoEncryption())
        return set(_body_lines(pem.decode()))

    return one() & one()


def _private_key_lines(path: pathlib.Path) -> list[str]:
    """The base64 body lines of an OpenSSH private key unique to this key: each one is a canary on its own."""
    common = _common_lines()
    lines = [ln for ln in _body_lines(path.read_text()) if ln not in common]
    assert lines, "a private key must have lines of its own"
    return lines


def _planted_key(home: pathlib.Path) -> list[str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    ssh = home / ".ssh"
    ssh.mkdir(mode=0o700)
    key = Ed25519PrivateKey.generate()
    (ssh / "id_ed25519").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                                       serialization.NoEncryption()))
    os.chmod(ssh / "id_ed25519", 0o600)
    (ssh / "id_ed25519.pub").write_bytes(key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                                      serialization.PublicFormat.OpenSSH) + b" me\n")
    return _private_key_lines(ssh / "id_ed25519")




def test_no_canary_anywhere_and_generated_keys_are_private(standalone) -> None:
    emu = standalone
    home = pathlib.Path(emu.env["HOME"])
    state = pathlib.Path(emu.env["XDG_STATE_HOME"]) / "plinktui"
    planted = _planted_key(home)
    emu.env.update(AZURE_CLIENT_SECRET=CANARY_SECRET, AZURE_CLIENT_ID="11111111-2222-3333-4444-555555555555",
                   AZURE_TENANT_ID="00000000-0000-0000-0000-0000000000aa", PLINKTUI_LOG_LEVEL="DEBUG")
    outputs: list[str] = []

    def cli(*args: str, timeout: float = 300) -> tuple[int | None, str]:
        rc, out, err, _, _, hung = emu.cli(list(args), timeout, 120)
        assert not hung, args
        outputs.append(out + err)
        return rc, out + err

    plan = emu.dir / "canary.toml"
    plan.write_text(plan_toml("canary", octet=60, vault_extra="", test_vm=True))
    rc, out = cli("setup", "--plan", str(plan), "--yes", "--json", "--log-level", "DEBUG")
    assert rc == 0, out[-600:]
    run_id = json.loads(out.strip().splitlines()[-1] if out.strip().splitlines()[-1].startswith("{") else
                        [ln for ln in out.splitlines() if ln.startswith('{"kind": "summary"')][-1])["run_id"]
    assert "DEBUG" in out, "debug logging must be on for this test to mean anything"

    # generated key: in the state dir, 0600, its directory private
    journal = json.loads((state / "runs" / f"{run_id}.json").read_text())
    keys = [pathlib.Path(k) for k in journal["generated_keys"]]
    assert keys and all(k.exists() for k in keys)
    for k in keys:
        assert k.resolve().is_relative_to(state.resolve()), k
        assert stat.S_IMODE(k.stat().st_mode) == 0o600, oct(k.stat().st_mode)
        assert not (stat.S_IMODE(k.parent.stat().st_mode) & 0o077), oct(k.parent.stat().st_mode)
    generated = [line for k in keys for line in _private_key_lines(k)]
    assert generated

    # audits: json with an SSH probe through the generated key (host key pinned on first use), markdown with the
    # default key (the planted one: not authorized, so the probe fails and must say why without the key), sarif
    reports = emu.dir / "reports"
    reports.mkdir()
    rc, out = cli("audit", "--format", "json", "-o", str(reports / "a.json"), "--probe", "ssh", "--ssh-key",
                  str(keys[0]), "--accept-new-host-key", "--log-level", "DEBUG")
    assert rc in (0, 1), out[-600:]
    audit = json.loads((reports / "a.json").read_text())
    assert audit["probes"], "the SSH probe must have run"
    rc, out = cli("audit", "--format", "markdown", "-o", str(reports / "a.md"), "--probe", "ssh",
                  "--accept-new-host-key", "--log-level", "DEBUG")
    assert rc in (0, 1, 2), out[-600:]
    rc, out = cli("audit", "--format", "sarif", "-o", str(reports / "a.sarif"), "--probe", "none",
                  "--log-level", "DEBUG")
    assert rc in (0, 1), out[-600:]
    assert (reports / "a.md").read_text().strip() and json.loads((reports / "a.sarif").read_text())

    rc, out = cli("teardown", run_id, "--purge", "--yes", "--json", "--log-level", "DEBUG")
    assert rc == 0, out[-600:]
    assert not any(k.exists() for k in keys), "teardown removes the keys plinktui generated"
    assert (home / ".ssh" / "id_ed25519").exists(), "teardown never touches the user's own keys"

    canaries = {"secret": [CANARY_SECRET], "token": [EMULATOR_TOKEN], "planted key": planted,
                "generated key": generated}
    hits: list[str] = []
    roots = [home, pathlib.Path(emu.env["XDG_STATE_HOME"]), pathlib.Path(emu.env["XDG_CONFIG_HOME"]), reports,
             emu.dir]
    planted_file = (home / ".ssh" / "id_ed25519").resolve()
    scanned = 0
    for root in roots:
        for f in root.rglob("*"):
            if not f.is_file() or f.resolve() == planted_file:
                continue
            scanned += 1
            text = f.read_bytes().decode("utf-8", errors="replace")
            for what, values in canaries.items():
                if any(value in text for value in values):
                    hits.append(f"{what} in {f}")
    for i, text in enumerate(outputs):
        for what, values in canaries.items():
            if any(value in text for value in values):
                hits.append(f"{what} in output #{i}")
    print(f"canary: {scanned} files and {len(outputs)} outputs scanned, {len(hits)} hits")
    assert scanned > 5
    assert hits == []


class _CanaryCredential:
    async def get_token(self, *scopes: str, **kwargs: object):
        import time

        from azure.core.credentials import AccessToken

        return AccessToken(CANARY_TOKEN, int(time.time()) + 3600)

    async def close(self) -> None:
        return None


async def test_bearer_token_never_logged_at_debug(emu, caplog: pytest.LogCaptureFixture) -> None:
    """The pipeline at DEBUG (SDK HTTP logging included) with a credential whose token is a canary."""
    from azure.core.exceptions import HttpResponseError

    caplog.set_level(logging.DEBUG)
    for name in ("azure", "azure.core.pipeline.policies.http_logging_policy", "plinktui"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    target = await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert)
    async with Gateway(target, total_timeout=30) as gw:
        gw._shared["credential"] = _CanaryCredential()  # our gateway's credential slot, not the SDK
        await gw.resources.resource_groups.create_or_update("rg-tok", {"location": "westus2"})
        with pytest.raises(HttpResponseError):
            await gw.network.virtual_networks.get("rg-tok", "missing")
        status, _ = await gw.raw("GET", f"/subscriptions/{gw.subscription_id}/resourcegroups/rg-tok",
                                 api_version="2025-04-01")
        assert status == 200
    assert caplog.records, "DEBUG logging produced nothing: the test would prove nothing"
    assert CANARY_TOKEN not in caplog.text
    assert "Bearer " + CANARY_TOKEN not in caplog.text

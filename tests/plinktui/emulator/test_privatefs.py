"""The emulator's own attack surface: its TLS key and state directory, and the unauthenticated config endpoint."""

from __future__ import annotations

import os
import pathlib
import stat
import subprocess
import sys

import pytest

from plinktui import fsutil
from plinktui.emulator import privatefs
from plinktui.emulator.certs import ensure_cert
from plinktui.emulator.privatefs import UnsafeDirectory, ensure_private_dir, write_private
from plinktui.emulator.server import Emulator, EmulatorConfig
from tests.arm_examples import call


def _mode(path: pathlib.Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_key_and_cert_are_never_written_through_a_planted_symlink(tmp_path: pathlib.Path) -> None:
    d = tmp_path / "emu"
    d.mkdir(mode=0o700)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    for name in ("emulator-key.tmp", "emulator-ca.tmp", "emulator-key.pem.tmp"):
        (d / name).symlink_to(victim)  # the names the old code (and a guesser) would write through
    cert, key = ensure_cert(d)
    assert victim.read_text() == "precious\n"
    assert not key.is_symlink() and not cert.is_symlink()
    assert b"PRIVATE KEY" in key.read_bytes() and _mode(key) == 0o600 and _mode(cert) == 0o600
    assert not [p for p in d.iterdir() if p.name.startswith(".")], "no temp file left behind"


def test_write_private_refuses_an_existing_temp_name(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    monkeypatch.setattr(fsutil.secrets, "token_hex", lambda n: "guessed")  # write_private writes through fsutil
    (tmp_path / ".key.pem.guessed.tmp").symlink_to(victim)  # even a correctly guessed name is not followed
    with pytest.raises(FileExistsError):
        write_private(tmp_path / "key.pem", b"secret")
    assert victim.read_text() == "precious\n" and not (tmp_path / "key.pem").exists()


def test_state_directory_must_be_private(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = ensure_private_dir(tmp_path / "new" / "emu")
    assert _mode(fresh) == 0o700
    shared = tmp_path / "shared"
    shared.mkdir()
    for mode in (0o775, 0o757, 0o777):
        shared.chmod(mode)
        with pytest.raises(UnsafeDirectory, match="writable by group or others.*chmod go-w"):
            Emulator(EmulatorConfig(), state_path=shared / "state.json", cert_dir=shared)
        with pytest.raises(UnsafeDirectory):
            ensure_cert(shared)
    assert not list(shared.iterdir()), "nothing was written into the refused directory"
    shared.chmod(0o755)
    mine = os.stat(shared).st_uid
    monkeypatch.setattr(privatefs.os, "getuid", lambda: mine + 1)  # as if another user owned it
    with pytest.raises(UnsafeDirectory, match="belongs to another user"):
        ensure_private_dir(shared)


def test_serve_refuses_a_shared_state_directory_with_one_line(tmp_path: pathlib.Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    env = dict(os.environ, HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "xdg"))
    proc = subprocess.run([sys.executable, "-m", "plinktui", "emulator", "serve", "--state", str(shared / "s.json")],
                          capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and "writable by group or others" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "plinktui", "emulator", "serve", "--page-size", "0"],
                          capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 2 and "--page-size must be from 1 to 10000" in proc.stderr, proc.stderr


@pytest.mark.parametrize("body", [
    {"reader_only": "false"}, {"reader_only": 0}, {"reader_only": None}, {"page_size": 0}, {"page_size": -5},
    {"page_size": 10**9}, {"page_size": 2.5}, {"page_size": "50"}, {"page_size": True}, {"latency_scale": -1},
    {"latency_scale": 1e308}, {"request_latency_ms": "fast"}, {"nonsense": 1}, [1, 2], "page_size=5",
    {"page_size": 50, "reader_only": "true"},  # one bad value: nothing is applied
])
async def test_config_endpoint_refuses_bad_types_and_ranges(emu: Emulator, body: object) -> None:
    before = await call(emu, "GET", "/_emulator/config", token=None)
    reply = await call(emu, "POST", "/_emulator/config", body, token=None)
    assert reply.status == 400, reply.body
    assert reply.body["error"]["code"] == "InvalidConfig" and reply.body["error"]["message"]
    assert (await call(emu, "GET", "/_emulator/config", token=None)).body == before.body


async def test_config_endpoint_refuses_non_json_and_nan(emu: Emulator) -> None:
    import asyncio
    import ssl
    import urllib.error
    import urllib.request

    def post(raw: bytes) -> int:
        req = urllib.request.Request(emu.endpoint + "/_emulator/config", data=raw, method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, context=ssl.create_default_context(cafile=emu.ca_cert), timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    for raw in (b"{not json", b'{"latency_scale": NaN}', b'{"latency_scale": Infinity}', b"\xff\xfe"):
        assert await asyncio.to_thread(post, raw) == 400, raw
    assert emu.config.latency_scale == 0.0


async def test_config_endpoint_applies_good_values(emu: Emulator) -> None:
    reply = await call(emu, "POST", "/_emulator/config", {"page_size": 3, "reader_only": True, "latency_scale": 0},
                       token=None)
    assert reply.status == 200
    assert reply.body == {"latency_scale": 0.0, "request_latency_ms": 0.0, "page_size": 3, "reader_only": True,
                          "throttle": False}
    assert emu.config.page_size == 3 and emu.config.reader_only is True
    assert isinstance(emu.config.latency_scale, float)

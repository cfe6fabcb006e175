"""`plinktui emulator serve` as a user runs it: one JSON banner line, ARM over HTTPS, clean stop on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import urllib.error
import urllib.request


def _get(url: str, ca: str, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, context=ssl.create_default_context(cafile=ca), timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_serve_prints_banner_answers_and_stops_cleanly(tmp_path) -> None:
    state = tmp_path / "state.json"
    env = dict(os.environ, HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "xdg"))
    proc = subprocess.Popen([sys.executable, "-m", "plinktui", "emulator", "serve", "--state", str(state),
                             "--seed-demo"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        banner = json.loads(proc.stdout.readline())
        assert {"endpoint", "ca_cert", "subscription_id", "tenant_id", "ssh"} <= banner.keys()
        assert banner["endpoint"].startswith("https://127.0.0.1:")
        url = f"{banner['endpoint']}/subscriptions?api-version=2022-12-01"
        assert _get(url, banner["ca_cert"], "anything") == 200
        assert _get(url, banner["ca_cert"], None) == 401
        assert oct(os.stat(banner["demo_ssh_key"]).st_mode & 0o777) == "0o600"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err[-500:]
    assert "Traceback" not in err
    saved = json.loads(state.read_text())
    assert saved["format"] == "plinktui.emulator-state/v1"
    assert any(r["doc"]["name"] == "vm-jumpbox" for r in saved["resources"])
    # Host private keys live only in the emulator's internal notes, and the file is private to the user.
    assert oct(os.stat(state).st_mode & 0o777) == "0o600"
    assert "PRIVATE KEY" not in json.dumps([r["doc"] for r in saved["resources"]])


def test_serve_rejects_bad_flags_with_one_line(tmp_path) -> None:
    proc = subprocess.run([sys.executable, "-m", "plinktui", "emulator", "serve", "--fault", "explode:p=2"],
                          capture_output=True, text=True, timeout=60, env=dict(os.environ, HOME=str(tmp_path)))
    assert proc.returncode == 2
    assert "bad --fault" in proc.stderr and "Traceback" not in proc.stderr

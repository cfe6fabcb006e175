"""SSH trust through the CLI: `plinktui audit --probe ssh --accept-new-host-key` pins the VM's host key on first use,
and after the VM's host key changes the next audit refuses to connect, showing both fingerprints.

The probe-level tests are in tests/plinktui/emulator/test_sshd.py (changed key refused with both fingerprints, accept-new pins
then refuses, known_hosts file, key auth only) and the `known_hosts=None` ban in tests/plinktui/probes/test_ssh_host_keys.py.
"""

from __future__ import annotations

import importlib.util
import json
import pathlib
import re
import sys

from tests.factories import plan_toml

ROOT = pathlib.Path(__file__).resolve().parents[2]
COMPUTE = "2026-04-01"

PLAN = plan_toml("trust", octet=61, vault_extra="", test_vm=True)
FP = re.compile(r"SHA256:[A-Za-z0-9+/]{43}")


def _emu(tmp_path: pathlib.Path):
    spec = importlib.util.spec_from_file_location("plinktui_bench_soak", ROOT / "bench" / "soak.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod.Emu(tmp_path, 0.0, str(pathlib.Path(sys.executable).parent / "plinktui"))


def test_accept_new_host_key_pins_then_refuses_a_changed_key(tmp_path: pathlib.Path) -> None:
    emu = _emu(tmp_path)
    try:
        plan = emu.dir / "trust.toml"
        plan.write_text(PLAN)
        rc, out, err, _, _, _ = emu.cli(["setup", "--plan", str(plan), "--yes", "--json"], 300, 120)
        assert rc == 0, (out + err)[-400:]
        run_id = [json.loads(ln) for ln in out.splitlines() if ln.startswith('{"kind": "summary"')][-1]["run_id"]
        state = pathlib.Path(emu.env["XDG_STATE_HOME"]) / "plinktui"
        journal = json.loads((state / "runs" / f"{run_id}.json").read_text())
        key = journal["generated_keys"][0]
        audit = ["audit", "--format", "json", "--probe", "ssh", "--ssh-key", key, "--accept-new-host-key",
                 "-g", "rg-trust"]

        rc, out, err, _, _, _ = emu.cli(audit, 300, 120)
        assert rc in (0, 1), (out + err)[-400:]
        first = json.loads(out)
        probes = first["probes"]
        assert probes and all(p["verdict"] == "pass" for p in probes), probes
        pinned = FP.findall(out + err)
        known = list(state.rglob("known_hosts"))
        assert known and known[0].read_text().strip(), "the accepted key is pinned in plinktui's state dir"

        # the VM is rebuilt (same public IP, new host key): delete and re-create it from its own document
        sub = emu.sub
        vm_path = f"/subscriptions/{sub}/resourceGroups/rg-trust/providers/Microsoft.Compute/virtualMachines/vm-trust"
        st, doc = emu.call("GET", vm_path, api=COMPUTE)
        assert st == 200
        assert emu.call("DELETE", vm_path, api=COMPUTE)[0] in (200, 202, 204)
        props = doc["properties"]
        body = {"location": doc["location"], "tags": doc.get("tags", {}), "properties": {
            "hardwareProfile": props["hardwareProfile"], "networkProfile": props["networkProfile"],
            "storageProfile": {"imageReference": {k: v for k, v in props["storageProfile"]["imageReference"].items()
                                                  if k in ("publisher", "offer", "sku", "version")},
                               "osDisk": {"createOption": "FromImage", "deleteOption": "Delete",
                                          "name": props["storageProfile"]["osDisk"]["name"]}},
            "osProfile": {k: v for k, v in props["osProfile"].items() if k != "secrets"}}}
        st, js = emu.call("PUT", vm_path, body, api=COMPUTE)
        assert st in (200, 201), js

        rc, out, err, _, _, _ = emu.cli(audit, 300, 120)
        text = out + err
        second = json.loads(out) if out.strip().startswith("{") else {}
        assert "Traceback" not in text
        assert "does not match" in text and "refusing to connect" in text, text[-800:]
        shown = set(FP.findall(text))
        assert len(shown) >= 2, shown  # the pinned and the presented fingerprints, both shown
        assert not any(p.get("verdict") == "pass" for p in second.get("probes", [])), second.get("probes")
        if pinned:
            assert set(pinned) & shown, (pinned, shown)
        print(f"changed host key refused; fingerprints shown: {sorted(shown)}")
    finally:
        emu.stop()

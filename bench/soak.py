#!/usr/bin/env python3
"""Fault soak: seeded fault schedules, kill -9 and resume, against standalone emulators; prints a table of figures.

Each schedule (seeded, so any one replays with ``--only N``):

1. sets a random mix of emulator faults (429 with an integer / HTTP-date / huge Retry-After, 503 without a header,
   a connection reset before and after a PUT or POST, LRO Failed / Canceled / stuck, 500 on a status poll,
   AnotherOperationInProgress, a provider stuck in Registering);
2. runs ``plinktui setup --plan FILE --yes --json`` as a subprocess (its own process group) with a small
   ``PLINKTUI_TOTAL_TIMEOUT``; kill schedules SIGKILL the group at a random moment (once or twice);
3. clears the faults and resumes (``setup --resume RUN``, bounded attempts) until the run succeeds;
4. checks: the run ended ``succeeded`` (or its last line says exactly what failed and why), the ARM state matches
   the plan (every node present, Succeeded, tagged with the run, PE approved, A record = endpoint IP, vault RBAC on
   and public access off), nothing duplicated (PEs, NICs, VMs, vaults, VNets, NSGs, public IPs counted per resource
   group), the journal parses and agrees with ARM, every error line is a clear one-liner (no traceback, a reason);
5. tears the run down (``teardown RUN --purge``) and checks nothing tagged with the run is left, the resource group
   is empty or gone, the vault name is free and the generated SSH key is gone.

Schedules run in parallel on separate emulators (``--workers``), each emulator in its own HOME/XDG dirs. Prints
figures; asserts nothing (the slow test in tests/plinktui/test_engine_soak.py asserts on a few schedules).

    python bench/soak.py [--schedules 200] [--kills 25] [--workers 3] [--latency-scale 0.002] [--total-timeout 6]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime as dt
import email.utils
import json
import os
import pathlib
import random
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[1]
API = {"network": "2026-03-01", "keyvault": "2026-05-15", "privatedns": "2024-06-01", "compute": "2026-04-01",
       "resources": "2025-04-01"}
TAG_RUN = "plinktui-run"

# Where a fault may strike (substrings of ARM paths the setup touches) and which methods write.
PATHS = ["resourcegroups/rg-", "virtualNetworks", "/subnets/", "vaults", "privateDnsZones/", "virtualNetworkLinks",
         "privateEndpoints", "privateDnsZoneGroups", "networkSecurityGroups", "publicIPAddresses",
         "networkInterfaces", "virtualMachines", None]
POST_PATHS = ["runCommand", "checkNameAvailability"]
FAULT_KINDS = ["throttle_int", "throttle_date", "throttle_huge", "unavailable", "reset", "reset_after",
               "lro_failed", "lro_canceled", "poll_error", "lro_stuck", "another_op", "registering"]

PLAN = """
[plan]
name = "{name}"
resource_group = "rg-{name}"
[network]
region = "westus2"
vnet = "vnet-{name}"
address_space = ["10.{octet}.0.0/16"]
subnet = "snet-endpoints"
subnet_prefix = "10.{octet}.1.0/24"
[vault]
region = "eastus2"
name = "{vault}"
soft_delete_retention_days = 7
{vault_extra}
[private_endpoint]
name = "pe-{name}"
[dns]
link_name = "link-{name}"
[test_vm]
enabled = {vm}
name = "vm-{name}"
admin_username = "azureuser"
ssh_public_key = "generate"
ssh_source = "203.0.113.7/32"
"""

PY_EXCEPTIONS = {n for n, v in vars(__import__("builtins")).items() if isinstance(v, type) and issubclass(
    v, BaseException)} | {"HttpResponseError", "ServiceRequestError", "ServiceResponseError", "DecodeError",
                         "ClientAuthenticationError", "ResourceNotFoundError", "ResourceExistsError", "NodeError"}
"""An error line that starts with one of these is an unclassified exception, not a reason a user can act on."""
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\s+File \".*\", line \d+", re.M)


# ---------------------------------------------------------------------------------------------------- schedules


@dataclass
class Schedule:
    """One seeded schedule: the plan shape, the faults and (maybe) when to kill."""

    index: int
    seed: int
    name: str
    vault: str
    vm: bool
    rules: list[dict[str, Any]]
    kinds: list[str]
    kill_at: list[tuple[str, float]]  # how the first one or two setup processes are killed; empty: no kill

    def plan_text(self) -> str:
        extra = "" if self.vm else 'public_network_access = "Disabled"'
        return PLAN.format(name=self.name, vault=self.vault, vm="true" if self.vm else "false",
                           octet=20 + self.index % 200, vault_extra=extra)


def make_schedule(index: int, seed: int, kill: bool) -> Schedule:
    """The schedule for ``index``: deterministic in ``seed + index``."""
    rng = random.Random(seed * 100003 + index)
    name = f"s{index:03d}"
    vault = f"kvsoak{index:03d}{rng.randrange(16 ** 6):06x}"
    vm = rng.random() < 0.6
    n = rng.randint(3, 6)
    kinds = rng.sample(FAULT_KINDS, n)
    rules: list[dict[str, Any]] = []
    for kind in kinds:
        path = rng.choice(PATHS)
        count = rng.randint(1, 3)
        p = rng.choice([1.0, 1.0, 0.5])
        rule: dict[str, Any] = {"probability": p, "count": count}
        if kind.startswith("throttle"):
            rule["fault"] = "throttle"
            if kind == "throttle_int":
                rule["retry_after"] = str(rng.randint(1, 2))
            elif kind == "throttle_date":
                rule["retry_after"] = "HTTP-DATE+2"  # made an HTTP date when the schedule starts
            else:
                rule["retry_after"] = "3600"
        else:
            rule["fault"] = kind
        if kind in ("reset", "reset_after"):
            if rng.random() < 0.3:
                rule["method"], path = "POST", rng.choice(POST_PATHS)
            else:
                rule["method"] = "PUT"
        elif kind == "registering":
            path = rng.choice(["Microsoft.Network", "Microsoft.KeyVault", "Microsoft.Compute", None])
        elif kind in ("lro_failed", "lro_canceled", "lro_stuck"):
            rule["method"] = "PUT"
            rule["count"] = 1
        if path:
            rule["path"] = path
        rules.append(rule)
    kill_at: list[tuple[str, float]] = []
    if kill:
        for _ in range(2 if rng.random() < 0.35 else 1):  # sometimes the first resume is killed too
            if rng.random() < 0.25:  # at a random time (often before the first write: start-up, preflight)
                kill_at.append(("time", round(rng.uniform(0.5, 5.0), 2)))
            else:  # at a random progress event: between an intent and its PUT, mid-LRO, just after success
                kill_at.append(("events", rng.randint(1, 26)))
    return Schedule(index, seed, name, vault, vm, rules, kinds, kill_at)


# ---------------------------------------------------------------------------------------------------- emulator


class Emu:
    """A standalone ``plinktui emulator serve`` in its own directory, with a HOME/XDG for the CLI runs."""

    def __init__(self, base: pathlib.Path, latency_scale: float, exe: str, extra: tuple[str, ...] = ()) -> None:
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="soak-", dir=base))
        (self.dir / "home").mkdir()
        self.env = dict(os.environ, HOME=str(self.dir / "home"), XDG_STATE_HOME=str(self.dir / "xdg-state"),
                        XDG_CONFIG_HOME=str(self.dir / "xdg-config"), XDG_DATA_HOME=str(self.dir / "xdg-data"))
        self.env.pop("PLINKTUI_STATE_DIR", None)
        self.exe = exe
        self.err = open(self.dir / "emulator.err", "w")  # noqa: SIM115 - lives as long as the emulator
        self.proc = subprocess.Popen(
            [exe, "emulator", "serve", "--port", "0", "--state", str(self.dir / "state.json"),
             "--latency-scale", str(latency_scale), *extra], stdout=subprocess.PIPE, stderr=self.err, text=True,
            env=self.env, start_new_session=True)
        banner = None
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line and self.proc.poll() is not None:
                break
            if line.strip().startswith("{"):
                banner = json.loads(line)
                break
        if banner is None:
            raise RuntimeError(f"emulator did not start: {(self.dir / 'emulator.err').read_text()[-300:]}")
        self.endpoint: str = banner["endpoint"]
        self.ca_cert: str = banner["ca_cert"]
        self.sub: str = banner["subscription_id"]
        self.ctx = ssl.create_default_context(cafile=self.ca_cert)

    def call(self, method: str, path: str, body: Any = None, api: str | None = None,
             auth: bool = True) -> tuple[int, Any]:
        """One request to the emulator (ARM with the emulator's static bearer, or a control endpoint)."""
        url = self.endpoint + path + (f"{'&' if '?' in path else '?'}api-version={api}" if api else "")
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if auth:
            req.add_header("Authorization", "Bearer soak")
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=30) as resp:
                raw = resp.read()
                return resp.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw) if raw else None
            except ValueError:
                return e.code, None

    def list_all(self, path: str, api: str) -> list[dict[str, Any]]:
        """Every item of an ARM list (follows nextLink)."""
        out: list[dict[str, Any]] = []
        st, js = self.call("GET", path, api=api)
        while st == 200 and isinstance(js, dict):
            out += js.get("value") or []
            nxt = js.get("nextLink")
            if not nxt:
                break
            st, js = self.call("GET", nxt.replace(self.endpoint, ""), api=None)
        return out

    def set_faults(self, rules: list[dict[str, Any]], seed: int) -> None:
        st, js = self.call("POST", "/_emulator/faults", {"rules": rules, "seed": seed}, auth=False)
        if st != 200:
            raise RuntimeError(f"faults refused: {js}")

    def clear_faults(self) -> dict[str, int]:
        """Clear faults; returns what fired."""
        _, js = self.call("GET", "/_emulator/faults", auth=False)
        self.call("DELETE", "/_emulator/faults", auth=False)
        return dict((js or {}).get("fired") or {})

    def cli(self, args: list[str], timeout: float, total_timeout: float, kill: tuple[str, float] | None = None
            ) -> tuple[int | None, str, str, float, bool, bool]:
        """Run ``plinktui ARGS``; returns (rc, stdout, stderr, seconds, killed, hung).

        ``kill``: ("time", seconds) or ("events", n): SIGKILL the process group that long after the start, or
        right after the n-th progress event (running/waiting/succeeded) it prints.
        """
        env = dict(self.env, PLINKTUI_TOTAL_TIMEOUT=str(total_timeout))
        full = [self.exe, *args, "--arm-endpoint", self.endpoint, "--ca-cert", self.ca_cert]
        if args and args[0] == "runs":
            full = [self.exe, *args]
        t0 = time.monotonic()
        with tempfile.TemporaryFile("w+") as errf:
            p = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=errf, text=True, env=env,
                                 start_new_session=True)
            killed = hung = False
            deadline = t0 + (kill[1] if kill and kill[0] == "time" else timeout)
            # a watchdog enforces the deadline while the main thread reads stdout line by line
            fired = threading.Event()

            def watchdog() -> None:
                while p.poll() is None and not fired.is_set():
                    if time.monotonic() >= deadline:
                        fired.set()
                        with contextlib.suppress(ProcessLookupError):
                            os.killpg(p.pid, signal.SIGKILL)
                        return
                    time.sleep(0.05)

            threading.Thread(target=watchdog, daemon=True).start()
            out_lines: list[str] = []
            progress = 0
            assert p.stdout is not None
            for line in p.stdout:
                out_lines.append(line)
                if kill and kill[0] == "events" and '"kind": "' in line:
                    if any(f'"kind": "{k}"' in line for k in ("running", "waiting", "succeeded")):
                        progress += 1
                        if progress >= kill[1] and not fired.is_set():
                            fired.set()
                            killed = True
                            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            if fired.is_set() and not killed:
                if kill and kill[0] == "time":
                    killed = True
                else:
                    hung = True
            fired.set()
            errf.seek(0)
            err = errf.read()
        return p.returncode, "".join(out_lines), err, time.monotonic() - t0, killed, hung

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.err.close()


# ---------------------------------------------------------------------------------------------------- checks


@dataclass
class Outcome:
    """What one schedule saw."""

    index: int
    kinds: list[str]
    fired: dict[str, int] = field(default_factory=dict)
    kills: int = 0
    setups: int = 0
    resumes: int = 0
    reported_failures: int = 0  # runs that ended with a failure line naming what failed and why
    duplicates: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    hangs: int = 0
    unclear: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    journal: list[str] = field(default_factory=list)
    unfinished: str = ""
    max_setup_s: float = 0.0
    seconds: float = 0.0


def json_lines(text: str) -> list[dict[str, Any]]:
    out = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def unclear_errors(stdout: str, stderr: str, killed: bool) -> list[str]:
    """Error lines a user could not act on: a traceback, or a failure without a reason."""
    bad = []
    if TRACEBACK.search(stdout) or TRACEBACK.search(stderr):
        bad.append("traceback: " + (TRACEBACK.search(stdout + stderr).group(0)))  # type: ignore[union-attr]
    for ev in json_lines(stdout):
        if ev.get("kind") == "failed":
            err = str(ev.get("error") or "")
            if len(err) < 8 or not ev.get("error_class"):
                bad.append(f"failed event without a reason: {ev}")
            elif ev.get("error_class") == "fatal" and err.split(":")[0] in PY_EXCEPTIONS:
                bad.append(f"unclassified exception: {err[:120]}")
        if ev.get("kind") == "error" and len(str(ev.get("message") or "")) < 8:
            bad.append(f"error line without a reason: {ev}")
    if not killed:
        for line in stderr.splitlines():
            if line.strip() and not line.startswith("plinktui:") and not line.startswith("  - "):
                bad.append(f"stray stderr: {line[:120]}")
                break
    return bad


def run_id_of(emu: Emu, sched: Schedule, lines: list[dict[str, Any]]) -> str | None:
    for ev in lines:
        if isinstance(ev.get("run_id"), str):
            return ev["run_id"]
    rc, out, _, _, _, _ = emu.cli(["runs", "--json"], 60, 60)
    try:
        runs = [r for r in json.loads(out) if r.get("plan") == sched.name]
    except ValueError:
        return None
    return runs[-1]["run_id"] if runs else None


def check_state(emu: Emu, sched: Schedule, rid: str, o: Outcome) -> None:
    """ARM equals the plan; nothing duplicated; the journal agrees."""
    sub, rg = emu.sub, f"rg-{sched.name}"
    base = f"/subscriptions/{sub}/resourceGroups/{rg}/providers"
    counts = {}
    for kind in ("privateEndpoints", "networkInterfaces", "virtualNetworks", "networkSecurityGroups",
                 "publicIPAddresses"):
        counts[kind] = len(emu.list_all(f"{base}/Microsoft.Network/{kind}", API["network"]))
    counts["vms"] = len(emu.list_all(f"{base}/Microsoft.Compute/virtualMachines", API["compute"]))
    counts["vaults"] = len([v for v in emu.list_all(f"/subscriptions/{sub}/providers/Microsoft.KeyVault/vaults",
                                                    API["keyvault"]) if v.get("name") == sched.vault])
    counts["zones"] = len(emu.list_all(f"{base}/Microsoft.Network/privateDnsZones", API["privatedns"]))
    want = {"privateEndpoints": 1, "networkInterfaces": 2 if sched.vm else 1, "virtualNetworks": 1,
            "networkSecurityGroups": int(sched.vm), "publicIPAddresses": int(sched.vm), "vms": int(sched.vm),
            "vaults": 1, "zones": 1}
    for k, n in want.items():
        if counts[k] > n:
            o.duplicates.append(f"{k}: {counts[k]} (want {n})")
        elif counts[k] < n:
            o.mismatches.append(f"{k}: {counts[k]} (want {n})")
    # the resources themselves
    st, pe = emu.call("GET", f"{base}/Microsoft.Network/privateEndpoints/pe-{sched.name}", api=API["network"])
    conns = ((pe or {}).get("properties") or {}).get("privateLinkServiceConnections") or []
    status = conns[0]["properties"]["privateLinkServiceConnectionState"]["status"] if conns else None
    if st != 200 or status != "Approved":
        o.mismatches.append(f"endpoint {st} {status}")
    nic_ip = None
    nics = ((pe or {}).get("properties") or {}).get("networkInterfaces") or []
    if nics:
        st, nic = emu.call("GET", nics[0]["id"], api=API["network"])
        for ipc in ((nic or {}).get("properties") or {}).get("ipConfigurations") or []:
            nic_ip = nic_ip or (ipc.get("properties") or {}).get("privateIPAddress")
    st, rec = emu.call("GET", f"{base}/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net/A/"
                       f"{sched.vault}", api=API["privatedns"])
    ips = [a.get("ipv4Address") for a in ((rec or {}).get("properties") or {}).get("aRecords") or []]
    if not nic_ip or ips != [nic_ip]:
        o.mismatches.append(f"A record {ips} vs endpoint NIC {nic_ip}")
    st, kv = emu.call("GET", f"{base}/Microsoft.KeyVault/vaults/{sched.vault}", api=API["keyvault"])
    kp = (kv or {}).get("properties") or {}
    if st != 200 or kp.get("enableRbacAuthorization") is not True or kp.get("publicNetworkAccess") != "Disabled":
        o.mismatches.append(f"vault {st} rbac={kp.get('enableRbacAuthorization')} "
                            f"public={kp.get('publicNetworkAccess')}")
    if sched.vm:
        st, nsg = emu.call("GET", f"{base}/Microsoft.Network/networkSecurityGroups/vm-{sched.name}-nsg",
                           api=API["network"])
        for rule in ((nsg or {}).get("properties") or {}).get("securityRules") or []:
            src = (rule.get("properties") or {}).get("sourceAddressPrefix")
            if src in ("*", "0.0.0.0/0", "Internet", "Any"):
                o.mismatches.append(f"NSG rule {rule.get('name')} opens SSH to {src}")
    # journal
    jpath = pathlib.Path(emu.env["XDG_STATE_HOME"]) / "plinktui" / "runs" / f"{rid}.json"
    try:
        journal = json.loads(jpath.read_text())
    except (OSError, ValueError) as e:
        o.journal.append(f"journal unreadable: {e}")
        return
    if journal.get("state") != "succeeded":
        o.journal.append(f"journal state {journal.get('state')}")
    for key, entry in (journal.get("resources") or {}).items():
        if entry.get("status") not in ("succeeded", "reused"):
            o.journal.append(f"{key} is {entry.get('status')}")
            continue
        rid_ = entry.get("id") or entry.get("rid")
        if key == "verify" or not rid_:
            continue
        api = API["network"]
        if "/Microsoft.KeyVault/" in rid_:
            api = API["keyvault"]
        elif "/Microsoft.Compute/" in rid_:
            api = API["compute"]
        elif "/privateDnsZones/" in rid_ and "/privateDnsZoneGroups/" not in rid_:
            api = API["privatedns"]
        elif "/providers/" not in rid_:
            api = API["resources"]
        st, doc = emu.call("GET", rid_, api=api)
        state = ((doc or {}).get("properties") or {}).get("provisioningState", "Succeeded")
        if st != 200 or state != "Succeeded":
            o.journal.append(f"{key} {rid_.rsplit('/', 1)[-1]}: ARM {st} {state}")
        elif key not in ("subnet", "zone_group") and (doc.get("tags") or {}).get(TAG_RUN) != rid:
            o.journal.append(f"{key} not tagged with the run")
    leftovers = list(jpath.parent.glob(f".{jpath.name}.*.tmp"))
    if leftovers:
        o.journal.append(f"temp files left: {[p.name for p in leftovers]}")


def check_teardown(emu: Emu, sched: Schedule, rid: str, o: Outcome) -> None:
    """Nothing tagged with the run; the group empty or gone; the vault name free; the generated key gone."""
    sub = emu.sub
    tagged = [r["id"] for r in emu.list_all(f"/subscriptions/{sub}/resources", API["resources"])
              if (r.get("tags") or {}).get(TAG_RUN) == rid]
    o.leaks += [f"tagged: {t.rsplit('/', 2)[-2]}/{t.rsplit('/', 1)[-1]}" for t in tagged]
    st, _ = emu.call("GET", f"/subscriptions/{sub}/resourceGroups/rg-{sched.name}", api=API["resources"])
    if st == 200:
        left = emu.list_all(f"/subscriptions/{sub}/resourceGroups/rg-{sched.name}/resources", API["resources"])
        o.leaks += [f"in group: {r['id'].rsplit('/', 1)[-1]}" for r in left]
        nics = emu.list_all(f"/subscriptions/{sub}/resourceGroups/rg-{sched.name}/providers/Microsoft.Network/"
                            "networkInterfaces", API["network"])
        o.leaks += [f"nic: {n['name']}" for n in nics if not any(n["name"] in x for x in o.leaks)]
    st, js = emu.call("POST", f"/subscriptions/{sub}/providers/Microsoft.KeyVault/checkNameAvailability",
                      {"name": sched.vault, "type": "Microsoft.KeyVault/vaults"}, api=API["keyvault"])
    if not (st == 200 and (js or {}).get("nameAvailable")):
        o.leaks.append(f"vault name {sched.vault} not free ({(js or {}).get('reason')})")
    keys = pathlib.Path(emu.env["XDG_STATE_HOME"]) / "plinktui"
    o.leaks += [f"key file: {p.name}" for p in keys.rglob(f"{rid}*") if p.is_file() and "ed25519" in p.name]


# ---------------------------------------------------------------------------------------------------- one schedule


def run_schedule(emu: Emu, sched: Schedule, args: argparse.Namespace) -> Outcome:
    o = Outcome(sched.index, sched.kinds)
    t_start = time.monotonic()
    plan = emu.dir / f"{sched.name}.toml"
    plan.write_text(sched.plan_text())
    hang_limit = args.hang_limit
    when = email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2), usegmt=True)
    rules = [dict(r, retry_after=when) if r.get("retry_after") == "HTTP-DATE+2" else r for r in sched.rules]
    _, before = emu.call("GET", "/_emulator/faults", auth=False)
    fired_before = dict((before or {}).get("fired") or {})  # the emulator's counters are cumulative
    emu.set_faults(rules, sched.seed * 100003 + sched.index)
    kills = list(sched.kill_at)
    rid: str | None = None
    final: dict[str, Any] | None = None

    def one(cmd: list[str], faulty: bool) -> tuple[int | None, list[dict[str, Any]]]:
        nonlocal rid
        # a planned kill stays pending until it lands (a run that fails early under faults carries it over)
        rc, out, err, secs, killed, hung = emu.cli(cmd, hang_limit, args.total_timeout, kills[0] if kills else None)
        if killed:
            kills.pop(0)
        o.setups += 1
        o.max_setup_s = max(o.max_setup_s, secs)
        o.kills += int(killed)
        o.hangs += int(hung)
        o.unclear += unclear_errors(out, err, killed or hung)
        lines = json_lines(out)
        if rid is None:
            rid = run_id_of(emu, sched, lines)
        if not killed and rc not in (0, None) and lines and lines[-1].get("kind") in ("summary", "error"):
            o.reported_failures += 1
        return (None if killed else rc), lines

    # phase 1: under faults (possibly killed, possibly the first resume killed too)
    rc, lines = one(["setup", "--plan", str(plan), "--yes", "--json"], True)
    if rc == 0:
        final = lines[-1]
    while kills and rc != 0 and o.kills:  # a scheduled second kill strikes the first resume, still under faults
        if rid is None:
            rc, lines = one(["setup", "--plan", str(plan), "--yes", "--json"], True)
        else:
            o.resumes += 1
            rc, lines = one(["setup", "--resume", rid, "--yes", "--json"], True)
        if rc == 0:
            final = lines[-1]
    o.fired = {k: v - fired_before.get(k, 0) for k, v in emu.clear_faults().items() if v - fired_before.get(k, 0)}
    del kills[1:]  # at most one pending kill goes on into the fault-free resumes
    # phase 2: resume until done (bounded)
    attempts = 0
    while final is None and attempts < args.resume_attempts:
        attempts += 1
        if rid is None:  # killed before the journal existed, or preflight refused: nothing was created; start over
            rc, lines = one(["setup", "--plan", str(plan), "--yes", "--json"], False)
        else:
            o.resumes += 1
            rc, lines = one(["setup", "--resume", rid, "--yes", "--json"], False)
        if rc == 0 and lines and lines[-1].get("kind") == "summary":
            final = lines[-1]
        elif attempts == args.resume_attempts:
            last = lines[-1] if lines else {}
            o.unfinished = json.dumps(last.get("failed") or last.get("message") or last)[:200]
    if rid is None:
        o.unfinished = o.unfinished or "no run id"
        o.seconds = time.monotonic() - t_start
        return o
    if final is not None:
        check_state(emu, sched, rid, o)
    # phase 3: teardown (bounded attempts), then leaks
    for _ in range(3):
        rc, out, err, secs, _, hung = emu.cli(["teardown", rid, "--purge", "--yes", "--json"], hang_limit,
                                               args.total_timeout)
        o.hangs += int(hung)
        o.unclear += unclear_errors(out, err, hung)
        if rc == 0:
            break
    check_teardown(emu, sched, rid, o)
    o.seconds = time.monotonic() - t_start
    return o


# ---------------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--schedules", type=int, default=200)
    ap.add_argument("--kills", type=int, default=25, help="schedules that SIGKILL the apply (default 25)")
    ap.add_argument("--workers", type=int, default=3, help="parallel emulators (default 3)")
    ap.add_argument("--latency-scale", type=float, default=0.002)
    ap.add_argument("--total-timeout", type=float, default=6.0, help="PLINKTUI_TOTAL_TIMEOUT for every run")
    ap.add_argument("--hang-limit", type=float, default=150.0,
                    help="a setup/teardown process alive this long counts as a hang (and is killed)")
    ap.add_argument("--resume-attempts", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", type=int, action="append", help="run only these schedule indexes (replay)")
    ap.add_argument("--json", metavar="FILE", help="also write every outcome as JSON")
    ap.add_argument("--keep", action="store_true", help="keep the emulator directories")
    args = ap.parse_args(argv)

    exe = shutil.which("plinktui", path=str(pathlib.Path(sys.executable).parent)) or shutil.which("plinktui")
    if not exe:
        print("soak: no plinktui executable next to this python or on PATH", file=sys.stderr)
        return 2
    indexes = args.only or list(range(args.schedules))
    # spread the kill schedules evenly over the run
    step = max(1, len(indexes) // max(1, args.kills)) if args.kills else 0
    killers = {indexes[i] for i in range(0, len(indexes), step)} if step else set()
    killers = set(sorted(killers)[: args.kills])
    schedules = [make_schedule(i, args.seed, i in killers) for i in indexes]
    base = pathlib.Path(tempfile.mkdtemp(prefix="plinktui-soak-"))
    t0 = time.monotonic()
    emus: list[Emu] = []
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    queue = list(schedules)

    def worker(k: int) -> None:
        emu = Emu(base, args.latency_scale, exe)
        with lock:
            emus.append(emu)
        while True:
            with lock:
                if not queue:
                    return
                sched = queue.pop(0)
            try:
                o = run_schedule(emu, sched, args)
            except Exception as e:  # noqa: BLE001 - a soak harness failure is reported, not hidden
                o = Outcome(sched.index, sched.kinds, unfinished=f"harness: {type(e).__name__}: {e}")
            with lock:
                outcomes.append(o)
                bad = o.duplicates or o.leaks or o.hangs or o.unclear or o.mismatches or o.journal or o.unfinished
                print(f"[{len(outcomes):3d}/{len(schedules)}] s{o.index:03d} {o.seconds:5.1f}s kills={o.kills} "
                      f"resumes={o.resumes} fired={sum(o.fired.values())} "
                      + ("PROBLEM " + json.dumps({k: v for k, v in o.__dict__.items() if v and k in (
                          'duplicates', 'leaks', 'hangs', 'unclear', 'mismatches', 'journal', 'unfinished')})[:400]
                         if bad else "ok"), flush=True)

    try:
        with concurrent.futures.ThreadPoolExecutor(args.workers) as pool:
            for f in [pool.submit(worker, k) for k in range(args.workers)]:
                f.result()
    finally:
        for emu in emus:
            emu.stop()
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    wall = time.monotonic() - t0
    fired: dict[str, int] = {}
    for o in outcomes:
        for k, v in o.fired.items():
            fired[k] = fired.get(k, 0) + v
    fig = {
        "schedules run": len(outcomes),
        "schedules with kill -9": sum(1 for o in outcomes if o.kills),
        "kill -9 delivered": sum(o.kills for o in outcomes),
        "setup processes": sum(o.setups for o in outcomes),
        "resumes": sum(o.resumes for o in outcomes),
        "faults fired": sum(fired.values()),
        "runs ending in a reported failure (before resume)": sum(o.reported_failures for o in outcomes),
        "finished = plan after resume": sum(1 for o in outcomes if not o.unfinished and not o.mismatches),
        "unfinished after bounded resumes": sum(1 for o in outcomes if o.unfinished),
        "state mismatches": sum(len(o.mismatches) for o in outcomes),
        "duplicates": sum(len(o.duplicates) for o in outcomes),
        "journal inconsistencies": sum(len(o.journal) for o in outcomes),
        "leaks after teardown": sum(len(o.leaks) for o in outcomes),
        "hangs (process past --hang-limit)": sum(o.hangs for o in outcomes),
        "unclear errors": sum(len(o.unclear) for o in outcomes),
        "slowest setup process (s)": round(max((o.max_setup_s for o in outcomes), default=0.0), 1),
        "wall (s)": round(wall, 1),
    }
    print()
    print(f"fault soak: seed {args.seed}, latency scale {args.latency_scale}, PLINKTUI_TOTAL_TIMEOUT "
          f"{args.total_timeout}s, {args.workers} emulators")
    width = max(len(k) for k in fig)
    for k, v in fig.items():
        print(f"  {k:<{width}}  {v}")
    print("  faults fired by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(fired.items())))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"figures": fig, "fired": fired,
                                                        "outcomes": [o.__dict__ for o in outcomes]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

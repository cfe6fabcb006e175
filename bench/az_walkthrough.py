#!/usr/bin/env python3
"""The seed walkthrough as Azure CLI commands against a standalone demo cloud: prints each command's exit code and
wall time (not a test; azure-cli is not a project dependency).

    python3 -m venv /tmp/azcli && /tmp/azcli/bin/pip install azure-cli
    python bench/az_walkthrough.py --az-python /tmp/azcli/bin/python [--latency-scale 0.02]

It starts ``plinktui emulator serve`` on a free port with a scratch state, points a scratch ``AZURE_CONFIG_DIR`` at
it (``az cloud register`` + ``az login --identity`` with the banner's identity endpoint), and runs: group, VNet and
subnets, vault, Standard load balancer, private endpoint, private DNS zone, VNet link, zone group, ``az vm create
--image Ubuntu2204``, ``az vm run-command invoke ... nslookup <vault>``, ``az resource list``, then the deletes and
the purge. Exit status 1 when any command fails.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--az-python", default=os.environ.get("PLINK_AZ_PYTHON", ""),
                        help="python of a venv with azure-cli installed (or PLINK_AZ_PYTHON)")
    parser.add_argument("--latency-scale", default="0.02")
    parser.add_argument("--plinktui", default=shutil.which("plinktui") or "plinktui")
    parser.add_argument("--json", action="store_true", help="print one JSON object per command")
    parser.add_argument("--verbose", action="store_true", help="show the end of a failing command's error")
    args = parser.parse_args()
    if not args.az_python or not pathlib.Path(args.az_python).exists():
        print("az_walkthrough: pass --az-python (a venv's python with azure-cli installed)", file=sys.stderr)
        return 2
    work = pathlib.Path(tempfile.mkdtemp(prefix="plink-azwalk-"))
    env = dict(os.environ, HOME=str(work / "home"), XDG_STATE_HOME=str(work / "state"))
    (work / "home").mkdir()
    proc = subprocess.Popen([args.plinktui, "emulator", "serve", "--state", str(work / "state.json"),
                             "--latency-scale", args.latency_scale], stdout=subprocess.PIPE, text=True, env=env)
    try:
        banner = json.loads(proc.stdout.readline() if proc.stdout else "{}")
        return walk(args, banner, work, env)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)


def export_plan(args: argparse.Namespace, work: pathlib.Path, rg: str, vault: str) -> pathlib.Path:
    """A second private path in the same group, as `plinktui export` writes it (a template for az to deploy)."""
    plan = work / "export.toml"
    plan.write_text(f"""[plan]
name = "azwalk-iac"
resource_group = "{rg}"
[network]
region = "westus2"
vnet = "vnet-azwalk-iac"
address_space = ["10.21.0.0/16"]
subnet = "snet-pe"
subnet_prefix = "10.21.1.0/24"
[vault]
region = "eastus2"
name = "{vault}i"
public_network_access = "Disabled"
[private_endpoint]
name = "pe-azwalk-iac"
[dns]
link_name = "link-azwalk-iac"
create_zone = "never"
""")
    out = work / "export.json"
    subprocess.run([args.plinktui, "export", "--plan", str(plan), "--format", "arm", "-o", str(out)], check=True,
                   capture_output=True)
    return out


def walk(args: argparse.Namespace, banner: dict[str, str], work: pathlib.Path, base_env: dict[str, str]) -> int:
    env = dict(base_env, AZURE_CONFIG_DIR=str(work / "azconfig"), REQUESTS_CA_BUNDLE=banner["ca_cert"],
               IDENTITY_ENDPOINT=banner["identity_endpoint"], IDENTITY_HEADER=banner["identity_header"],
               AZURE_CORE_COLLECT_TELEMETRY="no", AZURE_CORE_ONLY_SHOW_ERRORS="1")
    rg, vault, zone = "rg-azwalk", f"kvazwalk{os.getpid() % 100000}", "privatelink.vaultcore.azure.net"
    g = ["-g", rg]
    steps: list[tuple[str, list[str]]] = [
        ("cloud register", ["cloud", "register", "-n", "PlinkDemo", "--endpoint-resource-manager",
                            banner["endpoint"].rstrip("/") + "/"]),
        ("cloud set", ["cloud", "set", "-n", "PlinkDemo"]),
        ("login --identity", ["login", "--identity"]),
        ("group create", ["group", "create", "-n", rg, "-l", "westus2"]),
        ("vnet create", ["network", "vnet", "create", *g, "-n", "vnet-azwalk", "--address-prefix", "10.20.0.0/16",
                         "--subnet-name", "snet-pe", "--subnet-prefixes", "10.20.1.0/24"]),
        ("subnet create", ["network", "vnet", "subnet", "create", *g, "--vnet-name", "vnet-azwalk", "-n", "snet-vm",
                           "--address-prefixes", "10.20.2.0/24"]),
        ("keyvault create", ["keyvault", "create", *g, "-n", vault, "-l", "eastus2"]),
        ("lb create (Standard)", ["network", "lb", "create", *g, "-n", "lb-azwalk", "--sku", "Standard",
                                  "--vnet-name", "vnet-azwalk", "--subnet", "snet-vm", "--frontend-ip-name", "fe",
                                  "--backend-pool-name", "be"]),
        ("private-endpoint create", ["network", "private-endpoint", "create", *g, "-n", "pe-azwalk", "-l", "westus2",
                                     "--vnet-name", "vnet-azwalk", "--subnet", "snet-pe",
                                     "--private-connection-resource-id",
                                     f"/subscriptions/{banner['subscription_id']}/resourceGroups/{rg}/providers/"
                                     f"Microsoft.KeyVault/vaults/{vault}",
                                     "--group-id", "vault", "--connection-name", "conn-azwalk"]),
        ("private-dns zone create", ["network", "private-dns", "zone", "create", *g, "-n", zone]),
        ("private-dns link create", ["network", "private-dns", "link", "vnet", "create", *g, "-z", zone,
                                     "-n", "link-azwalk", "-v", "vnet-azwalk", "-e", "false"]),
        ("dns-zone-group create", ["network", "private-endpoint", "dns-zone-group", "create", *g,
                                   "--endpoint-name", "pe-azwalk", "-n", "default", "--private-dns-zone", zone,
                                   "--zone-name", "vault"]),
        ("vm create Ubuntu2204", ["vm", "create", *g, "-n", "vm-azwalk", "--image", "Ubuntu2204", "--size",
                                  "Standard_B1s", "--vnet-name", "vnet-azwalk", "--subnet", "snet-vm",
                                  "--admin-username", "azureuser", "--generate-ssh-keys"]),
        ("run-command nslookup", ["vm", "run-command", "invoke", *g, "-n", "vm-azwalk", "--command-id",
                                  "RunShellScript", "--scripts", f"nslookup {vault}.vault.azure.net"]),
        ("resource list", ["resource", "list", *g]),
        ("deployment group create", ["deployment", "group", "create", *g, "-n", "plink-export", "--template-file",
                                     str(export_plan(args, work, rg, vault))]),
        ("private-endpoint delete", ["network", "private-endpoint", "delete", *g, "-n", "pe-azwalk"]),
        ("vm delete", ["vm", "delete", *g, "-n", "vm-azwalk", "--yes"]),
        ("keyvault delete", ["keyvault", "delete", *g, "-n", vault]),
        ("keyvault purge", ["keyvault", "purge", "-n", vault, "-l", "eastus2"]),
        ("group delete", ["group", "delete", "-n", rg, "--yes"]),
    ]
    failed = 0
    if not args.json:
        print(f"{'command':28} {'exit':>4} {'wall s':>7}  note")
    for name, argv in steps:
        t0 = time.monotonic()
        r = subprocess.run([args.az_python, "-m", "azure.cli", *argv, "-o", "json"], capture_output=True, text=True,
                           env=env, timeout=600)
        wall = time.monotonic() - t0
        note = ""
        if r.returncode:
            failed += 1
            text = (r.stderr or r.stdout).strip()
            note = " ".join(text.split())[-300:] if args.verbose else (text.splitlines()[-1][:100] if text else "")
        elif name == "run-command nslookup":
            lines = json.loads(r.stdout)["value"][0]["message"].splitlines()
            note = " | ".join([ln.strip() for ln in lines if ln.startswith("Server:")]
                              + [ln.strip() for ln in lines if ln.startswith("Address: ")])
        elif name == "deployment group create":
            note = f"{json.loads(r.stdout)['properties']['provisioningState']} (plinktui export of a plan)"
        elif name == "resource list":
            note = ", ".join(sorted({x["type"].split("/", 1)[1] for x in json.loads(r.stdout)}))[:140]
        if args.json:
            print(json.dumps({"command": name, "exit": r.returncode, "wall_s": round(wall, 2), "note": note}))
        else:
            print(f"{name:28} {r.returncode:>4} {wall:7.2f}  {note}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

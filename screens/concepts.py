"""Plain-words explanations shown in the side panel of each screen (Markdown).

Each text explains the concept *where it is chosen* and corrects the misconceptions people bring to Private Link.
"""

from __future__ import annotations

WELCOME = """\
## What plinktui does
It takes you from *"I have a VNet and want my Key Vault reachable privately"* to a **verified private path**:

1. you answer a few questions (nothing is created yet);
2. plinktui shows the plan and checks it (permissions, names, regions);
3. it creates the resources with live progress;
4. it **proves** the path from a VM inside the VNet: the vault name resolves to the
   endpoint's private IP, and the vault sees the VM's private IP (`healthstatus`).

The **demo cloud** is an embedded Azure emulator: offline, free, deterministic.
"""

SIGNIN = """\
## Signing in
plinktui uses `DefaultAzureCredential`: if you ran `az login`, that session is reused.
On a machine without a browser choose **Device code**: plinktui shows a URL and a code
to enter in any browser (your phone will do).

The screen shows *who* is signed in (user, object id, tenant), read from the access
token's claims; the token itself is never shown or stored.

**Demo cloud**: no sign-in happens; the embedded emulator accepts a local token and
offers one subscription.
"""

SCENARIO = """\
## Private endpoint, in one paragraph
A **private endpoint** is a NIC in *your* subnet with a private IP that leads to the vault.
Azure runs the other side for you.

### Do I need a load balancer?
**No.** Key Vault (like every Azure PaaS service) sits behind a *Microsoft-managed*
Private Link Service. There is no "SNAT through the load balancer" for a private endpoint:
traffic goes straight from the client to the endpoint's IP.

A Standard Load Balancer is needed **only** to publish *your own* service through a
Private Link Service, so that other VNets can reach it.
"""

NETWORK = """\
## Where the endpoint lives
The endpoint is created **in the VNet's region** and subscription, in one subnet.
Pick the region first: the VNet list is filtered by it, like the portal does.

### Subnet
Azure keeps **5 addresses** of every subnet (network, gateway, two DNS, broadcast), so
a /28 leaves 11 usable. Each endpoint takes one IP.

**Private endpoint network policies**: *Disabled* (the default) means NSGs and route tables
do not apply to endpoints in the subnet; *Enabled* makes them apply.
"""

VAULT = """\
## The vault can be anywhere
A common belief is that the vault must be in the VNet's region. **It need not be**: the
endpoint stays in the VNet's region and reaches the vault in any region.

### Name
Vault names are **global** (they become `<name>.vault.azure.net`), 3-24 characters.
A soft-deleted vault keeps its name until it is purged; plinktui checks both.

### Access
- **RBAC authorization** (recommended): data-plane access by Azure roles.
- **Public network access off**: only private endpoints reach the data plane. The Azure
  portal then *loses data-plane access* (secrets list) unless it runs inside the VNet.
"""

DNS = """\
## Why DNS is the hard part
Clients keep using `<vault>.vault.azure.net`. Once the endpoint is approved, Azure's public
record gains an alias `<vault>.privatelink.vaultcore.azure.net`.

A **private DNS zone** named **exactly** `privatelink.vaultcore.azure.net`, **linked** to
the VNet, answers that alias with the endpoint's private IP inside the VNet. Any other
zone name is never consulted.

A **DNS zone group** on the endpoint writes and maintains the A record for you
(and removes it when the endpoint goes).
"""

TESTVM = """\
## Proof from inside the VNet
DNS answers differ inside and outside the VNet, so the only honest check runs **from a VM
in the VNet**: resolve the vault name and call `/healthstatus`, whose
`x-ms-keyvault-network-info: addr=` header shows the source IP the vault saw.

### SSH source
There is **no "anywhere" default**: an SSH port open to the internet is scanned within
minutes. Give your own public address (e.g. `203.0.113.7/32`).
"""

REVIEW = """\
## Before anything is created
The table shows what is **created** and what is **reused** (never modified).
The tree shows the dependency order; independent branches run in parallel.

Preflight checks permissions, providers, regions and names **without writing**.
Resources cost money, so plinktui asks once more before it starts.
"""

PROVISION = """\
## What is happening
Each row is one Azure resource. Long-running operations are polled until Azure says
*Succeeded*. Every created resource is tagged `plinktui-run=<run id>` and recorded in the
run journal, so a stopped run can be **resumed** and **torn down** safely.

`Esc` cancels (after confirming). Nothing is deleted on cancel.
"""

AUDIT = """\
## Reading the audit
- **Endpoints & NICs**: each endpoint, its NIC and private IP, connection state.
- **DNS checks**: what a VM in the VNet resolves; *pass* means the vault name resolved to
  the endpoint's IP and `healthstatus addr` is the VM's private IP (the private path).
- **Findings**: problems with the fix and the `az` command.
- **Topology**: VNet → subnet → endpoint NIC → target, and zone → links.

`/` filter · `r` re-run probes · `e` export
"""

SCREEN_HELP: dict[str, str] = {
    "welcome": WELCOME, "signin": SIGNIN, "scenario": SCENARIO, "network": NETWORK, "vault": VAULT,
    "dns": DNS, "testvm": TESTVM, "review": REVIEW, "provision": PROVISION, "audit": AUDIT,
}

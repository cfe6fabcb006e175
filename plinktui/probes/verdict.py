"""Turning parsed probe output into a verdict for one FQDN seen from one VM.

Finding ids (stable, shared with the audit catalogue):

- PL020: the name resolves to a public IP from inside the VNet.
- PL021: it resolves to a private IP that is not the endpoint NIC's.
- PL022: NXDOMAIN or a resolver failure.
- PL023: the healthstatus ``addr`` is public, a 403 ``ForbiddenByConnection``/``ForbiddenByFirewall``, the
  network-info header is missing, or the vault could not be reached over HTTPS at all.
- PL024: ``/etc/hosts`` (or another NSS source) overrides the name: getent's answer differs from DNS's.

A ``pass`` needs every piece read cleanly: DNS (``host``) answers exactly addresses among the expected NIC IPs,
glibc (``getent``) agrees, and for vaults ``/healthstatus`` answered with ``addr`` = the VM's private IP (another
private IP passes too, with the note "custom routing"). Anything unreadable makes the verdict ``unknown``, never
``pass``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from plinktui.facts import AZURE_DNS
from plinktui.netaddr import is_private_ip
from plinktui.probes.parsers import DnsAnswer, GetentAnswer, HealthStatus, ResolvConf, norm_name

PL020 = "PL020"
PL021 = "PL021"
PL022 = "PL022"
PL023 = "PL023"
PL024 = "PL024"

VAULT_SUFFIXES = (".vault.azure.net", ".vault.usgovcloudapi.net", ".vault.azure.cn", ".vault.microsoftazure.de")
def is_vault_fqdn(fqdn: str) -> bool:
    """True for a Key Vault data-plane name in any cloud (``<vault>.vault.azure.net`` and sovereign suffixes)."""
    return norm_name(fqdn).endswith(VAULT_SUFFIXES)


@dataclass
class ProbeTarget:
    """One FQDN to probe and the private endpoint NIC IP(s) it should resolve to."""

    fqdn: str
    expected_ips: list[str] = field(default_factory=list)
    vault: bool | None = None  # None: decided from the FQDN suffix

    @property
    def is_vault(self) -> bool:
        """Whether /healthstatus is probed."""
        return is_vault_fqdn(self.fqdn) if self.vault is None else self.vault


@dataclass
class ProbeVerdict:
    """The audit JSON ``probes`` entry for one FQDN probed from one VM."""

    vm: str
    fqdn: str
    resolved_ips: list[str]
    cname_chain: list[str]
    expected_ip: str | None
    verdict: str  # "pass" | "fail" | "unknown"
    findings: list[str] = field(default_factory=list)
    healthstatus_addr: str | None = None
    detail: str = ""
    expected_ips: list[str] = field(default_factory=list)
    getent_ips: list[str] = field(default_factory=list)
    nameservers: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def _resolver_note(resolv: ResolvConf | None) -> str:
    if resolv is None or resolv.status != "ok":
        return ""
    if resolv.uses_stub_resolver:
        return " The VM resolves through a local stub (127.0.0.53); check the VNet's DNS servers."
    custom = [ns for ns in resolv.nameservers if ns != AZURE_DNS]
    if custom:
        return (f" The VNet uses custom DNS servers ({', '.join(custom)}): they must forward"
                f" privatelink zones to {AZURE_DNS}.")
    return ""


def evaluate(
    *,
    vm: str,
    target: ProbeTarget,
    vm_private_ip: str | None,
    host: DnsAnswer | None,
    getent: GetentAnswer | None,
    health: HealthStatus | None = None,
    resolv: ResolvConf | None = None,
) -> ProbeVerdict:
    """Judge one FQDN.

    Args:
        vm: the probing VM's name.
        target: the FQDN and the NIC IP(s) it must resolve to.
        vm_private_ip: the probing VM's private IP (what ``addr`` must show over the private path).
        host: parsed ``host FQDN`` (DNS's answer and the CNAME chain).
        getent: parsed ``getent hosts FQDN`` (what applications get).
        health: parsed ``curl -i https://FQDN/healthstatus`` (vaults only).
        resolv: parsed /etc/resolv.conf, for the detail text.

    Returns:
        A :class:`ProbeVerdict`.
    """
    fqdn = norm_name(target.fqdn)
    expected = [ip for ip in target.expected_ips if ip]
    findings: list[str] = []
    notes: list[str] = []
    unknowns: list[str] = []
    dns_ips: list[str] = []
    chain: list[str] = []

    # --- DNS, as the resolver answers it
    if host is None or host.status == "unknown":
        unknowns.append(f"DNS answer unreadable ({host.reason if host else 'not run'})")
    elif host.status in ("nxdomain", "servfail"):
        findings.append(PL022)
        what = "NXDOMAIN" if host.status == "nxdomain" else f"resolver failure ({host.reason or 'SERVFAIL'})"
        notes.append(f"DNS answered {what} for {fqdn} (PL022).")
        chain = host.chain
    elif host.status == "noanswer" or not host.addresses:
        findings.append(PL022)
        chain = host.chain
        notes.append(f"DNS has no A record for {chain[-1] if chain else fqdn} (PL022).")
    else:
        dns_ips, chain = list(host.addresses), list(host.chain)
        public = [ip for ip in dns_ips if not is_private_ip(ip)]
        if public:
            findings.append(PL020)
            notes.append(f"{fqdn} resolves to public {', '.join(public)} from inside the VNet (PL020).")
        stray = [ip for ip in dns_ips if is_private_ip(ip) and ip not in expected]
        if stray and expected:
            findings.append(PL021)
            notes.append(f"{fqdn} resolves to {', '.join(stray)}, not the endpoint NIC's"
                         f" {', '.join(expected)} (PL021).")
        elif not expected and not public:
            unknowns.append("no expected NIC IP to compare with")
        if not public and not any("privatelink." in name for name in chain[1:]):
            notes.append("No privatelink alias in the chain: answered by a zone for the public name?")

    # --- what applications get (glibc: /etc/hosts first)
    getent_ips: list[str] = []
    if getent is None or getent.status == "unknown":
        unknowns.append(f"getent answer unreadable ({getent.reason if getent else 'not run'})")
    elif getent.status == "notfound":
        if dns_ips:
            findings.append(PL022)
            notes.append("glibc (getent) cannot resolve the name although DNS answers it (PL022).")
    else:
        getent_ips = list(getent.addresses)
        dns_known = host is not None and host.status in ("ok", "noanswer", "nxdomain", "servfail")
        if dns_known and sorted(getent_ips) != sorted(dns_ips):
            findings.append(PL024)
            notes.append(f"getent answers {', '.join(getent_ips)} but DNS answers"
                         f" {', '.join(dns_ips) or 'nothing'}: /etc/hosts overrides the name (PL024).")

    # --- the HTTP proof (vaults)
    addr: str | None = None
    if target.is_vault:
        if health is None or health.status == "unknown":
            unknowns.append(f"healthstatus unreadable ({health.reason if health else 'not run'})")
        elif health.status == "curl_error":
            if health.curl_exit == 6:
                if PL022 not in findings:
                    findings.append(PL022)
                notes.append("curl could not resolve the vault name (PL022).")
            elif health.curl_exit in (7, 28, 35, 51, 56, 60):
                findings.append(PL023)
                notes.append(f"HTTPS to the vault failed: {health.reason} (PL023).")
            else:
                unknowns.append(f"healthstatus not obtained ({health.reason})")
        else:
            addr = health.addr
            inner = health.inner_error or ""
            if health.http_status == 403 and inner in ("ForbiddenByConnection", "ForbiddenByFirewall"):
                findings.append(PL023)
                notes.append(f"healthstatus answered 403 {inner}: the request took the public path (PL023).")
            if not health.header_present:
                findings.append(PL023)
                notes.append("healthstatus has no x-ms-keyvault-network-info header: not served by Key Vault"
                             " (proxy or interception?) (PL023).")
            elif addr is not None and not is_private_ip(addr):
                if PL023 not in findings:
                    findings.append(PL023)
                notes.append(f"Key Vault saw the request from public {addr}: not the private path (PL023).")
            elif addr is not None and vm_private_ip and addr != vm_private_ip:
                notes.append(f"Key Vault saw private {addr}, not the VM's {vm_private_ip}: custom routing.")
            elif addr is not None and not vm_private_ip:
                unknowns.append("VM private IP unknown: cannot compare the healthstatus addr")

    findings = list(dict.fromkeys(findings))
    if findings:
        verdict = "fail"
        notes.append(_resolver_note(resolv).strip())
    elif unknowns:
        verdict = "unknown"
    else:
        verdict = "pass"
        notes.insert(0, f"{fqdn} resolves to {', '.join(dns_ips)} (the endpoint NIC)"
                     + (f"; Key Vault saw {addr}." if addr else "."))
    detail = " ".join(n for n in notes + [u + "." for u in unknowns] if n)
    return ProbeVerdict(
        vm=vm,
        fqdn=fqdn,
        resolved_ips=dns_ips or getent_ips,
        cname_chain=chain,
        expected_ip=expected[0] if expected else None,
        verdict=verdict,
        findings=findings,
        healthstatus_addr=addr,
        detail=detail,
        expected_ips=expected,
        getent_ips=getent_ips,
        nameservers=list(resolv.nameservers) if resolv and resolv.status == "ok" else [],
    )

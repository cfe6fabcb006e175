"""Each audit fix text, applied as the REST calls its az command makes, is accepted by the emulator and clears its
finding (PL002, PL003 with and without a same-named zone already linked to the VNet, PL022 from a real probe).

The az commands are taken from the findings themselves and translated flag by flag (the few az verbs the DNS fixes
use), so a fix that names a wrong group, a wrong zone or a placeholder fails here.
"""

from __future__ import annotations

import shlex
from typing import Any

from audits.engine import ProbeOptions, run_audit
from tests.arm_examples import call

ZONE = "privatelink.vaultcore.azure.net"
NET_API, DNS_API = "2024-05-01", "2024-06-01"


def _flags(argv: list[str]) -> dict[str, str]:
    out, i = {}, 0
    while i < len(argv):
        assert argv[i].startswith("--"), f"unexpected argument {argv[i]!r} in the fix"
        out[argv[i][2:]] = argv[i + 1]
        i += 2
    return out


async def apply_fix(emu: Any, command: str) -> list[int]:
    """Send what ``az`` sends for each ``&&``-joined command; returns the final status of each."""
    statuses = []
    for part in command.split(" && "):
        argv = shlex.split(part)
        assert "<" not in part, f"placeholder left in the fix: {part}"
        verb = " ".join(argv[:6])
        if verb.startswith("az network private-endpoint dns-zone-group create"):
            f = _flags(argv[5:])
        elif verb.startswith("az network private-dns record-set a") or verb.startswith("az network private-dns link"):
            f = _flags(argv[6:])
        else:
            raise AssertionError(f"no REST translation for {verb!r}")
        sub = f.get("subscription", emu.config.subscription_id)
        base = f"/subscriptions/{sub}/resourceGroups/{f['resource-group']}/providers/Microsoft.Network"
        if verb.startswith("az network private-endpoint dns-zone-group create"):
            reply = await call(emu, "PUT", f"{base}/privateEndpoints/{f['endpoint-name']}/privateDnsZoneGroups/"
                               f"{f['name']}", {"properties": {"privateDnsZoneConfigs": [{
                                   "name": f["zone-name"], "properties": {"privateDnsZoneId": f["private-dns-zone"]}}]}},
                               NET_API)
        elif verb == "az network private-dns record-set a create":
            reply = await call(emu, "PUT", f"{base}/privateDnsZones/{f['zone-name']}/A/{f['name']}",
                               {"properties": {"ttl": int(f["ttl"])}}, DNS_API)
        elif verb == "az network private-dns record-set a add-record":
            path = f"{base}/privateDnsZones/{f['zone-name']}/A/{f['record-set-name']}"
            cur = await call(emu, "GET", path, None, DNS_API)
            props = cur.body["properties"] if cur.status == 200 else {"ttl": 3600}
            props["aRecords"] = [*props.get("aRecords", []), {"ipv4Address": f["ipv4-address"]}]
            reply = await call(emu, "PUT", path, {"properties": {"ttl": props["ttl"], "aRecords": props["aRecords"]}},
                               DNS_API)
        elif verb == "az network private-dns link vnet create":
            reply = await call(emu, "PUT", f"{base}/privateDnsZones/{f['zone-name']}/virtualNetworkLinks/{f['name']}",
                               {"location": "global", "properties": {"virtualNetwork": {"id": f["virtual-network"]},
                                "registrationEnabled": f["registration-enabled"] == "true"}}, DNS_API)
        else:
            raise AssertionError(f"no REST translation for {verb!r}")
        statuses.append(reply.status)
        assert reply.status in (200, 201, 202), (part, reply.status, reply.body)
    return statuses


async def _world(gw: Any, pubkey: str | None = None) -> dict[str, str]:
    """rg-fix with four VNets; a central zone (rg-central) linked to vnet-a, vnet-c and vnet-d; a spare zone
    (rg-spare) holding records through zone groups but linked nowhere; one vault + endpoint per VNet."""
    ids: dict[str, str] = {}
    for rg in ("rg-fix", "rg-central", "rg-spare"):
        await gw.resources.resource_groups.create_or_update(rg, {"location": "westus2"})
    dns, net = gw.privatedns, gw.network
    for rg in ("rg-central", "rg-spare"):
        ids[rg] = (await gw.result(dns.private_zones.begin_create_or_update(rg, ZONE, {"location": "global"}))).id
    tenant = gw.target.tenant_id or "00000000-0000-0000-0000-000000000000"
    for n, tag in enumerate("abcd", start=1):
        v = await gw.result(net.virtual_networks.begin_create_or_update("rg-fix", f"vnet-{tag}", {
            "location": "westus2", "properties": {"addressSpace": {"addressPrefixes": [f"10.{n}.0.0/16"]},
                                                  "subnets": [{"name": "snet-pe", "properties": {
                                                      "addressPrefix": f"10.{n}.1.0/24"}}]}}))
        ids[f"vnet-{tag}"] = v.id
        if tag != "b":
            await gw.result(dns.virtual_network_links.begin_create_or_update("rg-central", ZONE, f"link-{tag}", {
                "location": "global", "properties": {"virtualNetwork": {"id": v.id}, "registrationEnabled": False}}))
        kv = await gw.result(gw.keyvault.vaults.begin_create_or_update("rg-fix", f"kvfix{tag}0001", {
            "location": "eastus2", "properties": {"tenantId": tenant, "sku": {"family": "A", "name": "standard"},
                                                  "accessPolicies": [], "enableRbacAuthorization": True,
                                                  "publicNetworkAccess": "Disabled",
                                                  "networkAcls": {"defaultAction": "Deny", "bypass": "None"}}}))
        pe = await gw.result(net.private_endpoints.begin_create_or_update("rg-fix", f"pe-{tag}", {
            "location": "westus2", "properties": {"subnet": {"id": f"{v.id}/subnets/snet-pe"},
                                                  "privateLinkServiceConnections": [{"name": "c", "properties": {
                                                      "privateLinkServiceId": kv.id, "groupIds": ["vault"]}}]}}))
        ids[f"pe-{tag}"] = pe.id
        if tag != "a":  # a: no DNS integration at all; b, c, d: a zone group writing into the spare zone
            await gw.result(net.private_dns_zone_groups.begin_create_or_update("rg-fix", f"pe-{tag}", "default", {
                "properties": {"privateDnsZoneConfigs": [{"name": "kv", "properties": {
                    "privateDnsZoneId": ids["rg-spare"]}}]}}))
    if pubkey:  # the probe VM (in the audit tests' group, as their World builds it)
        from tests.audit_world import RG, World

        await gw.resources.resource_groups.create_or_update(RG, {"location": "westus2"})
        await World(gw).vm("vm-d", ids["vnet-d"], pubkey)
    return ids


def _on(result: Any, check: str, rid: str) -> list[Any]:
    return [f for f in result.findings if f.check_id == check and rid.lower() in
            [f.resource_id.lower(), *map(str.lower, f.related)]]


async def test_pl002_and_pl003_fixes_are_accepted_and_clear_their_findings(emu, gw) -> None:
    ids = await _world(gw)
    before = await run_audit(gw, probe=ProbeOptions(mode="none"))

    # PL002 on pe-a: vnet-a is linked to the central zone, so the name is NXDOMAIN there (not the public IP), and the
    # zone group must point at that linked zone.
    (pl002,) = _on(before, "PL002", ids["pe-a"])
    assert "NXDOMAIN" in pl002.detail and "rg-central" in pl002.detail and "public IP" not in pl002.detail
    assert ids["rg-central"] in pl002.remediation.command
    # PL003 on vnet-b (no same-named zone linked there): linking the spare zone is the fix.
    (pl003_b,) = [f for f in _on(before, "PL003", ids["pe-b"])]
    assert "link vnet create" in pl003_b.remediation.command and "rg-spare" in pl003_b.remediation.command
    # PL003 on vnet-c: the central zone is linked there, so Azure would refuse a second link ...
    (pl003_c,) = [f for f in _on(before, "PL003", ids["pe-c"])]
    assert "link vnet create" not in pl003_c.remediation.command
    refused = await call(emu, "PUT", f"{ids['rg-spare']}/virtualNetworkLinks/link-c", {"location": "global",
                         "properties": {"virtualNetwork": {"id": ids["vnet-c"]}, "registrationEnabled": False}},
                         DNS_API)
    assert refused.status == 400 and "overlapping namespaces" in refused.body["error"]["message"]

    for finding in (pl002, pl003_b, pl003_c):
        await apply_fix(emu, finding.remediation.command)
    after = await run_audit(gw, probe=ProbeOptions(mode="none"))
    for tag in "abc":
        left = [f.check_id for f in after.findings if f.severity != "info" and ids[f"pe-{tag}"].lower() in
                [f.resource_id.lower(), *map(str.lower, f.related)]]
        assert left == [], (tag, left, [f.detail for f in after.findings if f.check_id in left])
    record = await gw.privatedns.record_sets.get("rg-central", ZONE, "A", "kvfixc0001")
    assert record.ttl == 10  # create --ttl 10 first: no PL012 from az's 3600 s default


async def test_pl022_fix_from_a_real_probe_is_accepted_and_clears_it(emu, gw, tmp_path) -> None:
    from tests.audit_world import keypair

    key_path, pubkey = keypair(tmp_path)
    ids = await _world(gw, pubkey)
    opts = ProbeOptions(mode="run-command", probe_vm="vm-d", state_dir=str(tmp_path / "state"))
    before = await run_audit(gw, probe=opts)
    (pl022,) = _on(before, "PL022", ids["pe-d"])
    assert "<zone-rg>" not in pl022.remediation.command and "--resource-group rg-central" in \
        pl022.remediation.command, pl022.remediation.command
    await apply_fix(emu, pl022.remediation.command)
    after = await run_audit(gw, probe=opts)
    assert _on(after, "PL022", ids["pe-d"]) == [] and _on(after, "PL003", ids["pe-d"]) == []
    assert [v.verdict for v in after.probes if v.fqdn == "kvfixd0001.vault.azure.net"] == ["pass"]

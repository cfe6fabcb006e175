"""A plan as infrastructure as code: an ARM deployment template (resource-group scope) of what the plan creates.

``plinktui export --plan FILE --format arm [-o FILE]`` writes it; the TUI's Review screen offers the same. The
template has a parameter for every name and region (defaults from the plan), creates what the plan would create
(the plan's resource graph decides: reused resources are referenced by id, never declared), and orders resources
with ``dependsOn`` along the same graph edges the engine waits on. Deploy it with
``az deployment group create -g <rg> --template-file T.json``; ``az bicep decompile --file T.json`` turns it into
Bicep.

What a template cannot do that ``plinktui setup`` does: prove the private path from inside the VNet before turning
public access off (``DisabledAfterVerify`` exports as ``Enabled``, with a note), and generate an SSH key pair (a test
VM needs ``adminPublicKey``). A subnet, zone or link in another resource group than the plan's cannot be declared at
resource-group scope; such plans are refused with the reason.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
from typing import Any

from plinktui import __version__
from plinktui.dag import ZONE_GROUP_NAME, build_graph
from plinktui.plan import Plan, read_public_key

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
API = {"Microsoft.Network": "2026-03-01", "Microsoft.KeyVault": "2026-05-15", "privateDnsZones": "2024-06-01",
       "Microsoft.Compute": "2026-04-01"}
"""The api-versions the official SDKs send (the same ones ``plinktui setup`` uses)."""
VAULT_GROUP = "vault"
VAULT_MEMBER = "default"
"""A vault's private link resource lists one required member, ``default`` (its privateLinkResources answer)."""


class ExportError(ValueError):
    """A plan that cannot be expressed as a resource-group-scope template; the message says why and what to do."""


def _p(name: str) -> str:
    return f"parameters('{name}')"


def _rid(rtype: str, *names: str, rg: str | None = None, sub: str | None = None) -> str:
    lead = [f"'{sub}'"] if sub else []
    lead += [f"'{rg}'"] if rg else []
    return f"resourceId({', '.join([*lead, repr(rtype), *names])})"


def build_template(plan: Plan) -> dict[str, Any]:
    """The deployment template for a plan (raises :class:`ExportError`)."""
    graph = build_graph(plan)
    net, vault, pe, dns, vm, pls = (plan.network, plan.vault, plan.private_endpoint, plan.dns, plan.test_vm,
                                    plan.private_link_service)
    rg = plan.resource_group
    created = {n.key for n in graph if n.mode == "create" and n.key not in ("rg", "verify")}
    vnet_sub, vnet_rg = net.vnet_scope("", rg)
    vault_sub, vault_rg = vault.vault_scope("", rg)
    if plan.zone_resource_group != rg and created & {"zone", "link"}:
        raise ExportError(f"the plan's DNS zone lives in resource group {plan.zone_resource_group!r}, not {rg!r}: a "
                          "resource-group-scope template declares resources in one group. Create the zone and its "
                          "link there first (or set dns.zone_resource_group to the plan's group), then export again.")
    if vnet_rg != rg and created & {"vnet", "subnet", "pls_subnet"}:
        raise ExportError(f"the plan adds a subnet to a VNet in resource group {vnet_rg!r}, not {rg!r}: create the "
                          "subnet there first and name it in the plan without a prefix, then export again.")

    params: dict[str, Any] = {
        "location": {"type": "string", "defaultValue": net.region,
                     "metadata": {"description": "Region of the VNet, the private endpoint (and the test VM)."}},
        "vaultLocation": {"type": "string", "defaultValue": vault.region,
                          "metadata": {"description": "Region of the Key Vault (any region)."}},
        "vnetName": {"type": "string", "defaultValue": net.vnet_name},
        "subnetName": {"type": "string", "defaultValue": net.subnet},
        "vaultName": {"type": "string", "defaultValue": vault.vault_name},
        "privateEndpointName": {"type": "string", "defaultValue": pe.name},
        "privateDnsZoneName": {"type": "string", "defaultValue": dns.zone},
    }
    tags = {"plinktui-plan": plan.name}
    ids = {
        "vnet": _rid("Microsoft.Network/virtualNetworks", _p("vnetName"),
                     rg=vnet_rg if vnet_rg != rg else None, sub=vnet_sub or None),
        "vault": _rid("Microsoft.KeyVault/vaults", _p("vaultName"),
                      rg=vault_rg if vault_rg != rg else None, sub=vault_sub or None),
        "zone": _rid("Microsoft.Network/privateDnsZones", _p("privateDnsZoneName"),
                     rg=plan.zone_resource_group if plan.zone_resource_group != rg else None),
        "pe": _rid("Microsoft.Network/privateEndpoints", _p("privateEndpointName")),
    }
    subnet_rid = ids["vnet"].replace("'Microsoft.Network/virtualNetworks', ", "'Microsoft.Network/virtualNetworks/subnets', ")
    ids["subnet"] = subnet_rid.replace(_p("vnetName") + ")", f"{_p('vnetName')}, {_p('subnetName')})")
    variables: dict[str, Any] = {"subnetId": f"[{ids['subnet']}]", "vaultId": f"[{ids['vault']}]",
                                 "privateDnsZoneId": f"[{ids['zone']}]"}
    resources: dict[str, dict[str, Any]] = {}

    if "vnet" in created:
        params["vnetAddressPrefixes"] = {"type": "array", "defaultValue": list(net.address_space)}
        params["subnetPrefix"] = {"type": "string", "defaultValue": net.subnet_prefix}
        subnets = [{"name": f"[{_p('subnetName')}]", "properties": {
            "addressPrefix": f"[{_p('subnetPrefix')}]",
            "privateEndpointNetworkPolicies": net.private_endpoint_network_policies}}]
        if pls.enabled and pls.subnet_prefix:
            params["plsSubnetName"] = {"type": "string", "defaultValue": pls.subnet}
            params["plsSubnetPrefix"] = {"type": "string", "defaultValue": pls.subnet_prefix}
            subnets.append({"name": f"[{_p('plsSubnetName')}]", "properties": {
                "addressPrefix": f"[{_p('plsSubnetPrefix')}]", "privateLinkServiceNetworkPolicies": "Disabled"}})
        resources["vnet"] = {"type": "Microsoft.Network/virtualNetworks", "apiVersion": API["Microsoft.Network"],
                             "name": f"[{_p('vnetName')}]", "location": f"[{_p('location')}]", "tags": tags,
                             "properties": {"addressSpace": {"addressPrefixes": f"[{_p('vnetAddressPrefixes')}]"},
                                            "subnets": subnets}}
    if "subnet" in created:
        params["subnetPrefix"] = {"type": "string", "defaultValue": net.subnet_prefix}
        resources["subnet"] = _subnet("subnetName", "subnetPrefix",
                                      {"privateEndpointNetworkPolicies": net.private_endpoint_network_policies})
    if pls.enabled:
        params.setdefault("plsSubnetName", {"type": "string", "defaultValue": pls.subnet})
        variables["plsSubnetId"] = "[" + ids["subnet"].replace(_p("subnetName"), _p("plsSubnetName")) + "]"
    if "pls_subnet" in created:
        params["plsSubnetPrefix"] = {"type": "string", "defaultValue": pls.subnet_prefix}
        resources["pls_subnet"] = _subnet("plsSubnetName", "plsSubnetPrefix",
                                          {"privateLinkServiceNetworkPolicies": "Disabled"})
    if "vault" in created:
        public = "Disabled" if vault.effective_public_access == "Disabled" else "Enabled"
        params["vaultPublicNetworkAccess"] = {
            "type": "string", "defaultValue": public, "allowedValues": ["Enabled", "Disabled"],
            "metadata": {"description": "plinktui setup turns public access off only after proving the private path "
                                        "from inside the VNet (DisabledAfterVerify); a template cannot prove it, so "
                                        "that plan exports as Enabled: run `plinktui audit`, then "
                                        "`az keyvault update --public-network-access Disabled`."}}
        resources["vault"] = {"type": "Microsoft.KeyVault/vaults", "apiVersion": API["Microsoft.KeyVault"],
                              "name": f"[{_p('vaultName')}]", "location": f"[{_p('vaultLocation')}]", "tags": tags,
                              "properties": {
                                  "tenantId": "[subscription().tenantId]", "sku": {"family": "A", "name": "standard"},
                                  "enableRbacAuthorization": vault.rbac, "accessPolicies": [],
                                  "enableSoftDelete": True,
                                  "softDeleteRetentionInDays": vault.soft_delete_retention_days,
                                  "publicNetworkAccess": f"[{_p('vaultPublicNetworkAccess')}]",
                                  "networkAcls": {"defaultAction": f"[if(equals({_p('vaultPublicNetworkAccess')}, "
                                                                   "'Disabled'), 'Deny', 'Allow')]",
                                                  "bypass": "None"}}}
    if "zone" in created:
        resources["zone"] = {"type": "Microsoft.Network/privateDnsZones", "apiVersion": API["privateDnsZones"],
                             "name": f"[{_p('privateDnsZoneName')}]", "location": "global", "tags": tags}
    if "link" in created:
        params["vnetLinkName"] = {"type": "string", "defaultValue": dns.link_name}
        resources["link"] = {"type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
                             "apiVersion": API["privateDnsZones"],
                             "name": f"[format('{{0}}/{{1}}', {_p('privateDnsZoneName')}, {_p('vnetLinkName')})]",
                             "location": "global", "tags": tags,
                             "properties": {"virtualNetwork": {"id": f"[{ids['vnet']}]"},
                                            "registrationEnabled": False}}
    conn: dict[str, Any] = {"name": f"[{_p('privateEndpointName')}]", "properties": {
        "privateLinkServiceId": "[variables('vaultId')]", "groupIds": [VAULT_GROUP]}}
    if pe.manual_approval:
        conn["properties"]["requestMessage"] = f"plinktui plan {plan.name} asks for access"
    pe_props: dict[str, Any] = {
        "subnet": {"id": "[variables('subnetId')]"},
        ("manualPrivateLinkServiceConnections" if pe.manual_approval else "privateLinkServiceConnections"): [conn]}
    if pe.nic_name:
        pe_props["customNetworkInterfaceName"] = pe.nic_name
    if pe.static_ip:
        pe_props["ipConfigurations"] = [{"name": "ipconfig-vault", "properties": {
            "groupId": VAULT_GROUP, "memberName": VAULT_MEMBER, "privateIPAddress": pe.static_ip}}]
    resources["pe"] = {"type": "Microsoft.Network/privateEndpoints", "apiVersion": API["Microsoft.Network"],
                       "name": f"[{_p('privateEndpointName')}]", "location": f"[{_p('location')}]", "tags": tags,
                       "properties": pe_props}
    resources["zone_group"] = {
        "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups", "apiVersion": API["Microsoft.Network"],
        "name": f"[format('{{0}}/{ZONE_GROUP_NAME}', {_p('privateEndpointName')})]",
        "properties": {"privateDnsZoneConfigs": [{"name": dns.zone.replace(".", "-"), "properties": {
            "privateDnsZoneId": "[variables('privateDnsZoneId')]"}}]}}

    if vm.enabled:
        _test_vm(plan, params, resources, tags)
    if pls.enabled:
        _pls(plan, params, resources, tags)

    net_t = "Microsoft.Network"
    rids = {
        "vnet": ids["vnet"], "subnet": ids["subnet"], "vault": ids["vault"], "zone": ids["zone"], "pe": ids["pe"],
        "pls_subnet": _rid(f"{net_t}/virtualNetworks/subnets", _p("vnetName"), _p("plsSubnetName")),
        "link": _rid(f"{net_t}/privateDnsZones/virtualNetworkLinks", _p("privateDnsZoneName"), _p("vnetLinkName")),
        "zone_group": _rid(f"{net_t}/privateEndpoints/privateDnsZoneGroups", _p("privateEndpointName"),
                           repr(ZONE_GROUP_NAME)),
        "nsg": _rid(f"{net_t}/networkSecurityGroups", _nm("-nsg")), "pip": _rid(f"{net_t}/publicIPAddresses", _nm("-pip")),
        "nic": _rid(f"{net_t}/networkInterfaces", _nm("-nic")), "vm": _rid("Microsoft.Compute/virtualMachines", _p("vmName")),
        "lb": _rid(f"{net_t}/loadBalancers", _p("loadBalancerName")),
        "pls": _rid(f"{net_t}/privateLinkServices", _p("privateLinkServiceName")),
    }
    ordered: list[dict[str, Any]] = []
    for node in graph:
        res = resources.get(node.key)
        if res is None:
            continue
        deps = [f"[{rids[d]}]" for d in node.deps if d in resources]
        if deps:
            res["dependsOn"] = deps
        ordered.append(res)
    return {
        "$schema": SCHEMA, "contentVersion": "1.0.0.0",
        "metadata": {"generator": {"name": "plinktui", "version": __version__}, "plan": plan.name,
                     "description": f"Key Vault {vault.vault_name} reachable privately from {net.vnet_name} "
                                    "(private endpoint, private DNS zone, VNet link, zone group)."},
        "parameters": params, "variables": variables, "resources": ordered,
        "outputs": {"privateEndpointId": {"type": "string", "value": f"[{ids['pe']}]"},
                    "vaultId": {"type": "string", "value": "[variables('vaultId')]"}},
    }


def _subnet(name_param: str, prefix_param: str, policies: dict[str, str]) -> dict[str, Any]:
    """A subnet added to the plan's (existing) VNet, named and sized by parameters."""
    return {"type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": API["Microsoft.Network"],
            "name": f"[format('{{0}}/{{1}}', {_p('vnetName')}, {_p(name_param)})]",
            "properties": {"addressPrefix": f"[{_p(prefix_param)}]", **policies}}


def _test_vm(plan: Plan, params: dict[str, Any], resources: dict[str, dict[str, Any]], tags: dict[str, str]) -> None:
    vm = plan.test_vm
    publisher, offer, sku, version = vm.image.split(":")
    key = read_public_key(plan)
    params["vmName"] = {"type": "string", "defaultValue": vm.name}
    params["vmSize"] = {"type": "string", "defaultValue": vm.size}
    params["adminUsername"] = {"type": "string", "defaultValue": vm.admin_username}
    params["adminPublicKey"] = {"type": "string", "metadata": {"description": "SSH public key (ssh-ed25519 or "
                                                                              "ssh-rsa) the test VM trusts."}}
    if key:
        params["adminPublicKey"]["defaultValue"] = key
    params["sshSourceAddressPrefix"] = {"type": "string", "defaultValue": vm.ssh_source,
                                        "metadata": {"description": "The only address allowed to SSH in (never *)."}}
    net = "Microsoft.Network"
    resources["nsg"] = {"type": f"{net}/networkSecurityGroups", "apiVersion": API[net],
                        "name": f"[concat({_p('vmName')}, '-nsg')]", "location": f"[{_p('location')}]", "tags": tags,
                        "properties": {"securityRules": [{"name": "allow-ssh-from-operator", "properties": {
                            "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
                            "sourceAddressPrefix": f"[{_p('sshSourceAddressPrefix')}]", "sourcePortRange": "*",
                            "destinationAddressPrefix": "*", "destinationPortRange": "22"}}]}}
    resources["pip"] = {"type": f"{net}/publicIPAddresses", "apiVersion": API[net],
                        "name": f"[concat({_p('vmName')}, '-pip')]", "location": f"[{_p('location')}]", "tags": tags,
                        "sku": {"name": "Standard"},
                        "properties": {"publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4"}}
    resources["nic"] = {"type": f"{net}/networkInterfaces", "apiVersion": API[net],
                        "name": f"[concat({_p('vmName')}, '-nic')]", "location": f"[{_p('location')}]", "tags": tags,
                        "properties": {
                            "networkSecurityGroup": {"id": f"[{_rid(f'{net}/networkSecurityGroups', _nm('-nsg'))}]"},
                            "ipConfigurations": [{"name": "ipconfig1", "properties": {
                                "subnet": {"id": "[variables('subnetId')]"}, "privateIPAllocationMethod": "Dynamic",
                                "primary": True,
                                "publicIPAddress": {"id": f"[{_rid(f'{net}/publicIPAddresses', _nm('-pip'))}]"}}}]}}
    resources["vm"] = {"type": "Microsoft.Compute/virtualMachines", "apiVersion": API["Microsoft.Compute"],
                       "name": f"[{_p('vmName')}]", "location": f"[{_p('location')}]", "tags": tags, "properties": {
                           "hardwareProfile": {"vmSize": f"[{_p('vmSize')}]"},
                           "storageProfile": {
                               "imageReference": {"publisher": publisher, "offer": offer, "sku": sku,
                                                  "version": version},
                               "osDisk": {"name": f"[concat({_p('vmName')}, '-osdisk')]", "createOption": "FromImage",
                                          "deleteOption": "Delete",
                                          "managedDisk": {"storageAccountType": "Standard_LRS"}}},
                           "osProfile": {"computerName": f"[{_p('vmName')}]", "adminUsername": f"[{_p('adminUsername')}]",
                                         "linuxConfiguration": {"disablePasswordAuthentication": True, "ssh": {
                                             "publicKeys": [{"path": f"[format('/home/{{0}}/.ssh/authorized_keys', "
                                                                     f"{_p('adminUsername')})]",
                                                             "keyData": f"[{_p('adminPublicKey')}]"}]}}},
                           "networkProfile": {"networkInterfaces": [{
                               "id": f"[{_rid(f'{net}/networkInterfaces', _nm('-nic'))}]",
                               "properties": {"primary": True, "deleteOption": "Detach"}}]}}}


def _nm(suffix: str) -> str:
    return f"concat({_p('vmName')}, '{suffix}')"


def _pls(plan: Plan, params: dict[str, Any], resources: dict[str, dict[str, Any]], tags: dict[str, str]) -> None:
    spec = plan.private_link_service
    net = "Microsoft.Network"
    params["loadBalancerName"] = {"type": "string", "defaultValue": f"lb-{plan.name}"}
    params["privateLinkServiceName"] = {"type": "string", "defaultValue": f"pls-{plan.name}"}
    resources["lb"] = {"type": f"{net}/loadBalancers", "apiVersion": API[net], "name": f"[{_p('loadBalancerName')}]",
                       "location": f"[{_p('location')}]", "tags": tags, "sku": {"name": "Standard", "tier": "Regional"},
                       "properties": {"frontendIPConfigurations": [{"name": "fe", "properties": {
                           "subnet": {"id": "[variables('plsSubnetId')]"}, "privateIPAllocationMethod": "Dynamic"}}],
                           "backendAddressPools": [{"name": "be"}]}}
    props: dict[str, Any] = {
        "loadBalancerFrontendIpConfigurations": [{"id": "[resourceId('Microsoft.Network/loadBalancers/"
                                                        f"frontendIPConfigurations', {_p('loadBalancerName')}, 'fe')]"}],
        "ipConfigurations": [{"name": "nat", "properties": {"subnet": {"id": "[variables('plsSubnetId')]"},
                                                            "privateIPAllocationMethod": "Dynamic", "primary": True}}]}
    if spec.visibility:
        props["visibility"] = {"subscriptions": list(spec.visibility)}
    if spec.auto_approval:
        props["autoApproval"] = {"subscriptions": list(spec.auto_approval)}
    resources["pls"] = {"type": f"{net}/privateLinkServices", "apiVersion": API[net],
                        "name": f"[{_p('privateLinkServiceName')}]", "location": f"[{_p('location')}]", "tags": tags,
                        "properties": props}


def write(plan: Plan, out: str | pathlib.Path | None) -> str:
    """Render the template; write it to ``out`` (atomically) or return it for stdout."""
    text = json.dumps(build_template(plan), indent=2) + "\n"
    if out is not None:
        path = pathlib.Path(out)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text)
        tmp.replace(path)
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``plinktui export``."""
    parser.add_argument("--plan", required=True, metavar="FILE", help="the plan (TOML) to export")
    parser.add_argument("--format", choices=["arm"], default="arm",
                        help="arm: an ARM deployment template (JSON); `az bicep decompile` turns it into Bicep")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here (default: standard output)")


def run(args: argparse.Namespace) -> int:
    """``plinktui export``: exit 0 with the template written, 2 with one line saying what to change."""
    from plinktui.exit_codes import ExitCode
    from plinktui.plan import PlanError, load

    try:
        plan = load(args.plan)
        text = write(plan, args.output)
    except PlanError as exc:
        print(f"plinktui export: {exc}", file=sys.stderr)
        return ExitCode.ERROR
    except ExportError as exc:
        print(f"plinktui export: {exc}", file=sys.stderr)
        return ExitCode.ERROR
    except OSError as exc:
        print(f"plinktui export: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return ExitCode.ERROR
    if args.output:
        print(f"wrote {args.output}: deploy with `az deployment group create -g {plan.resource_group} "
              f"--template-file {args.output}`", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return ExitCode.OK

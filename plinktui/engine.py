"""The provisioning engine: runs a plan's resource graph on the async SDK clients, with events and a journal.

- Ready nodes run concurrently (bounded by ``max_parallel``), longest remaining chain first.
- Each node: GET -> (missing: write intent, PUT, wait for the LRO, record id) | (ours: reconcile) |
  (someone else's: stop and say so). Key Vault is never blindly re-PUT: GET then PATCH.
- Every created resource carries ``plinktui-run=<run id>`` and ``plinktui-plan=<plan>``.
- Events (:class:`Event`) go to one async callback, so the CLI and the TUI render the same stream.
- The final ``verify`` step checks the endpoint's NIC IP against the zone's A record, probes DNS from the test VM
  when the plan says ``DisabledAfterVerify``, then switches vault public access off and re-reads it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from plinktui.dag import Graph, Node
from plinktui.journal import Journal, now_iso
from plinktui.plan import Plan

TAG_RUN = "plinktui-run"
TAG_PLAN = "plinktui-plan"
EVENT_KINDS = ("queued", "running", "waiting", "succeeded", "failed", "skipped", "cancelled", "info")
PENDING_STATES = {"creating", "updating", "provisioning", "accepted", "registeringdns", "inprogress", "running"}
UNTAGGABLE = {"subnet", "pls_subnet", "zone_group", "verify"}  # ARM has no tags for these child resources
VAULT_CONN_GROUP = "vault"


@dataclass
class Event:
    """One thing that happened to one node (or to the run when ``key`` is empty)."""

    kind: str
    key: str = ""
    rtype: str = ""
    name: str = ""
    id: str | None = None
    elapsed: float = 0.0
    message: str = ""
    error: str | None = None
    error_class: str | None = None  # retryable | user | fatal
    fix: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, without empty fields."""
        return {k: v for k, v in asdict(self).items() if v not in (None, "", {}) or k == "kind"}


Emit = Callable[[Event], Awaitable[None]]


async def _no_emit(event: Event) -> None:
    return None


class NodeError(Exception):
    """A node failed; carries the classification and the fix shown to the user."""

    def __init__(self, message: str, error_class: str = "fatal", fix: str | None = None):
        super().__init__(message)
        self.error_class = error_class
        self.fix = fix


# ---------------------------------------------------------------------------------------------------- errors

_USER_FIXES: dict[str, str] = {
    "AuthorizationFailed": "ask for a role that grants this action (Contributor on the resource group), then resume",
    "LinkedAuthorizationFailed": "you need join/action rights on the linked resource (e.g. Network Contributor on "
                                 "the VNet), then resume",
    "MissingSubscriptionRegistration": "register the provider: az provider register --namespace <namespace>",
    "RequestDisallowedByPolicy": "an Azure Policy forbids this; change the plan or ask for an exemption",
    "InvalidResourceName": "change the name in the plan (see the naming rules in the message)",
    "NetcfgInvalidVirtualNetworkSite": "change network.vnet: 2-64 letters, digits, underscores, periods and hyphens, "
                                       "starting with a letter or digit, ending with a letter, digit or underscore",
    "VaultAlreadyExists": "the vault name is taken globally; choose another vault.name",
    "ConflictError": "the name is taken or soft-deleted; choose another name or purge the deleted vault",
    "NetcfgSubnetRangesOverlap": "choose a subnet_prefix that overlaps no existing subnet",
    "SubnetsOverlap": "choose a subnet_prefix that overlaps no existing subnet",
    "NetcfgInvalidSubnet": "the subnet prefix must sit inside the VNet's address space",
    "InvalidCIDRNotation": "write the prefix as network/length with no host bits set, e.g. 10.70.1.0/24",
    "LocationNotAvailableForResourceType": "pick a region where the resource type is offered",
    "SkuNotAvailable": "pick another VM size or region (test_vm.size)",
    "QuotaExceeded": "raise the quota or pick a smaller VM size",
    "OperationNotAllowed": "raise the quota or pick a smaller VM size",
    "ResourceGroupNotFound": "the resource group is missing; resume to recreate it",
    "PrivateEndpointCannotBeCreatedInSubnetThatHasNetworkPoliciesEnabled":
        "set network.private_endpoint_network_policies = \"Disabled\" or use another subnet",
    "InvalidPrivateEndpointRegion": "the endpoint must be in its VNet's region (network.region)",
    "ResourceNotFound": "a resource the plan relies on is missing; check the plan and resume",
    "InvalidParameter": "fix the value named in the message and resume",
    "BadRequest": "fix the value named in the message and resume",
}
_RETRYABLE_CODES = {"AnotherOperationInProgress", "RetryableError", "Throttled", "TooManyRequests",
                    "InternalServerError", "ServiceUnavailable", "GatewayTimeout", "OperationPreempted",
                    "ReferencedResourceNotProvisioned", "Canceled", "OperationInterrupted"}


RESUME_FIX = "resume the run: plinktui setup --resume RUN"  # RUN is filled in with the run id by apply()


def _is_lro_failure(exc: BaseException) -> bool:
    """True when the SDK's poller raised because the operation's terminal status was Failed or Canceled.

    azure-core wraps its ``OperationFailed`` in an HttpResponseError built on the (2xx) status-poll response.
    """
    from azure.core.polling.base_polling import OperationFailed

    status = getattr(exc, "status_code", None) or 0
    return isinstance(exc.__cause__, OperationFailed) or 200 <= status < 300


def for_run(fix: str | None, run_id: str) -> str | None:
    """Fixes are written run-agnostic ("--resume RUN"); the user gets the command for this run."""
    return re.sub(r"\bRUN\b", run_id, fix) if fix else fix


def classify(exc: BaseException) -> tuple[str, str, str | None]:
    """Turn an exception into (error_class, plain message, fix)."""
    if isinstance(exc, NodeError):
        return exc.error_class, str(exc), exc.fix
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "retryable", "the operation did not finish in time", RESUME_FIX
    try:
        from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError
    except ImportError:  # pragma: no cover
        return "fatal", str(exc), None
    if isinstance(exc, ServiceRequestError | ServiceResponseError):
        return "retryable", f"could not reach ARM: {exc}", "check the network and resume"
    if isinstance(exc, HttpResponseError):
        code = (getattr(getattr(exc, "error", None), "code", None) or "").strip()
        status = exc.status_code or 0
        text = _one_line(getattr(getattr(exc, "error", None), "message", None) or exc.message or str(exc))
        message = f"{code}: {text}" if code else f"HTTP {status}: {text}"
        if status == 429 or status >= 500 or code in _RETRYABLE_CODES:
            return "retryable", message, RESUME_FIX
        if code in _USER_FIXES:
            return "user", message, _USER_FIXES[code]
        if _is_lro_failure(exc):
            # An LRO that ended Failed/Canceled (InternalOperationError, OperationCanceled, ...) without a
            # user-fixable code: the resource is ours and tagged, so a resume reads it back and reconciles it.
            return "retryable", message, RESUME_FIX
        if status in (400, 401, 403, 404, 409):
            return "user", message, "fix the plan or your permissions, then resume"
        return "fatal", message, None
    return "fatal", _one_line(f"{type(exc).__name__}: {exc}"), None


def _one_line(text: str) -> str:
    text = re.sub(r"\s+", " ", str(text)).strip()
    return text[:400]


def as_json(obj: Any) -> dict[str, Any]:
    """An SDK model (or dict) as REST-shaped JSON."""
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return obj
    if hasattr(obj, "as_dict"):
        return obj.as_dict()
    return dict(obj)


def props(obj: dict[str, Any]) -> dict[str, Any]:
    """The ``properties`` bag of a REST resource."""
    return obj.get("properties") or {}


def provisioning_state(obj: dict[str, Any]) -> str:
    """``provisioningState`` (top-level for resource groups), default Succeeded."""
    return str(props(obj).get("provisioningState") or obj.get("provisioningState") or "Succeeded")


def is_not_found(exc: BaseException) -> bool:
    """True for ARM 404s (missing resource or parent)."""
    return getattr(exc, "status_code", None) == 404


# ---------------------------------------------------------------------------------------------------- context


@dataclass
class Context:
    """Everything a node operation needs."""

    gw: Any
    plan: Plan
    graph: Graph
    journal: Journal
    emit: Emit = _no_emit
    tenant_id: str | None = None
    public_key: str | None = None
    probe: Callable[[Context, str], Awaitable[list[str]]] | None = None
    poll_interval: float = 0.2
    lro_interval: float | None = None  # SDK LRO polling interval under 1 s of Retry-After; None: the client's
    started: float = field(default_factory=time.monotonic)
    facts: dict[str, Any] = field(default_factory=dict)
    absent: set[str] = field(default_factory=set)  # node keys preflight just read as missing
    zone_ref: str | None = None  # the zone preflight chose (found, named by dns.zone_id, or to create)

    @property
    def lro_kw(self) -> dict[str, Any]:
        """Extra keyword arguments for ``begin_*`` calls (a short polling interval against the emulator)."""
        return {"polling_interval": self.lro_interval} if self.lro_interval is not None else {}

    @property
    def sub(self) -> str:
        """Subscription id."""
        return self.gw.subscription_id

    @property
    def rg(self) -> str:
        """The plan's resource group."""
        return self.plan.resource_group

    @property
    def run_id(self) -> str:
        """The run id."""
        return self.journal.run_id

    @property
    def tags(self) -> dict[str, str]:
        """Ownership tags on everything the run creates."""
        return {TAG_RUN: self.run_id, TAG_PLAN: self.plan.name}

    def rid(self, provider_type: str, name: str, rg: str | None = None, sub: str | None = None) -> str:
        """A resource id in (by default) the plan's subscription and resource group."""
        return (f"/subscriptions/{sub or self.sub}/resourceGroups/{rg or self.rg}/providers/"
                f"{provider_type}/{name}")

    # ids of the plan's resources
    @property
    def vnet_scope(self) -> tuple[str, str]:
        """(subscription, resource group) of the VNet."""
        return self.plan.network.vnet_scope(self.sub, self.rg)

    @property
    def vnet_id(self) -> str:
        """The VNet's id."""
        sub, rg = self.vnet_scope
        return self.rid("Microsoft.Network/virtualNetworks", self.plan.network.vnet_name, rg, sub)

    @property
    def subnet_id(self) -> str:
        """The endpoint subnet's id."""
        return f"{self.vnet_id}/subnets/{self.plan.network.subnet}"

    @property
    def pls_subnet_id(self) -> str:
        """The Private Link Service subnet's id."""
        return f"{self.vnet_id}/subnets/{self.plan.private_link_service.subnet}"

    @property
    def vault_scope(self) -> tuple[str, str]:
        """(subscription, resource group) of the vault."""
        return self.plan.vault.vault_scope(self.sub, self.rg)

    @property
    def vault_id(self) -> str:
        """The vault's id."""
        sub, rg = self.vault_scope
        return self.rid("Microsoft.KeyVault/vaults", self.plan.vault.vault_name, rg, sub)

    @property
    def zone_id(self) -> str:
        """The private DNS zone's id: the one preflight chose, else ``dns.zone_id``, else the plan's zone group."""
        return self.zone_ref or self.plan.dns.zone_id or \
            self.rid("Microsoft.Network/privateDnsZones", self.plan.dns.zone, self.plan.zone_resource_group)

    @property
    def zone_scope(self) -> tuple[str, str]:
        """(subscription, resource group) of the zone."""
        parts = self.zone_id.split("/")
        return parts[2], parts[4]

    def client(self, name: str, subscription: str) -> Any:
        """The SDK client ``name`` (network, privatedns, ...) bound to ``subscription``."""
        gw = self.gw if subscription.lower() == self.sub.lower() else self.gw.for_subscription(subscription)
        return getattr(gw, name)

    @property
    def dns(self) -> Any:
        """The private DNS client of the zone's subscription."""
        return self.client("privatedns", self.zone_scope[0])

    @property
    def vnet_net(self) -> Any:
        """The network client of the VNet's subscription (its subnets live there too)."""
        return self.client("network", self.vnet_scope[0])

    def elapsed(self) -> float:
        """Seconds since the run started."""
        return round(time.monotonic() - self.started, 3)


# ---------------------------------------------------------------------------------------------------- operations


@dataclass
class Op:
    """How to read, create and (for teardown) delete one kind of node."""

    get: Callable[[Context, Node], Awaitable[Any]]
    put: Callable[[Context, Node], Awaitable[Any]] | None  # returns a poller or a finished result
    rid: Callable[[Context, Node], str]


def _net(ctx: Context) -> Any:
    return ctx.gw.network


async def _result(ctx: Context, maybe_poller: Any) -> Any:
    """Wait for an LRO poller (bounded by the gateway's total timeout); plain results pass through."""
    if hasattr(maybe_poller, "result") and callable(maybe_poller.result):
        async with asyncio.timeout(getattr(ctx.gw, "total_timeout", 600.0)):
            return await maybe_poller.result()
    return maybe_poller


def vnet_body(ctx: Context) -> dict[str, Any]:
    """VNet with its subnet(s) inline (one LRO when both are new)."""
    net, pls = ctx.plan.network, ctx.plan.private_link_service
    subnets = [{"name": net.subnet, "properties": {
        "addressPrefix": net.subnet_prefix,
        "privateEndpointNetworkPolicies": net.private_endpoint_network_policies}}]
    if pls.enabled and pls.subnet_prefix:
        subnets.append({"name": pls.subnet, "properties": {
            "addressPrefix": pls.subnet_prefix, "privateLinkServiceNetworkPolicies": "Disabled"}})
    return {"location": net.region, "tags": ctx.tags, "properties": {
        "addressSpace": {"addressPrefixes": list(net.address_space)}, "subnets": subnets}}


def vault_body(ctx: Context) -> dict[str, Any]:
    """A new vault: RBAC, soft delete, public access on only until the private path is verified."""
    vs = ctx.plan.vault
    public = "Disabled" if vs.effective_public_access == "Disabled" else "Enabled"
    return {"location": vs.region, "tags": ctx.tags, "properties": {
        "tenantId": ctx.tenant_id, "sku": {"family": "A", "name": "standard"},
        "enableRbacAuthorization": vs.rbac, "accessPolicies": [], "enableSoftDelete": True,
        "softDeleteRetentionInDays": vs.soft_delete_retention_days, "publicNetworkAccess": public,
        "networkAcls": {"defaultAction": "Deny" if public == "Disabled" else "Allow", "bypass": "None"}}}


def _vault_patch(ctx: Context, current: dict[str, Any]) -> dict[str, Any]:
    """The PATCH that brings an owned vault in line with the plan (empty when nothing differs)."""
    want = props(vault_body(ctx))
    have = props(current)
    patch: dict[str, Any] = {}
    for k in ("enableRbacAuthorization", "publicNetworkAccess"):
        if have.get(k) is not None and have.get(k) != want[k]:
            patch[k] = want[k]
    if ctx.plan.vault.effective_public_access == "DisabledAfterVerify" and \
            ctx.journal.resources.get("verify", {}).get("status") == "succeeded":
        patch.pop("publicNetworkAccess", None)  # already switched off after verification: keep it off
    body: dict[str, Any] = {}
    if patch:
        body["properties"] = patch
    tags = current.get("tags") or {}
    if any(tags.get(k) != v for k, v in ctx.tags.items()):
        body["tags"] = {**tags, **ctx.tags}
    return body


async def _pe_body(ctx: Context) -> dict[str, Any]:
    pe = ctx.plan.private_endpoint
    conn: dict[str, Any] = {"name": pe.name, "properties": {"privateLinkServiceId": ctx.vault_id, "groupIds": [VAULT_CONN_GROUP]}}
    if pe.manual_approval:
        conn["properties"]["requestMessage"] = f"plinktui run {ctx.run_id} asks for access"
    body: dict[str, Any] = {"location": ctx.plan.network.region, "tags": ctx.tags, "properties": {
        "subnet": {"id": ctx.subnet_id},
        ("manualPrivateLinkServiceConnections" if pe.manual_approval else "privateLinkServiceConnections"): [conn]}}
    if pe.nic_name:
        body["properties"]["customNetworkInterfaceName"] = pe.nic_name
    if pe.static_ip:
        member = await _vault_member_name(ctx)
        body["properties"]["ipConfigurations"] = [{"name": "ipconfig-vault", "properties": {
            "groupId": VAULT_CONN_GROUP, "memberName": member, "privateIPAddress": pe.static_ip}}]
    return body


async def _vault_member_name(ctx: Context) -> str:
    """The member name for a static IP comes from the vault's private link resources (not a constant)."""
    sub, rg = ctx.vault_scope
    kv = ctx.gw.keyvault if sub == ctx.sub else ctx.gw.for_subscription(sub).keyvault
    listing = as_json(await kv.private_link_resources.list_by_vault(rg, ctx.plan.vault.vault_name))
    for data in listing.get("value") or []:
        if props(data).get("groupId") == VAULT_CONN_GROUP and props(data).get("requiredMembers"):
            return props(data)["requiredMembers"][0]
    raise NodeError("the vault offers no 'vault' private link resource for a static IP", "user",
                    "drop private_endpoint.static_ip")


def _vm_body(ctx: Context) -> dict[str, Any]:
    vm = ctx.plan.test_vm
    publisher, offer, sku, version = vm.image.split(":")
    admin = vm.admin_username
    return {"location": ctx.plan.network.region, "tags": ctx.tags, "properties": {
        "hardwareProfile": {"vmSize": vm.size},
        "storageProfile": {
            "imageReference": {"publisher": publisher, "offer": offer, "sku": sku, "version": version},
            "osDisk": {"name": f"{vm.name}-osdisk", "createOption": "FromImage", "deleteOption": "Delete",
                       "managedDisk": {"storageAccountType": "Standard_LRS"}}},
        "osProfile": {"computerName": vm.name[:64], "adminUsername": admin, "linuxConfiguration": {
            "disablePasswordAuthentication": True,
            "ssh": {"publicKeys": [{"path": f"/home/{admin}/.ssh/authorized_keys", "keyData": ctx.public_key}]}}},
        "networkProfile": {"networkInterfaces": [{
            "id": ctx.rid("Microsoft.Network/networkInterfaces", vm.nic_name),
            "properties": {"primary": True, "deleteOption": "Detach"}}]}}}


def _build_ops() -> dict[str, Op]:
    rg_get = lambda c, n: c.gw.resources.resource_groups.get(c.rg)  # noqa: E731

    async def rg_put(c: Context, n: Node) -> Any:
        return await c.gw.resources.resource_groups.create_or_update(
            c.rg, {"location": c.plan.network.region, "tags": c.tags})

    def vnet_get(c: Context, n: Node) -> Any:
        sub, rg = c.vnet_scope
        net = c.gw.network if sub == c.sub else c.gw.for_subscription(sub).network
        return net.virtual_networks.get(rg, c.plan.network.vnet_name)

    async def vnet_put(c: Context, n: Node) -> Any:
        return await _net(c).virtual_networks.begin_create_or_update(c.rg, n.name, vnet_body(c), **c.lro_kw)

    def subnet_get(c: Context, n: Node) -> Any:
        return c.vnet_net.subnets.get(c.vnet_scope[1], c.plan.network.vnet_name, n.name)

    async def subnet_put(c: Context, n: Node) -> Any:
        sub, rg = c.vnet_scope
        if n.key == "pls_subnet":
            body = {"properties": {"addressPrefix": c.plan.private_link_service.subnet_prefix,
                                   "privateLinkServiceNetworkPolicies": "Disabled"}}
        else:
            body = {"properties": {"addressPrefix": c.plan.network.subnet_prefix,
                                   "privateEndpointNetworkPolicies": c.plan.network.private_endpoint_network_policies}}
        return await c.vnet_net.subnets.begin_create_or_update(rg, c.plan.network.vnet_name, n.name, body, **c.lro_kw)

    def vault_get(c: Context, n: Node) -> Any:
        sub, rg = c.vault_scope
        kv = c.gw.keyvault if sub == c.sub else c.gw.for_subscription(sub).keyvault
        return kv.vaults.get(rg, n.name)

    async def vault_put(c: Context, n: Node) -> Any:
        return await c.gw.keyvault.vaults.begin_create_or_update(c.rg, n.name, vault_body(c), **c.lro_kw)

    zone_get = lambda c, n: c.dns.private_zones.get(c.zone_scope[1], c.plan.dns.zone)  # noqa: E731

    async def zone_put(c: Context, n: Node) -> Any:
        return await c.dns.private_zones.begin_create_or_update(
            c.zone_scope[1], c.plan.dns.zone, {"location": "global", "tags": c.tags}, **c.lro_kw)

    link_get = lambda c, n: c.dns.virtual_network_links.get(c.zone_scope[1], c.plan.dns.zone, n.name)  # noqa: E731

    async def link_put(c: Context, n: Node) -> Any:
        return await c.dns.virtual_network_links.begin_create_or_update(
            c.zone_scope[1], c.plan.dns.zone, n.name, {"location": "global", "tags": c.tags, "properties": {
                "virtualNetwork": {"id": n.target or c.vnet_id}, "registrationEnabled": False}}, **c.lro_kw)

    pe_get = lambda c, n: _net(c).private_endpoints.get(c.rg, n.name)  # noqa: E731

    async def pe_put(c: Context, n: Node) -> Any:
        return await _net(c).private_endpoints.begin_create_or_update(c.rg, n.name, await _pe_body(c), **c.lro_kw)

    zg_get = lambda c, n: _net(c).private_dns_zone_groups.get(  # noqa: E731
        c.rg, c.plan.private_endpoint.name, n.name)

    async def zg_put(c: Context, n: Node) -> Any:
        return await _net(c).private_dns_zone_groups.begin_create_or_update(
            c.rg, c.plan.private_endpoint.name, n.name, {"properties": {"privateDnsZoneConfigs": [
                {"name": c.plan.dns.zone.replace(".", "-"), "properties": {"privateDnsZoneId": c.zone_id}}]}}, **c.lro_kw)

    nsg_get = lambda c, n: _net(c).network_security_groups.get(c.rg, n.name)  # noqa: E731

    async def nsg_put(c: Context, n: Node) -> Any:
        return await _net(c).network_security_groups.begin_create_or_update(c.rg, n.name, {
            "location": c.plan.network.region, "tags": c.tags, "properties": {"securityRules": [{
                "name": "allow-ssh-from-operator", "properties": {
                    "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
                    "sourceAddressPrefix": c.plan.test_vm.ssh_source, "sourcePortRange": "*",
                    "destinationAddressPrefix": "*", "destinationPortRange": "22",
                    "description": "SSH only from the address given in the plan (never *)"}}]}}, **c.lro_kw)

    pip_get = lambda c, n: _net(c).public_ip_addresses.get(c.rg, n.name)  # noqa: E731

    async def pip_put(c: Context, n: Node) -> Any:
        return await _net(c).public_ip_addresses.begin_create_or_update(c.rg, n.name, {
            "location": c.plan.network.region, "tags": c.tags, "sku": {"name": "Standard"},
            "properties": {"publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4"}}, **c.lro_kw)

    nic_get = lambda c, n: _net(c).network_interfaces.get(c.rg, n.name)  # noqa: E731

    async def nic_put(c: Context, n: Node) -> Any:
        vm = c.plan.test_vm
        return await _net(c).network_interfaces.begin_create_or_update(c.rg, n.name, {
            "location": c.plan.network.region, "tags": c.tags, "properties": {
                "networkSecurityGroup": {"id": c.rid("Microsoft.Network/networkSecurityGroups", vm.nsg_name)},
                "ipConfigurations": [{"name": "ipconfig1", "properties": {
                    "subnet": {"id": c.subnet_id}, "privateIPAllocationMethod": "Dynamic", "primary": True,
                    "publicIPAddress": {"id": c.rid("Microsoft.Network/publicIPAddresses", vm.pip_name)}}}]}}, **c.lro_kw)

    vm_get = lambda c, n: c.gw.compute.virtual_machines.get(c.rg, n.name)  # noqa: E731

    async def vm_put(c: Context, n: Node) -> Any:
        if not c.public_key:
            raise NodeError("no SSH public key for the test VM", "user", "set test_vm.ssh_public_key")
        return await c.gw.compute.virtual_machines.begin_create_or_update(c.rg, n.name, _vm_body(c), **c.lro_kw)

    lb_get = lambda c, n: _net(c).load_balancers.get(c.rg, n.name)  # noqa: E731

    async def lb_put(c: Context, n: Node) -> Any:
        return await _net(c).load_balancers.begin_create_or_update(c.rg, n.name, {
            "location": c.plan.network.region, "tags": c.tags, "sku": {"name": "Standard", "tier": "Regional"},
            "properties": {"frontendIPConfigurations": [{"name": "fe", "properties": {
                "subnet": {"id": c.pls_subnet_id}, "privateIPAllocationMethod": "Dynamic"}}],
                "backendAddressPools": [{"name": "be"}]}}, **c.lro_kw)

    pls_get = lambda c, n: _net(c).private_link_services.get(c.rg, n.name)  # noqa: E731

    async def pls_put(c: Context, n: Node) -> Any:
        spec = c.plan.private_link_service
        body: dict[str, Any] = {"location": c.plan.network.region, "tags": c.tags, "properties": {
            "loadBalancerFrontendIpConfigurations": [
                {"id": c.rid("Microsoft.Network/loadBalancers", f"lb-{c.plan.name}") + "/frontendIPConfigurations/fe"}],
            "ipConfigurations": [{"name": "nat", "properties": {
                "subnet": {"id": c.pls_subnet_id}, "privateIPAllocationMethod": "Dynamic", "primary": True}}]}}
        if spec.visibility:
            body["properties"]["visibility"] = {"subscriptions": spec.visibility}
        if spec.auto_approval:
            body["properties"]["autoApproval"] = {"subscriptions": spec.auto_approval}
        return await _net(c).private_link_services.begin_create_or_update(c.rg, n.name, body, **c.lro_kw)

    return {
        "rg": Op(rg_get, rg_put, lambda c, n: f"/subscriptions/{c.sub}/resourceGroups/{c.rg}"),
        "vnet": Op(vnet_get, vnet_put, lambda c, n: c.vnet_id),
        "subnet": Op(subnet_get, subnet_put, lambda c, n: c.subnet_id),
        "pls_subnet": Op(subnet_get, subnet_put, lambda c, n: c.pls_subnet_id),
        "vault": Op(vault_get, vault_put, lambda c, n: c.vault_id),
        "zone": Op(zone_get, zone_put, lambda c, n: c.zone_id),
        "link": Op(link_get, link_put, lambda c, n: f"{c.zone_id}/virtualNetworkLinks/{n.name}"),
        "pe": Op(pe_get, pe_put, lambda c, n: c.rid("Microsoft.Network/privateEndpoints", n.name)),
        "zone_group": Op(zg_get, zg_put, lambda c, n: c.rid("Microsoft.Network/privateEndpoints",
                                                            c.plan.private_endpoint.name)
                         + f"/privateDnsZoneGroups/{n.name}"),
        "nsg": Op(nsg_get, nsg_put, lambda c, n: c.rid("Microsoft.Network/networkSecurityGroups", n.name)),
        "pip": Op(pip_get, pip_put, lambda c, n: c.rid("Microsoft.Network/publicIPAddresses", n.name)),
        "nic": Op(nic_get, nic_put, lambda c, n: c.rid("Microsoft.Network/networkInterfaces", n.name)),
        "vm": Op(vm_get, vm_put, lambda c, n: c.rid("Microsoft.Compute/virtualMachines", n.name)),
        "lb": Op(lb_get, lb_put, lambda c, n: c.rid("Microsoft.Network/loadBalancers", n.name)),
        "pls": Op(pls_get, pls_put, lambda c, n: c.rid("Microsoft.Network/privateLinkServices", n.name)),
    }


OPS: dict[str, Op] = _build_ops()


async def read(ctx: Context, node: Node) -> dict[str, Any] | None:
    """GET a node's resource as REST JSON; None when it does not exist."""
    try:
        return as_json(await OPS[node.key].get(ctx, node))
    except Exception as exc:  # noqa: BLE001 - only 404 means "missing"; anything else is re-raised
        if is_not_found(exc):
            return None
        raise


async def wait_settled(ctx: Context, node: Node, timeout: float | None = None) -> dict[str, Any] | None:
    """Poll GET until the resource leaves a transitional provisioning state (or disappears)."""
    limit = timeout if timeout is not None else getattr(ctx.gw, "total_timeout", 600.0)
    deadline = time.monotonic() + limit
    while True:
        cur = await read(ctx, node)
        if cur is None or provisioning_state(cur).lower() not in PENDING_STATES | {"deleting"}:
            return cur
        if time.monotonic() > deadline:
            raise NodeError(f"{node.name} stayed {provisioning_state(cur)} for {limit:.0f}s", "retryable",
                            "resume the run later")
        await asyncio.sleep(ctx.poll_interval)


def proven_owned(journal: Journal, key: str) -> bool:
    """True when the journal proves this run created the untaggable child ``key`` (subnet, zone group).

    The proof is write-ahead: ``absent_at`` (a GET answered 404 just before this run's PUT, recorded with the
    intent) and ``put_accepted`` (ARM accepted that PUT, so it created the child), sealed with this installation's
    secret (:meth:`Journal.seal`). A refused or failed entry without them, or an entry edited by hand, never implies
    ownership, whatever its ``owned`` or ``status`` say.
    """
    entry = journal.resources.get(key) or {}
    return bool(entry.get("absent_at")) and entry.get("put_accepted") is True and journal.seal_holds(key)


def proven_keys(journal: Journal) -> set[str]:
    """The node keys whose untaggable child the journal proves this run created."""
    return {k for k in list(journal.resources) if proven_owned(journal, k)}


def owner_of(ctx: Context, node: Node, current: dict[str, Any]) -> str | None:
    """The run id that owns ``current``; for untaggable children, only the journal's write-ahead proof counts."""
    if node.key in UNTAGGABLE:
        if proven_owned(ctx.journal, node.key):
            return ctx.run_id
        pe = ctx.journal.resources.get("pe", {})
        if node.key == "zone_group" and pe.get("owned") and pe.get("status") == "succeeded":
            return ctx.run_id  # a child of the endpoint this run created (its tag was checked moments ago)
        return None
    return (current.get("tags") or {}).get(TAG_RUN)


# ---------------------------------------------------------------------------------------------------- node runner


async def apply_node(ctx: Context, node: Node) -> None:
    """Bring one node to its planned state (create, reconcile, reuse or verify)."""
    if node.key == "verify":
        await verify_step(ctx, node)
        return
    op = OPS[node.key]
    rid = op.rid(ctx, node)
    base: dict[str, Any] = {"key": node.key, "rtype": node.rtype, "name": node.name, "id": rid}

    if node.mode == "reuse":
        cur = await read(ctx, node)
        if cur is None:
            raise NodeError(f"{node.rtype.split('/')[-1]} {node.name} was expected to exist but does not", "user",
                            "create it first, or change the plan to create it")
        ctx.journal.record(node.key, status="reused", rtype=node.rtype, name=node.name, rid=cur.get("id") or rid,
                           owned=False)
        await ctx.emit(Event("succeeded", **{**base, "id": cur.get("id") or rid}, elapsed=ctx.elapsed(),
                             message="existing: used, never modified or deleted"))
        return

    entry = ctx.journal.resources.get(node.key) or {}
    if node.key in ctx.absent and not entry:
        cur = None  # preflight read it as missing moments ago and this run never touched it: skip a round trip
    else:
        cur = await read(ctx, node)  # on resume too: absence is re-checked before anything is created
    if cur is not None:
        owner = owner_of(ctx, node, cur)
        if owner != ctx.run_id:
            if node.key == "rg":
                ctx.journal.record("rg", status="reused", rtype=node.rtype, name=node.name, rid=rid, owned=False)
                await ctx.emit(Event("succeeded", **base, elapsed=ctx.elapsed(), message="existing resource group"))
                return
            who = f"plinktui run {owner}" if owner else (
                "someone else (this run's journal holds no proof that it created it)" if node.key in UNTAGGABLE
                else "someone else (no plinktui-run tag)")
            raise NodeError(f"{node.rtype.split('/')[-1]} {node.name} already exists and belongs to {who}; "
                            "plinktui never adopts resources it did not create", "user",
                            f"rename it in the plan, or resume run {owner}" if owner else "rename it in the plan")
        if provisioning_state(cur).lower() in PENDING_STATES | {"deleting"}:
            await ctx.emit(Event("waiting", **base, elapsed=ctx.elapsed(),
                                 message=f"found {provisioning_state(cur)}; waiting for it to settle"))
            cur = await wait_settled(ctx, node)
    if cur is not None and provisioning_state(cur).lower() == "succeeded":
        if node.key == "vault":
            patch = _vault_patch(ctx, cur)
            if patch:
                await ctx.emit(Event("running", **base, elapsed=ctx.elapsed(), message="reconciling (PATCH)"))
                sub, rg = ctx.vault_scope
                cur = as_json(await ctx.gw.keyvault.vaults.update(rg, node.name, patch))
        ctx.journal.record(node.key, status="succeeded", rtype=node.rtype, name=node.name,
                           rid=cur.get("id") or rid, owned=True)
        await ctx.emit(Event("succeeded", **base, elapsed=ctx.elapsed(), message="already in place (ours)"))
        return
    if cur is not None and node.key == "vault":
        # An owned vault in a failed state: a PATCH, never a blind re-PUT over a vault that may hold keys.
        want = {k: v for k, v in props(vault_body(ctx)).items() if k in ("enableRbacAuthorization", "publicNetworkAccess")}
        after = as_json(await ctx.gw.keyvault.vaults.update(ctx.vault_scope[1], node.name,
                                                            {"tags": ctx.tags, "properties": want}))
        # The PATCH answering 200 does not mean the repair took: trust only the vault's own provisioningState
        # (re-read when the answer lacks it or is still transitional).
        state = str(props(after).get("provisioningState") or "")
        if state.lower() in PENDING_STATES or not state:
            again = await wait_settled(ctx, node)
            state = provisioning_state(again) if again is not None else "missing"
        if state.lower() != "succeeded":
            raise NodeError(f"Key Vault {node.name} is still {state} after the repair PATCH", "retryable",
                            f"{RESUME_FIX}; if it stays {state}, tear the run down (plinktui teardown RUN --purge) "
                            "and set it up again")
        ctx.journal.record(node.key, status="succeeded", rtype=node.rtype, name=node.name, rid=rid, owned=True)
        await ctx.emit(Event("succeeded", **base, elapsed=ctx.elapsed(), message="reconciled (PATCH)"))
        return

    # Write-ahead: the journal knows the intent before ARM sees the PUT. An untaggable child also records that it
    # was absent just now: with ARM accepting the PUT, that is the only proof the run created it (proven_owned).
    untaggable = node.key in UNTAGGABLE
    proof: dict[str, Any] = {"absent_at": now_iso()} if untaggable and cur is None else {}
    if untaggable and node.key in ctx.journal.resources:
        ctx.journal.resources[node.key].pop("put_accepted", None)  # proven again only once ARM accepts this PUT
    ctx.journal.record(node.key, status="intent", rtype=node.rtype, name=node.name, rid=rid, owned=not untaggable,
                       **proof)
    await ctx.emit(Event("running", **base, elapsed=ctx.elapsed()))
    assert op.put is not None
    poller = await op.put(ctx, node)
    entry = ctx.journal.resources[node.key]
    accepted: dict[str, Any] = {"put_accepted": True, "seal": ctx.journal.seal(node.key, rid, entry["absent_at"])} \
        if untaggable and entry.get("absent_at") else {}
    ctx.journal.record(node.key, status="creating", rid=rid, **accepted)
    if hasattr(poller, "result"):
        await ctx.emit(Event("waiting", **base, elapsed=ctx.elapsed(), message="waiting for Azure to finish"))
    result = as_json(await _result(ctx, poller))
    state = provisioning_state(result) if result else "Succeeded"
    if state.lower() not in ("succeeded",):
        raise NodeError(f"{node.name} ended {state}", "retryable", "resume the run")
    ctx.journal.record(node.key, status="succeeded", rid=result.get("id") or rid,
                       owned=True if not untaggable else proven_owned(ctx.journal, node.key))
    await ctx.emit(Event("succeeded", **{**base, "id": result.get("id") or rid}, elapsed=ctx.elapsed()))


# ---------------------------------------------------------------------------------------------------- verification


async def endpoint_ip(ctx: Context) -> tuple[str | None, str | None, str | None, str]:
    """(NIC name, NIC IP, NIC id, connection status) of the plan's private endpoint."""
    pe = as_json(await _net(ctx).private_endpoints.get(ctx.rg, ctx.plan.private_endpoint.name))
    p = props(pe)
    conns = (p.get("privateLinkServiceConnections") or []) + (p.get("manualPrivateLinkServiceConnections") or [])
    status = "Unknown"
    if conns:
        status = props(conns[0]).get("privateLinkServiceConnectionState", {}).get("status", "Unknown")
    nic_id = ((p.get("networkInterfaces") or [{}])[0]).get("id")
    ip = None
    for cfg in p.get("customDnsConfigs") or []:
        if cfg.get("ipAddresses"):
            ip = cfg["ipAddresses"][0]
            break
    nic_name = nic_id.rsplit("/", 1)[-1] if nic_id else None
    if nic_id:
        nic_rg = nic_id.split("/")[4]
        nic = as_json(await _net(ctx).network_interfaces.get(nic_rg, nic_name))
        for ipc in props(nic).get("ipConfigurations") or []:
            if props(ipc).get("privateIPAddress"):
                ip = props(ipc)["privateIPAddress"]
                break
    return nic_name, ip, nic_id, status


async def zone_record(ctx: Context) -> list[str]:
    """IPs of the vault's A record in the private zone."""
    try:
        rec = as_json(await ctx.dns.record_sets.get(ctx.zone_scope[1], ctx.plan.dns.zone, "A",
                                                    ctx.plan.vault.vault_name))
    except Exception as exc:  # noqa: BLE001
        if is_not_found(exc):
            return []
        raise
    return [a.get("ipv4Address") for a in props(rec).get("aRecords") or [] if a.get("ipv4Address")]


_IP_LINE = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,3}){3})\s", re.M)


def parse_getent(output: str) -> list[str]:
    """IPv4 addresses at the start of ``getent hosts`` lines (Run Command wraps them in [stdout] blocks)."""
    out = []
    for m in _IP_LINE.finditer(output + "\n"):
        try:
            ipaddress.IPv4Address(m.group(1))
        except ValueError:
            continue
        out.append(m.group(1))
    return out


async def dns_probe(ctx: Context, fqdn: str) -> list[str]:
    """Resolve ``fqdn`` from inside the VNet (the test VM) and return the addresses.

    The one place the probe is chosen (swap here): Run Command ``getent hosts`` (what applications get) through
    :func:`plinktui.probes.runcommand.run_shell_script`; it needs no inbound SSH and no host-key pinning.
    ``ctx.probe`` overrides it (the TUI can pass an SSH probe).
    """
    if ctx.probe is not None:
        return await ctx.probe(ctx, fqdn)
    from plinktui.probes.parsers import parse_getent as strict_getent
    from plinktui.probes.runcommand import RunCommandError, run_shell_script

    try:
        out = await run_shell_script(ctx.gw, ctx.rg, ctx.plan.test_vm.name, [f"getent hosts {fqdn}"])
    except RunCommandError as exc:
        raise NodeError(f"Run Command on {ctx.plan.test_vm.name} failed: {exc}", "retryable", "resume the run") from None
    if out.status != "ok":
        raise NodeError(f"Run Command on {ctx.plan.test_vm.name} gave no usable output: {out.reason}", "retryable",
                        "resume the run")
    answer = strict_getent(out.stdout, fqdn, out.exit_status)
    return list(answer.addresses) if answer.status == "ok" else parse_getent(out.stdout)


async def verify_step(ctx: Context, node: Node) -> None:
    """Check the private path, then (``DisabledAfterVerify``) switch vault public access off and re-read it."""
    base: dict[str, Any] = {"key": node.key, "rtype": node.rtype, "name": node.name}
    ctx.journal.record("verify", status="intent", rtype=node.rtype, name=node.name, owned=False)
    await ctx.emit(Event("running", **base, elapsed=ctx.elapsed(), message="checking the private path"))
    nic_name, ip, nic_id, status = await endpoint_ip(ctx)
    summary: dict[str, Any] = {"vault_fqdn": ctx.plan.vault.fqdn, "endpoint_nic": nic_name, "endpoint_ip": ip,
                               "endpoint_nic_id": nic_id, "connection": status}
    ctx.journal.data["summary"].update(summary)
    if status != "Approved":
        ctx.journal.record("verify", status="skipped", error=f"connection is {status}")
        await ctx.emit(Event("info", **base, elapsed=ctx.elapsed(), data=summary,
                             message=f"connection is {status}: approve it on the vault, then resume; "
                                     "public access left as it is"))
        return
    records: list[str] = []
    for _ in range(50):  # the zone group writes the record right after it succeeds; allow a moment
        records = await zone_record(ctx)
        if ip in records:
            break
        await asyncio.sleep(ctx.poll_interval)
    summary["a_record"] = records
    if ip not in records:
        raise NodeError(f"A record {ctx.plan.vault.vault_name} in {ctx.plan.dns.zone} is {records or 'missing'}, "
                        f"expected {ip}", "user", "check the DNS zone group on the endpoint, then resume")
    if ctx.plan.vault.effective_public_access == "DisabledAfterVerify":
        resolved = await dns_probe(ctx, ctx.plan.vault.fqdn)
        summary["resolved_from_vm"] = resolved
        if ip not in resolved:
            raise NodeError(f"from {ctx.plan.test_vm.name}, {ctx.plan.vault.fqdn} resolves to {resolved or 'nothing'}, "
                            f"not {ip}; public access left on", "user",
                            "check the zone's VNet link and the VNet's DNS servers, then resume")
        sub, rg = ctx.vault_scope
        await ctx.emit(Event("running", **base, elapsed=ctx.elapsed(),
                             message="private path verified; disabling vault public access"))
        await ctx.gw.keyvault.vaults.update(rg, ctx.plan.vault.vault_name, {"properties": {
            "publicNetworkAccess": "Disabled", "networkAcls": {"defaultAction": "Deny", "bypass": "None"}}})
        after = as_json(await ctx.gw.keyvault.vaults.get(rg, ctx.plan.vault.vault_name))
        summary["public_network_access"] = props(after).get("publicNetworkAccess")
        if props(after).get("publicNetworkAccess") != "Disabled":
            raise NodeError("vault public access is still enabled after the update; an Azure Policy may have "
                            "reverted it", "user", "check policy assignments (modify/deny effects) on the vault")
    ctx.journal.data["summary"].update(summary)
    ctx.journal.record("verify", status="succeeded")
    await ctx.emit(Event("succeeded", **base, elapsed=ctx.elapsed(), data=summary,
                         message=f"{ctx.plan.vault.fqdn} -> {ip} (zone record matches)"))


# ---------------------------------------------------------------------------------------------------- executor


@dataclass
class RunOutcome:
    """How each node ended."""

    status: dict[str, str]
    errors: dict[str, Event]

    @property
    def ok(self) -> bool:
        """Every node succeeded."""
        return all(s == "succeeded" for s in self.status.values())


async def execute(graph: Graph, run: Callable[[Node], Awaitable[None]], *, max_parallel: int = 8,
                  emit: Emit = _no_emit, retries: int = 2, started: float | None = None,
                  on_error: Callable[[Node, BaseException], Awaitable[None]] | None = None) -> RunOutcome:
    """Run ``run(node)`` for every node once its dependencies succeeded, at most ``max_parallel`` at a time.

    Ready nodes start longest-remaining-chain first. A failed node's dependents are skipped; independent branches
    go on. Retryable failures are retried (``retries`` times, short backoff). Cancelling the caller cancels the
    running nodes, emits ``cancelled`` for them and re-raises.
    """
    t0 = started if started is not None else time.monotonic()
    max_parallel = max(1, int(max_parallel))
    prio = graph.remaining()
    order = {k: i for i, k in enumerate(graph.topo_order())}
    status = {k: "pending" for k in graph.nodes}
    errors: dict[str, Event] = {}
    running: dict[asyncio.Task[None], str] = {}

    def base(n: Node) -> dict[str, Any]:
        return {"key": n.key, "rtype": n.rtype, "name": n.name}

    def elapsed() -> float:
        return round(time.monotonic() - t0, 3)

    async def attempt(node: Node) -> None:
        for i in range(retries + 1):
            try:
                await run(node)
                return
            except NodeError as exc:
                if exc.error_class != "retryable" or i == retries:
                    raise
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - classified below, re-raised when not retryable
                if classify(exc)[0] != "retryable" or i == retries:
                    raise
            await emit(Event("info", **base(node), elapsed=elapsed(), message=f"retrying (attempt {i + 2})"))
            await asyncio.sleep(min(0.5 * (2 ** i), 5.0))

    for n in graph:
        await emit(Event("queued", **base(n), elapsed=elapsed()))

    def skip_after(key: str) -> list[str]:
        out = []
        for d in graph.dependents(key):
            if status[d] == "pending":
                status[d] = "skipped"
                out.append(d)
                out.extend(skip_after(d))
        return out

    try:
        while True:
            ready = [k for k, s in status.items() if s == "pending"
                     and all(status[d] == "succeeded" for d in graph[k].deps)]
            ready.sort(key=lambda k: (-prio[k], order[k]))
            while ready and len(running) < max_parallel:
                k = ready.pop(0)
                status[k] = "running"
                running[asyncio.create_task(attempt(graph[k]), name=f"node:{k}")] = k
            if not running:
                break
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                k = running.pop(task)
                exc = task.exception()
                if exc is None:
                    status[k] = "succeeded"
                    continue
                status[k] = "failed"
                cls, msg, fix = classify(exc)
                ev = Event("failed", **base(graph[k]), elapsed=elapsed(), error=msg, error_class=cls, fix=fix)
                errors[k] = ev
                if on_error is not None:
                    await on_error(graph[k], exc)
                await emit(ev)
                for s in skip_after(k):
                    await emit(Event("skipped", **base(graph[s]), elapsed=elapsed(),
                                     message=f"not started: {graph[k].name} failed"))
    except asyncio.CancelledError:
        for task in list(running):
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        for k in running.values():
            status[k] = "cancelled"
            await asyncio.shield(emit(Event("cancelled", **base(graph[k]), elapsed=elapsed())))
        raise
    return RunOutcome(status=status, errors=errors)


def make_context(gw: Any, plan: Plan, graph: Graph, journal: Journal, *, tenant_id: str | None,
                 public_key: str | None, absent: set[str] | None = None, emit: Emit = _no_emit,
                 zone_id: str | None = None) -> Context:
    """The context for :func:`apply`, as the CLI and the TUI build it.

    ``public_key`` None with a test VM generates an ed25519 pair for the run (recorded in the journal; an event says
    where). Against the emulator the polling intervals are short: its Retry-After is whole seconds, so the last
    second would otherwise cost up to the client's default interval per LRO on the critical path.
    """
    emulator = bool(getattr(gw.target, "is_emulator", False))
    return Context(gw=gw, plan=plan, graph=graph, journal=journal, emit=emit, tenant_id=tenant_id,
                   public_key=public_key, absent=set(absent or ()), poll_interval=0.1 if emulator else 5.0,
                   lro_interval=0.05 if emulator else None, zone_ref=zone_id)


async def ensure_public_key(ctx: Context) -> None:
    """Generate the run's SSH key pair when the plan says ``generate`` (idempotent on resume)."""
    if not ctx.plan.test_vm.enabled or ctx.public_key:
        return
    from plinktui import sshkeys

    pair = sshkeys.generate_for_run(ctx.journal)  # the journal names the key before the key exists
    ctx.public_key = pair.public_key
    await ctx.emit(Event("info", key="vm", rtype="Microsoft.Compute/virtualMachines", name=ctx.plan.test_vm.name,
                         message=f"generated SSH key {pair.private_path} (0600) for the test VM"))


async def apply(ctx: Context, *, max_parallel: int = 8) -> RunOutcome:
    """Run the plan's graph against Azure, keeping the journal and emitting events.

    The journal's run state ends ``succeeded``, ``failed`` or ``cancelled`` (a killed process leaves ``running``,
    which ``plinktui runs`` shows as interrupted). Resume by calling this again with the same journal.
    """

    async def on_error(node: Node, exc: BaseException) -> None:
        cls, msg, fix = classify(exc)
        entry = ctx.journal.resources.get(node.key)
        if entry is not None:
            ctx.journal.record(node.key, status="failed", error=msg)
        else:
            ctx.journal.record(node.key, status="failed", rtype=node.rtype, name=node.name, error=msg)

    async def emit(event: Event) -> None:
        event.fix = for_run(event.fix, ctx.run_id)
        await ctx.emit(event)

    if ctx.journal.state != "running":
        ctx.journal.set_state("running")
    try:
        outcome = await execute(ctx.graph, lambda n: apply_node(ctx, n), max_parallel=max_parallel, emit=emit,
                                started=ctx.started, on_error=on_error)
    except asyncio.CancelledError:
        ctx.journal.set_state("cancelled")
        raise
    ctx.journal.set_state("succeeded" if outcome.ok else "failed")
    return outcome

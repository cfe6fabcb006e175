"""Standard load balancers and Private Link Services (with their private endpoint connections).

Only *your own* service needs these: a Private Link Service sits behind a Standard Load Balancer's frontend and takes
addresses in a subnet whose ``privateLinkServiceNetworkPolicies`` is Disabled. Private endpoints that target it show up
as its ``privateEndpointConnections`` (named ``<pe>.<guid>``); approving or rejecting one writes the state back into
the endpoint, which stays the single source of truth.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from plinktui.emulator import errors
from plinktui.emulator.enums import canonical
from plinktui.emulator.providers.network.common import (
    LB,
    NIC,
    PE,
    PLS,
    RG_SCOPE,
    IpAllocator,
    NetworkKind,
    bad,
    children,
    find_subnet,
    find_typed,
    invalid_reference,
    requested_sku,
    same_id,
)
from plinktui.emulator.providers.network.interfaces import check_public_ip, ip_configurations, is_static, managed_nic
from plinktui.emulator.resource import Req, Resp, name_of, paged, ref
from plinktui.emulator.store import Record, new_etag

LB_CHILDREN = (
    ("frontendIPConfigurations", "frontendIPConfigurations"), ("backendAddressPools", "backendAddressPools"),
    ("loadBalancingRules", "loadBalancingRules"), ("probes", "probes"), ("inboundNatRules", "inboundNatRules"),
    ("inboundNatPools", "inboundNatPools"), ("outboundRules", "outboundRules"),
)
CONNECTION_STATES = ("Approved", "Pending", "Rejected", "Disconnected")


class LoadBalancers(NetworkKind):
    """Microsoft.Network/loadBalancers (Standard SKU): frontends take addresses in their subnet."""

    type = LB
    collection = "loadBalancers"
    latency = "lb"

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        props = self.body_props(req, body)
        sku = requested_sku(body, existing)
        sku["name"] = canonical(sku.get("name", "Standard"), ("Basic", "Standard", "Gateway"), lambda v: bad(
            "InvalidRequestFormat", f"Cannot parse the request: '{v}' is not a valid load balancer SKU name."))
        location = str(body.get("location") or (existing.doc.get("location") if existing else "") or "")
        location = self.emu.check_location(location, self.type) if location else ""
        for key, segment in LB_CHILDREN:
            props[key] = children(rid, segment, f"{LB}/{segment}", props.get(key))
        before = {fe["name"].lower(): fe.get("properties") or {} for fe in
                  ((existing.props.get("frontendIPConfigurations") or []) if existing else [])}
        allocators: dict[str, IpAllocator] = {}
        for fe in props["frontendIPConfigurations"]:
            p = fe["properties"]
            subnet_id = ref(p.get("subnet"))
            if subnet_id:
                subnet = find_subnet(self.emu, subnet_id, rid, location or None)
                p["subnet"] = {"id": subnet.id}
                alloc = allocators.setdefault(subnet.id.lower(), IpAllocator(self.emu, subnet, rid))
                if is_static(p):
                    p["privateIPAllocationMethod"] = "Static"
                    p["privateIPAddress"] = alloc.static(str(p["privateIPAddress"]), fe["id"])
                else:
                    p["privateIPAllocationMethod"] = "Dynamic"
                    old = before.get(fe["name"].lower(), {})
                    p["privateIPAddress"] = alloc.dynamic(
                        old.get("privateIPAddress") if same_id(ref(old.get("subnet")), subnet.id) else None)
                p.setdefault("privateIPAddressVersion", "IPv4")
            check_public_ip(self.emu, ref(p.get("publicIPAddress")), rid, fe["id"], location or None)
        self._back_references(props)
        self.keep_guid(props, existing)
        return {"properties": props, "sku": sku}

    @staticmethod
    def _back_references(props: dict[str, Any]) -> None:
        """Frontends, pools and probes list the rules that use them, as ARM shows."""
        def users(child_id: str, key: str, field: str) -> list[dict[str, str]]:
            return [{"id": r["id"]} for r in props[key]
                    if same_id(ref(r["properties"].get(field)), child_id)]

        for fe in props["frontendIPConfigurations"]:
            for key in ("loadBalancingRules", "inboundNatRules", "outboundRules"):
                found = users(fe["id"], key, "frontendIPConfiguration")
                if found:
                    fe["properties"][key] = found
        for pool in props["backendAddressPools"]:
            found = users(pool["id"], "loadBalancingRules", "backendAddressPool")
            if found:
                pool["properties"]["loadBalancingRules"] = found
        for probe in props["probes"]:
            found = users(probe["id"], "loadBalancingRules", "probe")
            if found:
                probe["properties"]["loadBalancingRules"] = found
        for rule in props["loadBalancingRules"]:
            for key in ("disableOutboundSnat", "enableTcpReset", "enableFloatingIP", "enableConnectionTracking"):
                rule["properties"].setdefault(key, False)
        for rule in props["inboundNatRules"]:
            rule["properties"].setdefault("enableTcpReset", False)

    def check_delete(self, req: Req, rec: Record) -> None:
        for pls in self.emu.store.of_type(PLS):
            for fe in pls.props.get("loadBalancerFrontendIpConfigurations") or []:
                if str(ref(fe) or "").lower().startswith(rec.id.lower() + "/"):
                    raise bad("LoadBalancerFrontendIPConfigurationInUseByPrivateLinkService",
                              f"Load balancer {rec.id} cannot be deleted because its frontend {ref(fe)} is used by "
                              f"private link service {pls.id}.")


def pls_connections(emu: Any, pls: Record) -> list[tuple[str, Record, str, dict[str, Any]]]:
    """(connection name, endpoint, list key, connection item) for every endpoint that targets the service."""
    out = []
    for pe in emu.store.of_type(PE):
        for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
            for conn in pe.props.get(key) or []:
                if same_id((conn.get("properties") or {}).get("privateLinkServiceId"), pls.id):
                    guid = pe.internal.setdefault("connection_guid", str(uuid.uuid4()))
                    out.append((f"{pe.doc['name']}.{guid}", pe, key, conn))
    return out


def connection_view(pls: Record, name: str, pe: Record, conn: dict[str, Any]) -> dict[str, Any]:
    """One privateEndpointConnection of a Private Link Service."""
    p = conn.get("properties") or {}
    return {"name": name, "id": f"{pls.id}/privateEndpointConnections/{name}", "etag": pe.doc.get("etag", ""),
            "type": f"{PLS}/privateEndpointConnections",
            "properties": {"privateEndpoint": {"id": pe.id},
                           "privateLinkServiceConnectionState": copy.deepcopy(p.get("privateLinkServiceConnectionState")),
                           "linkIdentifier": str(abs(hash(pe.id)) % 10**9), "provisioningState": "Succeeded",
                           "privateEndpointLocation": pe.doc.get("location", "")}}


class PrivateLinkServices(NetworkKind):
    """Microsoft.Network/privateLinkServices."""

    type = PLS
    collection = "privateLinkServices"
    latency = "pls"

    def __init__(self, emu: Any) -> None:
        super().__init__(emu)
        self._nics: dict[str, tuple[str, list[dict[str, Any]]]] = {}

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        props = self.body_props(req, body)
        for key in ("networkInterfaces", "privateEndpointConnections", "alias"):
            props.pop(key, None)
        location = str(body.get("location") or (existing.doc.get("location") if existing else "") or "")
        location = self.emu.check_location(location, self.type) if location else ""
        frontends = props.get("loadBalancerFrontendIpConfigurations") or []
        if not frontends:
            raise bad("InvalidRequestFormat", f"Cannot parse the request: private link service {rid} needs a load "
                                              "balancer frontend IP configuration.")
        for fe in frontends:
            fe_id = ref(fe)
            lb = find_typed(self.emu, (fe_id or "").rsplit("/frontendIPConfigurations/", 1)[0], LB)
            if lb is None or not any(same_id(f["id"], fe_id) for f in lb.props.get("frontendIPConfigurations") or []):
                raise invalid_reference(str(fe_id), rid)
            if (lb.doc.get("sku") or {}).get("name") != "Standard":
                raise bad("PrivateLinkServiceRequiresStandardLoadBalancer",
                          f"Private link service {rid} requires a Standard SKU load balancer; {lb.id} is not.")
        nic_id = (existing.internal.get("nic_id") if existing else None) or \
            f"{rid.rsplit('/providers/', 1)[0]}/providers/Microsoft.Network/networkInterfaces/{name_of(rid)}.nic." \
            f"{uuid.uuid4()}"

        def policies_disabled(subnet: Record) -> None:
            if subnet.props.get("privateLinkServiceNetworkPolicies", "Enabled") != "Disabled":
                raise bad("PrivateLinkServiceCannotBeCreatedInSubnetThatHasNetworkPoliciesEnabled",
                          f"Private link service {rid} cannot be created in subnet {subnet.id} since it has private "
                          "link service network policies enabled.")

        old_nic = self.emu.store.get(nic_id)
        props["ipConfigurations"] = ip_configurations(
            self.emu, rid, location or None, props.get("ipConfigurations"),
            (existing.props.get("ipConfigurations") or []) if existing else [],
            ipconfig_type=f"{PLS}/ipConfigurations", alloc_owner=nic_id, subnet_check=policies_disabled)
        del old_nic
        props.setdefault("visibility", {"subscriptions": []})
        props.setdefault("autoApproval", {"subscriptions": []})
        props.setdefault("fqdns", [])
        props.setdefault("enableProxyProtocol", False)
        props["alias"] = (existing.props.get("alias") if existing else None) or \
            f"{name_of(rid)}.{uuid.uuid4()}.{location or 'eastus'}.azure.privatelinkservice"
        props["networkInterfaces"] = [{"id": nic_id}]
        self.keep_guid(props, existing)
        nic_ipconfigs = []
        for ipc in props["ipConfigurations"]:
            p = ipc["properties"]
            nic_ipconfigs.append({"name": ipc["name"], "id": f"{nic_id}/ipConfigurations/{ipc['name']}",
                                  "etag": new_etag(), "type": "Microsoft.Network/networkInterfaces/ipConfigurations",
                                  "properties": {k: copy.deepcopy(v) for k, v in p.items()}})
        self._nics[rid.lower()] = (nic_id, nic_ipconfigs)
        return {"properties": props}

    def after_put(self, req: Req, rec: Record, created: bool) -> None:
        plan = self._nics.pop(rec.id.lower(), None)
        if plan is None:
            return
        nic_id, ipconfigs = plan
        rec.internal["nic_id"] = nic_id
        managed_nic(self.emu, nic_id, str(rec.doc.get("location", "")), "privateLinkService", rec.id, ipconfigs,
                    None)

    def on_delete(self, rec: Record) -> None:
        for _name, _pe, _key, conn in pls_connections(self.emu, rec):
            state = conn.setdefault("properties", {}).setdefault("privateLinkServiceConnectionState", {})
            state.update({"status": "Disconnected", "description": "The private link service was deleted."})
        nic_id = rec.internal.get("nic_id")
        nic = self.emu.store.get(nic_id) if nic_id else None
        if nic is not None and str(nic.doc.get("type")) == NIC:
            self.emu.store.delete(nic.id)
        self.emu.store.touch()

    def view(self, req: Req | None, rec: Record) -> dict[str, Any]:
        doc = copy.deepcopy(rec.doc)
        doc["properties"]["privateEndpointConnections"] = [
            connection_view(rec, name, pe, conn) for name, pe, _k, conn in pls_connections(self.emu, rec)]
        return doc


def register_connections(emu: Any, kind: PrivateLinkServices) -> None:
    """GET/list/PUT (approve, reject)/DELETE of a Private Link Service's private endpoint connections."""
    base = RG_SCOPE + "/privateLinkServices/{name}/privateEndpointConnections"

    def lookup(req: Req) -> tuple[Record, str, Record, str, dict[str, Any]]:
        pls = emu.find(kind.rid(req), kind)
        wanted = req.params["conn"].lower()
        for name, pe, key, conn in pls_connections(emu, pls):
            if name.lower() == wanted:
                return pls, name, pe, key, conn
        raise errors.NotFound(f"Private endpoint connection {req.params['conn']} of private link service {pls.id} "
                              "was not found.")

    async def list_connections(req: Req) -> Resp:
        emu.check_scope(req)
        pls = emu.find(kind.rid(req), kind)
        return paged(req, [connection_view(pls, n, pe, c) for n, pe, _k, c in pls_connections(emu, pls)])

    async def get_connection(req: Req) -> Resp:
        pls, name, pe, _key, conn = lookup(req)
        return Resp(200, connection_view(pls, name, pe, conn))

    async def put_connection(req: Req) -> Resp:
        emu.check_write_allowed(req)
        pls, name, pe, _key, conn = lookup(req)
        body = req.body if isinstance(req.body, dict) else {}
        wanted = ((body.get("properties") or {}).get("privateLinkServiceConnectionState") or {})
        status = canonical(wanted.get("status"), CONNECTION_STATES, lambda v: bad(
            "InvalidRequestFormat", f"Cannot parse the request: '{v}' is not a valid connection status (Approved, "
            "Pending, Rejected, Disconnected)."))
        state = conn.setdefault("properties", {}).setdefault("privateLinkServiceConnectionState", {})
        state["status"] = status
        state["description"] = wanted.get("description", state.get("description", ""))
        state["actionsRequired"] = wanted.get("actionsRequired", state.get("actionsRequired", "None"))
        pe.doc["etag"] = new_etag()
        emu.store.touch()
        return Resp(200, connection_view(pls, name, pe, conn))

    async def delete_connection(req: Req) -> Resp:
        emu.check_write_allowed(req)
        try:
            _pls, _name, _pe, _key, conn = lookup(req)
        except errors.NotFound:
            return Resp(204)
        state = conn.setdefault("properties", {}).setdefault("privateLinkServiceConnectionState", {})
        state.update({"status": "Disconnected", "description": "The connection was removed by the service owner."})
        emu.store.touch()
        return Resp(200)

    emu.router.add("GET", base, list_connections)
    emu.router.add("GET", base + "/{conn}", get_connection)
    emu.router.add("PUT", base + "/{conn}", put_connection)
    emu.router.add("DELETE", base + "/{conn}", delete_connection)

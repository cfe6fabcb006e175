"""Emulator provider: Microsoft.KeyVault (azure-mgmt-keyvault 14.1, api 2026-05-15).

Vaults with Azure's semantics: names are unique across the whole emulator (any resource group), delete is a
soft-delete (the vault becomes a ``deletedVaults`` document under its location and its name stays reserved until it is
purged or its retention ends), ``createMode: recover`` brings it back, update is a PATCH that merges properties.

Private endpoint connections are not stored on the vault: the private endpoint documents (network provider) are the
source of truth. The vault derives its connections from every PE whose (auto or manual) connection targets it, and
approving/rejecting/deleting a connection here writes the new state back into that PE document.
"""

from __future__ import annotations

import copy
import datetime as dt
import ipaddress
import re
import uuid
from typing import TYPE_CHECKING, Any

from plinktui.emulator import errors
from plinktui.emulator.enums import canonical
from plinktui.emulator.resource import Kind, Req, Resp, mount, name_of, paged, parse_id
from plinktui.emulator.store import Record, new_etag

if TYPE_CHECKING:
    from plinktui.emulator.lro import Operation
    from plinktui.emulator.server import Emulator

VAULT_TYPE = "Microsoft.KeyVault/vaults"
DELETED_TYPE = "Microsoft.KeyVault/deletedVaults"
PE_TYPE = "Microsoft.Network/privateEndpoints"
PEC_TYPE = "Microsoft.KeyVault/vaults/privateEndpointConnections"
PRIVATE_ZONE = "privatelink.vaultcore.azure.net"
CALLER = "plinktui-demo-user@plinktui-demo.onmicrosoft.com"

VAULT_NAME = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]$")
"""3-24 characters, a letter first, alphanumerics and hyphens, no ``--``, ending in a letter or digit."""

NAME_INVALID = ("The vault name '{name}' is invalid. A vault's name must be between 3-24 alphanumeric characters. "
                "The name must begin with a letter, end with a letter or digit, and not contain consecutive hyphens. "
                "Follow this link for more information: https://go.microsoft.com/fwlink/?linkid=2147742")
NAME_IN_USE = ("The vault name '{name}' is already in use. Vault names are globally unique so it is possible that the "
               "name is already taken. If you are sure that the vault name was not taken then it is possible that a "
               "vault with the same name was recently deleted but not purged after being placed in a recoverable "
               "state. If the vault is in a recoverable state then the vault will need to be purged before reusing "
               "the name. For more information about VaultAlreadyExists, soft delete and purging a vault follow this "
               "link https://go.microsoft.com/fwlink/?linkid=2147740.")
SOFT_DELETED_CONFLICT = ("A vault with the same name already exists in deleted state. You need to either recover or "
                         "purge existing key vault. Follow this link https://go.microsoft.com/fwlink/?linkid=2149745 "
                         "for more information on soft delete.")
NO_SOFT_DELETED = ("A soft deleted vault with the given name does not exist. Ensure that the name for the vault that is "
                   "being attempted to recover is in a recoverable state. For more information on soft delete please "
                   "follow this link https://go.microsoft.com/fwlink/?linkid=2149745")

RBAC_DEFAULT_FROM = "2026-02-01"
"""From this api-version on, a new vault uses Azure RBAC unless the request says otherwise."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _system_data(existing: dict[str, Any] | None) -> dict[str, Any]:
    stamp = _now().strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
    created = existing or {"createdBy": CALLER, "createdByType": "User", "createdAt": stamp}
    return {"createdBy": created.get("createdBy", CALLER), "createdByType": created.get("createdByType", "User"),
            "createdAt": created.get("createdAt", stamp), "lastModifiedBy": CALLER, "lastModifiedByType": "User",
            "lastModifiedAt": stamp}


def valid_vault_name(name: str) -> bool:
    """Whether ``name`` satisfies Key Vault's naming rule."""
    return bool(VAULT_NAME.match(name))


def _normalize_acls(acls: Any) -> dict[str, Any]:
    """networkAcls as Key Vault stores them: single addresses get ``/32``, subnet ids are lower-cased."""
    if not isinstance(acls, dict):
        raise errors.InvalidRequestContent("The 'networkAcls' member must be an object.")
    out = copy.deepcopy(acls)
    if "defaultAction" in out:
        out["defaultAction"] = canonical(out["defaultAction"], ("Allow", "Deny"), lambda v: errors.ArmError(
            f"The value '{v}' of 'networkAcls.defaultAction' is invalid; allowed values are 'Allow' and 'Deny'.",
            code="BadRequest"))
    if "bypass" in out:
        out["bypass"] = canonical(out["bypass"], ("AzureServices", "None"), lambda v: errors.ArmError(
            f"The value '{v}' of 'networkAcls.bypass' is invalid; allowed values are 'AzureServices' and 'None'.",
            code="BadRequest"))
    rules = []
    for rule in out.get("ipRules") or []:
        value = str((rule or {}).get("value", ""))
        if value and "/" not in value:
            try:
                ipaddress.ip_address(value)
                value += "/32"
            except ValueError:
                pass
        rules.append({**rule, "value": value})
    if "ipRules" in out:
        out["ipRules"] = rules
    if "virtualNetworkRules" in out:
        out["virtualNetworkRules"] = [{**r, "id": str(r.get("id", "")).lower()} for r in out["virtualNetworkRules"] or []]
    return out


def _public_access(value: Any) -> str:
    return canonical(value, ("Enabled", "Disabled"), lambda v: errors.ArmError(
        f"The value '{v}' of 'publicNetworkAccess' is invalid; allowed values are 'Enabled' and 'Disabled'.",
        code="BadRequest"))


# ---------------------------------------------------------------------------------------------------------------------
# name reservation (live and soft-deleted vaults, across the whole emulator)


def live_vault(emu: Emulator, name: str) -> Record | None:
    """The live vault with this name anywhere in the emulator, or None."""
    for rec in emu.store.of_type(VAULT_TYPE):
        if rec.doc["name"].lower() == name.lower():
            return rec
    return None


def deleted_vault(emu: Emulator, name: str) -> Record | None:
    """The soft-deleted vault with this name (any location), or None; expired ones are purged on the way."""
    now = _now()
    for rec in emu.store.of_type(DELETED_TYPE):
        due = rec.doc["properties"].get("scheduledPurgeDate")
        if due and dt.datetime.strptime(due, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC) <= now:
            emu.store.delete(rec.id)  # retention is over: Key Vault purges it by itself
            continue
        if rec.doc["name"].lower() == name.lower():
            return rec
    return None


# ---------------------------------------------------------------------------------------------------------------------
# private endpoint connections, derived from PE documents


def _connections_by_target(emu: Emulator) -> dict[str, list[tuple[Record, dict[str, Any], bool]]]:
    """Every PE connection, indexed by its lower-cased target id (rebuilt only after the state changes)."""

    def build() -> dict[str, list[tuple[Record, dict[str, Any], bool]]]:
        index: dict[str, list[tuple[Record, dict[str, Any], bool]]] = {}
        for pe in emu.store.of_type(PE_TYPE):
            props = pe.doc.get("properties") or {}
            for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
                for conn in props.get(key) or []:
                    target = str(((conn or {}).get("properties") or {}).get("privateLinkServiceId", ""))
                    index.setdefault(target.lower(), []).append((pe, conn, key.startswith("manual")))
        return index

    return emu.store.derived("keyvault.connections_by_target", build)


def _pe_connections(emu: Emulator, vault_id: str) -> list[tuple[Record, dict[str, Any], bool]]:
    """(PE record, connection object, manual?) for every PE connection that targets the vault."""
    return list(_connections_by_target(emu).get(vault_id.lower(), []))


def connection_name(pe: Record) -> str:
    """The vault-side connection name: ``<peName>.<guid>`` (guid kept by the network provider on the PE record)."""
    guid = pe.internal.get("connection_guid") or str(uuid.uuid5(uuid.NAMESPACE_URL, pe.id.lower()))
    return f"{pe.doc['name']}.{guid}"


def _state(conn: dict[str, Any]) -> dict[str, Any]:
    return dict((conn.get("properties") or {}).get("privateLinkServiceConnectionState") or {})


def connection_doc(vault_id: str, pe: Record, conn: dict[str, Any]) -> dict[str, Any]:
    """A vault privateEndpointConnection resource as Key Vault returns it."""
    name = connection_name(pe)
    state = _state(conn)
    status = state.get("status", "Pending")
    pec_state = "Disconnected" if status == "Disconnected" else "Succeeded"
    return {
        "id": f"{vault_id}/privateEndpointConnections/{name}",
        "name": name,
        "type": PEC_TYPE,
        "etag": pe.internal.get("connection_etag") or "",
        "properties": {
            "privateEndpoint": {"id": pe.id},
            "privateLinkServiceConnectionState": {
                "status": status,
                "description": state.get("description", ""),
                "actionsRequired": state.get("actionsRequired", "None"),
            },
            "provisioningState": pec_state,
        },
    }


def vault_connections(emu: Emulator, vault_id: str) -> list[dict[str, Any]]:
    """The vault's current connections (disconnected ones are gone from the vault's side)."""
    out = []
    seen = set()
    for pe, conn, _manual in _pe_connections(emu, vault_id):
        if _state(conn).get("status") == "Disconnected" or pe.id.lower() in seen:
            continue
        seen.add(pe.id.lower())
        out.append(connection_doc(vault_id, pe, conn))
    return out


def approved_connections(emu: Emulator, vault_id: str) -> list[Record]:
    """PE records holding an Approved connection to the vault (what the DNS model and /healthstatus use)."""
    return [pe for pe, conn, _ in _pe_connections(emu, vault_id) if _state(conn).get("status") == "Approved"]


def _find_connection(emu: Emulator, vault_id: str, name: str) -> tuple[Record, dict[str, Any]]:
    for pe, conn, _manual in _pe_connections(emu, vault_id):
        if connection_name(pe).lower() == name.lower() and _state(conn).get("status") != "Disconnected":
            return pe, conn
    raise errors.ArmError(f"Private endpoint connection '{name}' not found.", code="PrivateEndpointConnectionNotFound",
                          status=404)


def _set_state(emu: Emulator, pe: Record, conn: dict[str, Any], status: str, description: str) -> None:
    """Write a connection state into the PE document (the source of truth) and refresh its etags."""
    conn.setdefault("properties", {})["privateLinkServiceConnectionState"] = {
        "status": status, "description": description, "actionsRequired": "None"}
    pe.doc["etag"] = new_etag()
    pe.internal["connection_etag"] = new_etag()
    emu.store.touch()


def disconnect_all(emu: Emulator, vault_id: str) -> None:
    """The vault is gone: every PE connection to it becomes Disconnected."""
    for pe, conn, _manual in _pe_connections(emu, vault_id):
        _set_state(emu, pe, conn, "Disconnected", "The private endpoint connection was disconnected because the "
                   "target resource was deleted.")


# ---------------------------------------------------------------------------------------------------------------------
# Kinds


class Vaults(Kind):
    """Microsoft.KeyVault/vaults."""

    type = VAULT_TYPE
    item = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}"
    latency = "vault"
    name_pattern = re.compile(r"^[^/]{1,100}$")  # the real rule is checked in build() to give Key Vault's error
    sync_delete = True
    initial_state = "RegisteringDns"

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    poll_by_get = True

    def lro_answer(self, req: Req, status: int, view: dict[str, Any], op: Operation) -> Resp:
        """Key Vault answers a vault PUT 200 with no async header and ``provisioningState: RegisteringDns``;
        clients poll GET until it is Succeeded. The emulator adds ``Retry-After`` (here and on those GETs) so a client
        comes back when DNS registration is due instead of after its 30 s default (Azure's header set is not
        published: a guess that only changes how soon clients poll)."""
        return Resp(200, view, {"Retry-After": op.retry_after()})

    def on_provisioned(self, rec: Record) -> None:
        """The PUT's answer shows ``vaultUri`` as the name was typed, without the trailing slash; once DNS is
        registered the vault reads back the usual ``https://<name>.vault.azure.net/``."""
        uri = str(rec.props.get("vaultUri") or "")
        if uri and not uri.endswith("/"):
            rec.props["vaultUri"] = uri + "/"

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        name = name_of(rid)
        if not valid_vault_name(name):
            raise errors.ArmError(NAME_INVALID.format(name=name), code="VaultNameNotValid")
        had_tags = body.get("tags") is not None
        if not had_tags:  # Key Vault always answers a tags object
            body["tags"] = existing.doc.get("tags", {}) if existing else {}
        props = body.get("properties")
        if not isinstance(props, dict):
            raise errors.ArmError("The request is missing the required 'properties' member.", code="BadRequest")
        other = live_vault(self.emu, name)
        if other is not None and other.id.lower() != rid.lower():
            raise errors.ArmError(NAME_IN_USE.format(name=name), code="VaultAlreadyExists", status=409)
        mode = str(props.get("createMode") or "default").lower()
        if existing is None:
            gone = deleted_vault(self.emu, name)
            if mode == "recover":
                if gone is None:
                    raise errors.ArmError(NO_SOFT_DELETED, code="SoftDeletedVaultDoesNotExist")
                return self._recover(rid, gone, body, had_tags)
            if gone is not None:
                raise errors.ArmError(SOFT_DELETED_CONFLICT, code="ConflictError", status=409)
        out = copy.deepcopy(props)
        out.pop("createMode", None)
        out.pop("provisioningState", None)
        out.pop("privateEndpointConnections", None)
        out.pop("hsmPoolResourceId", None)
        for key in ("tenantId", "sku"):
            if not out.get(key):
                raise errors.ArmError(f"The parameter 'properties.{key}' is required.", code="BadRequest")
        sku = out["sku"]
        if not isinstance(sku, dict) or str(sku.get("name", "")).lower() not in ("standard", "premium"):
            raise errors.ArmError("The 'sku.name' must be 'standard' or 'premium'.", code="BadRequest")
        out["sku"] = {"family": sku.get("family", "A"), "name": str(sku["name"]).lower()}
        old = existing.props if existing else {}
        self._check_irreversible(old, out)
        retention = out.get("softDeleteRetentionInDays", old.get("softDeleteRetentionInDays", 90))
        if not isinstance(retention, int) or not 7 <= retention <= 90:
            raise errors.ArmError("The property 'softDeleteRetentionInDays' must be between 7 and 90.",
                                  code="BadRequest")
        out["softDeleteRetentionInDays"] = retention
        out.setdefault("accessPolicies", [])
        out.setdefault("enabledForDeployment", False)
        out.setdefault("enabledForDiskEncryption", False)
        out.setdefault("enabledForTemplateDeployment", False)
        out.setdefault("enableSoftDelete", old.get("enableSoftDelete", True))
        if "enablePurgeProtection" not in out and "enablePurgeProtection" in old:
            out["enablePurgeProtection"] = old["enablePurgeProtection"]
        out.setdefault("enableRbacAuthorization", req.api_version >= RBAC_DEFAULT_FROM)
        out["publicNetworkAccess"] = _public_access(out.get("publicNetworkAccess", "Enabled"))
        if "networkAcls" in out:
            out["networkAcls"] = _normalize_acls(out["networkAcls"])
        out["vaultUri"] = f"https://{name}.vault.azure.net"  # the trailing slash comes with on_provisioned
        doc: dict[str, Any] = {"properties": out,
                               "systemData": _system_data(existing.doc.get("systemData") if existing else None)}
        return doc

    @staticmethod
    def _check_irreversible(old: dict[str, Any], new: dict[str, Any]) -> None:
        """Purge protection is a one-way switch: Key Vault refuses an explicit ``false`` even on a new vault (leave
        the property out instead); soft delete can be turned off only when creating a vault."""
        if new.get("enablePurgeProtection") is False:
            raise errors.ArmError('The property "enablePurgeProtection" cannot be set to false. Enabling the purge '
                                  "protection for a vault is an irreversible action.", code="BadRequest")
        if old.get("enableSoftDelete") is True and new.get("enableSoftDelete") is False:
            raise errors.ArmError('The property "enableSoftDelete" can be set to false only for creating new vault. '
                                  "Enabling the 'soft delete' functionality is an irreversible action.",
                                  code="BadRequest")

    def _recover(self, rid: str, gone: Record, body: dict[str, Any], had_tags: bool) -> dict[str, Any]:
        original = copy.deepcopy(gone.internal.get("vault") or {})
        self.emu.store.delete(gone.id)
        doc = {"properties": original.get("properties") or {},
               "systemData": _system_data(original.get("systemData"))}
        doc["properties"].pop("privateEndpointConnections", None)
        if not had_tags:
            body["tags"] = original.get("tags") or {}
        return doc

    def view(self, req: Req | None, rec: Record) -> dict[str, Any]:
        doc = copy.deepcopy(rec.doc)
        conns = vault_connections(self.emu, rec.id)
        if conns:
            doc["properties"]["privateEndpointConnections"] = [
                {"id": c["id"], "etag": c["etag"], "properties": c["properties"]} for c in conns]
        return doc

    def patch(self, req: Req, rec: Record, body: dict[str, Any]) -> dict[str, Any]:
        doc, props = self.patched_copy(rec, body)
        merged = dict(doc["properties"])
        for key, value in props.items():
            if key in ("vaultUri", "provisioningState", "privateEndpointConnections", "hsmPoolResourceId",
                       "createMode") or value is None:
                continue
            merged[key] = _normalize_acls(value) if key == "networkAcls" else _public_access(value) \
                if key == "publicNetworkAccess" else copy.deepcopy(value)
        if "softDeleteRetentionInDays" in props and props["softDeleteRetentionInDays"] != doc["properties"].get(
                "softDeleteRetentionInDays") and props["softDeleteRetentionInDays"] is not None:
            raise errors.ArmError("The property 'softDeleteRetentionInDays' cannot be changed once the vault has "
                                  "been created.", code="BadRequest")
        self._check_irreversible(doc["properties"], props)
        if merged.get("provisioningState") in ("Failed", "Canceled"):
            # A successful update repairs a vault whose create failed, unless an lro_failed/lro_canceled fault
            # strikes this PATCH: then the repair does not take (the client must check the state it gets back).
            rule = self.emu.faults.pick("lro", req.method, req.path)
            if rule is None or rule.fault == "lro_stuck":
                merged["provisioningState"] = "Succeeded"
        if isinstance(merged.get("sku"), dict):
            merged["sku"] = {"family": merged["sku"].get("family", "A"), "name": str(merged["sku"].get("name",
                                                                                                    "standard")).lower()}
        doc["properties"] = merged
        doc["systemData"] = _system_data(doc.get("systemData"))
        return doc

    def on_delete(self, rec: Record) -> None:
        """Soft-delete: the vault moves to deletedVaults (unless soft delete was off), connections disconnect."""
        disconnect_all(self.emu, rec.id)
        props = rec.doc.get("properties") or {}
        if props.get("enableSoftDelete") is False:
            return
        loc = rec.doc.get("location", "global")
        info = parse_id(rec.id)
        now = _now()
        days = int(props.get("softDeleteRetentionInDays") or 90)
        original = copy.deepcopy(rec.doc)
        original["properties"].pop("privateEndpointConnections", None)
        self.emu.store.put({
            "id": f"/subscriptions/{info['subscription']}/providers/Microsoft.KeyVault/locations/{loc}/deletedVaults/"
                  f"{rec.doc['name']}",
            "name": rec.doc["name"],
            "type": DELETED_TYPE,
            "properties": {
                "vaultId": rec.id,
                "location": loc,
                "deletionDate": _iso(now),
                "scheduledPurgeDate": _iso(now + dt.timedelta(days=days)),
                "tags": rec.doc.get("tags") or {},
                "purgeProtectionEnabled": bool(props.get("enablePurgeProtection")),
            },
        }, {"vault": original})


class DeletedVaults(Kind):
    """Soft-deleted vaults: served by explicit routes; registered so generic lists skip them."""

    type = DELETED_TYPE
    provisioning_state = False

    def listable(self, rec: Record) -> bool:
        return False


# ---------------------------------------------------------------------------------------------------------------------


def register(emu: Emulator) -> None:
    """Mount the Microsoft.KeyVault routes."""
    vaults = Vaults(emu)
    mount(emu, vaults)
    emu.kinds[DELETED_TYPE.lower()] = DeletedVaults()

    async def settle_registering() -> None:
        # Operations do not survive a restart; the core settles "Updating"/"Creating", Key Vault says RegisteringDns.
        for rec in emu.store.of_type(VAULT_TYPE):
            if rec.props.get("provisioningState") == "RegisteringDns" and emu.ops.pending_for(rec.id) is None:
                rec.props["provisioningState"] = "Succeeded"
                emu.store.touch()

    emu.on_start.append(settle_registering)
    router = emu.router
    base = "/subscriptions/{sub}/providers/Microsoft.KeyVault"
    vault_item = vaults.item

    async def list_in_subscription(req: Req) -> Resp:
        # Served here rather than through Kind.lists: the subscription-wide scope is "/subscriptions/{sub}".
        emu.check_scope(req)
        recs = emu.store.list(VAULT_TYPE, f"/subscriptions/{req.sub}")
        return paged(req, recs, lambda r: vaults.view(req, r))

    router.add("GET", base + "/vaults", list_in_subscription)

    def deleted_doc(rec: Record) -> dict[str, Any]:
        return {k: copy.deepcopy(rec.doc[k]) for k in ("id", "name", "type", "properties")}

    def find_deleted(req: Req) -> Record:
        rec = deleted_vault(emu, req.params["name"])
        if rec is None or rec.doc["properties"]["location"].lower() != req.params["loc"].replace(" ", "").lower():
            raise errors.ResourceNotFound(
                f"The Resource 'Microsoft.KeyVault/locations/{req.params['loc']}/deletedVaults/{req.params['name']}'"
                " under resource group '<null>' was not found. For more details please go to "
                "https://aka.ms/ARMResourceNotFoundFix")
        return rec

    async def get_deleted(req: Req) -> Resp:
        emu.check_scope(req)
        return Resp(200, deleted_doc(find_deleted(req)))

    async def list_deleted(req: Req) -> Resp:
        emu.check_scope(req)
        deleted_vault(emu, "")  # expire what is due
        recs = [r for r in emu.store.of_type(DELETED_TYPE)
                if parse_id(r.id)["subscription"].lower() == req.sub.lower()]
        return paged(req, [deleted_doc(r) for r in recs])

    async def purge(req: Req) -> Resp:
        emu.check_scope(req)
        rec = find_deleted(req)
        emu.check_write_allowed(req)
        if rec.doc["properties"].get("purgeProtectionEnabled"):
            # Azure's answer (az prints "(MethodNotAllowed) Operation 'DeletedVaultPurge' is not allowed."); the
            # vault goes by itself on its scheduledPurgeDate.
            raise errors.ArmError("Operation 'DeletedVaultPurge' is not allowed.", code="MethodNotAllowed",
                                  status=405)
        rid = rec.id

        def action() -> None:
            emu.store.delete(rid)  # the name is free again

        return emu.start_action(req, rid, "purge", action, location=rec.doc["properties"]["location"])

    router.add("GET", base + "/locations/{loc}/deletedVaults/{name}", get_deleted)
    router.add("POST", base + "/locations/{loc}/deletedVaults/{name}/purge", purge)
    router.add("GET", base + "/deletedVaults", list_deleted)

    async def check_name(req: Req) -> Resp:
        emu.check_scope(req)
        body = req.body if isinstance(req.body, dict) else {}
        name = str(body.get("name") or "")
        rtype = str(body.get("type") or "")
        if rtype.lower() != VAULT_TYPE.lower():
            raise errors.ArmError(f"The resource type '{rtype}' is invalid; expected '{VAULT_TYPE}'.",
                                  code="InvalidResourceType")
        if not valid_vault_name(name):
            return Resp(200, {"nameAvailable": False, "reason": "AccountNameInvalid",
                              "message": NAME_INVALID.format(name=name)})
        if live_vault(emu, name) is not None or deleted_vault(emu, name) is not None:
            return Resp(200, {"nameAvailable": False, "reason": "AlreadyExists",
                              "message": f"The name '{name}' is already in use."})
        return Resp(200, {"nameAvailable": True})

    router.add("POST", base + "/checkNameAvailability", check_name)

    # -- private endpoint connections and private link resources --------------------------------------------------
    def vault_of(req: Req) -> Record:
        emu.check_scope(req)
        return emu.find(vault_item.format(**req.params), vaults)

    async def list_pecs(req: Req) -> Resp:
        rec = vault_of(req)
        return paged(req, vault_connections(emu, rec.id))

    async def get_pec(req: Req) -> Resp:
        rec = vault_of(req)
        pe, conn = _find_connection(emu, rec.id, req.params["pec"])
        return Resp(200, connection_doc(rec.id, pe, conn))

    async def put_pec(req: Req) -> Resp:
        rec = vault_of(req)
        pe, conn = _find_connection(emu, rec.id, req.params["pec"])
        emu.check_write_allowed(req)
        body = req.body if isinstance(req.body, dict) else {}
        etag = body.get("etag")
        current = pe.internal.get("connection_etag") or ""
        if etag and current and etag != current:
            raise errors.PreconditionFailed("The etag of the private endpoint connection does not match.")
        state = ((body.get("properties") or {}).get("privateLinkServiceConnectionState") or {})
        status = str(state.get("status") or "")
        allowed = {"approved": "Approved", "rejected": "Rejected", "pending": "Pending"}
        if status.lower() not in allowed:
            raise errors.ArmError(f"The private link service connection state status '{status}' is invalid. Allowed "
                                  "values are 'Approved' and 'Rejected'.", code="BadRequest")
        _set_state(emu, pe, conn, allowed[status.lower()], str(state.get("description") or ""))
        return Resp(200, connection_doc(rec.id, pe, conn))

    async def delete_pec(req: Req) -> Resp:
        emu.check_scope(req)
        vault = emu.store.get(vault_item.format(**req.params))
        if vault is None:
            return Resp(204)
        try:
            pe, conn = _find_connection(emu, vault.id, req.params["pec"])
        except errors.ArmError:
            return Resp(204)
        emu.check_write_allowed(req)
        _set_state(emu, pe, conn, "Disconnected", "The private endpoint connection was deleted by the resource "
                   "owner.")
        return Resp(200, connection_doc(vault.id, pe, conn))

    async def list_plrs(req: Req) -> Resp:
        rec = vault_of(req)
        return Resp(200, {"value": [{
            "id": f"{rec.id}/privateLinkResources/vault", "name": "vault",
            "type": "Microsoft.KeyVault/vaults/privateLinkResources",
            "properties": {"groupId": "vault", "requiredMembers": ["default"], "requiredZoneNames": [PRIVATE_ZONE]},
        }]})

    pec_item = vault_item + "/privateEndpointConnections/{pec}"
    router.add("GET", vault_item + "/privateEndpointConnections", list_pecs)
    router.add("GET", pec_item, get_pec)
    router.add("PUT", pec_item, put_pec)
    router.add("DELETE", pec_item, delete_pec)
    router.add("GET", vault_item + "/privateLinkResources", list_plrs)

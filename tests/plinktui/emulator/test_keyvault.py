"""Key Vault provider through the official azure-mgmt-keyvault client (and raw HTTPS where the SDK cannot)."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from plinktui.cloud import Gateway
from tests.dns_world import make_rg, make_vault, net_id, pe_status, plant_pe, plant_vnet


async def _available(gw: Gateway, name: str):
    return await gw.keyvault.vaults.check_name_availability({"name": name, "type": "Microsoft.KeyVault/vaults"})


async def test_create_get_and_defaults(gw: Gateway, emu) -> None:
    await make_rg(gw, "rg-kv")
    vault = await make_vault(gw, "rg-kv", "kv-plink-01", enableRbacAuthorization=True,
                             publicNetworkAccess="Disabled")
    assert vault.properties.provisioning_state == "Succeeded"
    got = await gw.keyvault.vaults.get("rg-kv", "kv-plink-01")
    assert got.properties.vault_uri == "https://kv-plink-01.vault.azure.net/"
    assert got.properties.enable_soft_delete is True and got.properties.soft_delete_retention_in_days == 90
    assert got.properties.enable_rbac_authorization is True
    assert got.properties.public_network_access == "Disabled"
    assert got.properties.sku.name == "standard" and got.properties.tenant_id == emu.config.tenant_id
    assert got.properties.private_endpoint_connections is None  # none yet: Azure omits the member


async def test_lists_by_rg_subscription_and_generic(gw: Gateway) -> None:
    await make_rg(gw, "rg-a")
    await make_rg(gw, "rg-b")
    for i in range(7):
        await make_vault(gw, "rg-a" if i < 6 else "rg-b", f"kv-list-{i}")
    in_a = [v.name async for v in gw.keyvault.vaults.list_by_resource_group("rg-a")]
    assert in_a == [f"kv-list-{i}" for i in range(6)]  # two pages of 5
    in_sub = {v.name async for v in gw.keyvault.vaults.list_by_subscription()}
    assert in_sub == {f"kv-list-{i}" for i in range(7)}
    generic = [v async for v in gw.keyvault.vaults.list()]  # the /resources list with $filter
    assert {v.name for v in generic} == in_sub
    assert all(v.type == "Microsoft.KeyVault/vaults" and v.location == "eastus" for v in generic)
    await gw.keyvault.vaults.delete("rg-b", "kv-list-6")
    assert "kv-list-6" not in {v.name async for v in gw.keyvault.vaults.list()}  # soft-deleted: not listed


async def test_names_are_global_and_validated(gw: Gateway) -> None:
    await make_rg(gw, "rg-one")
    await make_rg(gw, "rg-two")
    assert (await _available(gw, "kv-unique-name")).name_available is True
    await make_vault(gw, "rg-one", "kv-unique-name")
    res = await _available(gw, "KV-Unique-Name")
    assert res.name_available is False and res.reason == "AlreadyExists" and "already in use" in res.message
    with pytest.raises(HttpResponseError) as info:
        await make_vault(gw, "rg-two", "kv-unique-name")
    assert info.value.status_code == 409 and info.value.error.code == "VaultAlreadyExists"
    for bad in ("ab", "1abc", "abc-", "a--b", "a" * 25, "kv_under"):
        res = await _available(gw, bad)
        assert res.name_available is False and res.reason == "AccountNameInvalid", bad
        with pytest.raises(HttpResponseError) as info:
            await make_vault(gw, "rg-one", bad)
        assert info.value.error.code == "VaultNameNotValid", bad
        assert "must be between 3-24 alphanumeric characters" in info.value.message


async def test_soft_delete_recover_and_purge_cycle(gw: Gateway, emu) -> None:
    await make_rg(gw, "rg-sd")
    await make_vault(gw, "rg-sd", "kv-softdel", tags=None, enablePurgeProtection=None)
    await gw.keyvault.vaults.update("rg-sd", "kv-softdel", {"tags": {"owner": "run-1"}})
    await gw.keyvault.vaults.delete("rg-sd", "kv-softdel")
    with pytest.raises(ResourceNotFoundError):
        await gw.keyvault.vaults.get("rg-sd", "kv-softdel")
    assert (await _available(gw, "kv-softdel")).reason == "AlreadyExists"
    deleted = await gw.keyvault.vaults.get_deleted("kv-softdel", "eastus")
    assert deleted.properties.vault_id.endswith("/resourceGroups/rg-sd/providers/Microsoft.KeyVault/vaults/kv-softdel")
    assert deleted.properties.location == "eastus" and deleted.properties.tags == {"owner": "run-1"}
    assert deleted.properties.scheduled_purge_date > deleted.properties.deletion_date
    assert [d.name async for d in gw.keyvault.vaults.list_deleted()] == ["kv-softdel"]
    with pytest.raises(ResourceNotFoundError):
        await gw.keyvault.vaults.get_deleted("kv-softdel", "westus2")  # wrong location
    # a plain create of the reserved name is refused; recover brings the vault back as it was
    with pytest.raises(HttpResponseError) as info:
        await make_vault(gw, "rg-sd", "kv-softdel")
    assert info.value.status_code == 409 and info.value.error.code == "ConflictError"
    assert "already exists in deleted state" in info.value.message
    back = await make_vault(gw, "rg-sd", "kv-softdel", createMode="recover")
    assert back.tags == {"owner": "run-1"}
    assert [d async for d in gw.keyvault.vaults.list_deleted()] == []
    # delete again, purge: the name is free and the deleted vault is gone
    await gw.keyvault.vaults.delete("rg-sd", "kv-softdel")
    await gw.result(gw.keyvault.vaults.begin_purge_deleted("kv-softdel", "eastus"))
    assert (await _available(gw, "kv-softdel")).name_available is True
    with pytest.raises(ResourceNotFoundError):
        await gw.keyvault.vaults.get_deleted("kv-softdel", "eastus")
    with pytest.raises(HttpResponseError) as info:
        await make_vault(gw, "rg-sd", "kv-softdel", createMode="recover")
    assert info.value.error.code == "SoftDeletedVaultDoesNotExist"
    await make_vault(gw, "rg-sd", "kv-softdel")  # a fresh vault with the freed name


async def test_purge_is_an_lro_and_respects_purge_protection(emu_factory) -> None:
    from plinktui.cloud import Gateway as Gw
    from plinktui.cloud import resolve_target

    emu = await emu_factory(latency_scale=0.01)  # purge takes 0.2 s, vault create 0.2 s
    async with Gw(await resolve_target(arm_endpoint=emu.endpoint, ca_cert=emu.ca_cert), total_timeout=60) as gw:
        await make_rg(gw, "rg-lro")
        await make_vault(gw, "rg-lro", "kv-lro-purge")
        await gw.keyvault.vaults.delete("rg-lro", "kv-lro-purge")
        poller = await gw.keyvault.vaults.begin_purge_deleted("kv-lro-purge", "eastus")
        assert (await _available(gw, "kv-lro-purge")).name_available is False  # still reserved while purging
        await poller.result()  # (a poller object is awaited directly)
        assert (await _available(gw, "kv-lro-purge")).name_available is True
        await make_vault(gw, "rg-lro", "kv-protected", enablePurgeProtection=True)
        await gw.keyvault.vaults.delete("rg-lro", "kv-protected")
        with pytest.raises(HttpResponseError) as info:
            await gw.result(gw.keyvault.vaults.begin_purge_deleted("kv-protected", "eastus"))
        # Azure: "(MethodNotAllowed) Operation 'DeletedVaultPurge' is not allowed."
        assert info.value.status_code == 405 and "Operation 'DeletedVaultPurge' is not allowed." in info.value.message


async def test_update_has_patch_semantics(gw: Gateway) -> None:
    await make_rg(gw, "rg-patch")
    await make_vault(gw, "rg-patch", "kv-patch", enableRbacAuthorization=False,
                     accessPolicies=[{"tenantId": "72f988bf-0000-4000-8000-000000000001",
                                      "objectId": "00000000-0000-0000-0000-0000000000aa",
                                      "permissions": {"secrets": ["get"]}}])
    await gw.keyvault.vaults.update("rg-patch", "kv-patch", {"tags": {"plinktui-run": "r1"}})
    got = await gw.keyvault.vaults.update("rg-patch", "kv-patch", {"properties": {
        "publicNetworkAccess": "Disabled", "enableRbacAuthorization": True,
        "networkAcls": {"defaultAction": "Deny", "bypass": "None", "ipRules": [{"value": "203.0.113.7"}]}}})
    p = got.properties
    assert p.public_network_access == "Disabled" and p.enable_rbac_authorization is True
    assert p.network_acls.default_action == "Deny" and p.network_acls.bypass == "None"
    assert [r.value for r in p.network_acls.ip_rules] == ["203.0.113.7/32"]  # Key Vault stores a CIDR
    # untouched fields are kept
    assert got.tags == {"plinktui-run": "r1"} and p.sku.name == "standard"
    assert [a.object_id for a in p.access_policies] == ["00000000-0000-0000-0000-0000000000aa"]
    assert p.vault_uri == "https://kv-patch.vault.azure.net/" and p.enable_soft_delete is True
    again = await gw.keyvault.vaults.get("rg-patch", "kv-patch")
    assert again.properties.network_acls.ip_rules[0].value == "203.0.113.7/32"
    assert again.properties.public_network_access == "Disabled"
    with pytest.raises(HttpResponseError) as info:
        await gw.keyvault.vaults.update("rg-patch", "kv-patch", {"properties": {"enableSoftDelete": False}})
    assert info.value.status_code == 400 and "can be set to false only for creating new vault" in info.value.message


async def test_private_endpoint_connection_approval_flips_the_pe(gw: Gateway, emu) -> None:
    await make_rg(gw, "rg-pec")
    vault = await make_vault(gw, "rg-pec", "kv-pec-01")
    vnet = plant_vnet(emu, "rg-pec", "vnet-pec", "10.30.0.0/16")
    pe_manual = plant_pe(emu, "rg-pec", "pe-manual", f"{vnet}/subnets/snet-pe", "10.30.1.4", vault.id,
                         status="Pending", manual=True)
    pe_auto = plant_pe(emu, "rg-pec", "pe-auto", f"{vnet}/subnets/snet-pe", "10.30.1.5", vault.id)
    conns = [c async for c in gw.keyvault.private_endpoint_connections.list_by_resource("rg-pec", "kv-pec-01")]
    by_pe = {c.properties.private_endpoint.id: c for c in conns}
    assert set(by_pe) == {pe_manual, pe_auto}
    manual = by_pe[pe_manual]
    guid = emu.store.get(pe_manual).internal["connection_guid"]
    assert manual.name == f"pe-manual.{guid}"
    assert manual.properties.private_link_service_connection_state.status == "Pending"
    approved = await gw.keyvault.private_endpoint_connections.put("rg-pec", "kv-pec-01", manual.name, {
        "properties": {"privateLinkServiceConnectionState": {"status": "Approved", "description": "ok by test"}}})
    assert approved.properties.private_link_service_connection_state.status == "Approved"
    assert pe_status(emu, pe_manual) == "Approved"  # the PE side agrees
    got = await gw.keyvault.private_endpoint_connections.get("rg-pec", "kv-pec-01", manual.name)
    assert got.properties.private_link_service_connection_state.description == "ok by test"
    v = await gw.keyvault.vaults.get("rg-pec", "kv-pec-01")
    assert {c.properties.private_endpoint.id for c in v.properties.private_endpoint_connections} == {pe_manual, pe_auto}
    # reject the auto one, then delete it from the vault side: Disconnected on the PE, gone from the vault
    auto_name = by_pe[pe_auto].name
    await gw.keyvault.private_endpoint_connections.put("rg-pec", "kv-pec-01", auto_name, {
        "properties": {"privateLinkServiceConnectionState": {"status": "Rejected", "description": "no"}}})
    assert pe_status(emu, pe_auto) == "Rejected"
    await gw.result(gw.keyvault.private_endpoint_connections.begin_delete("rg-pec", "kv-pec-01", auto_name))
    assert pe_status(emu, pe_auto) == "Disconnected"
    left = [c.name async for c in gw.keyvault.private_endpoint_connections.list_by_resource("rg-pec", "kv-pec-01")]
    assert left == [manual.name]
    with pytest.raises(ResourceNotFoundError):
        await gw.keyvault.private_endpoint_connections.get("rg-pec", "kv-pec-01", auto_name)
    # deleting the vault disconnects what is left
    await gw.keyvault.vaults.delete("rg-pec", "kv-pec-01")
    assert pe_status(emu, pe_manual) == "Disconnected"


async def test_private_link_resources(gw: Gateway) -> None:
    await make_rg(gw, "rg-plr")
    await make_vault(gw, "rg-plr", "kv-plr-01")
    res = (await gw.keyvault.private_link_resources.list_by_vault("rg-plr", "kv-plr-01")).value
    assert len(res) == 1
    assert res[0].properties.group_id == "vault" and res[0].properties.required_members == ["default"]
    assert res[0].properties.required_zone_names == ["privatelink.vaultcore.azure.net"]
    assert res[0].name == "vault"


async def test_resource_group_delete_soft_deletes_its_vaults(gw: Gateway, emu) -> None:
    await make_rg(gw, "rg-gone")
    await make_vault(gw, "rg-gone", "kv-in-gone-rg")
    await gw.result(gw.resources.resource_groups.begin_delete("rg-gone"))
    assert (await _available(gw, "kv-in-gone-rg")).reason == "AlreadyExists"
    assert (await gw.keyvault.vaults.get_deleted("kv-in-gone-rg", "eastus")).name == "kv-in-gone-rg"
    assert net_id(emu, "rg-gone", "x", "y")  # helper sanity (ids are built from the emulator's subscription)

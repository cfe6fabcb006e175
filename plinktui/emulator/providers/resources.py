"""Microsoft.Resources and friends: subscriptions, tenants, locations, resource groups, resource providers, the
generic resources list, and the Microsoft.Authorization permissions read that a preflight uses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.emulator import errors, odata
from plinktui.emulator.resource import Kind, Req, Resp, mount, paged, parse_id
from plinktui.emulator.store import Record

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator

# (name, display name, geography group, paired region)
LOCATIONS: list[tuple[str, str, str, str]] = [
    ("eastus", "East US", "US", "westus"), ("eastus2", "East US 2", "US", "centralus"),
    ("southcentralus", "South Central US", "US", "northcentralus"), ("westus2", "West US 2", "US", "westcentralus"),
    ("westus3", "West US 3", "US", "eastus"), ("centralus", "Central US", "US", "eastus2"),
    ("northcentralus", "North Central US", "US", "southcentralus"), ("westus", "West US", "US", "eastus"),
    ("westcentralus", "West Central US", "US", "westus2"), ("canadacentral", "Canada Central", "Canada", "canadaeast"),
    ("canadaeast", "Canada East", "Canada", "canadacentral"), ("brazilsouth", "Brazil South", "South America",
                                                                 "southcentralus"),
    ("northeurope", "North Europe", "Europe", "westeurope"), ("westeurope", "West Europe", "Europe", "northeurope"),
    ("uksouth", "UK South", "UK", "ukwest"), ("ukwest", "UK West", "UK", "uksouth"),
    ("francecentral", "France Central", "Europe", "francesouth"),
    ("germanywestcentral", "Germany West Central", "Europe", "germanynorth"),
    ("swedencentral", "Sweden Central", "Europe", "swedensouth"),
    ("switzerlandnorth", "Switzerland North", "Europe", "switzerlandwest"),
    ("norwayeast", "Norway East", "Europe", "norwaywest"), ("polandcentral", "Poland Central", "Europe", ""),
    ("italynorth", "Italy North", "Europe", ""), ("spaincentral", "Spain Central", "Europe", ""),
    ("southafricanorth", "South Africa North", "Africa", "southafricawest"),
    ("uaenorth", "UAE North", "Middle East", "uaecentral"), ("qatarcentral", "Qatar Central", "Middle East", ""),
    ("centralindia", "Central India", "Asia Pacific", "southindia"),
    ("southeastasia", "Southeast Asia", "Asia Pacific", "eastasia"),
    ("eastasia", "East Asia", "Asia Pacific", "southeastasia"), ("japaneast", "Japan East", "Asia Pacific", "japanwest"),
    ("japanwest", "Japan West", "Asia Pacific", "japaneast"), ("koreacentral", "Korea Central", "Asia Pacific",
                                                                "koreasouth"),
    ("australiaeast", "Australia East", "Asia Pacific", "australiasoutheast"),
    ("australiasoutheast", "Australia Southeast", "Asia Pacific", "australiaeast"),
]
LOCATION_NAMES = {name for name, *_ in LOCATIONS}

TRACKED_CHILDREN = {"microsoft.network/privatednszones/virtualnetworklinks"}
"""Child types ARM tracks as resources of their own: they show in the generic resources list (``az resource list``);
subnets, zone groups and record sets do not."""

PROVIDER_NAMESPACES = ("Microsoft.Network", "Microsoft.KeyVault", "Microsoft.Compute", "Microsoft.Resources",
                       "Microsoft.Authorization")

CONTRIBUTOR = {"actions": ["*"], "notActions": ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write",
                                                 "Microsoft.Authorization/elevateAccess/Action"],
               "dataActions": [], "notDataActions": []}
READER = {"actions": ["*/read"], "notActions": [], "dataActions": [], "notDataActions": []}


def location_doc(sub: str, name: str, display: str, geo: str, paired: str) -> dict[str, Any]:
    """A location as the subscriptions API lists it."""
    meta: dict[str, Any] = {"regionType": "Physical", "regionCategory": "Recommended", "geographyGroup": geo,
                            "physicalLocation": display}
    if paired:
        meta["pairedRegion"] = [{"name": paired, "id": f"/subscriptions/{sub}/locations/{paired}"}]
    return {"id": f"/subscriptions/{sub}/locations/{name}", "name": name, "type": "Region", "displayName": display,
            "regionalDisplayName": f"({geo}) {display}", "metadata": meta}


class ResourceGroups(Kind):
    """Resource groups; deleting one deletes everything in it."""

    type = "Microsoft.Resources/resourceGroups"
    item = "/subscriptions/{sub}/resourceGroups/{name}"
    latency = "resourceGroup"
    name_rule = "1-90 characters: letters, digits, underscores, parentheses, hyphens and periods (not ending in '.')"
    initial_state = "Succeeded"
    etag = False

    def __init__(self, emu: Emulator) -> None:
        import re

        self.emu = emu
        self.name_pattern = re.compile(r"^[-\w\._\(\)]{0,89}[-\w_\(\)]$")

    def rid(self, req: Req) -> str:
        return f"/subscriptions/{req.params['sub']}/resourceGroups/{req.params['name']}"

    def build(self, req: Req, rid: str, body: dict[str, Any], existing: Record | None) -> dict[str, Any]:
        doc: dict[str, Any] = {"properties": {}}
        if body.get("managedBy"):
            doc["managedBy"] = body["managedBy"]
        return doc

    def on_delete(self, rec: Record) -> None:
        prefix = rec.id.lower() + "/"
        members = [r for r in list(self.emu.store._by_id.values()) if r.id.lower().startswith(prefix)]
        # Children before parents: the longest ids go first, so side effects see their parents.
        for member in sorted(members, key=lambda r: -len(r.id)):
            if self.emu.store.get(member.id) is None:
                continue
            kind = self.emu.kinds.get(str(member.doc.get("type", "")).lower())
            if kind is not None:
                kind.on_delete(member)
            self.emu.store.delete(member.id)


def register(emu: Emulator) -> None:
    """Mount the Microsoft.Resources routes."""
    router = emu.router
    cfg = emu.config

    async def list_subs(req: Req) -> Resp:
        return paged(req, [emu.tenancy.subscription_doc(s) for s in emu.tenancy.ids])

    async def get_sub(req: Req) -> Resp:
        emu.check_scope(req)
        canonical = next(s for s in emu.tenancy.ids if s.lower() == req.sub.lower())
        return Resp(200, emu.tenancy.subscription_doc(canonical))

    async def list_locations(req: Req) -> Resp:
        emu.check_scope(req)
        return Resp(200, {"value": [location_doc(req.sub, *loc) for loc in LOCATIONS]})

    async def list_tenants(req: Req) -> Resp:
        return Resp(200, {"value": [{"id": f"/tenants/{cfg.tenant_id}", "tenantId": cfg.tenant_id,
                                     "tenantCategory": "Home", "displayName": "plinktui demo tenant",
                                     "defaultDomain": "plinktui-demo.onmicrosoft.com"}]})

    router.add("GET", "/subscriptions", list_subs)
    router.add("GET", "/subscriptions/{sub}", get_sub)
    router.add("GET", "/subscriptions/{sub}/locations", list_locations)
    router.add("GET", "/tenants", list_tenants)

    rgs = ResourceGroups(emu)
    mount(emu, rgs)

    async def rg_head(req: Req) -> Resp:
        emu.check_scope(req, must_exist=False)
        return Resp(204 if emu.store.get(rgs.rid(req)) else 404)

    router.add("HEAD", rgs.item, rg_head)

    # -- resource providers (read-only: plinktui never registers as a side effect) ---------------------------------
    def provider_doc(sub: str, ns: str) -> dict[str, Any]:
        state = "Registered"
        if emu.faults.pick("provider", "GET", ns):
            state = "Registering"
        unregistered = emu.store.extra.get("unregistered_providers", [])
        if ns.lower() in [u.lower() for u in unregistered]:
            state = "NotRegistered"
        return {"id": f"/subscriptions/{sub}/providers/{ns}", "namespace": ns, "registrationState": state,
                "registrationPolicy": "RegistrationRequired", "resourceTypes": []}

    async def get_provider(req: Req) -> Resp:
        emu.check_scope(req)
        ns = req.params["ns"]
        known = {p.lower(): p for p in PROVIDER_NAMESPACES} | {k.split("/")[0].lower(): k.split("/")[0]
                                                                for k in emu.kinds}
        canonical = known.get(ns.lower())
        if canonical is None:
            raise errors.ArmError(f"The resource namespace '{ns}' is invalid.", code="InvalidResourceNamespace")
        return Resp(200, provider_doc(req.sub, canonical if "." in canonical else ns))

    async def list_providers(req: Req) -> Resp:
        emu.check_scope(req)
        return paged(req, [provider_doc(req.sub, ns) for ns in PROVIDER_NAMESPACES])

    router.add("GET", "/subscriptions/{sub}/providers/{ns}", get_provider)
    router.add("GET", "/subscriptions/{sub}/providers", list_providers)

    async def register_provider(req: Req) -> Resp:
        emu.check_scope(req)
        emu.check_write_allowed(req)
        unregistered = emu.store.extra.get("unregistered_providers", [])
        emu.store.extra["unregistered_providers"] = [u for u in unregistered if u.lower() != req.params["ns"].lower()]
        emu.store.touch()
        return Resp(200, provider_doc(req.sub, req.params["ns"]))

    router.add("POST", "/subscriptions/{sub}/providers/{ns}/register", register_provider)

    # -- permissions (Microsoft.Authorization) --------------------------------------------------------------------
    async def permissions(req: Req) -> Resp:
        emu.check_scope(req)
        return Resp(200, {"value": [READER if emu.is_reader(req.path.split("/providers/Microsoft.Authorization")[0])
                                    else CONTRIBUTOR]})

    router.add("GET", "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Authorization/permissions",
               permissions)
    router.add("GET", "/subscriptions/{sub}/providers/Microsoft.Authorization/permissions", permissions)

    # -- the generic resources list (keyvault's vaults.list goes through it) --------------------------------------
    def generic(rec: Record) -> dict[str, Any]:
        doc = rec.doc
        out: dict[str, Any] = {k: doc[k] for k in ("id", "name", "type", "location", "tags") if k in doc}
        if str(doc.get("type", "")).count("/") > 1:  # a tracked child: ARM lists it as parent/child
            out["name"] = "/".join(parse_id(rec.id)["names"])
        return out

    def filtered(req: Req, prefix: str) -> Resp:
        clauses = odata.parse(req.query.get("$filter", ""))
        recs = []
        for rec in list(emu.store._by_id.values()):
            rtype = str(rec.doc.get("type", ""))
            if rtype.lower() == "microsoft.resources/resourcegroups" or (
                    rtype.count("/") != 1 and rtype.lower() not in TRACKED_CHILDREN):
                continue
            if clauses and not odata.matches(rec.doc, parse_id(rec.id)["resourceGroup"], clauses):
                continue
            kind = emu.kinds.get(rtype.lower())
            if kind is not None and not kind.listable(rec):
                continue
            if rec.id.lower().startswith(prefix.lower() + "/"):
                recs.append(generic(rec))
        top = req.query.get("$top")
        if top and top.isdigit():
            recs = recs[: int(top)]
        return paged(req, recs)

    async def sub_resources(req: Req) -> Resp:
        emu.check_scope(req)
        return filtered(req, f"/subscriptions/{req.sub}")

    async def rg_resources(req: Req) -> Resp:
        emu.check_scope(req)
        return filtered(req, f"/subscriptions/{req.sub}/resourceGroups/{req.rg}")

    router.add("GET", "/subscriptions/{sub}/resources", sub_resources)
    router.add("GET", "/subscriptions/{sub}/resourceGroups/{rg}/resources", rg_resources)

"""Marketplace VM image lookups (Microsoft.Compute virtualMachineImages) for the Ubuntu images the demo VMs run.

``az vm create --image Ubuntu2204`` resolves the alias to publisher/offer/sku, lists the sku's versions
(``$orderby=name desc&$top=1``) to turn ``latest`` into a version, then reads that version for its Hyper-V generation
and features (Trusted Launch defaults follow them). The answers follow the published shape (a version's id uses
ARM's capitalised ``/Subscriptions/.../Providers/.../Locations/...`` form, the properties carry
``hyperVGeneration``, ``features`` with ``SecurityType``, ``osDiskImage``); the version numbers are the emulator's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plinktui.emulator import errors
from plinktui.emulator.resource import Req, Resp

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator

V2_FEATURES = [{"name": "SecurityType", "value": "TrustedLaunchSupported"},
               {"name": "IsAcceleratedNetworkSupported", "value": "True"},
               {"name": "DiskControllerTypes", "value": "SCSI, NVMe"},
               {"name": "IsHibernateSupported", "value": "True"}]

# publisher -> offer -> sku -> (hyperVGeneration, versions oldest first)
CATALOGUE: dict[str, dict[str, dict[str, tuple[str, tuple[str, ...]]]]] = {
    "Canonical": {
        "0001-com-ubuntu-server-jammy": {
            "22_04-lts-gen2": ("V2", ("22.04.202410020", "22.04.202411010", "22.04.202411190")),
            "22_04-lts": ("V1", ("22.04.202410020", "22.04.202411010", "22.04.202411190")),
        },
        "ubuntu-24_04-lts": {
            "server": ("V2", ("24.04.202410090", "24.04.202411030", "24.04.202411190")),
            "server-gen1": ("V1", ("24.04.202410090", "24.04.202411030", "24.04.202411190")),
        },
    },
}
BASE = "/subscriptions/{sub}/providers/Microsoft.Compute/locations/{loc}/publishers"


def _pick(table: dict[str, Any], name: str, what: str) -> tuple[str, Any]:
    for key, value in table.items():
        if key.lower() == name.lower():
            return key, value
    raise errors.ArmError(f"Artifact: VMImage was not found. ({what} '{name}')", code="NotFound", status=404)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))


def register(emu: Emulator) -> None:
    """Mount the image routes."""

    def image_id(req: Req, *parts: str) -> str:
        loc = req.params["loc"]
        path = "/".join(parts)
        return f"/Subscriptions/{req.sub}/Providers/Microsoft.Compute/Locations/{loc}/Publishers/{path}"

    def check(req: Req) -> str:
        emu.check_scope(req)
        return emu.check_location(req.params["loc"], "Microsoft.Compute/locations/publishers")

    def item(req: Req, name: str, *parts: str) -> dict[str, Any]:
        return {"location": req.params["loc"], "name": name, "id": image_id(req, *parts)}

    async def publishers(req: Req) -> Resp:
        check(req)
        return Resp(200, [item(req, p, p) for p in CATALOGUE])

    async def offers(req: Req) -> Resp:
        check(req)
        pub, table = _pick(CATALOGUE, req.params["pub"], "publisher")
        return Resp(200, [item(req, o, pub, "ArtifactTypes/VMImage/Offers", o) for o in table])

    async def skus(req: Req) -> Resp:
        check(req)
        pub, table = _pick(CATALOGUE, req.params["pub"], "publisher")
        offer, by_sku = _pick(table, req.params["offer"], "offer")
        return Resp(200, [item(req, s, pub, "ArtifactTypes/VMImage/Offers", offer, "Skus", s) for s in by_sku])

    def lookup(req: Req) -> tuple[str, str, str, str, tuple[str, ...]]:
        check(req)
        pub, table = _pick(CATALOGUE, req.params["pub"], "publisher")
        offer, by_sku = _pick(table, req.params["offer"], "offer")
        sku, (gen, versions) = _pick(by_sku, req.params["sku"], "sku")
        return pub, offer, sku, gen, versions

    async def versions(req: Req) -> Resp:
        pub, offer, sku, _, found = lookup(req)
        names = sorted(found, key=_version_key, reverse="desc" in req.query.get("$orderby", "").lower())
        top = req.query.get("$top", "")
        if top.isdigit():
            names = names[:int(top)]
        return Resp(200, [item(req, v, pub, "ArtifactTypes/VMImage/Offers", offer, "Skus", sku, "Versions", v)
                          for v in names])

    async def version(req: Req) -> Resp:
        pub, offer, sku, gen, found = lookup(req)
        wanted = req.params["version"]
        if wanted.lower() == "latest":
            wanted = max(found, key=_version_key)
        name, _ = _pick({v: v for v in found}, wanted, "version")
        props = {"architecture": "x64", "automaticOSUpgradeProperties": {"automaticOSUpgradeSupported": False},
                 "dataDiskImages": [], "disallowed": {"vmDiskType": "Unmanaged"},
                 "features": V2_FEATURES if gen == "V2" else V2_FEATURES[1:], "hyperVGeneration": gen,
                 "imageDeprecationStatus": {"imageState": "Active"},
                 "osDiskImage": {"operatingSystem": "Linux", "sizeInGb": 30}}
        return Resp(200, {"properties": props, **item(req, name, pub, "ArtifactTypes/VMImage/Offers", offer, "Skus",
                                                      sku, "Versions", name)})

    offer_base = BASE + "/{pub}/artifacttypes/vmimage/offers"
    emu.router.add("GET", BASE, publishers)
    emu.router.add("GET", offer_base, offers)
    emu.router.add("GET", offer_base + "/{offer}/skus", skus)
    emu.router.add("GET", offer_base + "/{offer}/skus/{sku}/versions", versions)
    emu.router.add("GET", offer_base + "/{offer}/skus/{sku}/versions/{version}", version)

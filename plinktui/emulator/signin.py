"""Sign-in for any Azure client: an App Service-style managed identity endpoint and ARM's cloud metadata.

With the banner's ``identity_endpoint`` and ``identity_header`` exported as ``IDENTITY_ENDPOINT`` and
``IDENTITY_HEADER`` (and ``REQUESTS_CA_BUNDLE`` set to the banner's ``ca_cert``), ``az login --identity`` and
azure-identity's ``ManagedIdentityCredential`` get a token the way they do on App Service:
``GET <identity_endpoint>?api-version=2019-08-01&resource=<audience>`` with header ``X-IDENTITY-HEADER``, answered
``{"access_token", "expires_on", "resource", "token_type", "client_id"}``. The token is JWT-shaped (header, claims
with ``oid``/``tid``, a signature segment) because clients decode its claims; the emulator accepts any bearer token.

``GET /metadata/endpoints`` (no token, as real ARM serves it) tells ``az cloud register --endpoint-resource-manager``
where everything is: the emulator for Resource Manager and sign-in, the public suffixes for the rest.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from plinktui.emulator.server import Emulator

IDENTITY_PATH = "/_emulator/identity/token"
IDENTITY_API_VERSION = "2019-08-01"
AUDIENCE = "https://management.core.windows.net/"
IDENTITY_OBJECT_ID = "00000000-0000-0000-0000-0000000000aa"
"""The object id of the demo caller (the same principal the emulator names in AuthorizationFailed)."""
IDENTITY_CLIENT_ID = "00000000-0000-0000-0000-0000000000ab"
TOKEN_LIFETIME = 24 * 3600


def _b64(data: dict[str, Any] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def make_token(tenant_id: str, resource: str, now: float | None = None) -> tuple[str, int]:
    """A JWT-shaped access token for the demo identity and its expiry (epoch seconds)."""
    issued = int(now if now is not None else time.time())
    expires = issued + TOKEN_LIFETIME
    claims = {"aud": resource, "iss": f"https://sts.windows.net/{tenant_id}/", "iat": issued, "nbf": issued,
              "exp": expires, "oid": IDENTITY_OBJECT_ID, "sub": IDENTITY_OBJECT_ID, "tid": tenant_id,
              "appid": IDENTITY_CLIENT_ID, "idtyp": "app", "ver": "1.0", "uti": uuid.uuid4().hex}
    header = {"typ": "JWT", "alg": "RS256", "kid": "plinktui-emulator"}
    return f"{_b64(header)}.{_b64(claims)}.{_b64(secrets.token_bytes(32))}", expires


ALIASES_PATH = "/_emulator/vm-image-aliases"
"""The VM image alias document (``az vm create --image Ubuntu2204``) for the images the emulator models."""

IMAGE_ALIASES = {
    "Ubuntu2204": {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2",
                   "version": "latest", "architecture": "x64"},
    "Ubuntu2404": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest",
                   "architecture": "x64"},
}


def metadata(endpoint: str, tenant_id: str, api_version: str) -> Any:
    """ARM's ``/metadata/endpoints`` answer: the 2015-01-01 object; 2019-05-01 lists the clouds; later versions
    (the 2022-09-01 that ``az cloud register`` asks for) answer this cloud's object."""
    arm = endpoint.rstrip("/") + "/"
    if api_version and api_version >= "2019-05-01":
        cloud = {
            "portal": "https://portal.azure.com", "name": "PlinkDemo", "resourceManager": arm,
            "authentication": {"loginEndpoint": arm, "audiences": [AUDIENCE, "https://management.azure.com/"],
                               "tenant": "common", "identityProvider": "AAD"},
            "media": "https://rest.media.azure.net", "graphAudience": "https://graph.windows.net/",
            "graph": "https://graph.windows.net/", "activeDirectoryDataLake": "https://datalake.azure.net/",
            "batch": "https://batch.core.windows.net/", "gallery": "https://gallery.azure.com/",
            "microsoftGraphResourceId": "https://graph.microsoft.com/", "sqlManagement": "https://management.core.windows.net:8443/",
            "vmImageAliasDoc": endpoint.rstrip("/") + ALIASES_PATH,
            "suffixes": {"acrLoginServer": "azurecr.io", "sqlServerHostname": "database.windows.net",
                         "azureDataLakeStoreFileSystem": "azuredatalakestore.net",
                         "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
                         "keyVaultDns": "vault.azure.net", "storage": "core.windows.net",
                         "storageSyncEndpointSuffix": "afs.azure.net", "mhsmDns": "managedhsm.azure.net",
                         "mysqlServerEndpoint": "mysql.database.azure.com",
                         "postgresqlServerEndpoint": "postgres.database.azure.com",
                         "mariadbServerEndpoint": "mariadb.database.azure.com", "synapseAnalytics": "dev.azuresynapse.net",
                         "attestationEndpoint": "attest.azure.net"},
        }
        return [cloud] if api_version == "2019-05-01" else cloud
    return {"galleryEndpoint": "https://gallery.azure.com/", "graphEndpoint": "https://graph.windows.net/",
            "portalEndpoint": "https://portal.azure.com/",
            "authentication": {"loginEndpoint": arm, "audiences": [AUDIENCE, "https://management.azure.com/"]}}


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": code, "error_description": message}, status=status)


def register(emu: Emulator) -> None:
    """Mount the identity endpoint and the cloud metadata; both answer without a bearer token."""
    header_value = secrets.token_urlsafe(24)
    emu.signin = {"identity_path": IDENTITY_PATH, "identity_header": header_value}

    @emu.control("GET", IDENTITY_PATH)
    async def token(request: web.Request) -> web.Response:
        if not secrets.compare_digest(request.headers.get("X-IDENTITY-HEADER", ""), header_value):
            return _error(401, "invalid_request", "The X-IDENTITY-HEADER header is missing or does not match "
                          "the emulator banner's identity_header.")
        if request.query.get("api-version") != IDENTITY_API_VERSION:
            return _error(400, "invalid_request", f"api-version must be {IDENTITY_API_VERSION}.")
        resource = request.query.get("resource", "")
        if not resource:
            return _error(400, "invalid_request", "The 'resource' query parameter is required.")
        access, expires = make_token(emu.config.tenant_id, resource)
        return web.json_response({"access_token": access, "expires_on": str(expires), "resource": resource,
                                  "token_type": "Bearer", "client_id": IDENTITY_CLIENT_ID})

    async def endpoints(request: web.Request) -> web.Response:
        return web.json_response(metadata(emu.endpoint, emu.config.tenant_id, request.query.get("api-version", "")))

    emu.public_routes[("GET", "/metadata/endpoints")] = endpoints

    @emu.control("GET", ALIASES_PATH)
    async def aliases(request: web.Request) -> web.Response:
        return web.json_response({"outputs": {"aliases": {"type": "Object", "value": {
            "Linux": IMAGE_ALIASES, "Windows": {}}}}})

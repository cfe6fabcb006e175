"""The private-link service table: sub-resource (groupId) -> private DNS zone(s) and public FQDN suffixes.

Source: Microsoft Learn, "Azure Private Endpoint private DNS zone values"
(MicrosoftDocs/azure-docs, articles/private-link/private-endpoint-dns-values.md @ 0a083dfe and
private-endpoint-dns.md @ 42655f0e). Values were copied from the Commercial, Government and China tables; where a
cloud's table has no row for a service (e.g. Managed HSM in Government/China) the entry is left out on purpose rather
than guessed, and the audit then says it does not know the zone instead of inventing one.

``zones`` and ``public_suffixes`` are index-aligned where the documentation pairs them (e.g. Azure Monitor): the A
record for ``<name>.<public_suffixes[i]>`` lives in ``zones[i]`` under the relative name ``<name>``.  When a service
has fewer zones than suffixes (Key Vault: ``vault.azure.net`` and ``vaultcore.azure.net`` both CNAME into
``privatelink.vaultcore.azure.net``) the last zone serves the remaining suffixes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Cloud(StrEnum):
    """The Azure cloud whose DNS suffixes apply."""

    PUBLIC = "AzureCloud"
    GOVERNMENT = "AzureUSGovernment"
    CHINA = "AzureChinaCloud"


@dataclass(frozen=True)
class Service:
    """One private-link sub-resource of one resource type in one cloud.

    Attributes:
        key: Stable short key used in reports (e.g. ``keyvault``, ``storage-blob``).
        label: Human name.
        resource_type: ARM resource type of the target, lower-case (``microsoft.keyvault/vaults``).
        group_ids: Sub-resource names (``groupIds``) that select this entry, lower-case.
        zones: Recommended private DNS zone names.
        public_suffixes: Public FQDN suffixes whose names CNAME into the zones.
    """

    key: str
    label: str
    resource_type: str
    group_ids: tuple[str, ...]
    zones: tuple[str, ...]
    public_suffixes: tuple[str, ...]

    def zone_for_suffix(self, suffix: str) -> str:
        """The zone that holds records for names under ``suffix``."""
        try:
            i = self.public_suffixes.index(suffix)
        except ValueError:
            return self.zones[0]
        return self.zones[min(i, len(self.zones) - 1)]

    def record_name(self, fqdn: str) -> tuple[str, str] | None:
        """Split a public FQDN into (relative record name, zone) or None when no suffix matches."""
        f = fqdn.rstrip(".").lower()
        for suffix in sorted(self.public_suffixes, key=len, reverse=True):
            if f.endswith("." + suffix):
                return f[: -len(suffix) - 1], self.zone_for_suffix(suffix)
        return None


def _s(key: str, label: str, rtype: str, groups: str, zones: str, suffixes: str) -> Service:
    return Service(key, label, rtype.lower(), tuple(g.lower() for g in groups.split()), tuple(zones.split()),
                   tuple(suffixes.split()))


_KV = "Microsoft.KeyVault/vaults"
_HSM = "Microsoft.KeyVault/managedHSMs"
_ST = "Microsoft.Storage/storageAccounts"
_SQL = "Microsoft.Sql/servers"
_COS = "Microsoft.DocumentDB/databaseAccounts"
_PG = "Microsoft.DBforPostgreSQL/flexibleServers"
_MY = "Microsoft.DBforMySQL/flexibleServers"
_ACR = "Microsoft.ContainerRegistry/registries"
_AKS = "Microsoft.ContainerService/managedClusters"
_WEB = "Microsoft.Web/sites"
_SB = "Microsoft.ServiceBus/namespaces"
_EH = "Microsoft.EventHub/namespaces"
_MON = "Microsoft.Insights/privateLinkScopes"
_COG = "Microsoft.CognitiveServices/accounts"
_APPC = "Microsoft.AppConfiguration/configurationStores"
_SRCH = "Microsoft.Search/searchServices"
_REDIS = "Microsoft.Cache/Redis"

SERVICES: dict[Cloud, tuple[Service, ...]] = {
    Cloud.PUBLIC: (
        _s("keyvault", "Key Vault", _KV, "vault", "privatelink.vaultcore.azure.net",
           "vault.azure.net vaultcore.azure.net"),
        _s("managedhsm", "Key Vault Managed HSM", _HSM, "managedhsm", "privatelink.managedhsm.azure.net",
           "managedhsm.azure.net"),
        _s("storage-blob", "Storage (blob)", _ST, "blob blob_secondary", "privatelink.blob.core.windows.net",
           "blob.core.windows.net"),
        _s("storage-file", "Storage (file)", _ST, "file", "privatelink.file.core.windows.net", "file.core.windows.net"),
        _s("storage-queue", "Storage (queue)", _ST, "queue queue_secondary", "privatelink.queue.core.windows.net",
           "queue.core.windows.net"),
        _s("storage-table", "Storage (table)", _ST, "table table_secondary", "privatelink.table.core.windows.net",
           "table.core.windows.net"),
        _s("storage-dfs", "Storage (Data Lake Gen2 dfs)", _ST, "dfs dfs_secondary", "privatelink.dfs.core.windows.net",
           "dfs.core.windows.net"),
        _s("storage-web", "Storage (static website)", _ST, "web web_secondary", "privatelink.web.core.windows.net",
           "web.core.windows.net"),
        _s("sql", "Azure SQL Database", _SQL, "sqlServer", "privatelink.database.windows.net", "database.windows.net"),
        _s("cosmos-sql", "Cosmos DB (NoSQL)", _COS, "Sql", "privatelink.documents.azure.com", "documents.azure.com"),
        _s("cosmos-mongo", "Cosmos DB (MongoDB)", _COS, "MongoDB", "privatelink.mongo.cosmos.azure.com",
           "mongo.cosmos.azure.com"),
        _s("cosmos-cassandra", "Cosmos DB (Cassandra)", _COS, "Cassandra", "privatelink.cassandra.cosmos.azure.com",
           "cassandra.cosmos.azure.com"),
        _s("cosmos-gremlin", "Cosmos DB (Gremlin)", _COS, "Gremlin", "privatelink.gremlin.cosmos.azure.com",
           "gremlin.cosmos.azure.com"),
        _s("cosmos-table", "Cosmos DB (Table)", _COS, "Table", "privatelink.table.cosmos.azure.com",
           "table.cosmos.azure.com"),
        _s("postgresql", "PostgreSQL flexible server", _PG, "postgresqlServer",
           "privatelink.postgres.database.azure.com", "postgres.database.azure.com"),
        _s("mysql", "MySQL flexible server", _MY, "mysqlServer", "privatelink.mysql.database.azure.com",
           "mysql.database.azure.com"),
        _s("acr", "Container Registry", _ACR, "registry", "privatelink.azurecr.io", "azurecr.io"),
        _s("aks", "AKS API server", _AKS, "management", "privatelink.{region}.azmk8s.io", "{region}.azmk8s.io"),
        _s("appservice", "App Service / Functions", _WEB, "sites",
           "privatelink.azurewebsites.net scm.privatelink.azurewebsites.net", "azurewebsites.net scm.azurewebsites.net"),
        _s("servicebus", "Service Bus", _SB, "namespace", "privatelink.servicebus.windows.net",
           "servicebus.windows.net"),
        _s("eventhubs", "Event Hubs", _EH, "namespace", "privatelink.servicebus.windows.net", "servicebus.windows.net"),
        _s("monitor", "Azure Monitor (AMPLS)", _MON, "azuremonitor",
           "privatelink.monitor.azure.com privatelink.oms.opinsights.azure.com privatelink.ods.opinsights.azure.com "
           "privatelink.agentsvc.azure-automation.net privatelink.blob.core.windows.net",
           "monitor.azure.com oms.opinsights.azure.com ods.opinsights.azure.com agentsvc.azure-automation.net "
           "blob.core.windows.net"),
        _s("cognitive", "Azure AI services / OpenAI", _COG, "account",
           "privatelink.cognitiveservices.azure.com privatelink.openai.azure.com",
           "cognitiveservices.azure.com openai.azure.com"),
        _s("appconfig", "App Configuration", _APPC, "configurationStores", "privatelink.azconfig.io", "azconfig.io"),
        _s("search", "Azure AI Search", _SRCH, "searchService", "privatelink.search.windows.net", "search.windows.net"),
        _s("redis", "Azure Cache for Redis", _REDIS, "redisCache", "privatelink.redis.cache.windows.net",
           "redis.cache.windows.net"),
    ),
    Cloud.GOVERNMENT: (
        _s("keyvault", "Key Vault", _KV, "vault", "privatelink.vaultcore.usgovcloudapi.net",
           "vault.usgovcloudapi.net vaultcore.usgovcloudapi.net"),
        _s("storage-blob", "Storage (blob)", _ST, "blob blob_secondary", "privatelink.blob.core.usgovcloudapi.net",
           "blob.core.usgovcloudapi.net"),
        _s("storage-file", "Storage (file)", _ST, "file file_secondary", "privatelink.file.core.usgovcloudapi.net",
           "file.core.usgovcloudapi.net"),
        _s("storage-queue", "Storage (queue)", _ST, "queue queue_secondary",
           "privatelink.queue.core.usgovcloudapi.net", "queue.core.usgovcloudapi.net"),
        _s("storage-table", "Storage (table)", _ST, "table table_secondary",
           "privatelink.table.core.usgovcloudapi.net", "table.core.usgovcloudapi.net"),
        _s("storage-dfs", "Storage (Data Lake Gen2 dfs)", _ST, "dfs dfs_secondary",
           "privatelink.dfs.core.usgovcloudapi.net", "dfs.core.usgovcloudapi.net"),
        _s("storage-web", "Storage (static website)", _ST, "web web_secondary", "privatelink.web.core.usgovcloudapi.net",
           "web.core.usgovcloudapi.net"),
        _s("sql", "Azure SQL Database", _SQL, "sqlServer", "privatelink.database.usgovcloudapi.net",
           "database.usgovcloudapi.net"),
        _s("cosmos-sql", "Cosmos DB (NoSQL)", _COS, "Sql", "privatelink.documents.azure.us", "documents.azure.us"),
        _s("cosmos-mongo", "Cosmos DB (MongoDB)", _COS, "MongoDB", "privatelink.mongo.cosmos.azure.us",
           "mongo.cosmos.azure.us"),
        _s("postgresql", "PostgreSQL flexible server", _PG, "postgresqlServer",
           "privatelink.postgres.database.usgovcloudapi.net", "postgres.database.usgovcloudapi.net"),
        _s("mysql", "MySQL flexible server", _MY, "mysqlServer", "privatelink.mysql.database.usgovcloudapi.net",
           "mysql.database.usgovcloudapi.net"),
        _s("acr", "Container Registry", _ACR, "registry", "privatelink.azurecr.us", "azurecr.us"),
        _s("appservice", "App Service / Functions", _WEB, "sites",
           "privatelink.azurewebsites.us scm.privatelink.azurewebsites.us", "azurewebsites.us scm.azurewebsites.us"),
        _s("servicebus", "Service Bus", _SB, "namespace", "privatelink.servicebus.usgovcloudapi.net",
           "servicebus.usgovcloudapi.net"),
        _s("eventhubs", "Event Hubs", _EH, "namespace", "privatelink.servicebus.usgovcloudapi.net",
           "servicebus.usgovcloudapi.net"),
        _s("monitor", "Azure Monitor (AMPLS)", _MON, "azuremonitor",
           "privatelink.monitor.azure.us privatelink.adx.monitor.azure.us privatelink.oms.opinsights.azure.us "
           "privatelink.ods.opinsights.azure.us privatelink.agentsvc.azure-automation.us "
           "privatelink.blob.core.usgovcloudapi.net",
           "monitor.azure.us adx.monitor.azure.us oms.opinsights.azure.us ods.opinsights.azure.us "
           "agentsvc.azure-automation.us blob.core.usgovcloudapi.net"),
        _s("cognitive", "Azure AI services", _COG, "account", "privatelink.cognitiveservices.azure.us",
           "cognitiveservices.azure.us"),
        _s("appconfig", "App Configuration", _APPC, "configurationStores", "privatelink.azconfig.azure.us",
           "azconfig.azure.us"),
        _s("search", "Azure AI Search", _SRCH, "searchService", "privatelink.search.windows.us", "search.windows.us"),
        _s("redis", "Azure Cache for Redis", _REDIS, "redisCache", "privatelink.redis.cache.usgovcloudapi.net",
           "redis.cache.usgovcloudapi.net"),
    ),
    Cloud.CHINA: (
        _s("keyvault", "Key Vault", _KV, "vault", "privatelink.vaultcore.azure.cn", "vault.azure.cn vaultcore.azure.cn"),
        _s("storage-blob", "Storage (blob)", _ST, "blob blob_secondary", "privatelink.blob.core.chinacloudapi.cn",
           "blob.core.chinacloudapi.cn"),
        _s("storage-file", "Storage (file)", _ST, "file file_secondary", "privatelink.file.core.chinacloudapi.cn",
           "file.core.chinacloudapi.cn"),
        _s("storage-queue", "Storage (queue)", _ST, "queue queue_secondary", "privatelink.queue.core.chinacloudapi.cn",
           "queue.core.chinacloudapi.cn"),
        _s("storage-table", "Storage (table)", _ST, "table table_secondary", "privatelink.table.core.chinacloudapi.cn",
           "table.core.chinacloudapi.cn"),
        _s("storage-dfs", "Storage (Data Lake Gen2 dfs)", _ST, "dfs dfs_secondary",
           "privatelink.dfs.core.chinacloudapi.cn", "dfs.core.chinacloudapi.cn"),
        _s("storage-web", "Storage (static website)", _ST, "web web_secondary", "privatelink.web.core.chinacloudapi.cn",
           "web.core.chinacloudapi.cn"),
        _s("sql", "Azure SQL Database", _SQL, "sqlServer", "privatelink.database.chinacloudapi.cn",
           "database.chinacloudapi.cn"),
        _s("cosmos-sql", "Cosmos DB (NoSQL)", _COS, "Sql", "privatelink.documents.azure.cn", "documents.azure.cn"),
        _s("cosmos-mongo", "Cosmos DB (MongoDB)", _COS, "MongoDB", "privatelink.mongo.cosmos.azure.cn",
           "mongo.cosmos.azure.cn"),
        _s("cosmos-cassandra", "Cosmos DB (Cassandra)", _COS, "Cassandra", "privatelink.cassandra.cosmos.azure.cn",
           "cassandra.cosmos.azure.cn"),
        _s("cosmos-gremlin", "Cosmos DB (Gremlin)", _COS, "Gremlin", "privatelink.gremlin.cosmos.azure.cn",
           "gremlin.cosmos.azure.cn"),
        _s("cosmos-table", "Cosmos DB (Table)", _COS, "Table", "privatelink.table.cosmos.azure.cn",
           "table.cosmos.azure.cn"),
        _s("postgresql", "PostgreSQL flexible server", _PG, "postgresqlServer",
           "privatelink.postgres.database.chinacloudapi.cn", "postgres.database.chinacloudapi.cn"),
        _s("mysql", "MySQL flexible server", _MY, "mysqlServer", "privatelink.mysql.database.chinacloudapi.cn",
           "mysql.database.chinacloudapi.cn"),
        _s("appservice", "App Service / Functions", _WEB, "sites", "privatelink.chinacloudsites.cn",
           "chinacloudsites.cn"),
        _s("servicebus", "Service Bus", _SB, "namespace", "privatelink.servicebus.chinacloudapi.cn",
           "servicebus.chinacloudapi.cn"),
        _s("eventhubs", "Event Hubs", _EH, "namespace", "privatelink.servicebus.chinacloudapi.cn",
           "servicebus.chinacloudapi.cn"),
        _s("redis", "Azure Cache for Redis", _REDIS, "redisCache", "privatelink.redis.cache.chinacloudapi.cn",
           "redis.cache.chinacloudapi.cn"),
    ),
}


def cloud_for_arm_endpoint(arm_endpoint: str | None) -> Cloud:
    """Pick the cloud from the ARM endpoint (emulators and unknown endpoints use the public cloud's names)."""
    e = (arm_endpoint or "").lower()
    if "usgovcloudapi.net" in e:
        return Cloud.GOVERNMENT
    if "chinacloudapi.cn" in e:
        return Cloud.CHINA
    return Cloud.PUBLIC


def _expand(svc: Service, region: str | None) -> Service:
    """Fill ``{region}`` placeholders (AKS) with the endpoint's region, when known."""
    if "{region}" not in "".join(svc.zones + svc.public_suffixes) or not region:
        return svc
    r = region.lower().replace(" ", "")
    return Service(svc.key, svc.label, svc.resource_type, svc.group_ids,
                   tuple(z.replace("{region}", r) for z in svc.zones),
                   tuple(s.replace("{region}", r) for s in svc.public_suffixes))


def resource_type_of(resource_id: str) -> str:
    """``microsoft.keyvault/vaults`` from a full ARM id (top-level type only), lower-case; '' when unparsable."""
    parts = resource_id.strip("/").split("/")
    low = [p.lower() for p in parts]
    if "providers" not in low:
        return ""
    i = len(low) - 1 - low[::-1].index("providers")
    if i + 2 >= len(parts):
        return ""
    return f"{low[i + 1]}/{low[i + 2]}"


def lookup(target_id: str, group_id: str, cloud: Cloud = Cloud.PUBLIC, region: str | None = None) -> Service | None:
    """The service entry for a private-endpoint connection's target and groupId, or None when not in the table."""
    rtype = resource_type_of(target_id)
    g = group_id.lower()
    alt = {"microsoft.azurecosmosdb/databaseaccounts": "microsoft.documentdb/databaseaccounts",
           "microsoft.dbforpostgresql/servers": "microsoft.dbforpostgresql/flexibleservers",
           "microsoft.dbformysql/servers": "microsoft.dbformysql/flexibleservers"}.get(rtype, rtype)
    for svc in SERVICES[cloud]:
        if svc.resource_type == alt and g in svc.group_ids:
            return _expand(svc, region)
    return None


def all_zone_names(cloud: Cloud = Cloud.PUBLIC) -> set[str]:
    """Every recommended zone name of a cloud (without ``{region}`` templates)."""
    return {z for s in SERVICES[cloud] for z in s.zones if "{" not in z}


def all_public_suffixes(cloud: Cloud = Cloud.PUBLIC) -> set[str]:
    """Every public FQDN suffix of a cloud (without ``{region}`` templates)."""
    return {x for s in SERVICES[cloud] for x in s.public_suffixes if "{" not in x}

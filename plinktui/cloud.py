"""The cloud gateway: one factory for the official async azure-mgmt clients, for real ARM or the emulator.

A *cloud target* says where ARM is and how to trust and authenticate to it:

- real ARM (any endpoint: public cloud, sovereign clouds) through ``DefaultAzureCredential``;
- the plinktui emulator (it answers ``GET /_emulator/`` with its identity): its endpoint, its CA file and a static
  local token, so no Entra ID sign-in is ever attempted.

The same SDK clients and the same code paths run against both. Every client is built with the same pipeline, which
differs from the SDK default in three deliberate ways:

- the ARM auto provider-registration policy is left out (an audit or a preflight must never write);
- retries keep the SDK's policy but are bounded: a ``Retry-After`` longer than the bound ends the retry with the
  throttling error instead of sleeping, and an absolute timeout covers all attempts;
- a counting policy records every request actually sent (retries included), split into reads and writes.
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import time
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

PUBLIC_ARM = "https://management.azure.com"

# Known clouds: ARM endpoint -> token audience. Anything else uses "<endpoint>/.default".
_AUDIENCES = {
    "https://management.azure.com": "https://management.core.windows.net/.default",
    "https://management.usgovcloudapi.net": "https://management.core.usgovcloudapi.net/.default",
    "https://management.chinacloudapi.cn": "https://management.core.chinacloudapi.cn/.default",
}

EMULATOR_TOKEN = "plinktui-emulator-local-token"
"""The emulator accepts any bearer token; this constant is not a secret, only a marker."""


class TargetError(Exception):
    """The cloud target cannot be used; the message is one line that says what to change."""


@dataclass(frozen=True)
class CloudTarget:
    """Where ARM is, how to trust it and which subscription to use."""

    arm_endpoint: str = PUBLIC_ARM
    ca_cert: str | None = None
    subscription_id: str | None = None
    tenant_id: str | None = None
    is_emulator: bool = False
    ssh_map_url: str | None = None
    """Emulator only: where the loopback SSH ports of the demo VMs are listed."""

    @property
    def credential_scope(self) -> str:
        """The token audience for this ARM endpoint."""
        base = self.arm_endpoint.rstrip("/")
        return _AUDIENCES.get(base, base + "/.default")


@dataclass
class RequestStats:
    """ARM requests one gateway (and the gateways derived from it) actually sent."""

    requests: int = 0
    reads: int = 0
    writes: int = 0
    throttled: int = 0
    """429 answers seen (each one, retried or not)."""
    by_api: dict[str, int] = field(default_factory=dict)
    """Requests by API: the resource provider namespace of the URL (``Microsoft.Network``, ``Microsoft.ResourceGraph``,
    ...), ``Microsoft.Resources`` for subscriptions, groups and operations without one."""
    started: float = field(default_factory=time.monotonic)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready counts plus elapsed seconds."""
        return {
            "arm_requests": self.requests,
            "arm_reads": self.reads,
            "arm_writes": self.writes,
            "throttled": self.throttled,
            "by_api": dict(self.by_api),
            "seconds": round(time.monotonic() - self.started, 3),
        }


def _ssl_context(ca_cert: str | None) -> ssl.SSLContext:
    if ca_cert:
        return ssl.create_default_context(cafile=ca_cert)
    return ssl.create_default_context()


async def _probe_emulator(endpoint: str, ca_cert: str | None, timeout: float) -> dict[str, Any] | None:
    """Ask ``GET /_emulator/`` who is there. None: an ARM endpoint that is not our emulator.

    Raises:
        TargetError: the endpoint cannot be reached or its certificate cannot be verified.
    """
    import aiohttp

    url = endpoint.rstrip("/") + "/_emulator/"
    try:
        ctx = _ssl_context(ca_cert)
    except (OSError, ssl.SSLError) as exc:
        raise TargetError(f"cannot read the CA file {ca_cert!r}: {exc}; pass a PEM file with --ca-cert") from None
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
            async with session.get(url, ssl=ctx) as resp:
                if resp.status != 200:
                    return None
                try:
                    body = await resp.json(content_type=None)
                except (ValueError, aiohttp.ContentTypeError):
                    return None
                return body if isinstance(body, dict) and body.get("service") == "plinktui-emulator" else None
    except aiohttp.ClientConnectorCertificateError as exc:
        raise TargetError(
            f"TLS verification failed for {endpoint}: {exc.certificate_error}; pass the emulator's CA with --ca-cert"
        ) from None
    except aiohttp.ClientSSLError as exc:
        raise TargetError(f"TLS handshake with {endpoint} failed ({exc}); check --ca-cert") from None
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        reason = str(exc) or type(exc).__name__
        raise TargetError(f"cannot reach ARM endpoint {endpoint}: {reason}") from None


async def resolve_target(
    arm_endpoint: str | None = None,
    ca_cert: str | None = None,
    subscription: str | None = None,
    demo: bool = False,
    timeout: float = 15.0,
) -> CloudTarget:
    """Work out the cloud target from the global flags.

    Args:
        arm_endpoint: ``--arm-endpoint``; None means public Azure (or the embedded emulator with ``demo``).
        ca_cert: ``--ca-cert``, a PEM file that anchors trust in the endpoint.
        subscription: ``--subscription``; for the emulator its default subscription is used when omitted.
        demo: ``--demo``: start (or reuse) the embedded demo cloud in this process.
        timeout: seconds allowed for the identity probe.

    Raises:
        TargetError: with a one-line reason (unreachable, bad CA, ...).
    """
    if demo and not arm_endpoint:
        from plinktui.emulator.embedded import ensure_demo_cloud

        demo_cloud = await ensure_demo_cloud()
        arm_endpoint, ca_cert = demo_cloud.endpoint, demo_cloud.ca_cert
    if arm_endpoint and not arm_endpoint.startswith("https://"):
        raise TargetError(f"--arm-endpoint must be an https:// URL, got {arm_endpoint!r}")
    endpoint = (arm_endpoint or PUBLIC_ARM).rstrip("/")
    if ca_cert and not os.path.isfile(ca_cert):
        raise TargetError(f"--ca-cert {ca_cert!r} is not a file; pass the PEM file the endpoint's banner names")
    ident = None
    if endpoint != PUBLIC_ARM:
        ident = await _probe_emulator(endpoint, ca_cert, timeout)
    if ident is not None:
        return CloudTarget(
            arm_endpoint=endpoint,
            ca_cert=ca_cert,
            subscription_id=subscription or ident.get("subscription_id"),
            tenant_id=ident.get("tenant_id"),
            is_emulator=True,
            ssh_map_url=endpoint + "/_emulator/ssh",
        )
    if not subscription and not os.environ.get("AZURE_SUBSCRIPTION_ID"):
        from plinktui.azprofile import cli_default_subscription

        subscription = (cli_default_subscription(endpoint) or {}).get("id")  # `az account show`'s subscription
    return CloudTarget(
        arm_endpoint=endpoint,
        ca_cert=ca_cert,
        subscription_id=subscription or os.environ.get("AZURE_SUBSCRIPTION_ID"),
    )


class _StaticTokenCredential:
    """The emulator's local token: no sign-in, no secret (the emulator accepts any bearer)."""

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken(EMULATOR_TOKEN, int(time.time()) + 3600)

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> _StaticTokenCredential:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


READ_ONLY_POSTS = ("/providers/microsoft.resourcegraph/resources", "/checknameavailability")
"""POSTs that only read (Resource Graph queries, name checks): counted as reads, never as writes."""


def api_of(url: str) -> str:
    """The API a request URL belongs to: the namespace after the last ``/providers/``, else Microsoft.Resources."""
    path = url.split("?", 1)[0]
    low = path.lower()
    i = low.rfind("/providers/")
    if i < 0:
        return "Microsoft.Resources"
    return path[i + len("/providers/"):].split("/", 1)[0] or "Microsoft.Resources"


def _make_policies(credential: Any, scope: str, stats: RequestStats, total_timeout: float,
                   max_retry_after: float) -> list[Any]:
    """The SDK's standard async ARM pipeline, minus auto-registration, plus bounded retries and counting."""
    from azure.core.pipeline import policies
    from azure.mgmt.core.policies import ARMHttpLoggingPolicy, AsyncARMChallengeAuthenticationPolicy

    class BoundedRetryPolicy(policies.AsyncRetryPolicy):
        """The SDK retry policy; a Retry-After beyond the bound stops retrying and surfaces the throttle."""

        def is_retry(self, settings: Any, response: Any) -> bool:
            if response.http_response.status_code == 429:
                stats.throttled += 1
            if not super().is_retry(settings, response):
                return False
            wait = self.get_retry_after(response)
            return not (wait is not None and wait > max_retry_after)

    class CountingPolicy(policies.SansIOHTTPPolicy):
        """Counts each request that goes on the wire (below the retry policy, so retries count)."""

        def on_request(self, request: Any) -> None:
            stats.requests += 1
            url = request.http_request.url
            api = api_of(url)
            stats.by_api[api] = stats.by_api.get(api, 0) + 1
            path = url.split("?", 1)[0].lower()
            if request.http_request.method in ("GET", "HEAD") or (
                    request.http_request.method == "POST" and path.endswith(READ_ONLY_POSTS)):
                stats.reads += 1
            else:
                stats.writes += 1

    return [
        policies.RequestIdPolicy(),
        policies.HeadersPolicy(),
        policies.UserAgentPolicy(base_user_agent="plinktui/0.1"),
        policies.ProxyPolicy(),
        policies.ContentDecodePolicy(),
        policies.AsyncRedirectPolicy(),
        BoundedRetryPolicy(retry_total=6, retry_backoff_factor=0.4, retry_backoff_max=20, timeout=total_timeout),
        AsyncARMChallengeAuthenticationPolicy(credential, scope),
        CountingPolicy(),
        policies.CustomHookPolicy(),
        policies.NetworkTraceLoggingPolicy(),
        policies.DistributedTracingPolicy(),
        policies.SensitiveHeaderCleanupPolicy(),
        ARMHttpLoggingPolicy(),
    ]


class Gateway:
    """Open clients for one cloud target and one subscription.

    Use as ``async with Gateway(target) as gw:``. Clients are built on first use so that importing and starting
    plinktui stays fast (the network SDK alone takes a noticeable time to import).
    """

    def __init__(
        self,
        target: CloudTarget,
        *,
        total_timeout: float = 600.0,
        max_retry_after: float = 60.0,
        credential: Any = None,
        _shared: dict[str, Any] | None = None,
    ) -> None:
        """``credential``: an async token credential to use instead of the default one (the TUI's device-code
        sign-in); the gateway closes it on close."""
        self.target = target
        self.total_timeout = total_timeout
        self.max_retry_after = max_retry_after
        if _shared is None:
            _shared = {"stats": RequestStats(), "credential": credential, "children": [], "session": None}
        self._shared = _shared
        self._clients: dict[str, Any] = {}

    # -- lifecycle -------------------------------------------------------------------------------------------------

    async def __aenter__(self) -> Gateway:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close every client this gateway (and its derived gateways) opened."""
        for child in self._shared["children"]:
            await child._close_clients()
        await self._close_clients()
        for name in ("session", "http_session"):
            session = self._shared.get(name)
            if session is not None:
                await session.close()
                self._shared[name] = None
        self._shared["transport"] = None
        cred = self._shared.get("credential")
        if cred is not None:
            await cred.close()
            self._shared["credential"] = None

    async def _close_clients(self) -> None:
        clients, self._clients = self._clients, {}
        for client in clients.values():
            await client.close()

    # -- properties ------------------------------------------------------------------------------------------------

    @property
    def stats(self) -> RequestStats:
        """Requests sent by this gateway and every gateway derived from it."""
        return self._shared["stats"]

    @property
    def subscription_id(self) -> str:
        """The subscription the clients are bound to."""
        if not self.target.subscription_id:
            raise TargetError("no subscription chosen: pass --subscription ID, set AZURE_SUBSCRIPTION_ID, or "
                              "choose one with `az account set --subscription ID`")
        return self.target.subscription_id

    def for_subscription(self, subscription_id: str) -> Gateway:
        """A gateway for another subscription, sharing credential and request counts."""
        from dataclasses import replace

        child = Gateway(replace(self.target, subscription_id=subscription_id), total_timeout=self.total_timeout,
                        max_retry_after=self.max_retry_after, _shared=self._shared)
        self._shared["children"].append(child)
        return child

    def at(self, subscription_id: str | None) -> Gateway:
        """The gateway for ``subscription_id``: this one when it is ours (or None), else one derived from it and
        kept, so every caller in that subscription shares its clients."""
        if not subscription_id or subscription_id.lower() == (self.target.subscription_id or "").lower():
            return self
        known: dict[str, Gateway] = self._shared.setdefault("at", {})
        if subscription_id.lower() not in known:
            known[subscription_id.lower()] = self.for_subscription(subscription_id)
        return known[subscription_id.lower()]

    def credential(self) -> Any:
        """The async token credential every client of this gateway signs in with (built on first use)."""
        if self._shared["credential"] is None:
            if self.target.is_emulator:
                self._shared["credential"] = _StaticTokenCredential()
            else:
                from azure.identity.aio import DefaultAzureCredential

                self._shared["credential"] = DefaultAzureCredential()
        return self._shared["credential"]

    def _transport(self) -> Any:
        """One HTTP session (and TLS context) for every client of this gateway, so connections are reused.

        Passing the CA file as ``connection_verify`` would make azure-core build a new SSL context per request, and
        aiohttp never reuses a connection across contexts: every request would pay a TLS handshake.
        """
        if self._shared.get("transport") is None:
            import aiohttp
            from azure.core.pipeline.transport import AioHttpTransport

            session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=_ssl_context(self.target.ca_cert),
                                                                           limit=64))
            self._shared["http_session"] = session
            self._shared["transport"] = AioHttpTransport(session=session, session_owner=False)
        return self._shared["transport"]

    def _build(self, key: str, cls: Any, with_subscription: bool = True) -> Any:
        client = self._clients.get(key)
        if client is None:
            kwargs: dict[str, Any] = {
                "base_url": self.target.arm_endpoint,
                "policies": _make_policies(self.credential(), self.target.credential_scope, self.stats,
                                           self.total_timeout, self.max_retry_after),
                "credential_scopes": [self.target.credential_scope],
                # The emulator says exactly when an LRO is due (integer Retry-After for whole seconds); below a
                # second the client polls on its own short interval.
                "polling_interval": 0.2 if self.target.is_emulator else 5,
            }
            kwargs["transport"] = self._transport()
            args: list[Any] = [self.credential()]
            if with_subscription:
                args.append(self.subscription_id)
            client = cls(*args, **kwargs)
            self._clients[key] = client
        return client

    @property
    def network(self) -> Any:
        """``azure.mgmt.network.aio.NetworkManagementClient``."""
        from azure.mgmt.network.aio import NetworkManagementClient

        return self._build("network", NetworkManagementClient)

    @property
    def keyvault(self) -> Any:
        """``azure.mgmt.keyvault.aio.KeyVaultManagementClient``."""
        from azure.mgmt.keyvault.aio import KeyVaultManagementClient

        return self._build("keyvault", KeyVaultManagementClient)

    @property
    def privatedns(self) -> Any:
        """``azure.mgmt.privatedns.aio.PrivateDnsManagementClient``."""
        from azure.mgmt.privatedns.aio import PrivateDnsManagementClient

        return self._build("privatedns", PrivateDnsManagementClient)

    @property
    def dnsresolver(self) -> Any:
        """``azure.mgmt.dnsresolver.aio.DnsResolverManagementClient``."""
        from azure.mgmt.dnsresolver.aio import DnsResolverManagementClient

        return self._build("dnsresolver", DnsResolverManagementClient)

    @property
    def compute(self) -> Any:
        """``azure.mgmt.compute.aio.ComputeManagementClient``."""
        from azure.mgmt.compute.aio import ComputeManagementClient

        return self._build("compute", ComputeManagementClient)

    @property
    def resources(self) -> Any:
        """``azure.mgmt.resource.resources.aio.ResourceManagementClient``."""
        from azure.mgmt.resource.resources.aio import ResourceManagementClient

        return self._build("resources", ResourceManagementClient)

    @property
    def subscriptions(self) -> Any:
        """``azure.mgmt.resource.subscriptions.aio.SubscriptionClient`` (no subscription binding)."""
        from azure.mgmt.resource.subscriptions.aio import SubscriptionClient

        return self._build("subscriptions", SubscriptionClient, with_subscription=False)

    @property
    def resourcegraph(self) -> Any:
        """``azure.mgmt.resourcegraph.aio.ResourceGraphClient`` (tenant-level: no subscription binding)."""
        from azure.mgmt.resourcegraph.aio import ResourceGraphClient

        return self._build("resourcegraph", ResourceGraphClient, with_subscription=False)

    # -- helpers ---------------------------------------------------------------------------------------------------

    async def result(self, poller_or_coro: Any, timeout: float | None = None) -> Any:
        """Wait for an LRO (a poller or the coroutine returning one), bounded by the gateway's total timeout.

        Raises:
            TimeoutError: the operation did not finish in time (a stuck LRO never hangs the caller).
        """
        limit = timeout if timeout is not None else self.total_timeout
        async with asyncio.timeout(limit):
            # A begin_* coroutine yields the poller; a poller (itself awaitable) yields the final model.
            poller = await poller_or_coro if asyncio.iscoroutine(poller_or_coro) else poller_or_coro
            return await poller.result()

    async def raw(self, method: str, path_or_url: str, *, api_version: str,
                  body: Any | None = None) -> tuple[int, Any]:
        """Send one ARM request through the same pipeline (auth, retries, counting) and return (status, JSON)."""
        from azure.core.rest import HttpRequest

        url = path_or_url if path_or_url.startswith("https://") else self.target.arm_endpoint + path_or_url
        sep = "&" if "?" in url else "?"
        request = HttpRequest(method, f"{url}{sep}api-version={api_version}", json=body)
        async with asyncio.timeout(self.total_timeout):
            response = await self.resources.send_request(request)
            payload = await response.read()
        try:
            data = json.loads(payload) if payload else None
        except ValueError:
            data = None
        return response.status_code, data

    async def ssh_address(self, public_ip: str) -> tuple[str, int]:
        """Where to open SSH for a VM's public IP: the emulator maps demo VMs to loopback ports."""
        if not self.target.is_emulator:
            return public_ip, 22
        import aiohttp

        if self._shared.get("session") is None:
            self._shared["session"] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        session = self._shared["session"]
        async with session.get(self.target.ssh_map_url, ssl=_ssl_context(self.target.ca_cert)) as resp:
            data = await resp.json(content_type=None)
        entry = (data.get("by_public_ip") or {}).get(public_ip)
        if not entry:
            raise TargetError(f"no demo VM answers SSH for {public_ip} in the emulator")
        return entry["host"], int(entry["port"])


DEMO_CLOUD = "demo"
"""The cloud name recorded for runs on the embedded demo cloud (its endpoint's port changes between sessions)."""


def cloud_name(target: CloudTarget, demo: bool) -> str:
    """The cloud a run belongs to: ``demo`` for the embedded demo cloud, else the ARM endpoint."""
    return DEMO_CLOUD if demo and target.is_emulator else target.arm_endpoint.rstrip("/")


def run_cloud(target: dict[str, Any] | None) -> str:
    """The cloud a run's journal says it belongs to (``cloud``; older journals: a demo-cloud CA file means demo)."""
    t = target or {}
    if t.get("cloud"):
        return str(t["cloud"])
    if t.get("is_emulator") and t.get("ca_cert"):
        from plinktui.settings import demo_dir

        try:
            if os.path.commonpath([os.path.abspath(str(t["ca_cert"])), str(demo_dir())]) == str(demo_dir()):
                return DEMO_CLOUD
        except ValueError:
            pass
    return str(t.get("arm_endpoint") or PUBLIC_ARM).rstrip("/")


def describe_cloud(name: str) -> str:
    """``demo`` -> "the demo cloud"; an endpoint -> "Azure (<endpoint>)"."""
    return "the demo cloud" if name == DEMO_CLOUD else f"Azure ({name})"

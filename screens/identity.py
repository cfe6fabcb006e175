"""Who is signed in (for display only) and the device-code sign-in for machines without a browser.

No Textual here. The access token is decoded only to show its claims; it is never printed, logged or stored, and
its signature is not checked (ARM checks it; plinktui only shows who it names).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

DEVICE_CODE_SECONDS = 900
"""How long a device-code sign-in waits for the code to be entered (azure-identity's default)."""

PromptCallback = Callable[[str, str, datetime], None]
"""``(verification_uri, user_code, expires_on)``, as azure-identity calls it."""


def decode_claims(token: str) -> dict[str, Any] | None:
    """The claims of a JWT access token (payload only, unverified), or None when it is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    return claims if isinstance(claims, dict) else None


@dataclass(frozen=True)
class Identity:
    """The signed-in principal, as the token's claims name it."""

    name: str
    """upn, unique_name, preferred_username or email; the app's name for a service principal; else ''."""
    object_id: str
    tenant_id: str

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Identity:
        """Pick the human-readable name the way the portal does (user principal name first)."""
        name = next((str(claims[k]) for k in ("upn", "unique_name", "preferred_username", "email", "app_displayname")
                     if claims.get(k)), "")
        return cls(name=name, object_id=str(claims.get("oid") or ""), tenant_id=str(claims.get("tid") or ""))

    def describe(self) -> str:
        """One line for the sign-in screen."""
        who = self.name or f"object id {self.object_id or 'unknown'}"
        if self.name and self.object_id:
            who += f" (object id {self.object_id})"
        return f"Signed in as {who}, tenant {self.tenant_id or 'unknown'}."


def identity_from_token(token: str) -> Identity | None:
    """The identity a token names, or None when it carries no readable claims."""
    claims = decode_claims(token)
    return Identity.from_claims(claims) if claims else None


async def who_is_signed_in(credential: Any, scope: str) -> Identity | None:
    """Ask the credential for an ARM token and read who it names (raises ClientAuthenticationError on failure)."""
    token = await credential.get_token(scope)
    return identity_from_token(token.token)


class AsyncDeviceCodeCredential:
    """An async credential for device-code sign-in.

    azure-identity ships ``DeviceCodeCredential`` only for sync code (there is no ``azure.identity.aio`` one), so
    this runs it in a thread; ``prompt`` receives the URL and code to show. One lock keeps the clients the gateway
    builds from starting several device flows at once: after the first sign-in the token comes from MSAL's cache.
    """

    def __init__(self, prompt: PromptCallback, tenant_id: str | None = None, timeout: int = DEVICE_CODE_SECONDS) -> None:
        from azure.identity import DeviceCodeCredential

        kwargs: dict[str, Any] = {"prompt_callback": prompt, "timeout": timeout}
        if tenant_id:
            kwargs["tenant_id"] = tenant_id
        self._sync = DeviceCodeCredential(**kwargs)
        self._lock = asyncio.Lock()

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        """An access token (the first call waits for the user to enter the code)."""
        async with self._lock:
            return await asyncio.to_thread(self._sync.get_token, *scopes, **kwargs)

    async def close(self) -> None:
        """Release the sync credential's transport."""
        self._sync.close()

    async def __aenter__(self) -> AsyncDeviceCodeCredential:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

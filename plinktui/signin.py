"""Signing in to real Azure, for people: one-line failures that say what to do (offline, or `az login`).

No Textual here (the CLI and the TUI both use it). Nothing in this module reads, prints or stores a token: the
token request in :func:`ensure_signed_in` only proves that a credential works before any ARM call is made.
"""

from __future__ import annotations

import asyncio
import socket

from plinktui.cloud import Gateway, TargetError

AZ_LOGIN_FIX = "run `az login` (or `az login --use-device-code` on a machine without a browser), then try again"
OFFLINE_FIX = "check the network connection (or the proxy), then try again; `plinktui demo` works offline"

_OFFLINE_HINTS = ("name or service not known", "temporary failure in name resolution", "nodename nor servname",
                  "getaddrinfo failed", "failed to resolve", "no address associated with hostname",
                  "network is unreachable", "cannot connect to host login.", "failed to establish a new connection")


SIGN_IN_TIMEOUT = 120.0
"""Seconds a sign-in may take before it is reported as not finishing (a device-code sign-in, which waits for a person,
passes its own bound)."""


class SignInError(TargetError):
    """Signing in failed; the message is one line: what happened, then what to do."""

    def __init__(self, what: str, fix: str) -> None:
        super().__init__(f"{what}; {fix}")
        self.what = what
        self.fix = fix

    @property
    def sentence(self) -> str:
        """What happened as a sentence of its own, for a screen that shows the fix apart."""
        return self.what[:1].upper() + self.what[1:] + "."


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        out.append(e)
        todo += [e.__cause__, e.__context__, getattr(e, "inner_exception", None)]
    return out


def looks_offline(exc: BaseException) -> bool:
    """True when the error (or one behind it) says the sign-in host could not be resolved or reached."""
    for e in _chain(exc):
        if isinstance(e, socket.gaierror):
            return True
        text = str(getattr(e, "message", None) or e).lower()
        if any(hint in text for hint in _OFFLINE_HINTS):
            return True
    return False


def sign_in_problem(exc: BaseException) -> tuple[str, str] | None:
    """(what happened, what to do) for a sign-in failure; None when ``exc`` is not about signing in."""
    try:
        from azure.core.exceptions import ClientAuthenticationError
    except ImportError:  # pragma: no cover - azure-core is a dependency
        return None
    if not isinstance(exc, ClientAuthenticationError):
        return None
    if looks_offline(exc):
        return ("cannot reach the Microsoft sign-in service: this machine looks offline (the sign-in host does not "
                "resolve)", OFFLINE_FIX)
    text = str(getattr(exc, "message", None) or exc)
    if "DeviceCode" in text or "device code" in text.lower():
        first = text.strip().splitlines()[0][:200] if text.strip() else "no code was entered"
        return (f"device-code sign-in did not finish ({first})",
                "choose device code again and enter the code shown, or run `az login`")
    return ("not signed in to Azure: no credential was found (az login, environment variables or a managed "
            "identity)", AZ_LOGIN_FIX)


async def ensure_signed_in(gw: Gateway, timeout: float = SIGN_IN_TIMEOUT) -> None:
    """Ask the gateway's credential for one ARM token before any ARM call (a no-op cost on the emulator).

    One request up front gives one clear line instead of a failure per client, and nothing is left waiting.

    Raises:
        SignInError: with a one-line message and its fix.
    """
    credential = gw.credential()
    try:
        await asyncio.wait_for(credential.get_token(gw.target.credential_scope), timeout)
    except TimeoutError:
        raise SignInError(f"signing in to Azure did not finish within {timeout:.0f} s", AZ_LOGIN_FIX) from None
    except Exception as exc:  # noqa: BLE001 - classified below; anything else is passed on unchanged
        problem = sign_in_problem(exc)
        if problem is None:
            raise
        raise SignInError(*problem) from None

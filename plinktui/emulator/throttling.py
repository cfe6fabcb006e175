"""ARM's request throttling and Resource Graph's user quota, as Azure documents them.

Off unless ``--throttle`` or ``POST /_emulator/config {"throttle": true}`` (so a test can seed fast, then audit
under Azure's limits). When on:

- **ARM** (docs/tenant-scale.md): a token bucket per scope (the subscription named in the path, else the tenant), per
  principal (the caller's bearer token) and per operation type. Reads hold 250 tokens refilled at 25 per second;
  writes and deletes hold 200 refilled at 10 per second. Each request takes one token; an empty bucket answers
  429 ``TooManyRequests`` with an integer ``Retry-After`` (whole seconds until a token is back). Every answer carries
  ``x-ms-ratelimit-remaining-subscription-reads`` (or ``-writes``, ``-deletes``; ``-tenant-`` for tenant requests):
  the tokens left.
- **Resource Graph** (``POST /providers/Microsoft.ResourceGraph/resources``): not ARM's buckets but a per-user quota,
  15 queries per 5-second window. Every answer carries ``x-ms-user-quota-remaining`` (queries left) and
  ``x-ms-user-quota-resets-after`` (``hh:mm:ss`` until the window resets); beyond the quota, 429 ``RateLimiting``
  with both headers and an integer ``Retry-After``.

Guesses (no public evidence; README says so): the 429 error codes and messages, Resource Graph's ``Retry-After``
header on its 429 (its docs only name the quota headers), and that a Resource Graph query does not also take a
token from ARM's tenant bucket. ARM's global per-subscription limit (15 times the per-principal one) is not
modelled: a single auditor never reaches it before its own bucket.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from plinktui.emulator import errors

ARM_BUCKETS: dict[str, tuple[float, float]] = {"reads": (250, 25.0), "writes": (200, 10.0), "deletes": (200, 10.0)}
"""Operation type -> (bucket size, refill tokens per second), per subscription (or tenant) and principal."""

GRAPH_QUOTA = 15
GRAPH_WINDOW = 5.0
"""Resource Graph: queries per user per window (seconds)."""

GRAPH_PATH = "/providers/microsoft.resourcegraph/resources"


@dataclass
class TokenBucket:
    """A bucket that starts full and refills continuously up to its size."""

    size: float
    rate: float
    tokens: float
    stamp: float

    def take(self, now: float) -> tuple[bool, int, int]:
        """Take one token: (allowed, tokens left, seconds until the next token when refused)."""
        self.tokens = min(self.size, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True, int(self.tokens), 0
        return False, 0, max(1, math.ceil((1 - self.tokens) / self.rate))


@dataclass
class QuotaWindow:
    """Resource Graph's quota: ``limit`` queries per fixed window that starts with the first query after a reset."""

    limit: int
    window: float
    used: int = 0
    start: float = 0.0

    def take(self, now: float) -> tuple[bool, int, float]:
        """Count one query: (allowed, queries left, seconds until the window resets)."""
        if now - self.start >= self.window:
            self.start, self.used = now, 0
        resets = max(0.0, self.window - (now - self.start))
        if self.used >= self.limit:
            return False, 0, resets
        self.used += 1
        return True, self.limit - self.used, resets


def principal_of(authorization: str) -> str:
    """A stable, non-secret key for the caller: a digest of its bearer token (the token is never kept)."""
    return hashlib.sha256(authorization.encode("utf-8", "replace")).hexdigest()[:16]


def operation_of(method: str) -> str:
    """ARM's operation type for a method."""
    method = method.upper()
    if method in ("GET", "HEAD"):
        return "reads"
    return "deletes" if method == "DELETE" else "writes"


def hhmmss(seconds: float) -> str:
    """``00:00:03`` (rounded up to whole seconds, as the header reads)."""
    s = max(0, math.ceil(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


class Throttling:
    """The buckets and windows of every caller; ``admit`` is asked once per ARM request."""

    def __init__(self, enabled: Callable[[], bool], clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = enabled
        self.clock = clock
        self._buckets: dict[tuple[str, str, str], TokenBucket] = {}
        self._graph: dict[str, QuotaWindow] = {}
        self.throttled = 0
        """429s answered so far (control endpoint and tests read it)."""

    def admit(self, method: str, path: str, authorization: str) -> dict[str, str]:
        """Take this request's token; return the headers for its answer.

        Raises:
            errors.TooManyRequests: the bucket (or Resource Graph quota) is empty; the error carries the headers.
        """
        if not self.enabled():
            return {}
        now = self.clock()
        who = principal_of(authorization)
        if path.rstrip("/").lower() == GRAPH_PATH:
            return self._admit_graph(who, now)
        parts = path.strip("/").split("/")
        scope, level = ("sub:" + parts[1].lower(), "subscription") if (
            len(parts) > 1 and parts[0].lower() == "subscriptions") else ("tenant", "tenant")
        op = operation_of(method)
        bucket = self._buckets.get((scope, who, op))
        if bucket is None:
            size, rate = ARM_BUCKETS[op]
            bucket = self._buckets[(scope, who, op)] = TokenBucket(size, rate, size, now)
        ok, left, wait = bucket.take(now)
        headers = {f"x-ms-ratelimit-remaining-{level}-{op}": str(left)}
        if not ok:
            self.throttled += 1
            raise errors.TooManyRequests(
                f"The request is being throttled as the limit has been reached for operation type "
                f"'{op}' of this {level} and principal. Retry after {wait} second(s).",
                headers={**headers, "Retry-After": str(wait)})
        return headers

    def _admit_graph(self, who: str, now: float) -> dict[str, str]:
        window = self._graph.get(who)
        if window is None:
            window = self._graph[who] = QuotaWindow(GRAPH_QUOTA, GRAPH_WINDOW, 0, now)
        ok, left, resets = window.take(now)
        headers = {"x-ms-user-quota-remaining": str(left), "x-ms-user-quota-resets-after": hhmmss(resets)}
        if not ok:
            self.throttled += 1
            raise errors.TooManyRequests(
                "Please provide below info when asking for support: the user quota of Resource Graph queries is "
                f"exhausted; it resets in {hhmmss(resets)}.", code="RateLimiting",
                headers={**headers, "Retry-After": str(max(1, math.ceil(resets)))})
        return headers

    def reset(self) -> None:
        """Full buckets for everyone (when throttling is switched on, it starts from a rested client)."""
        self._buckets.clear()
        self._graph.clear()

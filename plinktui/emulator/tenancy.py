"""The emulated tenant: one tenant, N subscriptions, one management group hierarchy.

``plinktui emulator serve --subscriptions N`` makes a tenant with N subscriptions. The first subscription is the
configured ``subscription_id`` (the one the banner has always named); the others get stable ids derived from it, so a
state file written by one run still matches the next. Every resource id names its subscription, so a resource in one
subscription can point at a resource in another (a spoke's zone group at a hub's zone) and it resolves like any
other id: the store is one, keyed by id.

Management groups: the tenant root group (its id is the tenant id, as in Azure) holds every subscription. That is all
the audit's ``--management-group`` and Resource Graph's ``managementGroups`` scope need; deeper hierarchies are not
modelled.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

MAX_SUBSCRIPTIONS = 1000
"""A bound for ``--subscriptions`` (Resource Graph answers for at most 1,000 subscriptions per request)."""


class _Config(Protocol):
    subscription_id: str
    tenant_id: str
    subscriptions: int


def derived_subscription_id(first: str, index: int) -> str:
    """The id of the ``index``-th subscription (0 is ``first`` itself): stable across restarts."""
    if index == 0:
        return first
    return str(uuid.uuid5(uuid.UUID(first) if _is_uuid(first) else uuid.NAMESPACE_URL, f"plinktui-sub-{index}"))


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


class Tenancy:
    """Which subscriptions and management groups exist (read from the live config, so a test can change it)."""

    def __init__(self, config: _Config) -> None:
        self.config = config
        self._cache: tuple[tuple[str, int], list[str]] | None = None

    @property
    def ids(self) -> list[str]:
        """Every subscription id, the configured one first."""
        key = (self.config.subscription_id, max(1, int(self.config.subscriptions)))
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, [derived_subscription_id(key[0], i) for i in range(key[1])])
        return list(self._cache[1])

    @property
    def known(self) -> set[str]:
        """Lower-cased subscription ids, for scope checks."""
        return {s.lower() for s in self.ids}

    def display_name(self, sub: str) -> str:
        """``plinktui demo subscription`` for the first, ``... 2``, ``... 3`` for the others."""
        ids = [s.lower() for s in self.ids]
        index = ids.index(sub.lower()) if sub.lower() in ids else 0
        return "plinktui demo subscription" + (f" {index + 1}" if index else "")

    def subscription_doc(self, sub: str) -> dict[str, Any]:
        """A subscription as ``GET /subscriptions`` lists it."""
        return {"id": f"/subscriptions/{sub}", "subscriptionId": sub, "tenantId": self.config.tenant_id,
                "displayName": self.display_name(sub), "state": "Enabled",
                "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01",
                                         "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
                "authorizationSource": "RoleBased"}

    def management_groups(self) -> dict[str, list[str]]:
        """Management group id (lower-cased) -> the subscriptions under it: the tenant root group holds all."""
        return {self.config.tenant_id.lower(): self.ids}

    def subscriptions_under(self, group: str) -> list[str] | None:
        """The subscriptions under a management group, or None if there is no such group."""
        return self.management_groups().get(group.lower())

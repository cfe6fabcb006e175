"""Turning an exception into what the user sees: an :class:`~plinktui.events.ErrorClass`, one plain line and a fix.

ARM error codes the user can fix map to a fix in plain words; throttling, 5xx and interrupted operations are
retryable (the walker retries them, then the run can be resumed).
"""

from __future__ import annotations

import asyncio
import re

from plinktui.events import ErrorClass, NodeError

_USER_FIXES: dict[str, str] = {
    "AuthorizationFailed": "ask for a role that grants this action (Contributor on the resource group), then resume",
    "LinkedAuthorizationFailed": "you need join/action rights on the linked resource (e.g. Network Contributor on "
                                 "the VNet), then resume",
    "MissingSubscriptionRegistration": "register the provider: az provider register --namespace <namespace>",
    "RequestDisallowedByPolicy": "an Azure Policy forbids this; change the plan or ask for an exemption",
    "InvalidResourceName": "change the name in the plan (see the naming rules in the message)",
    "NetcfgInvalidVirtualNetworkSite": "change network.vnet: 2-64 letters, digits, underscores, periods and hyphens, "
                                       "starting with a letter or digit, ending with a letter, digit or underscore",
    "VaultAlreadyExists": "the vault name is taken globally; choose another vault.name",
    "ConflictError": "the name is taken or soft-deleted; choose another name or purge the deleted vault",
    "NetcfgSubnetRangesOverlap": "choose a subnet_prefix that overlaps no existing subnet",
    "SubnetsOverlap": "choose a subnet_prefix that overlaps no existing subnet",
    "NetcfgInvalidSubnet": "the subnet prefix must sit inside the VNet's address space",
    "InvalidCIDRNotation": "write the prefix as network/length with no host bits set, e.g. 10.70.1.0/24",
    "LocationNotAvailableForResourceType": "pick a region where the resource type is offered",
    "SkuNotAvailable": "pick another VM size or region (test_vm.size)",
    "QuotaExceeded": "raise the quota or pick a smaller VM size",
    "OperationNotAllowed": "raise the quota or pick a smaller VM size",
    "ResourceGroupNotFound": "the resource group is missing; resume to recreate it",
    "PrivateEndpointCannotBeCreatedInSubnetThatHasNetworkPoliciesEnabled":
        "set network.private_endpoint_network_policies = \"Disabled\" or use another subnet",
    "InvalidPrivateEndpointRegion": "the endpoint must be in its VNet's region (network.region)",
    "ResourceNotFound": "a resource the plan relies on is missing; check the plan and resume",
    "InvalidParameter": "fix the value named in the message and resume",
    "BadRequest": "fix the value named in the message and resume",
}
_RETRYABLE_CODES = {"AnotherOperationInProgress", "RetryableError", "Throttled", "TooManyRequests",
                    "InternalServerError", "ServiceUnavailable", "GatewayTimeout", "OperationPreempted",
                    "ReferencedResourceNotProvisioned", "Canceled", "OperationInterrupted"}


RESUME_FIX = "resume the run: plinktui setup --resume RUN"  # RUN is filled in with the run id by apply()


def _is_lro_failure(exc: BaseException) -> bool:
    """True when the SDK's poller raised because the operation's terminal status was Failed or Canceled.

    azure-core wraps its ``OperationFailed`` in an HttpResponseError built on the (2xx) status-poll response.
    """
    from azure.core.polling.base_polling import OperationFailed

    status = getattr(exc, "status_code", None) or 0
    return isinstance(exc.__cause__, OperationFailed) or 200 <= status < 300


def for_run(fix: str | None, run_id: str) -> str | None:
    """Fixes are written run-agnostic ("--resume RUN"); the user gets the command for this run."""
    return re.sub(r"\bRUN\b", run_id, fix) if fix else fix


def classify(exc: BaseException) -> tuple[ErrorClass, str, str | None]:
    """Turn an exception into (error_class, plain message, fix)."""
    if isinstance(exc, NodeError):
        return exc.error_class, str(exc), exc.fix
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return ErrorClass.RETRYABLE, "the operation did not finish in time", RESUME_FIX
    try:
        from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError
    except ImportError:  # pragma: no cover
        return ErrorClass.FATAL, str(exc), None
    if isinstance(exc, ServiceRequestError | ServiceResponseError):
        return ErrorClass.RETRYABLE, f"could not reach ARM: {exc}", "check the network and resume"
    if isinstance(exc, HttpResponseError):
        code = (getattr(getattr(exc, "error", None), "code", None) or "").strip()
        status = exc.status_code or 0
        text = _one_line(getattr(getattr(exc, "error", None), "message", None) or exc.message or str(exc))
        message = f"{code}: {text}" if code else f"HTTP {status}: {text}"
        if status == 429 or status >= 500 or code in _RETRYABLE_CODES:
            return ErrorClass.RETRYABLE, message, RESUME_FIX
        if code in _USER_FIXES:
            return ErrorClass.USER, message, _USER_FIXES[code]
        if _is_lro_failure(exc):
            # An LRO that ended Failed/Canceled (InternalOperationError, OperationCanceled, ...) without a
            # user-fixable code: the resource is ours and tagged, so a resume reads it back and reconciles it.
            return ErrorClass.RETRYABLE, message, RESUME_FIX
        if status in (400, 401, 403, 404, 409):
            return ErrorClass.USER, message, "fix the plan or your permissions, then resume"
        return ErrorClass.FATAL, message, None
    return ErrorClass.FATAL, _one_line(f"{type(exc).__name__}: {exc}"), None


def _one_line(text: str) -> str:
    text = re.sub(r"\s+", " ", str(text)).strip()
    return text[:400]

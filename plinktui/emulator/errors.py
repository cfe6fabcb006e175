"""Every ARM error the emulator returns, as a named class: code, HTTP status and Azure's wording.

Handlers raise these; the server turns them into the ARM error envelope ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

from typing import Any


class ArmError(Exception):
    """An ARM error response."""

    status = 400
    code = "BadRequest"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 details: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.details = details
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The ARM error envelope."""
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            err["details"] = self.details
        return {"error": err}


class AuthenticationFailed(ArmError):
    status, code = 401, "AuthenticationFailed"


class AuthorizationFailed(ArmError):
    status, code = 403, "AuthorizationFailed"


class ResourceNotFound(ArmError):
    status, code = 404, "ResourceNotFound"


class NotFound(ArmError):
    status, code = 404, "NotFound"


class ResourceGroupNotFound(ArmError):
    status, code = 404, "ResourceGroupNotFound"


class SubscriptionNotFound(ArmError):
    status, code = 404, "SubscriptionNotFound"


class ParentResourceNotFound(ArmError):
    status, code = 404, "ParentResourceNotFound"


class InvalidRequestContent(ArmError):
    status, code = 400, "InvalidRequestContent"


class MissingApiVersion(ArmError):
    status, code = 400, "MissingApiVersionParameter"


class InvalidResourceType(ArmError):
    status, code = 400, "InvalidResourceType"


class InvalidResourceName(ArmError):
    status, code = 400, "InvalidResourceName"


class MethodNotAllowed(ArmError):
    status, code = 405, "HttpMethodNotAllowed"


class InvalidParameter(ArmError):
    status, code = 400, "InvalidParameter"


class LocationNotAvailable(ArmError):
    status, code = 400, "LocationNotAvailableForResourceType"


class InvalidResourceReference(ArmError):
    status, code = 400, "InvalidResourceReference"


class Conflict(ArmError):
    status, code = 409, "Conflict"


class InUse(ArmError):
    status, code = 400, "InUseSubnetCannotBeDeleted"


class AnotherOperationInProgress(ArmError):
    status, code = 409, "AnotherOperationInProgress"


class PreconditionFailed(ArmError):
    status, code = 412, "PreconditionFailed"


class TooManyRequests(ArmError):
    status, code = 429, "TooManyRequests"


class ServiceUnavailable(ArmError):
    status, code = 503, "ServiceUnavailable"


class InternalServerError(ArmError):
    status, code = 500, "InternalServerError"


class RequestTooLarge(ArmError):
    status, code = 413, "RequestEntityTooLarge"

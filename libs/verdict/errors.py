"""The one error base. Every error a client can see is a VerdictError subclass.

The gateway renders any of them as {"error", "error_code", "detail", "request_id"}.
`error` is the lowercase slug, `error_code` its upper-case twin for machines, and
`detail` a human sentence (JJI's CLI reads `detail`).
"""

from __future__ import annotations

from typing import Any, ClassVar


class VerdictError(Exception):
    """Base of every error Verdict reports to a client."""

    status: ClassVar[int] = 500
    error: ClassVar[str] = "internal_error"

    def __init__(self, detail: str = "", *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail or self.__class__.__doc__ or self.error
        self.extra = extra or {}

    @property
    def error_code(self) -> str:
        return self.error.upper()

    def body(self, request_id: str = "") -> dict[str, Any]:
        return {
            "error": self.error,
            "error_code": self.error_code,
            "detail": self.detail,
            "request_id": request_id,
            **self.extra,
        }


class BadRequest(VerdictError):
    """The request is malformed."""

    status = 400
    error = "bad_request"


class InvalidJSON(BadRequest):
    """The body is not valid JSON."""

    error = "invalid_json"


class InvalidInput(BadRequest):
    """The input document cannot be used (not XML, not JUnit, unsafe)."""

    error = "invalid_input"


class Unauthorized(VerdictError):
    """Authentication is required or failed."""

    status = 401
    error = "unauthorized"


class Forbidden(VerdictError):
    """The caller may not do this."""

    status = 403
    error = "forbidden"


class NotFound(VerdictError):
    """The resource does not exist."""

    status = 404
    error = "not_found"


class MethodNotAllowed(VerdictError):
    """The path exists but not with this method."""

    status = 405
    error = "method_not_allowed"


class Conflict(VerdictError):
    """The target is in a state that forbids this."""

    status = 409
    error = "conflict"


class PayloadTooLarge(VerdictError):
    """The body is larger than this server accepts."""

    status = 413
    error = "payload_too_large"


class UnsupportedMediaType(VerdictError):
    """The request body's encoding is not one this server reads."""

    status = 415
    error = "unsupported_media_type"


class ValidationFailed(VerdictError):
    """The body or query failed validation."""

    status = 422
    error = "validation_failed"


class RateLimited(VerdictError):
    """Too many requests."""

    status = 429
    error = "rate_limited"


class UpstreamError(VerdictError):
    """An upstream service (Jenkins, Jira, GitHub, an AI) failed."""

    status = 502
    error = "upstream_error"


class ServiceUnavailable(VerdictError):
    """A dependency (Postgres, Redis) is down."""

    status = 503
    error = "service_unavailable"


class JobStillRunning(VerdictError):
    """Not a failure: the answer (202) of an operation that needs a finished job, while
    the job is still pending, waiting or running. Its body is the seed's
    `{"status", "job_id", "detail"}`, not the error shape."""

    status = 202
    error = "still_running"

    def __init__(self, job_id: str, job_status: str) -> None:
        super().__init__("analysis still running")
        self.job_id, self.job_status = job_id, job_status

    def body(self, request_id: str = "") -> dict[str, Any]:
        return {"status": self.job_status, "job_id": self.job_id, "detail": self.detail}

"""Jira errors: one base under UpstreamError, typed subclasses per failure kind.

Each carries the upstream HTTP status (`jira_status`) so callers can log it, and
`retryable` / `retry_after` so the client's retry loop needs no status tables.
"""

from __future__ import annotations

from typing import Any

from verdict.errors import UpstreamError


class JiraError(UpstreamError):
    """Jira answered with an error or could not be reached."""

    error = "jira_error"
    retryable = False

    def __init__(
        self,
        detail: str = "",
        *,
        jira_status: int = 0,
        retry_after: float | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail, extra=extra)
        self.jira_status = jira_status
        self.retry_after = retry_after


class JiraUnauthorized(JiraError):
    """The Jira token is invalid, expired or lacks permission."""

    # The contract answers 401 for "Jira token invalid or expired" on create-jira-bug.
    status = 401
    error = "jira_unauthorized"


class JiraNotFound(JiraError):
    """The Jira resource (project, issue, endpoint) does not exist."""

    error = "jira_not_found"


class JiraBadRequest(JiraError):
    """Jira rejected the request (bad JQL, missing or invalid fields)."""

    error = "jira_bad_request"


class JiraRateLimited(JiraError):
    """Jira is rate limiting us; `retry_after` says for how long."""

    error = "jira_rate_limited"
    retryable = True


class JiraServerError(JiraError):
    """Jira failed with a 5xx."""

    error = "jira_server_error"


class JiraUnavailable(JiraServerError):
    """Jira answered 503: busy or in maintenance, worth another try."""

    error = "jira_unavailable"
    retryable = True


class JiraUnreachable(JiraError):
    """Jira could not be reached (DNS, TLS, connection, timeout)."""

    error = "jira_unreachable"

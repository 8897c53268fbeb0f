"""Jenkins errors: one base under UpstreamError, typed subclasses per failure kind.

Each carries the upstream HTTP status (`jenkins_status`, 0 when there was no
answer) so callers can log it without parsing the message.
"""

from __future__ import annotations

from typing import Any

from verdict.errors import UpstreamError


class JenkinsError(UpstreamError):
    """Jenkins answered with an error or sent something we cannot use."""

    error = "jenkins_error"

    def __init__(
        self, detail: str = "", *, jenkins_status: int = 0, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(detail, extra=extra)
        self.jenkins_status = jenkins_status


class JenkinsNotFound(JenkinsError):
    """The Jenkins job, build or resource does not exist."""

    # A job/build the caller named that Jenkins does not know is the caller's 404.
    status = 404
    error = "jenkins_not_found"


class JenkinsUnauthorized(JenkinsError):
    """Jenkins rejected the credentials (401) or denied access (403)."""

    # Stays a 502: the credentials are the server's (or the request's override),
    # and the caller's own authentication with Verdict was fine.
    error = "jenkins_unauthorized"


class JenkinsUnreachable(JenkinsError):
    """Jenkins could not be reached (DNS, TLS, connection refused, timeout)."""

    error = "jenkins_unreachable"


class JenkinsStreamInterrupted(JenkinsError):
    """The connection dropped part-way through a console or artifact download."""

    error = "jenkins_stream_interrupted"

"""GitHub errors: one base under UpstreamError (502), 401 for a rejected token."""

from __future__ import annotations

from verdict.errors import UpstreamError


class GitHubError(UpstreamError):
    """GitHub answered with an error or could not be reached."""

    error = "github_error"

    def __init__(self, detail: str = "", *, github_status: int = 0) -> None:
        super().__init__(detail)
        self.github_status = github_status


class GitHubUnauthorized(GitHubError):
    """The GitHub token is invalid or expired."""

    # The contract answers 401 for "GitHub token invalid or expired" on create-github-issue.
    status = 401
    error = "github_unauthorized"


class GitHubNotFound(GitHubError):
    """The repository or issue does not exist, or the token cannot see it."""

    error = "github_not_found"


class GitHubRateLimited(GitHubError):
    """GitHub's rate limit is exhausted for longer than we wait inside a request."""

    error = "github_rate_limited"


class GitHubUnreachable(GitHubError):
    """GitHub could not be reached (DNS, TLS, connection, timeout)."""

    error = "github_unreachable"

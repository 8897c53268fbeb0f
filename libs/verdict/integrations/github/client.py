"""A gidgethub aiohttp client that honours GitHub's rate limits and speaks our errors.

gidgethub does the wire work (headers, JSON, URI templates, RateLimit parsing). We add:
- a timeout and no redirects on each request (a redirect would carry the token on);
- rate limits from gidgethub's RateLimit: before a request, wait for the reset when the
  quota is spent and the reset is near (`max_wait_s`), else fail fast; after a 403/429
  rate-limit answer, retry once after Retry-After / the reset when that is near;
- one RateLimitBook per worker, so what one call learnt about a token's quota is known
  to the next call with the same token;
- gidgethub's exceptions translated into GitHubError subclasses.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import aiohttp
import gidgethub
import gidgethub.aiohttp
from gidgethub import sansio

from verdict.integrations.github.exceptions import (
    GitHubError,
    GitHubNotFound,
    GitHubRateLimited,
    GitHubUnauthorized,
    GitHubUnreachable,
)
from verdict.integrations.github.repos import Repo

USER_AGENT = "verdict"
RateLimitBook = dict[str, sansio.RateLimit]


class GitHubClient(gidgethub.aiohttp.GitHubAPI):
    def __init__(
        self,
        session: aiohttp.ClientSession,
        token: str = "",
        *,
        base_url: str = sansio.DOMAIN,
        timeout_s: float = 30.0,
        max_wait_s: float = 30.0,
        book: RateLimitBook | None = None,
    ) -> None:
        super().__init__(
            session, USER_AGENT, oauth_token=token or None, base_url=base_url.rstrip("/")
        )
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.max_wait_s = max_wait_s
        self._book = book if book is not None else {}
        self._book_key = hashlib.sha256(f"{self.base_url}\0{token}".encode()).hexdigest()
        self.rate_limit = self._book.get(self._book_key)

    async def _request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes = b""
    ) -> tuple[int, Mapping[str, str], bytes]:
        try:
            async with self._session.request(
                method,
                url,
                headers=dict(headers),
                data=body or None,
                timeout=self._timeout,
                allow_redirects=False,
            ) as resp:
                result = resp.status, resp.headers, await resp.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise GitHubUnreachable(f"GitHub unreachable: {type(exc).__name__}: {exc}") from exc
        limit = sansio.RateLimit.from_http(result[1])
        if limit is not None:
            self._book[self._book_key] = limit
        return result

    # --- rate limits (gidgethub's hooks) -------------------------------------------

    async def manage_rate_limit(self, *, method: str, url: str) -> None:
        limit = self.rate_limit
        # gidgethub counts this request down before calling us: below 0 means none left.
        if limit is None or limit.remaining >= 0:
            return
        wait = (limit.reset_datetime - datetime.now(UTC)).total_seconds()
        if wait <= 0:
            return
        if wait > self.max_wait_s:
            raise GitHubRateLimited(
                f"GitHub rate limit exhausted ({limit.limit}/hour) until "
                f"{limit.reset_datetime:%Y-%m-%d %H:%M:%S} UTC"
            )
        await self.sleep(wait)
        limit.remaining = limit.limit

    async def handle_rate_limit_error(
        self, *, method: str, url: str, exception: gidgethub.HTTPException, attempt: int
    ) -> bool:
        wait = rate_limit_wait(exception)
        if wait is None or attempt > 1 or wait > self.max_wait_s:
            return False
        await self.sleep(wait)
        return True

    # --- calls ---------------------------------------------------------------------

    async def call(self, method: str, url: str, **kwargs: Any) -> Any:
        """One API call with gidgethub's exceptions translated to ours."""
        try:
            if method == "GET":
                return await self.getitem(url, **kwargs)
            return await self.post(url, **kwargs)
        except gidgethub.HTTPException as exc:
            raise translate(exc) from exc
        except gidgethub.GitHubException as exc:
            raise GitHubError(f"GitHub answered unexpectedly: {exc}") from exc

    async def login(self) -> str:
        """The token's login name (GET /user)."""
        data = await self.call("GET", "/user")
        return str((data or {}).get("login") or "")

    async def search_issues(self, repo: Repo, terms: list[str], limit: int = 5) -> list[Any]:
        """Issues (not PRs) of `repo` mentioning any term, best match first."""
        words = " ".join(f'"{t}"' for t in terms if t)
        query = f"repo:{repo.full_name} is:issue {words}".strip()
        data = await self.call(
            "GET", "/search/issues{?q,per_page}", url_vars={"q": query, "per_page": limit}
        )
        items = (data or {}).get("items") or []
        return [i for i in items if isinstance(i, dict)][:limit]

    async def create_issue(
        self, repo: Repo, title: str, body: str, labels: list[str]
    ) -> dict[str, Any]:
        data = await self.call(
            "POST",
            "/repos/{owner}/{repo}/issues",
            url_vars={"owner": repo.owner, "repo": repo.name},
            data={"title": title, "body": body, "labels": labels},
        )
        return dict(data or {})

    async def issue_status(self, repo: Repo, kind: str, number: int) -> str:
        """open | closed for an issue; open | closed | merged for a pull request."""
        path = "pulls" if kind == "pull" else "issues"
        data = await self.call(
            "GET",
            f"/repos/{{owner}}/{{repo}}/{path}/{{number}}",
            url_vars={"owner": repo.owner, "repo": repo.name, "number": str(number)},
        )
        data = data or {}
        if kind == "pull" and (data.get("merged") or data.get("merged_at")):
            return "merged"
        return str(data.get("state") or "")


def rate_limit_wait(exc: gidgethub.HTTPException) -> float | None:
    """Seconds until a rate-limited request may be retried; None when it was no rate limit."""
    status = int(exc.status_code)
    headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
    if status not in (403, 429):
        return None
    if retry := headers.get("retry-after"):  # secondary rate limit
        try:
            return max(0.0, float(retry))
        except ValueError:
            return None
    if headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset"):
        try:
            return max(0.0, float(headers["x-ratelimit-reset"]) - time.time())
        except ValueError:
            return None
    return None


def translate(exc: gidgethub.HTTPException) -> GitHubError:
    status = int(exc.status_code)
    message = str(exc) or exc.status_code.phrase
    if status == 401:
        return GitHubUnauthorized(
            f"GitHub rejected the token (401): {message}", github_status=status
        )
    if rate_limit_wait(exc) is not None or isinstance(exc, gidgethub.RateLimitExceeded):
        return GitHubRateLimited(f"GitHub rate limit exceeded: {message}", github_status=status)
    if status == 404:
        return GitHubNotFound(
            f"GitHub: not found, or the token cannot see it (404): {message}",
            github_status=status,
        )
    if status == 403:
        return GitHubError(f"GitHub refused the request (403): {message}", github_status=status)
    return GitHubError(f"GitHub answered {status}: {message}", github_status=status)

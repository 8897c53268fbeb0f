"""Jira client logic over one abstract transport, in gidgethub's style.

Everything here is I/O-free except `_request` and `sleep`, which an adapter
(aiohttp.py) or a test supplies. Auth, pagination for both flavors and bounded
retries live here once.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from verdict.integrations.jira import sansio
from verdict.integrations.jira.exceptions import JiraError
from verdict.integrations.jira.models import (
    CreatedIssue,
    Issue,
    IssueDraft,
    Myself,
    Project,
    SecurityLevel,
)

# Waits when Jira gives no Retry-After (503 often does not).
BACKOFF_S: tuple[float, ...] = (1.0, 2.0, 4.0)
MAX_PROJECT_PAGES = 20  # 1,000 projects: plenty for a picker, bounded for a bad server


class JiraAPI(abc.ABC):
    def __init__(
        self,
        base_url: str,
        auth: sansio.Auth,
        *,
        max_retries: int = 3,
        max_wait_s: float = 30.0,
        backoff_s: Sequence[float] = BACKOFF_S,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.max_retries = max_retries
        # A Retry-After longer than this is not slept inside a worker slot: the error
        # goes up and the job is re-scheduled (arq `_defer_by`) by the caller.
        self.max_wait_s = max_wait_s
        self.backoff_s = tuple(backoff_s) or BACKOFF_S

    @property
    def flavor(self) -> sansio.Flavor:
        return self.auth.flavor

    @abc.abstractmethod
    async def _request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes = b""
    ) -> tuple[int, Mapping[str, str], bytes]:
        """Make one HTTP request; return (status, headers, body)."""

    @abc.abstractmethod
    async def sleep(self, seconds: float) -> None:
        """Wait, the way the event loop in use waits."""

    async def _call(self, request: sansio.Request) -> Any:
        """Send a request, retrying 429 and 503 a bounded number of times."""
        attempt = 0
        while True:
            status, headers, body = await self._request(*request)
            try:
                return sansio.decipher(status, headers, body)
            except JiraError as exc:
                if not exc.retryable or attempt >= self.max_retries:
                    raise
                wait = exc.retry_after
                if wait is None:
                    wait = self.backoff_s[min(attempt, len(self.backoff_s) - 1)]
                if wait > self.max_wait_s:
                    raise
                attempt += 1
                await self.sleep(wait)

    # --- search ------------------------------------------------------------------

    async def iter_issues(
        self,
        jql: str,
        fields: Sequence[str] = sansio.DEFAULT_FIELDS,
        limit: int | None = None,
        page_size: int = 50,
    ) -> AsyncIterator[Issue]:
        """Every issue the JQL finds (up to `limit`), fetching pages lazily."""
        page: str | int | None = None
        seen = 0
        while True:
            size = page_size if limit is None else max(1, min(page_size, limit - seen))
            request = sansio.search(self.auth, self.base_url, jql, fields, size, page)
            result = sansio.decode_search(self.flavor, await self._call(request))
            for issue in result.issues:
                yield issue
                seen += 1
                if limit is not None and seen >= limit:
                    return
            # An empty page with a "next" would loop forever on a misbehaving server.
            if result.next_page is None or not result.issues:
                return
            page = result.next_page

    async def search_issues(
        self, jql: str, fields: Sequence[str] = sansio.DEFAULT_FIELDS, limit: int = 50
    ) -> list[Issue]:
        return [issue async for issue in self.iter_issues(jql, fields, limit=limit)]

    # --- issues, projects, users ---------------------------------------------------

    async def create_issue(self, draft: IssueDraft) -> CreatedIssue:
        data = await self._call(sansio.create_issue(self.auth, self.base_url, draft))
        return sansio.decode_created(data)

    def browse_url(self, key: str) -> str:
        return sansio.browse_url(self.base_url, key)

    async def projects(self, query: str = "") -> list[Project]:
        found: list[Project] = []
        start: int | None = 0
        for _ in range(MAX_PROJECT_PAGES):
            if start is None:
                break
            request = sansio.projects(self.auth, self.base_url, query, start)
            page, start = sansio.decode_projects(self.flavor, await self._call(request), query)
            found.extend(page)
        return found

    async def security_levels(self, project_key: str) -> list[SecurityLevel]:
        request = sansio.security_levels(self.auth, self.base_url, project_key)
        return sansio.decode_security_levels(await self._call(request))

    async def security_level_id(self, project_key: str, name: str) -> str | None:
        """The id of the level called `name` (the contract passes names), or None."""
        wanted = name.strip().casefold()
        for level in await self.security_levels(project_key):
            if wanted in (level.name.casefold(), level.id):
                return level.id
        return None

    async def myself(self) -> Myself:
        """The token's user; the cheapest call that proves the credentials work."""
        data = await self._call(sansio.myself(self.auth, self.base_url))
        return sansio.decode_myself(self.flavor, data)

"""Cache of Jira searches, keyed by everything that decides the result.

Many groups of one build (and the next builds) ask the same question; Jira
rate-limits and answers in 100s of ms, so a search is reused for `ttl_s`. What Jira
answers depends on which Jira is asked and on whose credential asks (permissions,
security levels), so the key starts with a `search_scope`: the base URL and a hash of
the credential, never the credential itself. The interface is async so a Redis-backed
cache shared by all jira workers can replace the in-memory one; `encode_issues` /
`decode_issues` are its wire format.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol
from urllib.parse import urlsplit, urlunsplit

from verdict.integrations.jira.models import Issue
from verdict.integrations.jira.sansio import Auth, parse_datetime

__all__ = [
    "MemorySearchCache",
    "SearchCache",
    "SearchKey",
    "decode_issues",
    "encode_issues",
    "search_scope",
]


def search_scope(base_url: str, auth: Auth) -> str:
    """Which Jira, seen through whose credential: `<base url>#<credential hash>`.

    The hash (SHA-256 over flavor, email and token, with a purpose prefix, 32 hex
    characters kept) tells two credentials apart without the key holding either.
    """
    parts = urlsplit(base_url.strip())
    url = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), "", ""))
    material = "\x1f".join((auth.flavor.value, auth.email.casefold(), auth.token))
    digest = hashlib.sha256(b"verdict:jira-search-cache:" + material.encode()).hexdigest()
    return f"{url}#{digest[:32]}"


class SearchKey(NamedTuple):
    scope: str  # search_scope(base_url, auth): another Jira or credential, another key
    project_key: str
    keywords: frozenset[str]  # normalized (casefolded) terms: order does not matter
    issue_types: tuple[str, ...] = ("Bug",)

    def redis_key(self) -> str:
        """A stable string form for an external cache."""
        terms = "\x1f".join(sorted(self.keywords))
        types = ",".join(self.issue_types)
        return f"verdict:jira:search:{self.scope}:{self.project_key}:{types}:{terms}"


class SearchCache(Protocol):
    async def get(self, key: SearchKey) -> list[Issue] | None: ...

    async def set(self, key: SearchKey, issues: Sequence[Issue]) -> None: ...


class MemorySearchCache:
    """Per-worker cache: TTL plus an LRU bound so a long-lived worker stays small."""

    def __init__(
        self,
        ttl_s: float = 300.0,
        max_entries: int = 2048,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._data: OrderedDict[SearchKey, tuple[float, list[Issue]]] = OrderedDict()

    async def get(self, key: SearchKey) -> list[Issue] | None:
        hit = self._data.get(key)
        if hit is None:
            return None
        expires, issues = hit
        if expires <= self._clock():
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return list(issues)

    async def set(self, key: SearchKey, issues: Sequence[Issue]) -> None:
        if self.ttl_s <= 0:
            return
        self._data[key] = (self._clock() + self.ttl_s, list(issues))
        self._data.move_to_end(key)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


def encode_issues(issues: Sequence[Issue]) -> bytes:
    rows = [
        {
            "key": i.key,
            "id": i.id,
            "summary": i.summary,
            "description": i.description,
            "status": i.status,
            "status_category": i.status_category,
            "priority": i.priority,
            "issue_type": i.issue_type,
            "updated": i.updated.isoformat() if i.updated else None,
        }
        for i in issues
    ]
    return json.dumps(rows, separators=(",", ":")).encode()


def decode_issues(raw: bytes) -> list[Issue]:
    return [
        Issue(**{**row, "updated": parse_datetime(row.get("updated"))}) for row in json.loads(raw)
    ]

"""What a process keeps between requests: encoded results, dashboard pages, job statistics,
and a few "at most every N seconds" clocks. One `Caches` per process (on its Deps), never a
module global: two applications in one process (tests) never share an entry.

Every cached answer is only served after Postgres confirmed, in the request's own query,
that the rows it is made of are unchanged (see verdict.services.results and .statistics).
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from verdict.storage.results import DashboardPage


@dataclass(frozen=True)
class CachedResult:
    """One finished result as sent: its JSON body, and that body gzipped (when large)."""

    version: str
    status: int
    body: bytes
    gzipped: bytes | None = None


class ResultCache:
    """The encoded answers of recently read finished results, least recently used out
    first, up to `max_bytes`. An entry is only ever served after Postgres confirmed that
    its version is the row's current one."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024, max_entry: int = 8 * 1024 * 1024):
        self.max_bytes, self.max_entry = max_bytes, max_entry
        self._entries: OrderedDict[uuid.UUID, CachedResult] = OrderedDict()
        self._bytes = 0

    def get(self, job_id: uuid.UUID) -> CachedResult | None:
        found = self._entries.get(job_id)
        if found is not None:
            self._entries.move_to_end(job_id)
        return found

    def put(self, job_id: uuid.UUID, entry: CachedResult) -> None:
        self.drop(job_id)
        if len(entry.body) > self.max_entry:
            return
        self._entries[job_id] = entry
        self._bytes += _size(entry)
        while self._bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= _size(evicted)

    def drop(self, job_id: uuid.UUID) -> None:
        old = self._entries.pop(job_id, None)
        if old is not None:
            self._bytes -= _size(old)


def _size(entry: CachedResult) -> int:
    return len(entry.body) + len(entry.gzipped or b"")


class DashboardCache:
    """The first dashboard page per limit, with the version it was read at (a few limits)."""

    MAX_LIMITS = 8

    def __init__(self) -> None:
        self._pages: dict[int, DashboardPage] = {}

    def get(self, limit: int) -> DashboardPage | None:
        return self._pages.get(limit)

    def put(self, limit: int, page: DashboardPage) -> None:
        if limit not in self._pages and len(self._pages) >= self.MAX_LIMITS:
            self._pages.pop(next(iter(self._pages)))
        self._pages[limit] = page


StatsKey = tuple[str, uuid.UUID | None, int]  # (job name, excluded job, window)


@dataclass(frozen=True)
class HeldStats:
    version: int | None
    payload: dict[str, Any] | None  # None: no completed builds


class StatsCache:
    """A job name's statistics per (name, excluded job, window), least recently used out."""

    MAX_ENTRIES = 1024

    def __init__(self) -> None:
        self._held: OrderedDict[StatsKey, HeldStats] = OrderedDict()

    def get(self, key: StatsKey) -> HeldStats | None:
        held = self._held.get(key)
        if held is not None:
            self._held.move_to_end(key)
        return held

    def put(self, key: StatsKey, held: HeldStats) -> None:
        self._held[key] = held
        self._held.move_to_end(key)
        while len(self._held) > self.MAX_ENTRIES:
            self._held.popitem(last=False)


class Throttle:
    """Says yes at most once per `every_s` per key (a bounded memory of keys)."""

    def __init__(self, every_s: float, max_keys: int = 10_000) -> None:
        self.every_s, self.max_keys = every_s, max_keys
        self._last: dict[str, float] = {}

    def due(self, key: str = "") -> bool:
        now = time.monotonic()
        last = self._last.get(key)
        if last is not None and now - last < self.every_s:
            return False
        if len(self._last) >= self.max_keys:
            self._last.clear()
        self._last[key] = now
        return True


@dataclass
class Caches:
    results: ResultCache = field(default_factory=ResultCache)
    dashboards: DashboardCache = field(default_factory=DashboardCache)
    stats: StatsCache = field(default_factory=StatsCache)
    # Usernames seen in cookies are written at most once a minute per name, so reads stay
    # free of writes (GET /api/admin/users lists them).
    seen_usernames: Throttle = field(default_factory=lambda: Throttle(60.0))
    # Expired idempotency keys are purged at most every ten minutes.
    idempotency_purge: Throttle = field(default_factory=lambda: Throttle(600.0))
    # "Redis is down" is logged at most every 30 seconds.
    redis_warning: Throttle = field(default_factory=lambda: Throttle(30.0))

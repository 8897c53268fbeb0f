"""Load for the chaos suite: jobs submitted at a steady rate, reads beside them, every
answer counted; then what became of each accepted job, read from Postgres itself."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import asyncpg

# Messages the builtin classifier tells apart, so each job does real grouping work.
CAUSES = (
    "AssertionError: expected 200 but got 500 from POST /api/orders/{n}",
    "ConnectionRefusedError: [Errno 111] Connection refused to db-{n}.internal:5432",
    "TimeoutError: page element #submit-{n} not visible after 30s",
    "KeyError: 'customer_{n}'",
    # A word per job (numbers are normalized away): its own PRODUCT BUG group, its own
    # Jira search, so the jira_enricher's cache does not hide the work.
    "AssertionError: POST /api/{w} returned 500 Internal Server Error (request {n})",
)


def _word(job: int) -> str:
    letters = ""
    while True:
        job, digit = divmod(job, 26)
        letters += chr(ord("a") + digit)
        if not job:
            return "orders" + letters


def failures_body(job: int, size: int, **extra: Any) -> dict[str, Any]:
    failures = [
        {
            "test_name": f"chaos.job{job}.test_{i}",
            "error_message": CAUSES[i % len(CAUSES)].format(n=job * 1000 + i, w=_word(job)),
            "stack_trace": f'  File "tests/test_{i % 7}.py", line {10 + i % 50}, in test_{i}',
        }
        for i in range(size)
    ]
    return {"failures": failures, **extra}


@dataclass
class Tally:
    """Every answer the load got, by status; the job ids the gateway accepted."""

    statuses: Counter[int] = field(default_factory=Counter)
    connection_errors: int = 0
    accepted: list[uuid.UUID] = field(default_factory=list)
    submitted: int = 0
    slowest_s: float = 0.0

    def record(self, status: int, seconds: float) -> None:
        self.statuses[status] += 1
        self.slowest_s = max(self.slowest_s, seconds)

    @property
    def five_xx(self) -> int:
        return sum(n for s, n in self.statuses.items() if s >= 500 and s != 503)

    @property
    def unavailable(self) -> int:
        return self.statuses[503]


class Load:
    """`rate` jobs/s of `size` failures each, plus `readers` clients reading results."""

    def __init__(
        self,
        base_url: str,
        *,
        rate: float = 4.0,
        size: int = 60,
        readers: int = 2,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.base_url = base_url
        self.rate = rate
        self.size = size
        self.readers = readers
        self.extra = extra or {}
        self.tally = Tally()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._counter = itertools.count()
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Load:
        timeout = aiohttp.ClientTimeout(total=30)
        self._session = aiohttp.ClientSession(timeout=timeout)
        self._tasks = [asyncio.create_task(self._submit_loop())]
        self._tasks += [asyncio.create_task(self._read_loop()) for _ in range(self.readers)]
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session:
            await self._session.close()
            self._session = None

    async def submit_one(self) -> None:
        assert self._session is not None
        job = next(self._counter)
        self.tally.submitted += 1
        started = time.monotonic()
        try:
            async with self._session.post(
                f"{self.base_url}/analyze-failures?wait=false",
                json=failures_body(job, self.size, **self.extra),
            ) as answer:
                body = await answer.json(content_type=None) if answer.status < 300 else None
                self.tally.record(answer.status, time.monotonic() - started)
        except (TimeoutError, aiohttp.ClientError):
            self.tally.connection_errors += 1
            return
        if body and body.get("job_id"):
            self.tally.accepted.append(uuid.UUID(body["job_id"]))

    async def submit_burst(self, count: int) -> None:
        await asyncio.gather(*(self.submit_one() for _ in range(count)))

    async def _submit_loop(self) -> None:
        interval = 1.0 / self.rate if self.rate > 0 else None
        pending: set[asyncio.Task[None]] = set()
        while interval and not self._stop.is_set():
            task = asyncio.create_task(self.submit_one())
            pending.add(task)
            task.add_done_callback(pending.discard)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), interval)
        await asyncio.gather(*pending, return_exceptions=True)

    async def _read_loop(self) -> None:
        assert self._session is not None
        paths = itertools.cycle(["/results?limit=5", "/health", "/history/failures?limit=5"])
        while not self._stop.is_set():
            path = next(paths)
            if self.tally.accepted and path == "/health":
                path = f"/results/{self.tally.accepted[-1]}"
            started = time.monotonic()
            try:
                async with self._session.get(self.base_url + path) as answer:
                    await answer.read()
                    self.tally.record(answer.status, time.monotonic() - started)
            except (TimeoutError, aiohttp.ClientError):
                self.tally.connection_errors += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), 0.25)


@dataclass
class Outcome:
    completed: int = 0
    failed: int = 0
    lost: int = 0
    duplicated: int = 0
    stuck: int = 0
    failed_errors: Counter[str] = field(default_factory=Counter)

    @property
    def finished(self) -> int:
        return self.completed + self.failed


outcome_sql = """
SELECT j.id, j.status, j.error,
       (SELECT count(*) FROM failures f WHERE f.job_id = j.id) AS stored
FROM jobs j WHERE j.id = ANY($1::uuid[])
"""


async def outcome(database_url: str, accepted: list[uuid.UUID], expected_rows: int) -> Outcome:
    """What became of each accepted job: terminal, stuck, absent, or stored twice."""
    conn = await asyncpg.connect(database_url, timeout=5)
    try:
        rows = await conn.fetch(outcome_sql, accepted)
    finally:
        await conn.close()
    found = {r["id"]: r for r in rows}
    result = Outcome(lost=len(set(accepted) - set(found)))
    for row in found.values():
        if row["status"] == "completed":
            result.completed += 1
        elif row["status"] == "failed":
            result.failed += 1
            result.failed_errors[(row["error"] or "")[:80]] += 1
        else:
            result.stuck += 1
        if row["stored"] > expected_rows:
            result.duplicated += 1
    return result


async def wait_settled(
    database_url: str, accepted: list[uuid.UUID], expected_rows: int, bound_s: float
) -> tuple[Outcome, float]:
    """Poll until every accepted job is terminal or `bound_s` passed; the outcome and
    how long settling took."""
    started = time.monotonic()
    while True:
        try:
            found = await outcome(database_url, accepted, expected_rows)
        except (OSError, asyncpg.PostgresError):
            found = None
        elapsed = time.monotonic() - started
        if found is not None and (found.stuck == 0 or elapsed >= bound_s):
            return found, elapsed
        if elapsed >= bound_s + 30:  # Postgres itself never came back
            return Outcome(stuck=len(accepted)), elapsed
        await asyncio.sleep(1.0)

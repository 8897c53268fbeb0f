"""Counts for /metrics: jobs by status (cheap: the unfinished-jobs index)."""

from __future__ import annotations

from verdict.storage.pool import Conn

select_job_counts = "select status, count(*) as n from jobs group by status"


async def job_counts(conn: Conn) -> dict[str, int]:
    return {row["status"]: row["n"] for row in await conn.fetch(select_job_counts)}

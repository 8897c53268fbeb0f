"""Earlier answers for a signature: human overrides first, then recent confident AI work."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from verdict.storage.pool import Conn

# The newest visible human override of each signature (PUT override-classification).
select_human = """
select distinct on (error_signature)
       error_signature, classification, created_by, created_at, job_id, reason
  from classifications
 where kind = 'primary' and visible and created_by <> 'ai'
   and error_signature = any($1::text[])
 order by error_signature, created_at desc
"""

# The newest confident AI analysis of each signature within the reuse window.
select_history = """
select distinct on (a.signature)
       a.signature, a.classification, a.details, a.evidence, a.code_fix,
       a.product_bug_report, a.confidence, a.provider, a.model, a.job_id, a.created_at
  from analyses a
  join jobs j on j.id = a.job_id and j.status = 'completed'
 where a.signature = any($1::text[])
   and a.source = 'ai'
   and a.confidence >= $2
   and a.created_at >= now() - make_interval(secs => $3)
   and a.job_id <> $4
 order by a.signature, a.created_at desc
"""


async def human_classifications(conn: Conn, signatures: Sequence[str]) -> dict[str, asyncpg.Record]:
    rows = await conn.fetch(select_human, list(signatures))
    return {row["error_signature"]: row for row in rows}


async def recent_ai_analyses(
    conn: Conn,
    signatures: Sequence[str],
    *,
    min_confidence: float,
    window_s: float,
    exclude_job: Any,
) -> dict[str, asyncpg.Record]:
    rows = await conn.fetch(
        select_history, list(signatures), min_confidence, float(window_s), exclude_job
    )
    return {row["signature"]: row for row in rows}


insert_usage = """
insert into ai_usage (job_id, provider, model, purpose, input_tokens, output_tokens, cost_usd,
                      reused)
values ($1, $2, $3, $4, $5, $6, $7, $8)
"""


async def record_usage(
    conn: Conn,
    job_id: Any,
    rows: Sequence[tuple[str, str, str, int, int, float, bool]],
) -> None:
    """One row per AI call made (reused=false) or avoided by reuse (reused=true)."""
    await conn.executemany(insert_usage, [(job_id, *row) for row in rows])


select_usage = """
select date_trunc('day', created_at)::date as day, provider, model,
       count(*) filter (where not reused) as calls,
       count(*) filter (where reused) as reuse_hits,
       coalesce(sum(input_tokens), 0) as input_tokens,
       coalesce(sum(output_tokens), 0) as output_tokens,
       coalesce(sum(cost_usd), 0)::float8 as cost_usd
  from ai_usage
 where created_at >= now() - make_interval(days => $1)
 group by 1, 2, 3
 order by 1 desc, 2, 3
"""


async def usage_by_day(conn: Conn, days: int) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(select_usage, days)
    return rows


# One row per provider and model; reused rows are the calls reuse avoided.
select_ai_usage = """
select provider, model,
       count(*) filter (where not reused) as calls,
       count(*) filter (where reused) as reused,
       coalesce(sum(input_tokens), 0) as input_tokens,
       coalesce(sum(output_tokens), 0) as output_tokens,
       coalesce(sum(cost_usd), 0) as cost_usd
from ai_usage group by provider, model order by provider, model
"""


async def ai_usage_totals(conn: Conn) -> list[dict[str, Any]]:
    """All-time sums per provider and model, for /metrics."""
    return [dict(row) for row in await conn.fetch(select_ai_usage)]

"""Classifications: history labels (FLAKY, KNOWN_BUG, ...) and primary classifications
(human overrides), mirrored into the failure history they label.
"""

from __future__ import annotations

import uuid

import asyncpg

from verdict.history.cursor import PageRequest
from verdict.storage.pool import Conn

# --- classifications ------------------------------------------------------------------

insert_history_label = """
insert into classifications (kind, test_name, job_name, parent_job_name, classification,
                             reason, references_info, created_by, job_id, child_build_number,
                             visible)
select 'history', $2, $3, j.job_name, $4, $5, $6, $7, j.id, $8, $9
  from jobs j where j.id = $1
returning id
"""
# Child build 0 under a child job name is a wildcard over that child's builds.
mirror_label = """
update failures set classification = $5
 where job_id = $1 and test_name = $2 and child_job_name = $3
   and (case when $4::integer = 0 and $3 <> '' then child_build_number > 0
             else child_build_number = $4 end)
"""


async def add_label(
    conn: Conn,
    job_id: uuid.UUID,
    *,
    test_name: str,
    job_name: str,
    classification: str,
    reason: str,
    references: str,
    created_by: str,
    child_build_number: int,
    visible: bool,
) -> int | None:
    """Store a history label; a visible one is mirrored into the history at once."""
    async with conn.transaction():
        label_id: int | None = await conn.fetchval(
            insert_history_label,
            job_id,
            test_name,
            job_name,
            classification,
            reason,
            references,
            created_by,
            child_build_number,
            visible,
        )
        if label_id is not None and visible:
            await conn.execute(
                mirror_label, job_id, test_name, job_name, child_build_number, classification
            )
    return label_id


# The latest hidden label per (test, child job, child build) wins.
reveal_labels = """
with shown as (
    update classifications set visible = true
     where job_id = $1 and not visible
    returning id, test_name, job_name, child_build_number, classification, created_at
), latest as (
    select distinct on (test_name, job_name, child_build_number)
           test_name, job_name, child_build_number, classification
      from shown order by test_name, job_name, child_build_number, created_at desc, id desc
)
update failures f set classification = l.classification
  from latest l
 where f.job_id = $1 and f.test_name = l.test_name and f.child_job_name = l.job_name
   and (case when l.child_build_number = 0 and l.job_name <> '' then f.child_build_number > 0
             else f.child_build_number = l.child_build_number end)
"""


async def reveal_labels_for_job(conn: Conn, job_id: uuid.UUID) -> None:
    """Make a job's AI-authored labels visible once its analysis is saved (the analyzer
    calls this in the transaction that completes the job)."""
    await conn.execute(reveal_labels, job_id)


def _sql(base: str, clauses: list[str], tail: str) -> str:
    return base + (" where " + " and ".join(clauses) if clauses else "") + tail


_label_columns = """
select id, test_name, job_name, parent_job_name, classification, reason, references_info,
       created_by, job_id, child_build_number, created_at
  from classifications
"""
_label_filters = {
    "test_name": "test_name = {p}",
    "classification": "classification = {p}",
    "job_name": "job_name = {p}",
    "parent_job_name": "parent_job_name = {p}",
    "job_id": "job_id = {p}",
}
_primary_visible = (
    "kind = 'primary' and visible and classification in "
    "('CODE ISSUE', 'PRODUCT BUG', 'INFRASTRUCTURE')"
)


async def list_primary_labels(
    conn: Conn, filters: dict[str, object], request: PageRequest
) -> list[asyncpg.Record]:
    """Visible primary classifications newest first: `limit + 1` rows in travel order."""
    clauses, args = [_primary_visible], []
    for name, value in filters.items():
        if value:
            args.append(value)
            clauses.append(_label_filters[name].format(p=f"${len(args)}"))
    order = " order by created_at desc, id desc"
    key = request.key
    if key is not None:
        op = ">" if request.backwards else "<"
        clauses.append(f"(created_at, id) {op} (${len(args) + 1}, ${len(args) + 2})")
        args += [key.at, int(key.id)]
        if request.backwards:
            order = " order by created_at, id"
    sql = _sql(_label_columns, clauses, f"{order} limit ${len(args) + 1}")
    rows: list[asyncpg.Record] = await conn.fetch(sql, *args, request.limit + 1)
    return rows

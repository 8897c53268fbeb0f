"""Comments, reviews and classification overrides on a stored job's failures.

Child scope: `child_build_number = 0` with a child job name is a wildcard when
looking a failure up; what is stored is what the caller sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import asyncpg

from verdict.history.cursor import PageRequest
from verdict.storage import jobs
from verdict.storage.pool import Conn

_failure_match = """
  from failures f
 where f.job_id = $1 and f.test_name = $2 and f.child_job_name = $3
   and ($4::integer = 0 or f.child_build_number = $4)
"""

# One insert for every comment. A person's comment copies its failure's signature in the
# same statement, so a comment racing an override or a delete either finds the failure or
# is a clean 404 (no row). A comment that links a created issue brings its signature ($7).
insert_comment = (
    """
insert into comments (job_id, test_name, child_job_name, child_build_number, comment,
                      error_signature, username)
select $1, $2, $3, $4, $5, coalesce($7::text, f.error_signature), $6
  from (select 1) one
  left join lateral (select f.error_signature"""
    + _failure_match
    + """
 order by f.child_build_number limit 1) f on true
 where $7::text is not null or f.error_signature is not null
returning id
"""
)


async def add_comment(
    conn: Conn,
    job_id: uuid.UUID,
    *,
    test_name: str,
    child_job_name: str,
    child_build_number: int,
    comment: str,
    username: str,
    error_signature: str | None = None,
) -> int | None:
    """The new comment's id; None when the job has no such failure (and no signature
    was given)."""
    comment_id: int | None = await conn.fetchval(
        insert_comment,
        job_id,
        test_name,
        child_job_name,
        child_build_number,
        comment,
        username,
        error_signature,
    )
    return comment_id


select_comment_texts = "select id, comment from comments where job_id = $1 order by id"


async def comment_texts(conn: Conn, job_id: uuid.UUID) -> list[asyncpg.Record]:
    """Every comment's id and text, oldest first (to find the issues they link)."""
    rows: list[asyncpg.Record] = await conn.fetch(select_comment_texts, job_id)
    return rows


delete_any_comment = "delete from comments where id = $1 and job_id = $2 returning id"
delete_own_comment = (
    "delete from comments where id = $1 and job_id = $2 and username = $3 returning id"
)


async def delete_comment(
    conn: Conn, job_id: uuid.UUID, comment_id: int, *, owner: str | None
) -> bool:
    """Delete one comment; `owner=None` (an admin) deletes anyone's."""
    if owner is None:
        deleted = await conn.fetchval(delete_any_comment, comment_id, job_id)
    else:
        deleted = await conn.fetchval(delete_own_comment, comment_id, job_id, owner)
    return deleted is not None


_comment_columns = """
select id, job_id, test_name, child_job_name, child_build_number, comment, error_signature,
       username, created_at
  from comments
"""
select_comments_all = _comment_columns + " where job_id = $1 order by created_at, id"
# Comments read oldest first, so `after` a cursor means newer.
select_comments_first = _comment_columns + " where job_id = $1 order by created_at, id limit $2"
select_comments_after = (
    _comment_columns
    + " where job_id = $1 and (created_at, id) > ($3, $4) order by created_at, id limit $2"
)
select_comments_before = (
    _comment_columns
    + " where job_id = $1 and (created_at, id) < ($3, $4)"
    + " order by created_at desc, id desc limit $2"
)


async def list_comments(
    conn: Conn, job_id: uuid.UUID, request: PageRequest | None
) -> list[asyncpg.Record]:
    """All of a job's comments oldest first, or `limit + 1` of them in travel order."""
    if request is None:
        rows: list[asyncpg.Record] = await conn.fetch(select_comments_all, job_id)
        return rows
    key = request.key
    if key is None:
        rows = await conn.fetch(select_comments_first, job_id, request.limit + 1)
        return rows
    sql = select_comments_before if request.backwards else select_comments_after
    rows = await conn.fetch(sql, job_id, request.limit + 1, key.at, int(key.id))
    return rows


select_reviews = """
select test_name, child_job_name, child_build_number, reviewed, username, updated_at
  from reviews where job_id = $1
"""


async def list_reviews(conn: Conn, job_id: uuid.UUID) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(select_reviews, job_id)
    return rows


# One upsert per click: two reviewers racing each leave a whole row, the last one wins.
upsert_review = (
    """
insert into reviews (job_id, test_name, child_job_name, child_build_number, reviewed,
                     username, updated_at)
select $1, $2, $3, $4, $5, $6, now()
 where exists (select 1 """
    + _failure_match
    + """)
on conflict (job_id, child_job_name, child_build_number, test_name)
do update set reviewed = excluded.reviewed, username = excluded.username,
              updated_at = excluded.updated_at
returning reviewed
"""
)


async def set_reviewed(
    conn: Conn,
    job_id: uuid.UUID,
    *,
    test_name: str,
    child_job_name: str,
    child_build_number: int,
    reviewed: bool,
    username: str,
) -> bool:
    """False when the job has no such failure."""
    done = await conn.fetchval(
        upsert_review, job_id, test_name, child_job_name, child_build_number, reviewed, username
    )
    return done is not None


# --- overrides -----------------------------------------------------------------------

# NO KEY UPDATE: serialises overrides of one job without blocking comment and review
# inserts, whose foreign-key checks take KEY SHARE on the same row.
lock_job = "select job_name, result from jobs where id = $1 for no key update"

select_override_signature = """
select error_signature from failures
 where job_id = $1 and test_name = $2 and child_job_name = $3 and child_build_number = $4
 limit 1
"""

update_group_failures = """
update failures set classification = $5
 where job_id = $1 and error_signature = $2 and child_job_name = $3
   and child_build_number = $4
returning test_name
"""

update_test_failures = """
update failures set classification = $5
 where job_id = $1 and test_name = $2 and child_job_name = $3 and child_build_number = $4
returning test_name
"""

update_group_analysis = """
update analyses set classification = $5, source = 'human'
 where job_id = $1 and signature = $2 and child_job_name = $3 and child_build_number = $4
"""

insert_override_rows = """
insert into classifications (kind, test_name, job_name, parent_job_name, classification,
                             reason, created_by, job_id, child_build_number,
                             error_signature, visible)
select 'primary', t, $3, $4, $5, 'User override', $6, $1, $7, $8, true
  from unnest($2::text[]) as t
"""


async def override_classification(
    conn: Conn,
    job_id: uuid.UUID,
    *,
    test_name: str,
    child_job_name: str,
    child_build_number: int,
    classification: str,
    username: str,
) -> tuple[str, list[str]] | None:
    """Reclassify the test's whole signature group in this job, everywhere it is stored.
    Returns the group's (signature, tests).

    History rows, the group's analysis, one primary classification per test of the
    group, and the stored result, in one transaction. None when there is no such failure.
    """
    async with conn.transaction():
        job = await conn.fetchrow(lock_job, job_id)
        if job is None:
            return None
        scope = (child_job_name, child_build_number)
        signature = await conn.fetchval(select_override_signature, job_id, test_name, *scope)
        if signature is None:
            return None
        if signature:
            rows = await conn.fetch(
                update_group_failures, job_id, signature, *scope, classification
            )
            await conn.execute(update_group_analysis, job_id, signature, *scope, classification)
        else:
            rows = await conn.fetch(update_test_failures, job_id, test_name, *scope, classification)
        group = list(dict.fromkeys(r["test_name"] for r in rows))
        await conn.execute(
            insert_override_rows,
            job_id,
            group,
            child_job_name,
            job["job_name"],
            classification,
            username,
            child_build_number,
            signature,
        )
        result = job["result"]
        if isinstance(result, dict):
            patch_result(result, set(group), classification, child_job_name, child_build_number)
            await jobs.replace_result(conn, job_id, result)
    return signature, group


def patch_result(
    result: dict[str, Any],
    tests: set[str],
    classification: str,
    child_job_name: str,
    child_build_number: int,
) -> None:
    """Set the classification of `tests` in the stored result's matching scope, in place."""
    if not child_job_name:
        _patch_failures(result.get("failures"), tests, classification)
        return
    _patch_children(
        result.get("child_job_analyses"), tests, classification, child_job_name, child_build_number
    )


def _patch_children(
    children: Any, tests: set[str], classification: str, name: str, build: int
) -> None:
    for child in children if isinstance(children, list) else []:
        if not isinstance(child, dict):
            continue
        if child.get("job_name") == name and child.get("build_number") == build:
            _patch_failures(child.get("failures"), tests, classification)
        _patch_children(child.get("failed_children"), tests, classification, name, build)


def _patch_failures(failures: Any, tests: set[str], classification: str) -> None:
    for failure in _dicts(failures):
        analysis = failure.get("analysis")
        if failure.get("test_name") not in tests or not isinstance(analysis, dict):
            continue
        analysis["classification"] = classification
        # A CODE ISSUE has no bug report, a PRODUCT BUG no code fix, INFRASTRUCTURE neither.
        if classification != "PRODUCT BUG":
            analysis["product_bug_report"] = False
        if classification != "CODE ISSUE":
            analysis["code_fix"] = False
        analysis["source"] = "human"


def _dicts(items: Any) -> Iterable[dict[str, Any]]:
    return (i for i in items if isinstance(i, dict)) if isinstance(items, list) else ()

"""What the tracker flows read and write: a job's stored result, and issue-link comments."""

from __future__ import annotations

import uuid

import asyncpg

from verdict.storage.pool import Conn

select_tracker_job = """
select id, kind, status, job_name, build_number, jenkins_url, result
  from jobs where id = $1
"""


async def get_job(conn: Conn, job_id: uuid.UUID) -> asyncpg.Record | None:
    """The job's status and stored result (overrides are already applied to it)."""
    row: asyncpg.Record | None = await conn.fetchrow(select_tracker_job, job_id)
    return row


insert_issue_comment = """
insert into comments (job_id, test_name, child_job_name, child_build_number, comment,
                      error_signature, username)
values ($1, $2, $3, $4, $5, $6, $7)
returning id
"""


async def add_issue_comment(
    conn: Conn,
    job_id: uuid.UUID,
    *,
    test_name: str,
    child_job_name: str,
    child_build_number: int,
    comment: str,
    error_signature: str,
    username: str,
) -> int:
    """The comment that links a created issue back to the report; its id."""
    comment_id: int = await conn.fetchval(
        insert_issue_comment,
        job_id,
        test_name,
        child_job_name,
        child_build_number,
        comment,
        error_signature,
        username,
    )
    return comment_id


select_job_comments = "select id, comment from comments where job_id = $1 order by id"


async def job_comments(conn: Conn, job_id: uuid.UUID) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(select_job_comments, job_id)
    return rows

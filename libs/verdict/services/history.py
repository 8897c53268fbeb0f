"""The failure history: failure pages, one test's history, a signature's occurrences,
history labels (classify) and the primary classifications list.

Answers carry `Raw` pieces: JSON Postgres wrote (json_agg), spliced in unparsed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from verdict.contracts.envelope import timestamp
from verdict.contracts.history import ClassifyTestRequest
from verdict.contracts.json_text import Raw, jsonable
from verdict.errors import NotFound
from verdict.history import cursor
from verdict.history.flakiness import flakiness
from verdict.history.trend import failure_rate
from verdict.services.deps import Deps
from verdict.services.identity import Identity
from verdict.storage import history as repo
from verdict.storage import labels as labels_repo
from verdict.storage import statistics as statistics_repo

COMMENTS_LIMIT = 100


@dataclass(frozen=True)
class FailuresQuery:
    """`limit`/`offset` pages (the seed), or cursor pages when `page` has a key."""

    filters: repo.FailureFilter
    limit: int
    offset: int
    page: cursor.PageRequest


async def failures(deps: Deps, query: FailuresQuery) -> dict[str, Any]:
    page, limit, offset = query.page, query.limit, query.offset
    keyset = page.key is not None
    async with deps.pool.acquire() as conn:
        if keyset:
            found = await repo.failures_page(conn, query.filters, size=page.limit, request=page)
        else:
            found = await repo.failures_page(conn, query.filters, size=limit, offset=offset)
    first = cursor.Key(*found.first) if found.first else None
    last = cursor.Key(*found.last) if found.last else None
    if keyset:
        info = cursor.page_info(page, more=found.fetched > page.limit, first=first, last=last)
    else:
        more = found.fetched > limit
        info = {
            "has_more": more,
            "next_cursor": cursor.encode(last) if last and more else None,
            "prev_cursor": cursor.encode(first) if first and offset else None,
        }
    return {
        "failures": Raw(found.rows),
        "total": found.total,
        "offset": 0 if keyset else offset,
        "limit": limit,
        "pagination": info,
    }


async def test_history(
    deps: Deps,
    test_name: str,
    *,
    job_name: str,
    exclude: uuid.UUID | None,
    limit: int,
    window: int,
) -> dict[str, Any]:
    async with deps.pool.acquire() as conn:
        row = await statistics_repo.test_history(
            conn,
            test_name,
            job_name,
            exclude,
            recent=limit,
            comments=COMMENTS_LIMIT,
            window=window,
        )
    if row["failure_rows"] == 0:
        return _never_failed(test_name)
    failed = row["failed_builds"]
    builds = row["builds_run"]
    if builds is None:
        total_runs, passes, rate = failed, None, None
        note = (
            "Pass counts need per-build totals; none are stored for this test's jobs, "
            "so only failures are counted."
        )
    else:
        total_runs = max(builds, failed)
        passes, rate = total_runs - failed, failure_rate(failed, total_runs)
        note = (
            "Runs are the analysed builds of the job(s) this test fails in that stored "
            "totals; passes are those builds minus the builds where it failed."
        )
    flaky: dict[str, Any] | None = None
    streak = 0
    if row["window_job"]:
        positions = list(row["failed_positions"])
        measured = flakiness(row["window_builds"], positions, row["retry_passes"])
        flaky = {"job_name": row["window_job"], **measured.as_json()}
        while streak in set(positions):
            streak += 1
    return {
        "test_name": test_name,
        "total_runs": total_runs,
        "failures": failed,
        "passes": passes,
        "failure_rate": rate,
        "first_seen": timestamp(row["first_seen"]),
        "last_seen": timestamp(row["last_seen"]),
        "last_classification": row["last_classification"] or "",
        "classifications": Raw(row["classifications"]),
        "recent_runs": Raw(row["recent_runs"]),
        "comments": Raw(row["comments"]),
        "consecutive_failures": streak,
        "note": note,
        "flakiness": flaky,
    }


def _never_failed(test_name: str) -> dict[str, Any]:
    return {
        "test_name": test_name,
        "total_runs": 0,
        "failures": 0,
        "passes": 0,
        "failure_rate": 0.0,
        "first_seen": None,
        "last_seen": None,
        "last_classification": "",
        "classifications": {},
        "recent_runs": [],
        "comments": [],
        "consecutive_failures": 0,
        "note": "No failure records found for this test.",
        "flakiness": None,
    }


async def search(
    deps: Deps, signature: str, *, exclude: uuid.UUID | None, limit: int
) -> dict[str, Any]:
    """Where one error signature occurred: tests, last classification, comments."""
    async with deps.pool.acquire() as conn:
        total, unique, last = await repo.signature_summary(conn, signature, exclude)
        tests = await repo.signature_tests(conn, signature, exclude, limit) if total else []
        comments = await repo.signature_comments(conn, signature, exclude, limit)
    return {
        "signature": signature,
        "total_occurrences": total,
        "unique_tests": unique,
        "tests": [dict(t) for t in tests],
        "last_classification": last,
        "comments": [jsonable(c) for c in comments] if total else [],
    }


async def classify(deps: Deps, identity: Identity, body: ClassifyTestRequest) -> int:
    """A history label. With a username it is a person's and shows at once; without one
    it is the AI's (created_by "ai") and stays hidden until the job's analysis is saved."""
    body.check_rules()
    async with deps.pool.acquire() as conn:
        label_id = await labels_repo.add_label(
            conn,
            body.job_id,
            test_name=body.test_name.strip(),
            job_name=body.job_name,
            classification=body.classification,
            reason=body.reason,
            references=body.references,
            created_by=identity.username or "ai",
            child_build_number=body.child_build_number,
            visible=bool(identity.username),
        )
    if label_id is None:
        raise NotFound(f"job {body.job_id} not found")
    return label_id


def _label_key(row: Any) -> cursor.Key:
    return cursor.Key(row["created_at"], row["id"])


async def classifications(
    deps: Deps, filters: dict[str, str], raw_job_id: str, page: cursor.PageRequest
) -> dict[str, Any]:
    """Visible primary classifications, newest first, in cursor pages."""
    where: dict[str, object] = dict(filters)
    if raw_job_id:
        try:
            where["job_id"] = uuid.UUID(raw_job_id)
        except ValueError:
            # Not an id we issue: it matches nothing.
            empty = {"has_more": False, "next_cursor": None, "prev_cursor": None}
            return {"classifications": [], "pagination": empty}
    async with deps.pool.acquire() as conn:
        rows = await labels_repo.list_primary_labels(conn, where, page)
    rows, info = cursor.page(rows, page, _label_key)
    return {"classifications": [jsonable(r) for r in rows], "pagination": info}

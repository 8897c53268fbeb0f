"""The failure history: /history/failures, /history/test, /history/search,
/history/stats, /history/classify and /history/classifications."""

from __future__ import annotations

import json
import uuid
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from services.gateway.body import read_model
from services.gateway.identity import current_identity
from services.gateway.keys import PG
from services.gateway.routes.results import (
    Raw,
    int_query,
    jsonable,
    key_of,
    page_request,
    raw_json_response,
    uuid_query,
)
from verdict.contracts.envelope import timestamp
from verdict.contracts.history import ClassifyTestRequest
from verdict.errors import NotFound, ValidationFailed
from verdict.history import cursor
from verdict.history.flakiness import flakiness, is_flaky
from verdict.history.trend import WINDOW_DAYS, failure_rate, recent_trend
from verdict.storage import history as repo

routes = web.RouteTableDef()

FLAKY_WINDOW = 20  # builds; `?window=` changes it (1..100)
COMMENTS_LIMIT = 100
MOST_COMMON = 10


def _window(request: web.Request) -> int:
    return int_query(request, "window", FLAKY_WINDOW, lo=1, hi=100)


@routes.get("/history/failures")
async def failures(request: web.Request) -> web.Response:
    """The seed's limit/offset pages; `after`/`before` cursors page without an offset."""
    flt = repo.FailureFilter(
        search=request.query.get("search", ""),
        job_name=request.query.get("job_name", ""),
        classification=request.query.get("classification", ""),
    )
    limit = int_query(request, "limit", 50, lo=1, hi=200)
    offset = int_query(request, "offset", 0, lo=0, hi=2**31 - 1)
    keyset = bool(request.query.get("after") or request.query.get("before"))
    page = page_request(request, default=50, hi=200)
    async with request.app[PG].acquire() as conn:
        if keyset:
            found = await repo.failures_page(conn, flt, size=page.limit, request=page)
        else:
            found = await repo.failures_page(conn, flt, size=limit, offset=offset)
    first = cursor.Key(*found.first) if found.first else None
    last = cursor.Key(*found.last) if found.last else None
    if keyset:
        more = found.fetched > page.limit
        info = cursor.page_info(page, more=more, first=first, last=last)
    else:
        more = found.fetched > limit
        info = {
            "has_more": more,
            "next_cursor": cursor.encode(last) if last and more else None,
            "prev_cursor": cursor.encode(first) if first and offset else None,
        }
    return raw_json_response(
        {
            "failures": Raw(found.rows),
            "total": found.total,
            "offset": 0 if keyset else offset,
            "limit": limit,
            "pagination": info,
        }
    )


@routes.get("/history/test/{test_name:.+}")
async def test_history(request: web.Request) -> web.Response:
    test_name = request.match_info["test_name"]
    limit = int_query(request, "limit", 20, lo=1, hi=100)
    job_name = request.query.get("job_name", "")
    exclude = uuid_query(request, "exclude_job_id")
    window_builds = _window(request)
    async with request.app[PG].acquire() as conn:
        row = await repo.test_history(
            conn,
            test_name,
            job_name,
            exclude,
            recent=limit,
            comments=COMMENTS_LIMIT,
            window=window_builds,
        )
    if row["failure_rows"] == 0:
        return web.json_response(_never_failed(test_name))

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
    return raw_json_response(
        {
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
    )


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


@routes.get("/history/search")
async def search(request: web.Request) -> web.Response:
    signature = request.query.get("signature", "").strip()
    if not signature:
        raise ValidationFailed("query.signature: field required")
    exclude = uuid_query(request, "exclude_job_id")
    limit = int_query(request, "limit", 100, lo=1, hi=1000)
    async with request.app[PG].acquire() as conn:
        total, unique, last = await repo.signature_summary(conn, signature, exclude)
        tests = await repo.signature_tests(conn, signature, exclude, limit) if total else []
        comments = await repo.signature_comments(conn, signature, exclude, limit)
    return web.json_response(
        {
            "signature": signature,
            "total_occurrences": total,
            "unique_tests": unique,
            "tests": [dict(t) for t in tests],
            "last_classification": last,
            "comments": [jsonable(c) for c in comments] if total else [],
        }
    )


@routes.get("/history/stats/{job_name:.+}")
async def stats(request: web.Request) -> web.Response:
    """A job name's statistics are kept per (name, excluded job, window) with the version
    they were read at (history_job_versions, raised in the transaction of every write
    they read); each request asks Postgres for the current version and the trend counts
    (which move with the clock) in one cheap query, and recomputes on any change."""
    job_name = request.match_info["job_name"]
    exclude = uuid_query(request, "exclude_job_id")
    window_builds = _window(request)
    kept = _stats_cache(request.app)
    key = (job_name, exclude, window_builds)
    held = kept.get(key)
    async with request.app[PG].acquire() as conn:
        if held is not None:
            now = await repo.job_stats_version(conn, job_name, exclude, trend_days=WINDOW_DAYS)
            if now["version"] == held.version:
                kept.move_to_end(key)
                return _stats_response(job_name, held.payload, now["recent"], now["previous"])
        row = await repo.job_stats(
            conn,
            job_name,
            exclude,
            window=window_builds,
            flaky=MOST_COMMON,
            trend_days=WINDOW_DAYS,
            most_common=MOST_COMMON,
        )
    payload = _stats_payload(job_name, row)
    kept[key] = _HeldStats(row["version"], payload)
    kept.move_to_end(key)
    while len(kept) > STATS_CACHE_ENTRIES:
        kept.popitem(last=False)
    return _stats_response(job_name, payload, row["recent"], row["previous"])


STATS_CACHE_ENTRIES = 1024


@dataclass(frozen=True)
class _HeldStats:
    version: int | None
    payload: dict[str, Any] | None  # None: no completed builds


_stats_caches: weakref.WeakKeyDictionary[
    web.Application, OrderedDict[tuple[str, uuid.UUID | None, int], _HeldStats]
] = weakref.WeakKeyDictionary()


def _stats_cache(
    app: web.Application,
) -> OrderedDict[tuple[str, uuid.UUID | None, int], _HeldStats]:
    kept = _stats_caches.get(app)
    if kept is None:
        kept = _stats_caches[app] = OrderedDict()
    return kept


def _stats_payload(job_name: str, row: Any) -> dict[str, Any] | None:
    """The answer but its trend, which moves with the clock; None: no builds."""
    total = row["total_builds"]
    if total == 0:
        return None
    return {
        "job_name": job_name,
        "total_builds_analyzed": total,
        "builds_with_failures": row["builds_with_failures"],
        "overall_failure_rate": failure_rate(row["builds_with_failures"], total),
        "most_common_failures": Raw(row["most_common"]),
        "recent_trend": None,
        "test_totals": {
            "builds": row["builds"],
            "run": row["total"],
            "passed": row["passed"],
            "failed": row["failed"],
            "skipped": row["skipped"],
            "failure_rate": failure_rate(row["failed"], row["total"]),
        },
        "flaky_tests": Raw(json.dumps([_flaky_row(r) for r in json.loads(row["flaky"])])),
    }


def _stats_response(
    job_name: str, payload: dict[str, Any] | None, recent: int, previous: int
) -> web.Response:
    if payload is None:
        return web.json_response(_no_builds(job_name))
    return raw_json_response({**payload, "recent_trend": recent_trend(recent, previous)})


def _flaky_row(row: Any) -> dict[str, Any]:
    return {
        "test_name": row["test_name"],
        "window_builds": row["builds"],
        "failed_builds": row["failed_builds"],
        "flips": row["flips"],
        "flip_rate": row["flip_rate"],
        "retry_passes": row["retry_passes"],
        "pass_on_retry_rate": row["pass_on_retry_rate"],
        "flaky": is_flaky(
            row["builds"], row["flip_rate"], row["retry_passes"], row["pass_on_retry_rate"]
        ),
    }


def _no_builds(job_name: str) -> dict[str, Any]:
    return {
        "job_name": job_name,
        "total_builds_analyzed": 0,
        "builds_with_failures": 0,
        "overall_failure_rate": 0.0,
        "most_common_failures": [],
        "recent_trend": "stable",
        "test_totals": {
            "builds": 0,
            "run": 0,
            "passed": 0,
            "failed": 0,
            "skipped": 0,
            "failure_rate": 0.0,
        },
        "flaky_tests": [],
    }


@routes.post("/history/classify")
async def classify(request: web.Request) -> web.Response:
    """A history label. With a username it is a person's and shows at once; without one
    it is the AI's (created_by "ai") and stays hidden until the job's analysis is saved."""
    body = await read_model(request, ClassifyTestRequest)
    body.check_rules()
    identity = await current_identity(request)
    async with request.app[PG].acquire() as conn:
        label_id = await repo.add_label(
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
    return web.json_response({"id": label_id}, status=201)


@routes.get("/history/classifications")
async def classifications(request: web.Request) -> web.Response:
    """Visible primary classifications, newest first, in cursor pages."""
    page = page_request(request, default=100, hi=500)
    filters: dict[str, object] = {
        name: request.query.get(name, "")
        for name in ("test_name", "classification", "job_name", "parent_job_name")
    }
    raw_job_id = request.query.get("job_id", "").strip()
    if raw_job_id:
        try:
            filters["job_id"] = uuid.UUID(raw_job_id)
        except ValueError:
            # Not an id we issue: it matches nothing.
            return web.json_response({"classifications": [], "pagination": _empty_page()})
    async with request.app[PG].acquire() as conn:
        rows = await repo.list_primary_labels(conn, filters, page)
    rows, info = cursor.page(rows, page, key_of("created_at", "id"))
    return web.json_response({"classifications": [jsonable(r) for r in rows], "pagination": info})


def _empty_page() -> dict[str, Any]:
    return {"has_more": False, "next_cursor": None, "prev_cursor": None}

"""Stored results: GET /results/{job_id}, GET /results, GET /api/dashboard,
DELETE /results/{job_id}, GET /ai-configs; and the helpers the collaboration and
history routes share (job ids, query values, cursors, the in-progress gate)."""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

import asyncpg
from aiohttp import web

from services.gateway.identity import require_admin
from services.gateway.keys import PG, SETTINGS
from services.gateway.openapi import ResultsQuery, ResultSummary, documented
from verdict.contracts.envelope import capabilities, result_url, timestamp
from verdict.errors import Conflict, NotFound, ValidationFailed
from verdict.history import cursor
from verdict.storage import jobs as jobs_repo
from verdict.storage import results as results_repo
from verdict.storage.pool import Conn

routes = web.RouteTableDef()

IN_PROGRESS = frozenset(jobs_repo.UNFINISHED)
DASHBOARD_LIMIT = 500  # the seed: "up to 500 newest rows"


def parse_job_id(request: web.Request) -> uuid.UUID:
    raw = request.match_info["job_id"]
    try:
        return uuid.UUID(raw)
    except ValueError:
        # Not a job id we could ever have issued: the same answer as an unknown one.
        raise NotFound(f"job {raw!r} not found") from None


def int_query(request: web.Request, name: str, default: int, *, lo: int, hi: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed(f"query.{name}: must be an integer") from None
    if not lo <= value <= hi:
        raise ValidationFailed(f"query.{name}: must be between {lo} and {hi}")
    return value


def uuid_query(request: web.Request, name: str) -> uuid.UUID | None:
    """An optional job id filter; one that is not a UUID matches no job, so excludes none."""
    raw = request.query.get(name, "").strip()
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


def page_request(request: web.Request, *, default: int, hi: int) -> cursor.PageRequest:
    """`limit`, and at most one of `after` / `before` (seed 002's cursor pagination)."""
    after, before = request.query.get("after", ""), request.query.get("before", "")
    if after and before:
        raise ValidationFailed("query: send either 'after' or 'before', not both")
    return cursor.PageRequest(
        limit=int_query(request, "limit", default, lo=1, hi=hi),
        after=cursor.decode(after, name="after") if after else None,
        before=cursor.decode(before, name="before") if before else None,
    )


def wants_page(request: web.Request) -> bool:
    return any(request.query.get(k) for k in ("after", "before", "limit"))


def jsonable(row: asyncpg.Record | dict[str, Any]) -> dict[str, Any]:
    """A row as the contract writes it: ids as strings, timestamps as "YYYY-MM-DD HH:MM:SS"."""
    out: dict[str, Any] = {}
    for key, value in dict(row).items():
        if isinstance(value, uuid.UUID):
            value = str(value)
        elif isinstance(value, datetime):
            value = timestamp(value)
        out[key] = value
    return out


def in_progress(job_id: uuid.UUID, status: str) -> web.Response:
    """The seed's 202 for a job still pending, waiting or running."""
    return web.json_response(
        {"status": status, "job_id": str(job_id), "detail": "analysis still running"},
        status=202,
    )


async def gate(conn: Conn, job_id: uuid.UUID) -> web.Response | None:
    """Only a completed job takes comments, reviews and overrides.

    404 unknown, 202 (returned) still in progress, 409 failed; None: go ahead.
    """
    status = await jobs_repo.job_status(conn, job_id)
    if status is None:
        raise NotFound(f"job {job_id} not found")
    if status in IN_PROGRESS:
        return in_progress(job_id, status)
    if status == "failed":
        raise Conflict(f"job {job_id} failed; its result cannot be changed")
    return None


def key_of(at: str, ident: str) -> Callable[[Any], cursor.Key]:
    """The cursor key of a row: its timestamp and its id (a bigint, or a UUID as text)."""

    def key(row: Any) -> cursor.Key:
        value = row[ident]
        return cursor.Key(row[at], value if isinstance(value, int) else str(value))

    return key


@routes.get("/results/{job_id}")
@documented(
    responses={200: dict[str, object], 202: dict[str, object]},
    summary="One result (202 while the job runs)",
    tags=["results"],
)
async def get_result(request: web.Request) -> web.Response:
    job_id = parse_job_id(request)
    async with request.app[PG].acquire() as conn:
        row = await results_repo.get_result_text(conn, job_id)
    if row is None:
        raise NotFound(f"job {job_id} not found")
    settings = request.app[SETTINGS]
    envelope = {
        "job_id": str(job_id),
        "jenkins_url": row["jenkins_url"] or "",
        "status": row["status"],
        "created_at": timestamp(row["created_at"]),
        "completed_at": timestamp(row["completed_at"]),
        "analysis_started_at": timestamp(row["analysis_started_at"]),
        "capabilities": capabilities(settings).model_dump(),
        "base_url": settings.public_base_url.rstrip("/"),
        "result_url": result_url(settings, str(job_id)),
    }
    # The stored result goes out as Postgres wrote it: spliced in, never parsed here.
    result_text: str = row["result_text"]
    if row["enriched_xml_z"] is not None:
        xml = zlib.decompress(row["enriched_xml_z"]).decode("utf-8")
        result_text = result_text[:-1] + ', "enriched_xml": ' + json.dumps(xml) + "}"
    body = json.dumps(envelope)[:-1] + ', "result": ' + result_text + "}"
    status = 200 if row["status"] in ("completed", "failed") else 202
    return web.Response(text=body, status=status, content_type="application/json")


@routes.get("/results")
@documented(
    query=ResultsQuery,
    responses={200: list[ResultSummary]},
    summary="Recent results, newest first",
    tags=["results"],
)
async def list_results(request: web.Request) -> web.Response:
    limit = int_query(request, "limit", 50, lo=1, hi=100)
    async with request.app[PG].acquire() as conn:
        rows = await jobs_repo.list_recent(conn, limit)
    return web.json_response(
        [
            {
                "job_id": str(row["id"]),
                "jenkins_url": row["jenkins_url"] or "",
                "status": row["status"],
                "created_at": timestamp(row["created_at"]),
            }
            for row in rows
        ]
    )


def _dashboard_row(row: asyncpg.Record) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "job_id": str(row["id"]),
        "jenkins_url": row["jenkins_url"] or "",
        "status": row["status"],
        "created_at": timestamp(row["created_at"]),
        "completed_at": timestamp(row["completed_at"]),
        "analysis_started_at": timestamp(row["analysis_started_at"]),
        "reviewed_count": row["reviewed_count"],
        "comment_count": row["comment_count"],
    }
    if row["has_result"]:
        entry["job_name"] = row["job_name"]
        if row["kind"] == "jenkins":
            entry["build_number"] = row["build_number"]
        entry["failure_count"] = row["failure_count"]
        if row["child_job_count"]:
            entry["child_job_count"] = row["child_job_count"]
        if row["summary"]:
            entry["summary"] = row["summary"]
        if row["error"]:
            entry["error"] = row["error"]
    return entry


@routes.get("/api/dashboard")
async def dashboard(request: web.Request) -> web.Response:
    """The 500 newest jobs; `after`/`before` cursors page further (X-Next-Cursor)."""
    page = page_request(request, default=DASHBOARD_LIMIT, hi=DASHBOARD_LIMIT)
    async with request.app[PG].acquire() as conn:
        rows = await results_repo.dashboard(conn, page)
    rows, info = cursor.page(rows, page, key_of("created_at", "id"))
    headers = {}
    if info["next_cursor"]:
        headers["X-Next-Cursor"] = info["next_cursor"]
    if info["prev_cursor"]:
        headers["X-Prev-Cursor"] = info["prev_cursor"]
    return web.json_response([_dashboard_row(r) for r in rows], headers=headers)


@routes.delete("/results/{job_id}")
async def delete_result(request: web.Request) -> web.Response:
    await require_admin(request)
    job_id = parse_job_id(request)
    async with request.app[PG].acquire() as conn:
        deleted = await results_repo.delete_job(conn, job_id)
    if not deleted:
        raise NotFound(f"job {job_id} not found")
    return web.json_response({"status": "deleted", "job_id": str(job_id)})


@routes.get("/ai-configs")
async def ai_configs(request: web.Request) -> web.Response:
    async with request.app[PG].acquire() as conn:
        rows = await results_repo.ai_configs(conn)
    return web.json_response(
        [{"ai_provider": r["ai_provider"], "ai_model": r["ai_model"]} for r in rows]
    )

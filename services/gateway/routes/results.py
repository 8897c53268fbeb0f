"""Stored results: GET /results/{job_id}, GET /results, GET /api/dashboard,
DELETE /results/{job_id}, GET /ai-configs; and the helpers the collaboration and
history routes share (job ids, query values, cursors, the in-progress gate)."""

from __future__ import annotations

import gzip
import json
import uuid
import weakref
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
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


class Raw:
    """JSON text Postgres already wrote (json_agg), spliced into a response unparsed."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def dumps(value: Any) -> str:
    """json.dumps, with `Raw` values (at any depth of dicts) inserted as they are."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {dumps(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def raw_json_response(
    value: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        text=dumps(value), status=status, headers=headers, content_type="application/json"
    )


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
    """A finished result is composed once per row version and kept (ResultCache): each
    request still asks Postgres for the row's current version, in the same single query
    that would compose the result, so an answer is never older than the database."""
    job_id = parse_job_id(request)
    cache = _result_cache(request.app)
    held = cache.get(job_id)
    async with request.app[PG].acquire() as conn:
        row = await results_repo.get_result_text(conn, job_id, held.version if held else "")
    if row is None:
        cache.drop(job_id)
        raise NotFound(f"job {job_id} not found")
    if held is not None and row["result_text"] is None:
        return _result_response(request, held)
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
    body = (json.dumps(envelope)[:-1] + ', "result": ' + result_text(row) + "}").encode()
    status = 200 if row["status"] in ("completed", "failed") else 202
    if status != 200:
        return web.Response(body=body, status=status, content_type="application/json")
    gzipped = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= GZIP_MIN else None
    entry = CachedResult(row["version"], status, body, gzipped)
    cache.put(job_id, entry)
    return _result_response(request, entry)


def result_text(row: asyncpg.Record) -> str:
    """The composed result of a get_result_text row, with its enriched XML spliced in."""
    text: str = row["result_text"]
    if row["enriched_xml_z"] is not None:
        xml = zlib.decompress(row["enriched_xml_z"]).decode("utf-8")
        text = text[:-1] + ', "enriched_xml": ' + json.dumps(xml) + "}"
    return text


# A stored result is JSON that compresses ~20x (150 kB to 7 kB for 200 failures): it is
# compressed once per row version, and sent compressed to a client that accepts gzip.
# Writing the uncompressed body to the socket was most of the gateway's time here.
GZIP_MIN = 1024


def accepts_gzip(request: web.Request) -> bool:
    for item in request.headers.get("Accept-Encoding", "").lower().split(","):
        name, _, params = item.partition(";")
        if name.strip() in ("gzip", "*"):
            q = params.strip()
            return not (q.startswith("q=") and q[2:].strip() in ("0", "0.0", "0.00", "0.000"))
    return False


def _result_response(request: web.Request, entry: CachedResult) -> web.Response:
    headers = {"Vary": "Accept-Encoding"}
    if entry.gzipped is not None and accepts_gzip(request):
        headers["Content-Encoding"] = "gzip"
        body = entry.gzipped
    else:
        body = entry.body
    return web.Response(
        body=body, status=entry.status, headers=headers, content_type="application/json"
    )


@dataclass(frozen=True)
class CachedResult:
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


# One cache per application (each has its own database and settings).
_caches: weakref.WeakKeyDictionary[web.Application, ResultCache] = weakref.WeakKeyDictionary()


def _result_cache(app: web.Application) -> ResultCache:
    cache = _caches.get(app)
    if cache is None:
        cache = _caches[app] = ResultCache()
    return cache


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


@routes.get("/api/dashboard")
async def dashboard(request: web.Request) -> web.Response:
    """The 500 newest jobs; `after`/`before` cursors page further (X-Next-Cursor).

    Postgres writes the rows' JSON; it is sent as it comes, never parsed here. The first
    page is kept per limit and sent again only while Postgres confirms, in one cheap
    query per request, that the rows it is made of are still the newest and unchanged
    (results_repo.dashboard_version): an answer is never older than the database."""
    page = page_request(request, default=DASHBOARD_LIMIT, hi=DASHBOARD_LIMIT)
    first_page = page.key is None
    kept = _dashboard_cache(request.app)
    held = kept.get(page.limit) if first_page else None
    async with request.app[PG].acquire() as conn:
        if (
            held is not None
            and await results_repo.dashboard_version(conn, page.limit) == held.version
        ):
            found = held
        else:
            found = await results_repo.dashboard(conn, page)
            if first_page:
                if page.limit not in kept and len(kept) >= 8:  # a few limits at most
                    kept.pop(next(iter(kept)))
                kept[page.limit] = found
    first = cursor.Key(found.first[0], str(found.first[1])) if found.first else None
    last = cursor.Key(found.last[0], str(found.last[1])) if found.last else None
    info = cursor.page_info(page, more=found.fetched > page.limit, first=first, last=last)
    headers = {}
    if info["next_cursor"]:
        headers["X-Next-Cursor"] = info["next_cursor"]
    if info["prev_cursor"]:
        headers["X-Prev-Cursor"] = info["prev_cursor"]
    return web.Response(text=found.rows, headers=headers, content_type="application/json")


# The first dashboard page per limit, per application, with the version it was read at.
_dashboards: weakref.WeakKeyDictionary[web.Application, dict[int, results_repo.DashboardPage]] = (
    weakref.WeakKeyDictionary()
)


def _dashboard_cache(app: web.Application) -> dict[int, results_repo.DashboardPage]:
    kept = _dashboards.get(app)
    if kept is None:
        kept = _dashboards[app] = {}
    return kept


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

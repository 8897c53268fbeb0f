"""Stored results: one result, the recent list, the dashboard, deleting, /ai-configs.

A finished result is composed by Postgres once per row version and kept encoded (and
gzipped) in the process's ResultCache; each read still asks Postgres for the row's
current version, in the same single query that would compose it, so an answer is never
older than the database. The dashboard's first page is kept the same way.
"""

from __future__ import annotations

import gzip
import json
import uuid
import zlib
from dataclasses import dataclass
from typing import Any

import asyncpg

from verdict.contracts.envelope import capabilities, result_url, timestamp
from verdict.contracts.identity import RunFilter
from verdict.errors import NotFound
from verdict.history import cursor
from verdict.logging import get_logger
from verdict.services.caches import CachedResult
from verdict.services.deps import Deps
from verdict.services.identity import Identity
from verdict.storage import jobs as jobs_repo
from verdict.storage import results as results_repo

log = get_logger(__name__)

DASHBOARD_LIMIT = 500  # the seed: "up to 500 newest rows"
FINISHED = ("completed", "failed")
# A stored result is JSON that compresses ~20x (150 kB to 7 kB for 200 failures): it is
# compressed once per row version, and sent compressed to a client that accepts gzip.
GZIP_MIN = 1024


def result_text(row: asyncpg.Record) -> str:
    """The composed result of a get_result_text row, with its enriched XML spliced in."""
    text: str = row["result_text"]
    if row["enriched_xml_z"] is not None:
        xml = zlib.decompress(row["enriched_xml_z"]).decode("utf-8")
        text = text[:-1] + ', "enriched_xml": ' + json.dumps(xml) + "}"
    return text


async def get_result(deps: Deps, job_id: uuid.UUID) -> CachedResult:
    """The envelope and result of one job, encoded: 200 when finished, 202 while it runs.
    The stored result goes out as Postgres wrote it: spliced in, never parsed here."""
    cache = deps.caches.results
    held = cache.get(job_id)
    async with deps.pool.acquire() as conn:
        row = await results_repo.get_result_text(conn, job_id, held.version if held else "")
    if row is None:
        cache.drop(job_id)
        raise NotFound(f"job {job_id} not found")
    if held is not None and row["result_text"] is None:
        return held
    settings = deps.settings
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
    body = (json.dumps(envelope)[:-1] + ', "result": ' + result_text(row) + "}").encode()
    if row["status"] not in FINISHED:
        return CachedResult(row["version"], 202, body)
    gzipped = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= GZIP_MIN else None
    entry = CachedResult(row["version"], 200, body, gzipped)
    cache.put(job_id, entry)
    return entry


async def list_results(
    deps: Deps, limit: int, flt: RunFilter | None = None
) -> list[dict[str, Any]]:
    """The newest jobs (those `flt` matches); a job with a run identity also has `run`."""
    async with deps.pool.acquire() as conn:
        rows = await jobs_repo.list_recent(conn, limit, flt)
    out = []
    for row in rows:
        item: dict[str, Any] = {
            "job_id": str(row["id"]),
            "jenkins_url": row["jenkins_url"] or "",
            "status": row["status"],
            "created_at": timestamp(row["created_at"]),
        }
        if row["run"]:
            item["run"] = row["run"]
        out.append(item)
    return out


@dataclass(frozen=True)
class Dashboard:
    rows: str  # the JSON array, as Postgres wrote it
    pagination: dict[str, Any]


async def dashboard(
    deps: Deps, page: cursor.PageRequest, flt: RunFilter | None = None
) -> Dashboard:
    """The newest jobs (those `flt` matches); cursors page further. The unfiltered first
    page is kept per limit and sent again only while Postgres confirms, in one cheap
    query per request, that the rows it is made of are still the newest and unchanged
    (results_repo.dashboard_version)."""
    if flt:
        async with deps.pool.acquire() as conn:
            return _dashboard(await results_repo.dashboard(conn, page, flt), page)
    first_page = page.key is None
    kept = deps.caches.dashboards
    held = kept.get(page.limit) if first_page else None
    async with deps.pool.acquire() as conn:
        if (
            held is not None
            and await results_repo.dashboard_version(conn, page.limit) == held.version
        ):
            found = held
        else:
            found = await results_repo.dashboard(conn, page)
            if first_page:
                kept.put(page.limit, found)
    return _dashboard(found, page)


def _dashboard(found: results_repo.DashboardPage, page: cursor.PageRequest) -> Dashboard:
    first = cursor.Key(found.first[0], str(found.first[1])) if found.first else None
    last = cursor.Key(found.last[0], str(found.last[1])) if found.last else None
    info = cursor.page_info(page, more=found.fetched > page.limit, first=first, last=last)
    return Dashboard(found.rows, info)


async def delete_result(deps: Deps, identity: Identity, job_id: uuid.UUID) -> None:
    identity.require_admin()
    async with deps.pool.acquire() as conn:
        deleted = await jobs_repo.delete_job(conn, job_id)
    if not deleted:
        raise NotFound(f"job {job_id} not found")


async def delete_results(deps: Deps, identity: Identity, job_ids: list[str]) -> dict[str, Any]:
    """Delete several results in one transaction; unknown ids are reported, not fatal."""
    identity.require_admin()
    ids = list(dict.fromkeys(job_ids))  # order kept, duplicates dropped
    deleted: list[str] = []
    failed: list[dict[str, str]] = []
    async with deps.pool.acquire() as conn, conn.transaction():
        for raw in ids:
            try:
                job_id = uuid.UUID(raw)
            except ValueError:
                failed.append({"job_id": raw, "reason": "not found"})
                continue
            if await jobs_repo.delete_job(conn, job_id):
                deleted.append(raw)
            else:
                failed.append({"job_id": raw, "reason": "not found"})
    for raw in deleted:
        log.info("result deleted", job_id=raw, by=identity.username)
    return {"deleted": deleted, "failed": failed, "total": len(ids)}


async def ai_configs(deps: Deps) -> list[dict[str, str]]:
    async with deps.pool.acquire() as conn:
        rows = await jobs_repo.ai_configs(conn)
    return [{"ai_provider": r["ai_provider"], "ai_model": r["ai_model"]} for r in rows]

"""GET /results/{job_id} and GET /results."""

from __future__ import annotations

import uuid

from aiohttp import web

from services.gateway.keys import PG, SETTINGS
from verdict.contracts.envelope import build_envelope, timestamp
from verdict.errors import NotFound, ValidationFailed
from verdict.storage import jobs as jobs_repo

routes = web.RouteTableDef()


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


@routes.get("/results/{job_id}")
async def get_result(request: web.Request) -> web.Response:
    job_id = parse_job_id(request)
    async with request.app[PG].acquire() as conn:
        row = await jobs_repo.get_job(conn, job_id)
    if row is None:
        raise NotFound(f"job {job_id} not found")
    status = 200 if row["status"] in ("completed", "failed") else 202
    return web.json_response(build_envelope(row, request.app[SETTINGS]), status=status)


@routes.get("/results")
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

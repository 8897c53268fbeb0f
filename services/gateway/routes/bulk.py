"""DELETE /api/results/bulk: jenkins-job-insight's bulk delete (its CLI's `results delete`
with several ids). Admin only; one transaction; unknown ids are reported, not fatal."""

from __future__ import annotations

import uuid

from aiohttp import web
from pydantic import BaseModel, Field

from services.gateway.body import read_model
from services.gateway.identity import require_admin
from services.gateway.keys import PG
from services.gateway.openapi import documented
from verdict.logging import get_logger
from verdict.storage import results as results_repo

routes = web.RouteTableDef()
log = get_logger(__name__)


class BulkDeleteRequest(BaseModel):
    job_ids: list[str] = Field(min_length=1, max_length=500)


class BulkDeleteFailure(BaseModel):
    job_id: str
    reason: str


class BulkDeleteResult(BaseModel):
    deleted: list[str]
    failed: list[BulkDeleteFailure]
    total: int


@routes.delete("/api/results/bulk")
@documented(
    request=BulkDeleteRequest,
    responses={200: BulkDeleteResult},
    summary="Delete several results and everything related (admin)",
    tags=["results"],
)
async def bulk_delete(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    body = await read_model(request, BulkDeleteRequest)
    ids = list(dict.fromkeys(body.job_ids))  # order kept, duplicates dropped
    deleted: list[str] = []
    failed: list[dict[str, str]] = []
    async with request.app[PG].acquire() as conn, conn.transaction():
        for raw in ids:
            try:
                job_id = uuid.UUID(raw)
            except ValueError:
                failed.append({"job_id": raw, "reason": "not found"})
                continue
            if await results_repo.delete_job(conn, job_id):
                deleted.append(raw)
            else:
                failed.append({"job_id": raw, "reason": "not found"})
    for job_id in deleted:
        log.info("result deleted", job_id=job_id, by=identity.username)
    return web.json_response({"deleted": deleted, "failed": failed, "total": len(ids)})

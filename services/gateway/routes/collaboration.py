"""Comments, reviews, review status and classification overrides on a stored job."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp import web

from services.gateway.body import read_model
from services.gateway.identity import current_identity, require_username
from services.gateway.keys import PG, REDIS, SETTINGS
from services.gateway.routes.results import (
    gate,
    jsonable,
    key_of,
    page_request,
    parse_job_id,
    wants_page,
)
from verdict.contracts.collaboration import (
    AddCommentRequest,
    OverrideClassificationRequest,
    SetReviewedRequest,
)
from verdict.errors import NotFound
from verdict.history import cursor
from verdict.logging import get_logger
from verdict.storage import collaboration as repo
from verdict.storage import jobs as jobs_repo
from verdict.storage import results as results_repo
from verdict.webhooks.outbound import emit_event

routes = web.RouteTableDef()
log = get_logger(__name__)


def review_key(row: asyncpg.Record) -> str:
    """The seed's review-map keys: `test_name`, or `child#build::test_name` in a child."""
    if row["child_job_name"]:
        return f"{row['child_job_name']}#{row['child_build_number']}::{row['test_name']}"
    return str(row["test_name"])


async def _require_job(conn: Any, job_id: Any) -> None:
    if await jobs_repo.job_status(conn, job_id) is None:
        raise NotFound(f"job {job_id} not found")


def _not_found(job_id: Any, test_name: str, child: str) -> NotFound:
    where = f" in child job {child!r}" if child else ""
    return NotFound(f"test {test_name!r} not found{where} in job {job_id}")


@routes.get("/results/{job_id}/comments")
async def get_comments(request: web.Request) -> web.Response:
    """Every comment oldest first (the seed), or a page of them with `limit`/`after`/`before`."""
    job_id = parse_job_id(request)
    page = page_request(request, default=100, hi=500) if wants_page(request) else None
    async with request.app[PG].acquire() as conn:
        await _require_job(conn, job_id)
        rows = await repo.list_comments(conn, job_id, page)
        reviews = await repo.list_reviews(conn, job_id)
    body: dict[str, Any] = {}
    if page is not None:
        # Comments read oldest first, so `after` a cursor means newer ones.
        rows, info = cursor.page(rows, page, key_of("created_at", "id"))
        body["pagination"] = info
    body["comments"] = [jsonable(r) for r in rows]
    body["reviews"] = {
        review_key(r): {
            "reviewed": r["reviewed"],
            "username": r["username"],
            "updated_at": jsonable(r)["updated_at"],
        }
        for r in reviews
    }
    return web.json_response(body)


@routes.post("/results/{job_id}/comments")
async def add_comment(request: web.Request) -> web.Response:
    job_id = parse_job_id(request)
    body = await read_model(request, AddCommentRequest)
    identity = await current_identity(request)
    async with request.app[PG].acquire() as conn:
        if (accepted := await gate(conn, job_id)) is not None:
            return accepted
        body.check_scope()
        comment_id = await repo.add_comment(
            conn,
            job_id,
            test_name=body.test_name,
            child_job_name=body.child_job_name,
            child_build_number=body.child_build_number,
            comment=body.comment,
            username=identity.username,
        )
    if comment_id is None:
        raise _not_found(job_id, body.test_name, body.child_job_name)
    return web.json_response({"id": comment_id}, status=201)


@routes.delete("/results/{job_id}/comments/{comment_id}")
async def delete_comment(request: web.Request) -> web.Response:
    job_id = parse_job_id(request)
    identity = await require_username(request)
    try:
        comment_id = int(request.match_info["comment_id"])
    except ValueError:
        raise NotFound("comment not found") from None
    owner = None if identity.is_admin else identity.username
    async with request.app[PG].acquire() as conn:
        deleted = await repo.delete_comment(conn, job_id, comment_id, owner=owner)
    if not deleted:
        raise NotFound("comment not found" if owner is None else "comment not found or not yours")
    return web.json_response({"status": "deleted"})


@routes.put("/results/{job_id}/reviewed")
async def set_reviewed(request: web.Request) -> web.Response:
    job_id = parse_job_id(request)
    body = await read_model(request, SetReviewedRequest)
    identity = await current_identity(request)
    async with request.app[PG].acquire() as conn:
        if (accepted := await gate(conn, job_id)) is not None:
            return accepted
        body.check_scope()
        found = await repo.set_reviewed(
            conn,
            job_id,
            test_name=body.test_name,
            child_job_name=body.child_job_name,
            child_build_number=body.child_build_number,
            reviewed=body.reviewed,
            username=identity.username,
        )
    if not found:
        raise _not_found(job_id, body.test_name, body.child_job_name)
    return web.json_response(
        {"status": "ok", "reviewed_by": identity.username if body.reviewed else ""}
    )


@routes.get("/results/{job_id}/review-status")
async def review_status(request: web.Request) -> web.Response:
    job_id = parse_job_id(request)
    async with request.app[PG].acquire() as conn:
        row = await results_repo.review_status(conn, job_id)
    if row is None:
        raise NotFound(f"job {job_id} not found")
    return web.json_response(dict(row))


@routes.put("/results/{job_id}/override-classification")
async def override_classification(request: web.Request) -> web.Response:
    job_id = parse_job_id(request)
    body = await read_model(request, OverrideClassificationRequest)
    identity = await current_identity(request)
    async with request.app[PG].acquire() as conn:
        if (accepted := await gate(conn, job_id)) is not None:
            return accepted
        body.check_scope()
        group = await repo.override_classification(
            conn,
            job_id,
            test_name=body.test_name,
            child_job_name=body.child_job_name,
            child_build_number=body.child_build_number,
            classification=body.classification,
            username=identity.username,
        )
    if group is None:
        raise _not_found(job_id, body.test_name, body.child_job_name)
    signature, tests = group
    await emit_classified(
        request,
        {
            "job_id": str(job_id),
            "error_signature": signature,
            "classification": body.classification,
            "source": "human",
            "username": identity.username,
            "child_job_name": body.child_job_name,
            "child_build_number": body.child_build_number,
            "affected_tests": tests[:100],
            "affected_tests_total": len(tests),
        },
    )
    return web.json_response({"status": "ok", "classification": body.classification})


async def emit_classified(request: web.Request, payload: dict[str, Any]) -> None:
    """Tell webhook subscribers about a human override; never fails the request."""
    try:
        await emit_event(
            request.app[PG],
            request.app[REDIS],
            request.app[SETTINGS],
            "failure.classified",
            payload,
        )
    except Exception:
        log.exception("failure.classified not emitted")

"""Comments, reviews, review status and classification overrides on a stored job."""

from __future__ import annotations

from aiohttp import web

from services.gateway.body import read_model
from services.gateway.identity import current_identity
from services.gateway.keys import deps_of
from services.gateway.openapi import CommentsQuery, documented
from services.gateway.params import page_request, parse_job_id, wants_page
from verdict.contracts.collaboration import (
    AddCommentRequest,
    Comments,
    Created,
    OverrideAnswer,
    OverrideClassificationRequest,
    ReviewAnswer,
    ReviewStatus,
    SetReviewedRequest,
    StatusDeleted,
)
from verdict.services import collaboration

routes = web.RouteTableDef()
TAGS = ["collaboration"]


@routes.get("/results/{job_id}/comments")
@documented(
    query=CommentsQuery,
    responses={200: Comments},
    summary="A job's comments (oldest first, or cursor pages) and reviews",
    tags=TAGS,
)
async def get_comments(request: web.Request) -> web.Response:
    job_id = parse_job_id(request)
    page = page_request(request, default=100, hi=500) if wants_page(request) else None
    return web.json_response(await collaboration.list_comments(deps_of(request), job_id, page))


@routes.post("/results/{job_id}/comments")
@documented(
    request=AddCommentRequest,
    responses={201: Created},
    summary="Comment on a failure of a completed job",
    tags=TAGS,
)
async def add_comment(request: web.Request) -> web.Response:
    job_id = parse_job_id(request)
    body = await read_model(request, AddCommentRequest)
    identity = await current_identity(request)
    comment_id = await collaboration.add_comment(deps_of(request), identity, job_id, body)
    return web.json_response({"id": comment_id}, status=201)


@routes.delete("/results/{job_id}/comments/{comment_id}")
@documented(
    responses={200: StatusDeleted},
    summary="Delete your comment (admins: anyone's)",
    tags=TAGS,
)
async def delete_comment(request: web.Request) -> web.Response:
    job_id = parse_job_id(request)
    identity = await current_identity(request)
    raw = request.match_info["comment_id"]
    await collaboration.delete_comment(deps_of(request), identity, job_id, raw)
    return web.json_response({"status": "deleted"})


@routes.put("/results/{job_id}/reviewed")
@documented(
    request=SetReviewedRequest,
    responses={200: ReviewAnswer},
    summary="Mark a failure reviewed (or not)",
    tags=TAGS,
)
async def set_reviewed(request: web.Request) -> web.Response:
    job_id = parse_job_id(request)
    body = await read_model(request, SetReviewedRequest)
    identity = await current_identity(request)
    answer = await collaboration.set_reviewed(deps_of(request), identity, job_id, body)
    return web.json_response(answer)


@routes.get("/results/{job_id}/review-status")
@documented(responses={200: ReviewStatus}, summary="How many failures are reviewed", tags=TAGS)
async def review_status(request: web.Request) -> web.Response:
    job_id = parse_job_id(request)
    return web.json_response(await collaboration.review_status(deps_of(request), job_id))


@routes.put("/results/{job_id}/override-classification")
@documented(
    request=OverrideClassificationRequest,
    responses={200: OverrideAnswer},
    summary="Reclassify a failure's signature group (announced as failure.classified)",
    tags=TAGS,
)
async def override_classification(request: web.Request) -> web.Response:
    job_id = parse_job_id(request)
    body = await read_model(request, OverrideClassificationRequest)
    identity = await current_identity(request)
    answer = await collaboration.override_classification(deps_of(request), identity, job_id, body)
    return web.json_response(answer)

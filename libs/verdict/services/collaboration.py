"""Comments, reviews, review status and classification overrides on a stored job."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from verdict.contracts.collaboration import (
    AddCommentRequest,
    OverrideClassificationRequest,
    SetReviewedRequest,
)
from verdict.contracts.json_text import jsonable
from verdict.errors import NotFound
from verdict.history import cursor
from verdict.logging import get_logger
from verdict.services.deps import Deps
from verdict.services.identity import Identity
from verdict.services.jobs import require_completed, require_job
from verdict.storage import collaboration as repo
from verdict.storage import results as results_repo
from verdict.webhooks.outbound import emit_event

log = get_logger(__name__)

MAX_EVENT_TESTS = 100


def review_key(row: asyncpg.Record) -> str:
    """The seed's review-map keys: `test_name`, or `child#build::test_name` in a child."""
    if row["child_job_name"]:
        return f"{row['child_job_name']}#{row['child_build_number']}::{row['test_name']}"
    return str(row["test_name"])


def _not_found(job_id: uuid.UUID, test_name: str, child: str) -> NotFound:
    where = f" in child job {child!r}" if child else ""
    return NotFound(f"test {test_name!r} not found{where} in job {job_id}")


def comment_key(row: Any) -> cursor.Key:
    return cursor.Key(row["created_at"], row["id"])


async def list_comments(
    deps: Deps, job_id: uuid.UUID, page: cursor.PageRequest | None
) -> dict[str, Any]:
    """Every comment oldest first (the seed), or a page of them; and the review map."""
    await require_job(deps, job_id)
    async with deps.pool.acquire() as conn:
        rows = await repo.list_comments(conn, job_id, page)
        reviews = await repo.list_reviews(conn, job_id)
    body: dict[str, Any] = {}
    if page is not None:
        # Comments read oldest first, so `after` a cursor means newer ones.
        rows, info = cursor.page(rows, page, comment_key)
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
    return body


async def add_comment(
    deps: Deps, identity: Identity, job_id: uuid.UUID, body: AddCommentRequest
) -> int:
    await require_completed(deps, job_id)
    body.check_scope()
    async with deps.pool.acquire() as conn:
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
    return comment_id


async def delete_comment(
    deps: Deps, identity: Identity, job_id: uuid.UUID, raw_comment_id: str
) -> None:
    """Your own comment; an admin deletes anyone's."""
    identity.require_username()
    try:
        comment_id = int(raw_comment_id)
    except ValueError:
        raise NotFound("comment not found") from None
    owner = None if identity.is_admin else identity.username
    async with deps.pool.acquire() as conn:
        deleted = await repo.delete_comment(conn, job_id, comment_id, owner=owner)
    if not deleted:
        raise NotFound("comment not found" if owner is None else "comment not found or not yours")


async def set_reviewed(
    deps: Deps, identity: Identity, job_id: uuid.UUID, body: SetReviewedRequest
) -> dict[str, str]:
    await require_completed(deps, job_id)
    body.check_scope()
    async with deps.pool.acquire() as conn:
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
    return {"status": "ok", "reviewed_by": identity.username if body.reviewed else ""}


async def review_status(deps: Deps, job_id: uuid.UUID) -> dict[str, Any]:
    async with deps.pool.acquire() as conn:
        row = await results_repo.review_status(conn, job_id)
    if row is None:
        raise NotFound(f"job {job_id} not found")
    return dict(row)


async def override_classification(
    deps: Deps, identity: Identity, job_id: uuid.UUID, body: OverrideClassificationRequest
) -> dict[str, str]:
    """Reclassify the test's signature group; webhook subscribers hear of it."""
    await require_completed(deps, job_id)
    body.check_scope()
    async with deps.pool.acquire() as conn:
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
    await _emit_classified(
        deps,
        {
            "job_id": str(job_id),
            "error_signature": signature,
            "classification": body.classification,
            "source": "human",
            "username": identity.username,
            "child_job_name": body.child_job_name,
            "child_build_number": body.child_build_number,
            "affected_tests": tests[:MAX_EVENT_TESTS],
            "affected_tests_total": len(tests),
        },
    )
    return {"status": "ok", "classification": body.classification}


async def _emit_classified(deps: Deps, payload: dict[str, Any]) -> None:
    """Tell webhook subscribers about a human override; never fails the request."""
    try:
        await emit_event(deps.pool, deps.queue, deps.settings, "failure.classified", payload)
    except Exception:
        log.exception("failure.classified not emitted")

"""Reading path and query values: a bad one is a clear 4xx in the one error shape."""

from __future__ import annotations

import uuid

from aiohttp import web

from verdict.errors import BadRequest, NotFound, ValidationFailed
from verdict.history import cursor


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


def optional_int(request: web.Request, name: str) -> int | None:
    """A non-negative integer, or None when absent."""
    raw = request.query.get(name, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed(f"query.{name}: must be an integer") from None
    if value < 0:
        raise ValidationFailed(f"query.{name}: must be >= 0")
    return value


def uuid_query(request: web.Request, name: str) -> uuid.UUID | None:
    """An optional job id filter; one that is not a UUID matches no job, so excludes none."""
    raw = request.query.get(name, "").strip()
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


def bool_query(request: web.Request, name: str, default: bool) -> bool:
    value = request.query.get(name, "true" if default else "false").strip().lower()
    if value not in {"true", "false", "1", "0", "yes", "no"}:
        raise BadRequest(f"'{name}' must be true or false")
    return value in {"true", "1", "yes"}


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

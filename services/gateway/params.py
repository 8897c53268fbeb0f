"""Reading path and query values: a bad one is a clear 4xx in the one error shape."""

from __future__ import annotations

import uuid

from aiohttp import web
from pydantic import ValidationError

from verdict.contracts.identity import RunFilter, RunIdentity
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


RUN_FILTERS = ("job_name", "build_number", "run_id", "branch", "commit", "pull_request", "ci")


def run_filter(request: web.Request) -> RunFilter:
    """The run identity filters of a query (`job_name`, `build_number`, `run_id`,
    `branch`, `commit`, `pull_request`, `ci`, and `label` repeated as `key`, `key=value`
    or `key:value`), validated as the request fields are: a bad one is a 422."""
    given = {k: request.query[k] for k in RUN_FILTERS if request.query.get(k, "").strip()}
    labels: dict[str, str | None] = {}
    for raw in request.query.getall("label", []):
        key, sep, value = raw.partition("=") if "=" in raw else raw.partition(":")
        labels[key.strip()] = value.strip() if sep else None
    try:
        checked = RunIdentity.model_validate(
            {**given, "labels": {k: v or "" for k, v in labels.items()}}
        )
    except ValidationError as exc:
        readable = "; ".join(
            f"query.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            for e in exc.errors(include_url=False, include_input=False)
        )
        raise ValidationFailed(readable) from None
    run = checked.identity()
    return RunFilter(
        job_name=run.job_name,
        build_number=checked.build_number,
        run_id=run.run_id,
        branch=run.branch,
        commit=run.commit,
        pull_request=run.pull_request,
        ci=run.ci,
        labels=labels,
    )

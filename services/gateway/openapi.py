"""OpenAPI 3.1, generated from the route table and the pydantic models that validate.

Handlers carry their documentation with `@documented(request=..., responses=...)`;
the spec is built from the live router, so a route cannot be missing from it.
Routes without the decorator still appear, with a generic body and answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from verdict.contracts.identity import RunFields

F = TypeVar("F", bound=Callable[..., Any])
REF = "#/components/schemas/{model}"
_ATTR = "__verdict_openapi__"


@dataclass(frozen=True)
class Doc:
    summary: str = ""
    description: str = ""
    request: Any = None
    query: type[BaseModel] | None = None
    responses: dict[int, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    hidden: bool = False
    body_required: bool = True
    media_type: str = "application/json"


def documented(
    *,
    request: Any = None,
    responses: dict[int, Any] | None = None,
    query: type[BaseModel] | None = None,
    summary: str = "",
    description: str = "",
    tags: list[str] | None = None,
    hidden: bool = False,
    body_required: bool = True,
    media_type: str = "application/json",
) -> Callable[[F], F]:
    """Attach request/response models to a handler; the spec is generated from them."""

    def attach(handler: F) -> F:
        doc = Doc(
            summary=summary,
            description=description or (handler.__doc__ or "").strip(),
            request=request,
            query=query,
            responses=dict(responses or {}),
            tags=tuple(tags or ()),
            hidden=hidden,
            body_required=body_required,
            media_type=media_type,
        )
        setattr(handler, _ATTR, doc)
        return handler

    return attach


# Shapes shared by every operation.


class ErrorBody(BaseModel):
    """The one error shape (extra fields such as `errors` or `retry_after` may follow)."""

    model_config = ConfigDict(extra="allow")

    error: str
    error_code: str
    detail: str
    request_id: str


class Queued(BaseModel):
    status: Literal["queued"]
    job_id: str
    message: str
    base_url: str
    result_url: str


class ResultSummary(BaseModel):
    job_id: str
    jenkins_url: str
    status: str
    created_at: str | None
    run: RunFields | None = Field(
        default=None, description="Verdict: the run identity fields set (absent when none)."
    )


class DashboardRow(BaseModel):
    """One job on the dashboard; the result's fields appear once it has one."""

    model_config = ConfigDict(extra="allow")

    job_id: str
    jenkins_url: str
    status: str
    created_at: str | None
    completed_at: str | None
    analysis_started_at: str | None
    reviewed_count: int
    comment_count: int
    run: RunFields | None = Field(
        default=None, description="Verdict: the run identity fields set (absent when none)."
    )


class RunFilterQuery(BaseModel):
    """Verdict's run identity filters (the fields POST /analyze-failures accepts)."""

    job_name: str = Field(default="", description="Exact job name.")
    build_number: int | None = Field(default=None, ge=0)
    run_id: str = ""
    branch: str = Field(default="", description="Exact branch.")
    commit: str = Field(default="", description="A commit sha, or its first characters.")
    pull_request: int | None = Field(default=None, ge=1)
    ci: str = Field(
        default="",
        description="github-actions, gitlab, jenkins, buildkite, circleci, azure or other.",
    )
    label: list[str] = Field(
        default_factory=list,
        description="Repeatable: `key` (has the label), `key=value` or `key:value`.",
    )


class DashboardQuery(RunFilterQuery):
    limit: int = Field(default=500, ge=1, le=500)
    after: str | None = Field(default=None, description="X-Next-Cursor of the page before.")
    before: str | None = Field(default=None, description="X-Prev-Cursor of the page after.")


class CommentsQuery(BaseModel):
    limit: int | None = Field(default=None, ge=1, le=500, description="Page size (cursor pages).")
    after: str | None = None
    before: str | None = None


class FailuresQuery(RunFilterQuery):
    search: str = ""
    classification: str = ""
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)
    after: str | None = None
    before: str | None = None


class TestHistoryQuery(BaseModel):
    limit: int = Field(default=20, ge=1, le=100)
    job_name: str = ""
    exclude_job_id: str = ""
    window: int = Field(default=20, ge=1, le=100, description="Builds for flakiness.")


class SearchQuery(BaseModel):
    signature: str
    exclude_job_id: str = ""
    limit: int = Field(default=100, ge=1, le=1000)


class StatsQuery(BaseModel):
    exclude_job_id: str = ""
    window: int = Field(default=20, ge=1, le=100)


class ClassificationsQuery(BaseModel):
    test_name: str = ""
    classification: str = ""
    job_name: str = ""
    parent_job_name: str = ""
    job_id: str = ""
    limit: int = Field(default=100, ge=1, le=500)
    after: str | None = None
    before: str | None = None


class LimitQuery(BaseModel):
    limit: int = Field(default=50, ge=1, le=500)


class ReportPortalQuery(BaseModel):
    child_job_name: str = ""
    child_build_number: int | None = Field(default=None, ge=0)
    launch_id: int | None = Field(default=None, ge=0)


class StillRunning(BaseModel):
    """The answer of an operation that needs a finished job while it still runs."""

    status: str
    job_id: str
    detail: str


class AiConfig(BaseModel):
    ai_provider: str
    ai_model: str


class Healthy(BaseModel):
    status: Literal["healthy"]


class Probe(BaseModel):
    status: Literal["up", "down"]
    error: str | None = None


class QueueHealth(BaseModel):
    status: Literal["up", "down", "unknown"]
    workers: int = 0
    last_heartbeat_age_s: float | None = None
    stale_after_s: float = 0
    error: str | None = None


class DependencyHealth(BaseModel):
    status: Literal["healthy", "degraded", "unhealthy"]
    postgres: Probe
    redis: Probe
    workers: dict[str, QueueHealth] = {}
    checks: dict[str, dict[str, str]] = {}


class AnalyzeQuery(BaseModel):
    wait: bool = Field(default=True, description="false: answer 202 at once with the job id.")


class ResultsQuery(RunFilterQuery):
    limit: int = Field(default=50, ge=1, le=100)


_RATE_HEADERS = {
    "X-RateLimit-Limit": "Requests allowed in the window for this key and scope.",
    "X-RateLimit-Remaining": "Requests left in the current window.",
    "X-RateLimit-Reset": "Unix time when the oldest counted request leaves the window.",
    "X-Request-ID": "The request id (yours if you sent one); every log line carries it.",
}
_REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No content"}
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


class _Schemas:
    """Collects component schemas; returns a schema (often a $ref) per type."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def of(self, kind: Any, mode: Literal["validation", "serialization"]) -> dict[str, Any]:
        schema = TypeAdapter(kind).json_schema(ref_template=REF, mode=mode)
        for name, sub in schema.pop("$defs", {}).items():
            self.components.setdefault(name, sub)
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            self.components.setdefault(kind.__name__, schema)
            return {"$ref": REF.format(model=kind.__name__)}
        return schema


def _headers() -> dict[str, Any]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in _RATE_HEADERS}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _operation(method: str, path: str, handler: Any, schemas: _Schemas) -> dict[str, Any]:
    doc: Doc = getattr(handler, _ATTR, None) or Doc()
    op: dict[str, Any] = {"operationId": f"{method.lower()}_{getattr(handler, '__name__', 'op')}"}
    if doc.summary:
        op["summary"] = doc.summary
    if doc.description:
        op["description"] = doc.description
    if doc.tags:
        op["tags"] = list(doc.tags)
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PARAM.findall(path)
    ]
    if doc.query is not None:
        query_schema = doc.query.model_json_schema(ref_template=REF)
        required = set(query_schema.get("required", []))
        for name, prop in query_schema.get("properties", {}).items():
            params.append(
                {"name": name, "in": "query", "required": name in required, "schema": prop}
            )
    if method == "POST":
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Retry safely: the same key and body within 24 h get the "
                "first answer again; another body with the same key is a 422.",
                "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
            }
        )
    if params:
        op["parameters"] = params
    if doc.request is not None:
        op["requestBody"] = {
            "required": doc.body_required,
            "content": _json(schemas.of(doc.request, "validation")),
        }
    elif method in ("POST", "PUT", "PATCH"):
        op["requestBody"] = {"required": False, "content": _json({"type": "object"})}
    responses: dict[str, Any] = {}
    for status, kind in sorted(doc.responses.items()):
        responses[str(status)] = {
            "description": _REASONS.get(status, "Answer"),
            "headers": _headers(),
            "content": {doc.media_type: {"schema": schemas.of(kind, "serialization")}},
        }
    if not responses:
        responses["2XX"] = {"description": "Success", "headers": _headers(), "content": _json({})}
    responses["default"] = {
        "description": "An error, in the one error shape.",
        "headers": _headers(),
        "content": _json({"$ref": REF.format(model="ErrorBody")}),
    }
    op["responses"] = responses
    return op


def build_spec(
    app: web.Application, *, title: str = "Verdict", version: str = ""
) -> dict[str, Any]:
    schemas = _Schemas()
    schemas.of(ErrorBody, "serialization")
    paths: dict[str, dict[str, Any]] = {}
    for route in app.router.routes():
        method = route.method.upper()
        resource = route.resource
        if method in ("HEAD", "*") or resource is None:
            continue
        doc: Doc | None = getattr(route.handler, _ATTR, None)
        if doc is not None and doc.hidden:
            continue
        path = _PARAM.sub(lambda m: "{" + m.group(1) + "}", resource.canonical)
        paths.setdefault(path, {})[method.lower()] = _operation(
            method, path, route.handler, schemas
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version or "0.1.0",
            "description": "Why did CI fail? The jenkins-job-insight REST contract, plus "
            "scoped API keys, rate limits and idempotency keys.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.components.items())),
            "headers": {
                name: {"description": text, "schema": {"type": "string"}}
                for name, text in _RATE_HEADERS.items()
            },
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Admin key, admin user key, or scoped API key.",
                },
                "session": {"type": "apiKey", "in": "cookie", "name": "jji_session"},
            },
        },
        "security": [{}, {"bearer": []}, {"session": []}],
    }

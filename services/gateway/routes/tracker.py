"""Issue preview and creation, Report Portal push, comment enrichment, tracker helpers.

The handlers check what the gateway can answer alone (the job's state, the scope, the
feature flags, the configuration, which credentials apply), then hand the work to the
tracker worker and await its answer (verdict.tracker.remote).

Credentials, in order: the request's, the caller's saved ones (PUT /api/user/tokens),
the server's.
"""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from services.gateway.body import read_model
from services.gateway.identity import Identity, current_identity
from services.gateway.keys import PG, REDIS, SETTINGS
from services.gateway.openapi import documented
from services.gateway.routes.results import gate, parse_job_id
from verdict.contracts.requests import split_repo_ref
from verdict.contracts.tracker import (
    CreateIssueRequest,
    CreateIssueResponse,
    JiraProjectsRequest,
    JiraSecurityLevelsRequest,
    PreviewIssueRequest,
    PreviewIssueResponse,
    ReportPortalPushResult,
    TrackerCredentials,
    ValidateTokenRequest,
)
from verdict.errors import BadRequest, Forbidden, NotFound, ValidationFailed
from verdict.integrations.github import parse_repo_url
from verdict.security.crypto import TokenCipher
from verdict.settings import Settings
from verdict.storage import identity as identity_repo
from verdict.storage import jobs as jobs_repo
from verdict.tracker import remote

routes = web.RouteTableDef()


async def _saved_tokens(request: web.Request, identity: Identity) -> dict[str, str]:
    if not identity.username:
        return {}
    async with request.app[PG].acquire() as conn:
        row = await identity_repo.get_tokens(conn, identity.username)
    if row is None:
        return {}
    cipher = TokenCipher.from_settings(request.app[SETTINGS])
    return {
        "github_token": cipher.decrypt(row["github_token_enc"]),
        "jira_token": cipher.decrypt(row["jira_token_enc"]),
        "jira_email": row["jira_email"] or "",
    }


def _github_token(body: TrackerCredentials, saved: dict[str, str], settings: Settings) -> str:
    return (
        body.github_token or saved.get("github_token") or settings.github_token.get_secret_value()
    )


def _jira_credentials(
    token: str, email: str, saved: dict[str, str], settings: Settings
) -> dict[str, str]:
    """The first complete source wins: a token and its email are never mixed across sources."""
    if token:
        return {"jira_token": token, "jira_email": email}
    if saved.get("jira_token"):
        return {"jira_token": saved["jira_token"], "jira_email": saved.get("jira_email", "")}
    server = settings.jira_api_token.get_secret_value()
    if server:
        return {"jira_token": server, "jira_email": settings.jira_email}
    return {"jira_token": settings.jira_pat.get_secret_value(), "jira_email": ""}


async def _repo_url(request: web.Request, job_id: uuid.UUID, body: TrackerCredentials) -> str:
    """The request's repository, else the job's tests_repo_url, else the server's."""
    url = body.github_repo_url
    if not url:
        async with request.app[PG].acquire() as conn:
            row = await jobs_repo.get_job(conn, job_id)
        params = row["request_params"] if row is not None else {}
        url = (params or {}).get("tests_repo_url") or request.app[SETTINGS].tests_repo_url
    if not url:
        raise BadRequest("no GitHub repository: send github_repo_url or set VERDICT_TESTS_REPO_URL")
    url = split_repo_ref(str(url))[0]
    parse_repo_url(url)  # 400 when it is not a repository URL
    return url


def _scope(body: PreviewIssueRequest | CreateIssueRequest, job_id: uuid.UUID) -> dict[str, Any]:
    return {
        "job_id": str(job_id),
        "test_name": body.test_name,
        "child_job_name": body.child_job_name,
        "child_build_number": body.child_build_number,
    }


def _require_github(settings: Settings) -> None:
    if not settings.github_issues_enabled:
        raise Forbidden("GitHub issue creation is disabled on this server")


def _require_jira(settings: Settings) -> None:
    if not settings.jira_issues_enabled:
        raise Forbidden("Jira issue creation is disabled on this server")
    if not settings.jira_url:
        raise BadRequest("Jira is not configured (VERDICT_JIRA_URL)")


async def _gated(request: web.Request, job_id: uuid.UUID) -> web.Response | None:
    async with request.app[PG].acquire() as conn:
        return await gate(conn, job_id)


@routes.post("/results/{job_id}/preview-github-issue")
@documented(
    request=PreviewIssueRequest,
    responses={200: PreviewIssueResponse},
    summary="Preview a GitHub issue for a stored failure",
    tags=["issues"],
)
async def preview_github_issue(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    job_id = parse_job_id(request)
    body = await read_model(request, PreviewIssueRequest)
    if (accepted := await _gated(request, job_id)) is not None:
        return accepted
    _require_github(settings)
    body.check_scope()
    saved = await _saved_tokens(request, await current_identity(request))
    token = _github_token(body, saved, settings)
    try:
        repo_url = await _repo_url(request, job_id, body)
    except BadRequest:
        if body.github_repo_url:
            raise
        repo_url = ""  # no repository: the preview goes on without a duplicate search
    params = {
        **_scope(body, job_id),
        "include_links": body.include_links,
        "repo_url": repo_url,
        "ai_provider": body.ai_provider,
        "ai_model": body.ai_model,
    }
    data = await remote.call(
        request.app[REDIS], settings, "preview_github", params, {"github_token": token}
    )
    return web.json_response(data)


@routes.post("/results/{job_id}/preview-jira-bug")
@documented(
    request=PreviewIssueRequest,
    responses={200: PreviewIssueResponse},
    summary="Preview a Jira bug for a stored failure",
    tags=["issues"],
)
async def preview_jira_bug(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    job_id = parse_job_id(request)
    body = await read_model(request, PreviewIssueRequest)
    if (accepted := await _gated(request, job_id)) is not None:
        return accepted
    _require_jira(settings)
    body.check_scope()
    saved = await _saved_tokens(request, await current_identity(request))
    secrets = _jira_credentials(body.jira_token, body.jira_email, saved, settings)
    params = {
        **_scope(body, job_id),
        "include_links": body.include_links,
        "project_key": body.jira_project_key or settings.jira_project_key,
        "ai_provider": body.ai_provider,
        "ai_model": body.ai_model,
    }
    data = await remote.call(request.app[REDIS], settings, "preview_jira", params, secrets)
    return web.json_response(data)


@routes.post("/results/{job_id}/create-github-issue")
@documented(
    request=CreateIssueRequest,
    responses={201: CreateIssueResponse},
    summary="Create a GitHub issue for a stored failure",
    tags=["issues"],
)
async def create_github_issue(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    job_id = parse_job_id(request)
    body = await read_model(request, CreateIssueRequest)
    if (accepted := await _gated(request, job_id)) is not None:
        return accepted
    _require_github(settings)
    body.check_scope()
    identity = await current_identity(request)
    token = _github_token(body, await _saved_tokens(request, identity), settings)
    if not token:
        raise BadRequest("no GitHub token: send github_token or set VERDICT_GITHUB_TOKEN")
    params = {
        **_scope(body, job_id),
        "repo_url": await _repo_url(request, job_id, body),
        "title": body.title,
        "body": body.body,
        "username": identity.username,
    }
    data = await remote.call(
        request.app[REDIS], settings, "create_github", params, {"github_token": token}
    )
    return web.json_response(data, status=201)


@routes.post("/results/{job_id}/create-jira-bug")
@documented(
    request=CreateIssueRequest,
    responses={201: CreateIssueResponse},
    summary="Create a Jira bug for a stored failure",
    tags=["issues"],
)
async def create_jira_bug(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    job_id = parse_job_id(request)
    body = await read_model(request, CreateIssueRequest)
    if (accepted := await _gated(request, job_id)) is not None:
        return accepted
    _require_jira(settings)
    body.check_scope()
    project = body.jira_project_key or settings.jira_project_key
    if not project:
        raise BadRequest("no Jira project: send jira_project_key or set VERDICT_JIRA_PROJECT_KEY")
    identity = await current_identity(request)
    saved = await _saved_tokens(request, identity)
    secrets = _jira_credentials(body.jira_token, body.jira_email, saved, settings)
    if not secrets["jira_token"]:
        raise BadRequest("no Jira credentials: send jira_token (and jira_email for Cloud)")
    params = {
        **_scope(body, job_id),
        "project_key": project,
        "security_level": body.jira_security_level,
        "title": body.title,
        "body": body.body,
        "username": identity.username,
    }
    data = await remote.call(request.app[REDIS], settings, "create_jira", params, secrets)
    return web.json_response(data, status=201)


def _optional_int(request: web.Request, name: str) -> int | None:
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


@routes.post("/results/{job_id}/push-reportportal")
@documented(
    responses={200: ReportPortalPushResult},
    summary="Push stored classifications into Report Portal",
    tags=["issues"],
)
async def push_reportportal(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    job_id = parse_job_id(request)
    child = request.query.get("child_job_name") or ""
    child_build = _optional_int(request, "child_build_number")
    launch_id = _optional_int(request, "launch_id")
    async with request.app[PG].acquire() as conn:
        if await jobs_repo.job_status(conn, job_id) is None:
            raise NotFound(f"job {job_id} not found")
    if not (
        settings.reportportal_url
        and settings.reportportal_project
        and settings.reportportal_api_token.get_secret_value()
    ):
        raise BadRequest(
            "Report Portal is not configured (VERDICT_REPORTPORTAL_URL, _PROJECT, _API_TOKEN)"
        )
    if child and child_build is None:
        raise BadRequest("child_build_number is required when child_job_name is supplied")
    if child_build is not None and not child:
        raise BadRequest("child_build_number needs a child_job_name")
    if not settings.public_base_url:
        raise BadRequest("VERDICT_PUBLIC_BASE_URL is not set; Report Portal comments link to it")
    params = {
        "job_id": str(job_id),
        "child_job_name": child,
        "child_build_number": child_build or 0,
        "launch_id": launch_id,
    }
    data = await remote.call(request.app[REDIS], settings, "push_reportportal", params)
    return web.json_response(data)


@routes.post("/results/{job_id}/enrich-comments")
async def enrich_comments(request: web.Request) -> web.Response:
    job_id = parse_job_id(request)
    async with request.app[PG].acquire() as conn:
        if await jobs_repo.job_status(conn, job_id) is None:
            raise NotFound(f"job {job_id} not found")
    data = await remote.call(
        request.app[REDIS], request.app[SETTINGS], "enrich_comments", {"job_id": str(job_id)}
    )
    return web.json_response(data)


@routes.post("/api/jira-projects")
@documented(
    request=JiraProjectsRequest, summary="Jira projects visible to a token", tags=["issues"]
)
async def jira_projects(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    body = await read_model(request, JiraProjectsRequest)
    saved = await _saved_tokens(request, await current_identity(request))
    user_token = body.jira_token or saved.get("jira_token", "")
    if not user_token or not settings.jira_url:
        # No user token: only the server's configured project, as the contract says.
        key = settings.jira_project_key
        match = not body.query or body.query.casefold() in key.casefold()
        return web.json_response([{"key": key, "name": key}] if key and match else [])
    email = body.jira_email if body.jira_token else saved.get("jira_email", "")
    data = await remote.call(
        request.app[REDIS],
        settings,
        "jira_projects",
        {"query": body.query},
        {"jira_token": user_token, "jira_email": email},
    )
    return web.json_response(data)


@routes.post("/api/jira-security-levels")
@documented(
    request=JiraSecurityLevelsRequest,
    summary="Security levels of a Jira project",
    tags=["issues"],
)
async def jira_security_levels(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    body = await read_model(request, JiraSecurityLevelsRequest)
    if not settings.jira_url:
        return web.json_response([])
    saved = await _saved_tokens(request, await current_identity(request))
    secrets = _jira_credentials(body.jira_token, body.jira_email, saved, settings)
    if not secrets["jira_token"]:
        return web.json_response([])
    try:
        data = await remote.call(
            request.app[REDIS],
            settings,
            "jira_security_levels",
            {"project_key": body.project_key},
            secrets,
        )
    except Exception:  # the contract: failures are swallowed and returned as []
        data = []
    return web.json_response(data)


@routes.post("/api/validate-token")
@documented(
    request=ValidateTokenRequest, summary="Validate a GitHub or Jira token", tags=["issues"]
)
async def validate_token(request: web.Request) -> web.Response:
    body = await read_model(request, ValidateTokenRequest)
    if not body.token:
        return web.json_response({"valid": False, "username": "", "message": "no token given"})
    try:
        data = await remote.call(
            request.app[REDIS],
            request.app[SETTINGS],
            "validate_token",
            {"token_type": body.token_type},
            {"token": body.token, "email": body.email},
        )
    except Exception as exc:  # unreachable trackers (or worker) are a 200 with valid=false
        detail = getattr(exc, "detail", "") or type(exc).__name__
        data = {"valid": False, "username": "", "message": detail}
    return web.json_response(data)

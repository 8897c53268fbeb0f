"""Issue preview and creation, Report Portal push, comment enrichment, tracker lookups.

Each operation checks what can be answered here (the job's state, the scope, the feature
flags, the configuration, which credentials apply), then hands the work to the tracker
worker and awaits its answer (verdict.tracker.remote).

Credentials, in order: the request's, the caller's saved ones (PUT /api/user/tokens),
the server's. A Jira token and its email always come from the same source.
"""

from __future__ import annotations

import uuid
from typing import Any

from verdict.contracts.auth import UserTokens
from verdict.contracts.requests import split_repo_ref
from verdict.contracts.tracker import (
    CreateIssueRequest,
    JiraProjectsRequest,
    JiraSecurityLevelsRequest,
    PreviewIssueRequest,
    TrackerCredentials,
    ValidateTokenRequest,
)
from verdict.errors import BadRequest, Forbidden
from verdict.integrations.github import parse_repo_url
from verdict.services.deps import Deps
from verdict.services.identity import Identity, saved_tokens
from verdict.services.jobs import require_completed, require_job, stored_params
from verdict.settings import Settings
from verdict.tracker import remote


def github_token(request_token: str, saved: UserTokens, settings: Settings) -> str:
    return request_token or saved.github_token or settings.github_token.get_secret_value()


def jira_credentials(
    token: str, email: str, saved: UserTokens, settings: Settings
) -> dict[str, str]:
    """The first complete source wins: a token and its email are never mixed across sources."""
    if token:
        return {"jira_token": token, "jira_email": email}
    if saved.jira_token:
        return {"jira_token": saved.jira_token, "jira_email": saved.jira_email}
    server = settings.jira_api_token.get_secret_value()
    if server:
        return {"jira_token": server, "jira_email": settings.jira_email}
    return {"jira_token": settings.jira_pat.get_secret_value(), "jira_email": ""}


async def _repo_url(deps: Deps, job_id: uuid.UUID, body: TrackerCredentials) -> str:
    """The request's repository, else the job's tests_repo_url, else the server's."""
    url = body.github_repo_url
    if not url:
        params = await stored_params(deps, job_id)
        url = params.get("tests_repo_url") or deps.settings.tests_repo_url
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


async def _call(
    deps: Deps, op: str, params: dict[str, Any], secrets: dict[str, str] | None = None
) -> Any:
    return await remote.call(deps.queue, deps.settings, op, params, secrets)


async def preview_github_issue(
    deps: Deps, identity: Identity, job_id: uuid.UUID, body: PreviewIssueRequest
) -> Any:
    settings = deps.settings
    await require_completed(deps, job_id)
    _require_github(settings)
    body.check_scope()
    token = github_token(body.github_token, await saved_tokens(deps, identity.username), settings)
    try:
        repo_url = await _repo_url(deps, job_id, body)
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
    return await _call(deps, "preview_github", params, {"github_token": token})


async def preview_jira_bug(
    deps: Deps, identity: Identity, job_id: uuid.UUID, body: PreviewIssueRequest
) -> Any:
    settings = deps.settings
    await require_completed(deps, job_id)
    _require_jira(settings)
    body.check_scope()
    saved = await saved_tokens(deps, identity.username)
    secrets = jira_credentials(body.jira_token, body.jira_email, saved, settings)
    params = {
        **_scope(body, job_id),
        "include_links": body.include_links,
        "project_key": body.jira_project_key or settings.jira_project_key,
        "ai_provider": body.ai_provider,
        "ai_model": body.ai_model,
    }
    return await _call(deps, "preview_jira", params, secrets)


async def create_github_issue(
    deps: Deps, identity: Identity, job_id: uuid.UUID, body: CreateIssueRequest
) -> Any:
    settings = deps.settings
    await require_completed(deps, job_id)
    _require_github(settings)
    body.check_scope()
    token = github_token(body.github_token, await saved_tokens(deps, identity.username), settings)
    if not token:
        raise BadRequest("no GitHub token: send github_token or set VERDICT_GITHUB_TOKEN")
    params = {
        **_scope(body, job_id),
        "repo_url": await _repo_url(deps, job_id, body),
        "title": body.title,
        "body": body.body,
        "username": identity.username,
    }
    return await _call(deps, "create_github", params, {"github_token": token})


async def create_jira_bug(
    deps: Deps, identity: Identity, job_id: uuid.UUID, body: CreateIssueRequest
) -> Any:
    settings = deps.settings
    await require_completed(deps, job_id)
    _require_jira(settings)
    body.check_scope()
    project = body.jira_project_key or settings.jira_project_key
    if not project:
        raise BadRequest("no Jira project: send jira_project_key or set VERDICT_JIRA_PROJECT_KEY")
    saved = await saved_tokens(deps, identity.username)
    secrets = jira_credentials(body.jira_token, body.jira_email, saved, settings)
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
    return await _call(deps, "create_jira", params, secrets)


async def push_reportportal(
    deps: Deps,
    job_id: uuid.UUID,
    *,
    child_job_name: str,
    child_build_number: int | None,
    launch_id: int | None,
) -> Any:
    settings = deps.settings
    await require_job(deps, job_id)
    if not (
        settings.reportportal_url
        and settings.reportportal_project
        and settings.reportportal_api_token.get_secret_value()
    ):
        raise BadRequest(
            "Report Portal is not configured (VERDICT_REPORTPORTAL_URL, _PROJECT, _API_TOKEN)"
        )
    if child_job_name and child_build_number is None:
        raise BadRequest("child_build_number is required when child_job_name is supplied")
    if child_build_number is not None and not child_job_name:
        raise BadRequest("child_build_number needs a child_job_name")
    if not settings.public_base_url:
        raise BadRequest("VERDICT_PUBLIC_BASE_URL is not set; Report Portal comments link to it")
    params = {
        "job_id": str(job_id),
        "child_job_name": child_job_name,
        "child_build_number": child_build_number or 0,
        "launch_id": launch_id,
    }
    return await _call(deps, "push_reportportal", params)


async def enrich_comments(deps: Deps, job_id: uuid.UUID) -> Any:
    await require_job(deps, job_id)
    return await _call(deps, "enrich_comments", {"job_id": str(job_id)})


async def jira_projects(deps: Deps, identity: Identity, body: JiraProjectsRequest) -> Any:
    settings = deps.settings
    saved = await saved_tokens(deps, identity.username)
    user_token = body.jira_token or saved.jira_token
    if not user_token or not settings.jira_url:
        # No user token: only the server's configured project, as the contract says.
        key = settings.jira_project_key
        match = not body.query or body.query.casefold() in key.casefold()
        return [{"key": key, "name": key}] if key and match else []
    email = body.jira_email if body.jira_token else saved.jira_email
    return await _call(
        deps,
        "jira_projects",
        {"query": body.query},
        {"jira_token": user_token, "jira_email": email},
    )


async def jira_security_levels(
    deps: Deps, identity: Identity, body: JiraSecurityLevelsRequest
) -> Any:
    settings = deps.settings
    if not settings.jira_url:
        return []
    saved = await saved_tokens(deps, identity.username)
    secrets = jira_credentials(body.jira_token, body.jira_email, saved, settings)
    if not secrets["jira_token"]:
        return []
    try:
        return await _call(deps, "jira_security_levels", {"project_key": body.project_key}, secrets)
    except Exception:  # the contract: failures are swallowed and returned as []
        return []


async def validate_token(deps: Deps, body: ValidateTokenRequest) -> Any:
    if not body.token:
        return {"valid": False, "username": "", "message": "no token given"}
    try:
        return await _call(
            deps,
            "validate_token",
            {"token_type": body.token_type},
            {"token": body.token, "email": body.email},
        )
    except Exception as exc:  # unreachable trackers (or worker) are a 200 with valid=false
        detail = getattr(exc, "detail", "") or type(exc).__name__
        return {"valid": False, "username": "", "message": detail}

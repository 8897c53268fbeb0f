"""Issue preview and creation, Report Portal push, comment enrichment, tracker lookups.

The work is in verdict.services.trackers (credential precedence, checks) and the
tracker worker (the calls to GitHub, Jira and Report Portal).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from services.gateway.body import read_model
from services.gateway.identity import current_identity
from services.gateway.keys import deps_of
from services.gateway.openapi import ReportPortalQuery, StillRunning, documented
from services.gateway.params import optional_int, parse_job_id
from verdict.contracts.tracker import (
    CreateIssueRequest,
    CreateIssueResponse,
    JiraProjectsRequest,
    JiraSecurityLevelsRequest,
    PreviewIssueRequest,
    PreviewIssueResponse,
    ReportPortalPushResult,
    ValidateTokenRequest,
)
from verdict.services import trackers

routes = web.RouteTableDef()
TAGS = ["issues"]


@routes.post("/results/{job_id}/preview-github-issue")
@documented(
    request=PreviewIssueRequest,
    responses={200: PreviewIssueResponse, 202: StillRunning},
    summary="Preview a GitHub issue for a stored failure",
    tags=TAGS,
)
async def preview_github_issue(request: web.Request) -> web.Response:
    job_id = parse_job_id(request)
    body = await read_model(request, PreviewIssueRequest)
    identity = await current_identity(request)
    data = await trackers.preview_github_issue(deps_of(request), identity, job_id, body)
    return web.json_response(data)


@routes.post("/results/{job_id}/preview-jira-bug")
@documented(
    request=PreviewIssueRequest,
    responses={200: PreviewIssueResponse, 202: StillRunning},
    summary="Preview a Jira bug for a stored failure",
    tags=TAGS,
)
async def preview_jira_bug(request: web.Request) -> web.Response:
    job_id = parse_job_id(request)
    body = await read_model(request, PreviewIssueRequest)
    identity = await current_identity(request)
    data = await trackers.preview_jira_bug(deps_of(request), identity, job_id, body)
    return web.json_response(data)


@routes.post("/results/{job_id}/create-github-issue")
@documented(
    request=CreateIssueRequest,
    responses={201: CreateIssueResponse, 202: StillRunning},
    summary="Create a GitHub issue for a stored failure",
    tags=TAGS,
)
async def create_github_issue(request: web.Request) -> web.Response:
    job_id = parse_job_id(request)
    body = await read_model(request, CreateIssueRequest)
    identity = await current_identity(request)
    data = await trackers.create_github_issue(deps_of(request), identity, job_id, body)
    return web.json_response(data, status=201)


@routes.post("/results/{job_id}/create-jira-bug")
@documented(
    request=CreateIssueRequest,
    responses={201: CreateIssueResponse, 202: StillRunning},
    summary="Create a Jira bug for a stored failure",
    tags=TAGS,
)
async def create_jira_bug(request: web.Request) -> web.Response:
    job_id = parse_job_id(request)
    body = await read_model(request, CreateIssueRequest)
    identity = await current_identity(request)
    data = await trackers.create_jira_bug(deps_of(request), identity, job_id, body)
    return web.json_response(data, status=201)


@routes.post("/results/{job_id}/push-reportportal")
@documented(
    query=ReportPortalQuery,
    responses={200: ReportPortalPushResult},
    summary="Push stored classifications into Report Portal",
    tags=TAGS,
)
async def push_reportportal(request: web.Request) -> web.Response:
    job_id = parse_job_id(request)
    child = request.query.get("child_job_name") or ""
    child_build = optional_int(request, "child_build_number")
    launch_id = optional_int(request, "launch_id")
    data = await trackers.push_reportportal(
        deps_of(request),
        job_id,
        child_job_name=child,
        child_build_number=child_build,
        launch_id=launch_id,
    )
    return web.json_response(data)


@routes.post("/results/{job_id}/enrich-comments")
@documented(
    responses={200: dict[str, Any]},
    summary="Refresh the status of issues linked in a job's comments",
    tags=TAGS,
)
async def enrich_comments(request: web.Request) -> web.Response:
    data = await trackers.enrich_comments(deps_of(request), parse_job_id(request))
    return web.json_response(data)


@routes.post("/api/jira-projects")
@documented(request=JiraProjectsRequest, summary="Jira projects visible to a token", tags=TAGS)
async def jira_projects(request: web.Request) -> web.Response:
    body = await read_model(request, JiraProjectsRequest)
    identity = await current_identity(request)
    return web.json_response(await trackers.jira_projects(deps_of(request), identity, body))


@routes.post("/api/jira-security-levels")
@documented(
    request=JiraSecurityLevelsRequest, summary="Security levels of a Jira project", tags=TAGS
)
async def jira_security_levels(request: web.Request) -> web.Response:
    body = await read_model(request, JiraSecurityLevelsRequest)
    identity = await current_identity(request)
    data = await trackers.jira_security_levels(deps_of(request), identity, body)
    return web.json_response(data)


@routes.post("/api/validate-token")
@documented(request=ValidateTokenRequest, summary="Validate a GitHub or Jira token", tags=TAGS)
async def validate_token(request: web.Request) -> web.Response:
    body = await read_model(request, ValidateTokenRequest)
    return web.json_response(await trackers.validate_token(deps_of(request), body))

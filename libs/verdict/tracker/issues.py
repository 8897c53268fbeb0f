"""Preview and create flows for GitHub issues and Jira bugs (run in the tracker worker).

The gateway has already checked the job (404/202/409), the scope, the feature flags
and the configuration; it passes the resolved repository, project and credentials.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp
import asyncpg

from verdict.contracts.envelope import result_url
from verdict.contracts.tracker import CreateIssueResponse, PreviewIssueResponse, SimilarIssue
from verdict.errors import BadRequest, NotFound
from verdict.integrations.github import GitHubClient, RateLimitBook, parse_repo_url
from verdict.integrations.jira import IssueDraft, JiraAPI, JiraError, JiraUnauthorized, auth_for
from verdict.jira_match.jql import build_jql
from verdict.logging import get_logger
from verdict.settings import Settings
from verdict.storage import collaboration as collaboration_repo
from verdict.storage import jobs as jobs_repo
from verdict.tracker import content
from verdict.tracker.ai_content import write_issue
from verdict.tracker.failures import find_failure

log = get_logger(__name__)


@dataclass
class Deps:
    """What a flow needs from the worker: settings, Postgres, HTTP sessions."""

    settings: Settings
    pool: asyncpg.Pool
    session: aiohttp.ClientSession
    github_book: RateLimitBook
    # Deliveries to customers' URLs use their own session (a resolver that refuses
    # internal addresses); None outside the worker.
    webhook_session: aiohttp.ClientSession | None = None


def github(deps: Deps, token: str) -> GitHubClient:
    s = deps.settings
    return GitHubClient(
        deps.session,
        token,
        base_url=s.github_api_url,
        timeout_s=s.github_timeout_s,
        max_wait_s=s.github_max_rate_wait_s,
        book=deps.github_book,
    )


def jira(deps: Deps, token: str, email: str) -> JiraAPI:
    s = deps.settings
    try:
        auth = auth_for(token, email)
    except ValueError:
        raise BadRequest("Jira credentials are missing: send jira_token (and jira_email)") from None
    return JiraAPI(
        deps.session, s.jira_url, auth, ssl_verify=s.jira_ssl_verify, timeout_s=s.jira_timeout_s
    )


async def _failure(deps: Deps, params: dict[str, Any]) -> tuple[dict[str, Any], content.Context]:
    job_id = uuid.UUID(params["job_id"])
    async with deps.pool.acquire() as conn:
        row = await jobs_repo.get_job(conn, job_id)
    if row is None:
        raise NotFound(f"job {job_id} not found")
    child, build = params.get("child_job_name", ""), int(params.get("child_build_number", 0))
    failure = find_failure(row["result"], params["test_name"], child, build)
    if failure is None:
        where = f" in child job {child!r}" if child else ""
        raise NotFound(f"test {params['test_name']!r} not found{where} in job {job_id}")
    links = bool(params.get("include_links")) and bool(deps.settings.public_base_url)
    ctx = content.Context(
        job_id=str(job_id),
        job_name=row["job_name"],
        build_number=row["build_number"],
        child_job_name=child,
        child_build_number=build,
        report_url=result_url(deps.settings, str(job_id)) if links else "",
        jenkins_url=row["jenkins_url"] if links else "",
    )
    return failure, ctx


async def preview_github(deps: Deps, params: dict[str, Any], secrets: dict[str, str]) -> Any:
    failure, ctx = await _failure(deps, params)
    similar: list[SimilarIssue] = []
    token, repo_url = secrets.get("github_token", ""), params.get("repo_url", "")
    if token and repo_url:
        try:  # best effort: a failed search leaves the preview without duplicates
            items = await github(deps, token).search_issues(
                parse_repo_url(repo_url), content.search_terms(failure)
            )
            similar = [
                SimilarIssue(
                    number=int(i.get("number") or 0),
                    title=str(i.get("title") or ""),
                    url=str(i.get("html_url") or ""),
                    status=str(i.get("state") or ""),
                )
                for i in items
            ]
        except Exception as exc:
            log.info("github duplicate search failed", error=str(exc))
    title, body = await write_issue(
        deps.session,
        deps.settings,
        params.get("ai_provider", ""),
        params.get("ai_model", ""),
        "github",
        content.title_for(failure),
        content.body_for(failure, ctx, "github"),
    )
    return PreviewIssueResponse(title=title, body=body, similar_issues=similar).model_dump()


async def preview_jira(deps: Deps, params: dict[str, Any], secrets: dict[str, str]) -> Any:
    failure, ctx = await _failure(deps, params)
    similar: list[SimilarIssue] = []
    token, project = secrets.get("jira_token", ""), params.get("project_key", "")
    if token and project:
        try:  # best effort, like the GitHub search
            client = jira(deps, token, secrets.get("jira_email", ""))
            jql = build_jql(content.search_terms(failure), project, deps.settings.jira_issue_types)
            for issue in await client.search_issues(jql, limit=5):
                similar.append(
                    SimilarIssue(
                        key=issue.key,
                        title=issue.summary,
                        url=client.browse_url(issue.key),
                        status=issue.status,
                    )
                )
        except (JiraError, ValueError, BadRequest) as exc:
            log.info("jira duplicate search failed", error=str(exc))
    title, body = await write_issue(
        deps.session,
        deps.settings,
        params.get("ai_provider", ""),
        params.get("ai_model", ""),
        "jira",
        content.title_for(failure),
        content.body_for(failure, ctx, "jira"),
    )
    return PreviewIssueResponse(title=title, body=body, similar_issues=similar).model_dump()


async def _link_comment(
    deps: Deps, params: dict[str, Any], failure: dict[str, Any], text: str
) -> int:
    username = str(params.get("username") or "")
    if not username:
        return 0
    async with deps.pool.acquire() as conn:
        comment_id = await collaboration_repo.add_comment(
            conn,
            uuid.UUID(params["job_id"]),
            test_name=params["test_name"],
            child_job_name=params.get("child_job_name", ""),
            child_build_number=int(params.get("child_build_number", 0)),
            comment=text,
            error_signature=str(failure.get("error_signature") or ""),
            username=username,
        )
    assert comment_id is not None  # a given signature needs no stored failure
    return comment_id


async def create_github(deps: Deps, params: dict[str, Any], secrets: dict[str, str]) -> Any:
    failure, _ctx = await _failure(deps, params)
    username = str(params.get("username") or "")
    body = content.with_reporter(params["body"], username, "github")
    labels = list(deps.settings.github_issue_labels)
    classification = str(content.analysis_of(failure).get("classification") or "")
    if classification:
        labels.append(classification.lower().replace(" ", "-"))
    created = await github(deps, secrets.get("github_token", "")).create_issue(
        parse_repo_url(params["repo_url"]), params["title"], body, labels
    )
    url = str(created.get("html_url") or "")
    number = int(created.get("number") or 0)
    comment_id = await _link_comment(deps, params, failure, f"GitHub issue created: {url}")
    return CreateIssueResponse(
        url=url,
        number=number,
        title=str(created.get("title") or params["title"]),
        comment_id=comment_id,
    ).model_dump()


async def create_jira(deps: Deps, params: dict[str, Any], secrets: dict[str, str]) -> Any:
    failure, _ctx = await _failure(deps, params)
    s = deps.settings
    client = jira(deps, secrets.get("jira_token", ""), secrets.get("jira_email", ""))
    project = params["project_key"]
    level_id: str | None = None
    if level_name := str(params.get("security_level") or "").strip():
        level_id = await client.security_level_id(project, level_name)
        if level_id is None:
            raise BadRequest(f"Jira project {project} has no security level {level_name!r}")
    draft = IssueDraft(
        project_key=project,
        summary=params["title"],
        description=content.with_reporter(
            params["body"], str(params.get("username") or ""), "jira"
        ),
        issue_type=s.jira_issue_type,
        priority=s.jira_issue_priority or None,
        security_level_id=level_id,
    )
    created = await client.create_issue(draft)
    url = client.browse_url(created.key)
    comment_id = await _link_comment(
        deps, params, failure, f"Jira bug created: {created.key} {url}"
    )
    return CreateIssueResponse(
        url=url, key=created.key, title=params["title"], comment_id=comment_id
    ).model_dump()


async def jira_projects(deps: Deps, params: dict[str, Any], secrets: dict[str, str]) -> Any:
    client = jira(deps, secrets.get("jira_token", ""), secrets.get("jira_email", ""))
    projects = await client.projects(str(params.get("query") or ""))
    return [{"key": p.key, "name": p.name} for p in projects]


async def jira_security_levels(deps: Deps, params: dict[str, Any], secrets: dict[str, str]) -> Any:
    try:
        client = jira(deps, secrets.get("jira_token", ""), secrets.get("jira_email", ""))
        levels = await client.security_levels(params["project_key"])
    except (JiraError, BadRequest) as exc:  # the contract swallows failures into []
        log.info("jira security levels failed", error=str(exc))
        return []
    return [{"id": lv.id, "name": lv.name, "description": lv.description} for lv in levels]


async def validate_token(deps: Deps, params: dict[str, Any], secrets: dict[str, str]) -> Any:
    """{valid, username, message}; every failure is a 200 with valid=false."""
    token = secrets.get("token", "")
    kind = params["token_type"]
    if not token:
        return {"valid": False, "username": "", "message": f"no {kind} token given"}
    try:
        if kind == "github":
            login = await github(deps, token).login()
            return {"valid": True, "username": login, "message": f"GitHub token valid for {login}"}
        if not deps.settings.jira_url:
            return {"valid": False, "username": "", "message": "Jira URL is not configured"}
        me = await jira(deps, token, secrets.get("email", "")).myself()
        return {"valid": True, "username": me.display_name, "message": "Jira token valid"}
    except JiraUnauthorized:
        return {"valid": False, "username": "", "message": "Jira rejected the token"}
    except Exception as exc:
        message = getattr(exc, "detail", "") or f"{type(exc).__name__}: {exc}"
        return {"valid": False, "username": "", "message": message}

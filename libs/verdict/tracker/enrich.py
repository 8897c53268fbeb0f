"""Live statuses of the GitHub issues, pull requests and Jira keys mentioned in comments."""

from __future__ import annotations

import re
import uuid
from typing import Any

from verdict.integrations.github import parse_issue_url
from verdict.integrations.jira import JiraError
from verdict.jira_match.jql import jql_string
from verdict.logging import get_logger
from verdict.storage import collaboration as collaboration_repo
from verdict.tracker.issues import Deps, github, jira

log = get_logger(__name__)

JIRA_KEY = re.compile(r"(?<![A-Za-z0-9/-])([A-Z][A-Z0-9_]{1,9}-\d{1,7})\b")
MAX_LOOKUPS = 100


async def enrich(deps: Deps, params: dict[str, Any], secrets: dict[str, str]) -> Any:
    """{"enrichments": {comment_id: [{type, key, status}]}}; lookups that fail are left out."""
    s = deps.settings
    async with deps.pool.acquire() as conn:
        rows = await collaboration_repo.comment_texts(conn, uuid.UUID(params["job_id"]))
    mentions: dict[str, list[tuple[str, str, Any]]] = {}
    for row in rows:
        text = str(row["comment"])
        found: list[tuple[str, str, Any]] = []
        for gh_repo, kind, number in parse_issue_url(text):
            kind_name = "github_pr" if kind == "pull" else "github_issue"
            found.append((kind_name, f"{gh_repo.full_name}#{number}", (gh_repo, kind, number)))
        github_free = re.sub(r"https?://\S+/(issues|pull)/\d+", " ", text)
        for key in dict.fromkeys(JIRA_KEY.findall(github_free)):
            found.append(("jira", key, key))
        if found:
            mentions[str(row["id"])] = found

    statuses: dict[tuple[str, str], str] = {}
    gh = github(deps, s.github_token.get_secret_value())
    for kind, key, ref in {
        (k, key, r) for f in mentions.values() for k, key, r in f if k != "jira"
    }:
        if len(statuses) >= MAX_LOOKUPS:
            break
        try:
            statuses[(kind, key)] = await gh.issue_status(*ref)
        except Exception as exc:
            log.info("github status lookup failed", key=key, error=str(exc))
    jira_keys = sorted({key for f in mentions.values() for k, key, _ in f if k == "jira"})
    token = s.jira_api_token.get_secret_value() or s.jira_pat.get_secret_value()
    if jira_keys and s.jira_url and token:
        try:
            client = jira(deps, token, s.jira_email)
            jql = f"key in ({', '.join(jql_string(k) for k in jira_keys[:MAX_LOOKUPS])})"
            for issue in await client.search_issues(jql, limit=MAX_LOOKUPS):
                if issue.key in jira_keys:
                    statuses[("jira", issue.key)] = issue.status
        except (JiraError, Exception) as exc:
            log.info("jira status lookup failed", error=str(exc))

    enrichments = {
        comment_id: [
            {"type": kind, "key": key, "status": statuses[(kind, key)]}
            for kind, key, _ in found
            if (kind, key) in statuses
        ]
        for comment_id, found in mentions.items()
    }
    return {"enrichments": {k: v for k, v in enrichments.items() if v}}

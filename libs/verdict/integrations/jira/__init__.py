"""Jira client: sans-I/O core (sansio.py), client logic (abc.py), aiohttp adapter.

async with aiohttp.ClientSession() as session:
    jira = JiraAPI(session, "https://acme.atlassian.net", auth_for(token, email))
    issues = await jira.search_issues(jql, limit=20)
"""

from verdict.integrations.jira.aiohttp import JiraAPI
from verdict.integrations.jira.exceptions import (
    JiraBadRequest,
    JiraError,
    JiraNotFound,
    JiraRateLimited,
    JiraServerError,
    JiraUnauthorized,
    JiraUnavailable,
    JiraUnreachable,
)
from verdict.integrations.jira.models import (
    CreatedIssue,
    Issue,
    IssueDraft,
    Myself,
    Project,
    SecurityLevel,
)
from verdict.integrations.jira.sansio import Auth, Flavor, auth_for

__all__ = [
    "Auth",
    "CreatedIssue",
    "Flavor",
    "Issue",
    "IssueDraft",
    "JiraAPI",
    "JiraBadRequest",
    "JiraError",
    "JiraNotFound",
    "JiraRateLimited",
    "JiraServerError",
    "JiraUnauthorized",
    "JiraUnavailable",
    "JiraUnreachable",
    "Myself",
    "Project",
    "SecurityLevel",
    "auth_for",
]

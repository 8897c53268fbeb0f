"""Existing tests-repo GitHub issues for CODE ISSUE groups (`code_fix.tests_repo_matches`).

The counterpart of the Jira search for PRODUCT BUGs: a broken test is usually
already reported in the repository that holds the tests. One search per group
through gidgethub, scored like Jira candidates (text similarity, open first,
recency), written next to the code fix.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import aiohttp

from verdict.contracts.requests import split_repo_ref
from verdict.errors import VerdictError
from verdict.integrations.github.client import GitHubClient
from verdict.integrations.github.repos import Repo, parse_repo_url
from verdict.integrations.jira.models import Issue
from verdict.jira_match import score_candidates
from verdict.settings import Settings
from verdict.triage.builtin import CODE_ISSUE
from verdict.triage.normalize import scrub

_SEARCH_TERMS = 4
_STOP = frozenset({"error", "failed", "assert", "assertion", "expected", "true", "false", "none"})


def tests_repo(params: dict[str, Any], settings: Settings) -> Repo | None:
    url = params.get("tests_repo_url") or split_repo_ref(settings.tests_repo_url)[0]
    if not url:
        return None
    try:
        return parse_repo_url(url)
    except VerdictError:
        return None  # not a GitHub-style URL: nothing to search


def code_issue_failures(result: dict[str, Any]) -> Iterator[dict[str, Any]]:
    from verdict.analysis.jira_enrich import all_failures

    for failure in all_failures(result):
        if failure["analysis"].get("classification") == CODE_ISSUE:
            yield failure


def wants_github(params: dict[str, Any], settings: Settings, result: dict[str, Any]) -> bool:
    return tests_repo(params, settings) is not None and any(code_issue_failures(result))


def search_terms(error: str) -> list[str]:
    """A few distinctive words of the error: no numbers, ids or filler."""
    words: list[str] = []
    for token in scrub(error).replace("<n>", " ").split():
        word = token.strip(".,:;'\"()[]{}<>")
        known = {w.lower() for w in words}
        if len(word) >= 4 and word.isascii() and word.lower() not in _STOP | known:
            words.append(word)
        if len(words) == _SEARCH_TERMS:
            break
    return words


async def find_tests_repo_matches(
    http: aiohttp.ClientSession,
    settings: Settings,
    params: dict[str, Any],
    secrets: dict[str, str],
    result: dict[str, Any],
) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """signature -> matches, and the errors met (recorded, never raised)."""
    repo = tests_repo(params, settings)
    if repo is None:
        return {}, []
    token = secrets.get("github_token") or settings.github_token.get_secret_value()
    client = GitHubClient(
        http, token, base_url=settings.github_api_url, timeout_s=settings.jira_timeout_s
    )
    groups: dict[str, dict[str, Any]] = {}
    for failure in code_issue_failures(result):
        groups.setdefault(failure["error_signature"], failure)
    limit = params.get("jira_max_results") or settings.jira_max_results
    found: dict[str, list[dict[str, Any]]] = {}
    errors: list[str] = []
    semaphore = asyncio.Semaphore(settings.jira_concurrency)

    async def search(sig: str, failure: dict[str, Any]) -> None:
        terms = search_terms(failure["error"])
        if not terms:
            return
        try:
            async with semaphore:
                items = await client.search_issues(repo, terms, limit=20)
        except VerdictError as exc:
            errors.append(f"GitHub search failed: {exc.detail}")
            return
        found[sig] = _score(failure, items, limit, settings.jira_match_threshold)

    await asyncio.gather(*(search(sig, f) for sig, f in groups.items()))
    return found, errors


def _score(
    failure: dict[str, Any], items: list[dict[str, Any]], limit: int, threshold: float
) -> list[dict[str, Any]]:
    by_key = {f"#{i['number']}": i for i in items if "number" in i}
    candidates = [
        Issue(
            key=key,
            summary=str(item.get("title") or ""),
            description=str(item.get("body") or ""),
            status=str(item.get("state") or ""),
            status_category="done" if item.get("state") == "closed" else "new",
            updated=_when(item.get("updated_at")),
        )
        for key, item in by_key.items()
    ]
    code_fix = failure["analysis"].get("code_fix") or {}
    matches = score_candidates(
        failure["error"],
        str(code_fix.get("change") or failure["error"]),
        candidates,
        jira_url="",
        max_results=limit,
        threshold=threshold,
    )
    return [
        {
            "number": by_key[m.key]["number"],
            "title": m.summary,
            "status": m.status,
            "url": str(by_key[m.key].get("html_url") or ""),
            "score": m.score,
        }
        for m in matches
    ]


def _when(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def apply_code_matches(
    result: dict[str, Any], found: dict[str, list[dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    """Put each group's matches in every failure's code_fix; return the group code fixes."""
    fixes: dict[str, dict[str, Any]] = {}
    for failure in code_issue_failures(result):
        sig = failure["error_signature"]
        if sig not in found:
            continue
        analysis = failure["analysis"]
        fix = analysis.get("code_fix") or {"file": "", "line": "", "change": ""}
        fix["tests_repo_matches"] = found[sig]
        analysis["code_fix"] = fix
        fixes[sig] = fix
    return fixes

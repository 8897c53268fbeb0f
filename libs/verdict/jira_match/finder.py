"""Find existing Jira bugs for many PRODUCT BUG groups at once.

Groups are bucketed by their normalized keyword set first, so a build with 200
groups from 60 root causes sends at most 60 searches (fewer with a warm cache),
at most `concurrency` at a time. A failing search is recorded on its groups, never
raised: duplicate search is best-effort and must not fail the analysis.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from verdict.integrations.jira.abc import JiraAPI
from verdict.integrations.jira.models import Issue
from verdict.jira_match.cache import SearchCache, SearchKey, search_scope
from verdict.jira_match.jql import build_jql, normalize_keywords
from verdict.jira_match.scoring import DEFAULT_THRESHOLD, Match, score_candidates

__all__ = ["BugGroup", "GroupMatches", "find_matches"]

SEARCH_LIMIT = 25  # candidates fetched per search; scoring keeps max_results of them


@dataclass(frozen=True, slots=True)
class BugGroup:
    group_id: str
    keywords: Sequence[str]  # product_bug_report.jira_search_keywords
    bug_title: str = ""  # product_bug_report.title
    failure_text: str = ""  # error message, normalized signature text, description


@dataclass(slots=True)
class GroupMatches:
    matches: list[Match] = field(default_factory=list)
    error: Exception | None = None  # set when the search failed; matches stay []


async def find_matches(
    client: JiraAPI,
    groups: Iterable[BugGroup],
    project_key: str | None,
    max_results: int = 5,
    threshold: float = DEFAULT_THRESHOLD,
    concurrency: int = 4,
    *,
    cache: SearchCache | None = None,
    issue_types: Sequence[str] = ("Bug",),
    search_limit: int = SEARCH_LIMIT,
    now: datetime | None = None,
) -> dict[str, GroupMatches]:
    results: dict[str, GroupMatches] = {}
    buckets: dict[SearchKey, list[BugGroup]] = {}
    types = tuple(issue_types)
    scope = search_scope(client.base_url, client.auth)
    for group in groups:
        terms = normalize_keywords(group.keywords)
        if not terms:
            results[group.group_id] = GroupMatches()  # nothing to search for
            continue
        key = SearchKey(scope, project_key or "", frozenset(terms), types)
        buckets.setdefault(key, []).append(group)

    gate = asyncio.Semaphore(max(1, concurrency))

    async def search(key: SearchKey) -> list[Issue]:
        if cache is not None and (hit := await cache.get(key)) is not None:
            return hit
        # Sorted terms: the same set always yields the same JQL (and Jira-side cache).
        jql = build_jql(sorted(key.keywords), key.project_key or None, key.issue_types)
        async with gate:
            issues = await client.search_issues(jql, limit=search_limit)
        if cache is not None:
            await cache.set(key, issues)
        return issues

    async def run(key: SearchKey, members: list[BugGroup]) -> None:
        try:
            issues = await search(key)
        except Exception as exc:  # recorded per group: the analysis must still complete
            for group in members:
                results[group.group_id] = GroupMatches(error=exc)
            return
        for group in members:
            try:
                matches = score_candidates(
                    group.failure_text,
                    group.bug_title,
                    issues,
                    jira_url=client.base_url,
                    max_results=max_results,
                    threshold=threshold,
                    now=now,
                )
            except Exception as exc:
                results[group.group_id] = GroupMatches(error=exc)
            else:
                results[group.group_id] = GroupMatches(matches=matches)

    async with asyncio.TaskGroup() as tasks:
        for key, members in buckets.items():
            tasks.create_task(run(key, members))
    return results

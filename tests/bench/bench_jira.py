"""Jira enrichment: 200 PRODUCT BUG groups from 60 keyword sets, Jira at 100 ms.

    .venv/bin/python tests/bench/bench_jira.py

Prints wall time and Jira request counts for the naive way (one sequential search
per group) and for find_matches (one search per distinct keyword set, bounded
concurrency), measured in the same run against the same fake Jira.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.fakes.jira import CLOUD_EMAIL, STATE, TOKEN, fake_issue, make_fake_jira, serve
from verdict.integrations.jira import Auth, Flavor, JiraAPI
from verdict.jira_match import BugGroup, MemorySearchCache, build_jql, find_matches
from verdict.jira_match.scoring import score_candidates

GROUPS, KEYWORD_SETS, LATENCY_S, CONCURRENCY = 200, 60, 0.1, 8
COMPONENTS = ["checkout", "login", "search", "export", "billing", "upload"]
SYMPTOMS = ["timeout", "null pointer", "500 error", "deadlock", "wrong total", "encoding"]


def corpus(rng: random.Random) -> tuple[list[dict], list[BugGroup]]:
    issues = [
        fake_issue(
            f"PROJ-{n}",
            f"{rng.choice(COMPONENTS)} {rng.choice(SYMPTOMS)} in module m{n % 60}",
            f"Seen in m{n % 60}: {rng.choice(SYMPTOMS)} while calling {rng.choice(COMPONENTS)}",
        )
        for n in range(1, 401)
    ]
    sets = [[COMPONENTS[k % 6], SYMPTOMS[(k // 6) % 6], f"m{k}"] for k in range(KEYWORD_SETS)]
    groups = []
    for g in range(GROUPS):
        keywords = sets[g % KEYWORD_SETS] if g < KEYWORD_SETS else rng.choice(sets)
        keywords = rng.sample(keywords, len(keywords))  # order varies between groups
        title = f"{keywords[0]} {keywords[1]} in module {keywords[2]}"
        groups.append(BugGroup(f"g{g}", keywords, title, f"Error: {title}"))
    return issues, groups


async def naive(client: JiraAPI, groups: list[BugGroup]) -> int:
    found = 0
    for group in groups:
        issues = await client.search_issues(build_jql(group.keywords, "PROJ"), limit=25)
        found += len(
            score_candidates(group.failure_text, group.bug_title, issues, jira_url=client.base_url)
        )
    return found


async def main() -> None:
    issues, groups = corpus(random.Random(7))
    app = make_fake_jira("cloud", issues, latency_s=LATENCY_S)
    state = app[STATE]
    async with serve(app) as url, aiohttp.ClientSession() as session:
        client = JiraAPI(session, url, Auth(Flavor.CLOUD, TOKEN, CLOUD_EMAIL))

        t0 = time.perf_counter()
        naive_found = await naive(client, groups)
        naive_s, naive_reqs = time.perf_counter() - t0, state.request_count

        cache = MemorySearchCache(ttl_s=300)
        t0 = time.perf_counter()
        result = await find_matches(client, groups, "PROJ", concurrency=CONCURRENCY, cache=cache)
        ours_s, ours_reqs = time.perf_counter() - t0, state.request_count - naive_reqs

        t0 = time.perf_counter()
        await find_matches(client, groups, "PROJ", concurrency=CONCURRENCY, cache=cache)
        warm_s, warm_reqs = time.perf_counter() - t0, state.request_count - naive_reqs - ours_reqs

    ours_found = sum(len(r.matches) for r in result.values())
    errors = sum(r.error is not None for r in result.values())
    distinct = len({frozenset(k.casefold() for k in g.keywords) for g in groups})
    ms = LATENCY_S * 1000
    print(f"groups={len(groups)} distinct_keyword_sets={distinct} jira_latency={ms:.0f}ms")
    row = "{:<36} {:6.2f} s  {:4d} requests  {} matches"
    print(row.format("naive (sequential, 1 search/group):", naive_s, naive_reqs, naive_found))
    ours = f"find_matches (concurrency={CONCURRENCY}):"
    print(row.format(ours, ours_s, ours_reqs, ours_found) + f"  errors={errors}")
    print(f"{'find_matches, warm cache:':<36} {warm_s:6.2f} s  {warm_reqs:4d} requests")
    print(f"speed-up {naive_s / ours_s:.1f}x, requests {naive_reqs} -> {ours_reqs}")
    assert ours_reqs <= distinct, "more than one search per distinct keyword set"
    assert ours_found == naive_found, "batching changed the answers"


if __name__ == "__main__":
    asyncio.run(main())

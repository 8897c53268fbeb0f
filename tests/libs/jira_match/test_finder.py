from tests.fakes.jira import fake_issue
from verdict.integrations.jira import JiraUnauthorized
from verdict.jira_match import BugGroup, MemorySearchCache, find_matches

ISSUES = [
    fake_issue("PROJ-1", "Checkout times out on payment gateway", "gateway timeout after 30s"),
    fake_issue(
        "PROJ-2", "Login API returns 500 when user is missing", "NoneType has no attribute id"
    ),
    fake_issue("PROJ-3", "Dark mode toggle does not persist", "preference lost"),
    fake_issue("OPS-1", "Checkout times out on payment gateway", "other project"),
]


def groups() -> list[BugGroup]:
    return [
        BugGroup(
            "g1",
            ["gateway timeout", "checkout"],
            "Checkout times out on payment gateway",
            "TimeoutError: gateway",
        ),
        BugGroup(
            "g2",
            ["Checkout", "gateway timeout"],
            "Payment gateway timeout in checkout",
            "TimeoutError",
        ),
        BugGroup(
            "g3",
            ["user is missing"],
            "Login API returns 500 when user is missing",
            "AttributeError: NoneType id",
        ),
        BugGroup("g4", ["no such words anywhere"], "Something else", ""),
        BugGroup("g5", ["", "  "], "no keywords", ""),
    ]


async def test_one_search_per_distinct_keyword_set(jira_match_client):
    async with jira_match_client("cloud", issues=ISSUES) as (client, state):
        result = await find_matches(
            client, groups(), "PROJ", max_results=3, threshold=0.2, concurrency=2
        )
    assert state.search_count == 3  # g1 and g2 share a set; g5 has nothing to search
    assert [m.key for m in result["g1"].matches] == ["PROJ-1"]
    assert [m.key for m in result["g2"].matches] == ["PROJ-1"]
    assert [m.key for m in result["g3"].matches] == ["PROJ-2"]
    assert result["g4"].matches == [] and result["g5"].matches == []
    assert all(r.error is None for r in result.values())
    assert result["g1"].matches[0].url == f"{client.base_url}/browse/PROJ-1"


async def test_cache_spares_the_second_run(jira_match_client):
    cache = MemorySearchCache(ttl_s=60)
    async with jira_match_client("server", issues=ISSUES) as (client, state):
        first = await find_matches(client, groups(), "PROJ", cache=cache)
        second = await find_matches(client, groups(), "PROJ", cache=cache)
    assert state.search_count == 3
    assert {k: v.matches for k, v in first.items()} == {k: v.matches for k, v in second.items()}


async def test_concurrency_is_bounded(jira_match_client):
    many = [BugGroup(f"g{n}", [f"term{n}"]) for n in range(12)]
    async with jira_match_client("cloud", issues=ISSUES, latency_s=0.05) as (client, state):
        in_flight = peak = 0
        original = client._request

        async def counting(*args, **kwargs):
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            try:
                return await original(*args, **kwargs)
            finally:
                in_flight -= 1

        client._request = counting  # type: ignore[method-assign]  # observe, not alter
        await find_matches(client, many, "PROJ", concurrency=3)
    assert peak == 3 and state.search_count == 12


async def test_errors_are_recorded_per_group_not_raised(jira_match_client):
    async with jira_match_client("cloud", issues=ISSUES, fail_auth=True) as (client, _):
        result = await find_matches(client, groups(), "PROJ")
    assert isinstance(result["g1"].error, JiraUnauthorized)
    assert result["g1"].matches == []
    assert result["g5"].error is None  # never searched


async def test_partial_failure_keeps_other_groups(jira_match_client):
    async with jira_match_client("cloud", issues=ISSUES, rate_limit_first=1, retry_after="999") as (
        client,
        _,
    ):
        result = await find_matches(client, groups()[:3], "PROJ", concurrency=1)
    errors = [gid for gid, r in result.items() if r.error is not None]
    # concurrency=1: the first keyword set (g1 and g2) met the 429, too long to wait.
    assert sorted(errors) == ["g1", "g2"]
    assert [m.key for m in result["g3"].matches] == ["PROJ-2"]


async def test_project_filter_applies(jira_match_client):
    async with jira_match_client("cloud", issues=ISSUES) as (client, _):
        result = await find_matches(client, groups()[:1], "OPS", threshold=0.2)
    assert [m.key for m in result["g1"].matches] == ["OPS-1"]


OTHER_JIRA = [fake_issue("PROJ-7", "Checkout times out on payment gateway", "gateway timeout")]


async def test_the_cache_never_answers_for_another_jira(jira_match_client):
    """Issue 15 #12: the key was (project, keywords, types), so Jira B was served Jira A's
    cached issues, one tenant's titles shown to another."""
    cache = MemorySearchCache(ttl_s=60)
    async with jira_match_client("cloud", issues=ISSUES) as (jira_a, _state_a):
        first = await find_matches(jira_a, groups()[:1], "PROJ", threshold=0.2, cache=cache)
    async with jira_match_client("cloud", issues=OTHER_JIRA) as (jira_b, state_b):
        second = await find_matches(jira_b, groups()[:1], "PROJ", threshold=0.2, cache=cache)
    assert [m.key for m in first["g1"].matches] == ["PROJ-1"]
    assert state_b.search_count == 1
    assert [m.key for m in second["g1"].matches] == ["PROJ-7"]


async def test_the_cache_never_answers_for_another_credential(jira_match_client):
    """A token Jira refuses must not be served what a valid token found earlier."""
    from verdict.integrations.jira import Auth, Flavor

    cache = MemorySearchCache(ttl_s=60)
    async with jira_match_client("cloud", issues=ISSUES) as (client, state):
        first = await find_matches(client, groups()[:1], "PROJ", threshold=0.2, cache=cache)
        client.auth = Auth(Flavor.CLOUD, "someone-elses-token", "mallory@example.com")
        second = await find_matches(client, groups()[:1], "PROJ", threshold=0.2, cache=cache)
    assert [m.key for m in first["g1"].matches] == ["PROJ-1"]
    assert state.request_count == 2  # the second credential was sent to Jira, not served
    assert isinstance(second["g1"].error, JiraUnauthorized) and second["g1"].matches == []

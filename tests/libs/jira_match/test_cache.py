from verdict.integrations.jira import Auth, Flavor
from verdict.integrations.jira.models import Issue
from verdict.integrations.jira.sansio import parse_datetime
from verdict.jira_match.cache import (
    MemorySearchCache,
    SearchKey,
    decode_issues,
    encode_issues,
    search_scope,
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


SCOPE = "https://jira.example.com#0123456789abcdef0123456789abcdef"
KEY = SearchKey(SCOPE, "PROJ", frozenset({"timeout", "checkout"}))
ISSUES = [Issue(key="PROJ-1", summary="s", updated=parse_datetime("2025-01-02T03:04:05.000+0000"))]


async def test_ttl_expiry():
    clock = Clock()
    cache = MemorySearchCache(ttl_s=60, clock=clock)
    assert await cache.get(KEY) is None
    await cache.set(KEY, ISSUES)
    assert await cache.get(SearchKey(SCOPE, "PROJ", frozenset({"checkout", "timeout"}))) == ISSUES
    clock.now = 59.9
    assert await cache.get(KEY) == ISSUES
    clock.now = 60.0
    assert await cache.get(KEY) is None
    assert len(cache) == 0


async def test_lru_bound_and_zero_ttl():
    cache = MemorySearchCache(max_entries=2)
    for n in range(3):
        await cache.set(SearchKey(SCOPE, "P", frozenset({str(n)})), ISSUES)
    assert len(cache) == 2
    assert await cache.get(SearchKey(SCOPE, "P", frozenset({"0"}))) is None
    off = MemorySearchCache(ttl_s=0)
    await off.set(KEY, ISSUES)
    assert await off.get(KEY) is None


async def test_cached_list_is_a_copy():
    cache = MemorySearchCache()
    await cache.set(KEY, ISSUES)
    got = await cache.get(KEY)
    assert got is not None
    got.clear()
    assert await cache.get(KEY) == ISSUES


def test_wire_format_round_trip_and_stable_key():
    assert decode_issues(encode_issues(ISSUES)) == ISSUES
    same = SearchKey(SCOPE, "PROJ", frozenset({"checkout", "timeout"}))
    assert KEY.redis_key() == same.redis_key()
    assert KEY.redis_key() != SearchKey(SCOPE, "OPS", KEY.keywords).redis_key()


def test_scope_separates_jiras_and_credentials_without_holding_the_secret():
    cloud = Auth(Flavor.CLOUD, "tok-alice-123456", "alice@example.com")
    scope = search_scope("https://Jira.Example.com/", cloud)
    assert scope.startswith("https://jira.example.com#")
    assert "tok-alice-123456" not in scope and "alice" not in scope
    assert scope == search_scope("https://jira.example.com", cloud)
    assert scope != search_scope("https://jira-b.example.com", cloud)
    assert scope != search_scope("https://jira.example.com", cloud._replace(token="tok-bob-654321"))
    assert scope != search_scope(
        "https://jira.example.com", cloud._replace(email="bob@example.com")
    )
    assert scope != search_scope("https://jira.example.com/jira", cloud)
    assert KEY.redis_key() != KEY._replace(scope=scope).redis_key()

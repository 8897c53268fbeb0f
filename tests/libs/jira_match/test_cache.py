from verdict.integrations.jira.models import Issue
from verdict.integrations.jira.sansio import parse_datetime
from verdict.jira_match.cache import MemorySearchCache, SearchKey, decode_issues, encode_issues


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


KEY = SearchKey("PROJ", frozenset({"timeout", "checkout"}))
ISSUES = [Issue(key="PROJ-1", summary="s", updated=parse_datetime("2025-01-02T03:04:05.000+0000"))]


async def test_ttl_expiry():
    clock = Clock()
    cache = MemorySearchCache(ttl_s=60, clock=clock)
    assert await cache.get(KEY) is None
    await cache.set(KEY, ISSUES)
    assert await cache.get(SearchKey("PROJ", frozenset({"checkout", "timeout"}))) == ISSUES
    clock.now = 59.9
    assert await cache.get(KEY) == ISSUES
    clock.now = 60.0
    assert await cache.get(KEY) is None
    assert len(cache) == 0


async def test_lru_bound_and_zero_ttl():
    cache = MemorySearchCache(max_entries=2)
    for n in range(3):
        await cache.set(SearchKey("P", frozenset({str(n)})), ISSUES)
    assert len(cache) == 2
    assert await cache.get(SearchKey("P", frozenset({"0"}))) is None
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
    same = SearchKey("PROJ", frozenset({"checkout", "timeout"}))
    assert KEY.redis_key() == same.redis_key()
    assert KEY.redis_key() != SearchKey("OPS", KEY.keywords).redis_key()

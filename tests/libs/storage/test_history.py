"""storage.history, .statistics and .labels against real Postgres."""

from __future__ import annotations

from tests.libs.storage.support import completed_job
from verdict.history.cursor import PageRequest
from verdict.storage import history, labels, statistics


async def test_failure_pages_filter_and_count(pg):
    async with pg.acquire() as conn:
        await completed_job(conn, ("t.login", "boom"), ("t.logout", "bang"), job_name="app")
        await completed_job(conn, ("t.login", "boom"), job_name="other")
        everything = await history.failures_page(conn, history.FailureFilter(), size=10)
        app = await history.failures_page(conn, history.FailureFilter(job_name="app"), size=10)
        searched = await history.failures_page(
            conn, history.FailureFilter(search="logout"), size=10
        )
        total, unique, _ = await history.signature_summary(
            conn, await conn.fetchval("select error_signature from failures limit 1"), None
        )
    assert (everything.total, app.total, searched.total) == (3, 2, 1)
    assert (total, unique) >= (1, 1)


async def test_failure_pages_by_cursor_do_not_repeat_rows(pg):
    import json

    async with pg.acquire() as conn:
        await completed_job(conn, *[(f"t.{i}", f"error {i}") for i in range(5)], job_name="app")
        first = await history.failures_page(
            conn, history.FailureFilter(), size=2, request=PageRequest(limit=2)
        )
        from verdict.history import cursor

        after = cursor.Key(*first.last)
        second = await history.failures_page(
            conn, history.FailureFilter(), size=2, request=PageRequest(limit=2, after=after)
        )
    names = [r["test_name"] for r in json.loads(first.rows) + json.loads(second.rows)]
    assert len(names) == 4 and len(set(names)) == 4


async def test_job_stats_count_builds_and_failures(pg):
    async with pg.acquire() as conn:
        await completed_job(conn, ("t.a", "boom"), job_name="app")
        await completed_job(conn, ("t.a", "boom"), ("t.b", "bang"), job_name="app")
        row = await statistics.job_stats(
            conn, "app", None, window=20, flaky=10, trend_days=7, most_common=10
        )
        version = await statistics.job_stats_version(conn, "app", None, trend_days=7)
        nothing = await statistics.job_stats(
            conn, "nope", None, window=20, flaky=10, trend_days=7, most_common=10
        )
    assert (row["total_builds"], row["builds_with_failures"]) == (2, 2)
    assert version["version"] == row["version"]
    assert nothing["total_builds"] == 0


async def test_a_hidden_label_shows_once_its_job_is_revealed(pg):
    async with pg.acquire() as conn:
        job_id = await completed_job(conn, ("t.a", "boom"), job_name="app")
        hidden = await labels.add_label(
            conn,
            job_id,
            test_name="t.a",
            job_name="",
            classification="FLAKY",
            reason="",
            references="",
            created_by="ai",
            child_build_number=0,
            visible=False,
        )
        assert hidden is not None
        assert await conn.fetchval("select classification from failures") == "CODE ISSUE"
        await labels.reveal_labels_for_job(conn, job_id)
        assert await conn.fetchval("select classification from failures") == "FLAKY"
        primaries = await labels.list_primary_labels(conn, {}, PageRequest(limit=10))
    assert primaries == []  # a history label is not a primary classification

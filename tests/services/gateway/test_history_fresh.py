"""What the gateway keeps or Postgres precomputes (migration 0010) never shows an old
answer: the dashboard's first page, a job name's statistics, the comment and review
counts kept on jobs, and ?search= over messages first written after the migration."""

from __future__ import annotations

from tests.services.gateway.history_support import Fail, Totals, create_job, user


async def _dashboard_row(client, job):
    rows = await (await client.get("/api/dashboard")).json()
    return next(r for r in rows if r["job_id"] == str(job))


async def test_dashboard_follows_every_write(client, pg):
    job = await create_job(pg, failures=[Fail("t.a"), Fail("t.b")], job_name="ci/dash")
    row = await _dashboard_row(client, job)
    assert (row["comment_count"], row["reviewed_count"]) == (0, 0)
    assert await _dashboard_row(client, job) == row  # kept, unchanged

    # A comment and a review through the API: the next read counts them.
    posted = await client.post(
        f"/results/{job}/comments", json={"test_name": "t.a", "comment": "x"}, headers=user("al")
    )
    assert posted.status in (200, 201)
    assert (await _dashboard_row(client, job))["comment_count"] == 1
    await client.put(f"/results/{job}/reviewed", json={"test_name": "t.a", "reviewed": True})
    assert (await _dashboard_row(client, job))["reviewed_count"] == 1
    await client.put(f"/results/{job}/reviewed", json={"test_name": "t.a", "reviewed": False})
    assert (await _dashboard_row(client, job))["reviewed_count"] == 0

    # Writes straight to the tables, in one transaction and one statement each.
    async with pg.acquire() as conn, conn.transaction():
        await conn.execute(
            "insert into comments (job_id, test_name, comment) values ($1, 't.b', 'y'),"
            " ($1, 't.b', 'z')",
            job,
        )
        await conn.execute(
            "insert into reviews (job_id, test_name, reviewed) values ($1, 't.b', true)", job
        )
    row = await _dashboard_row(client, job)
    assert (row["comment_count"], row["reviewed_count"]) == (3, 1)
    async with pg.acquire() as conn:
        await conn.execute("delete from comments where job_id = $1 and test_name = 't.b'", job)
        await conn.execute("update reviews set reviewed = false where job_id = $1", job)
    row = await _dashboard_row(client, job)
    assert (row["comment_count"], row["reviewed_count"]) == (1, 0)

    # The job's own columns, a new job, a deleted one.
    async with pg.acquire() as conn:
        await conn.execute("update jobs set summary = 'edited' where id = $1", job)
    assert (await _dashboard_row(client, job))["summary"] == "edited"
    newer = await create_job(pg, status="pending")
    rows = await (await client.get("/api/dashboard")).json()
    assert rows[0]["job_id"] == str(newer)
    async with pg.acquire() as conn:
        await conn.execute("delete from jobs where id = $1", newer)
    rows = await (await client.get("/api/dashboard")).json()
    assert str(newer) not in [r["job_id"] for r in rows]
    # The counts agree with the tables.
    async with pg.acquire() as conn:
        drift = await conn.fetchval(
            "select count(*) from jobs j where comment_count <>"
            " (select count(*) from comments c where c.job_id = j.id) or reviewed_count <>"
            " (select count(*) from reviews r where r.job_id = j.id and r.reviewed)"
        )
    assert drift == 0


async def _stats(client, name="ci/stats"):
    return await (await client.get(f"/history/stats/{name}")).json()


async def test_stats_follow_every_write(client, pg):
    assert (await _stats(client))["total_builds_analyzed"] == 0
    first = await create_job(pg, failures=[Fail("t.a")], job_name="ci/stats", build_number=1)
    body = await _stats(client)  # a write after a kept "no builds" answer shows
    assert body["total_builds_analyzed"] == 1
    assert await _stats(client) == body  # kept, unchanged
    assert body["most_common_failures"][0]["classification"] == "CODE ISSUE"

    # A new build, with totals and a flaky test.
    await create_job(
        pg,
        failures=[Fail("t.a"), Fail("t.b")],
        job_name="ci/stats",
        build_number=2,
        totals=Totals(total=10, failed=2, flaky_tests=["t.c"]),
    )
    body = await _stats(client)
    assert body["total_builds_analyzed"] == 2
    assert body["most_common_failures"][0] == {
        "test_name": "t.a",
        "count": 2,
        "classification": "CODE ISSUE",
    }
    assert body["test_totals"]["run"] >= 10
    assert any(t["test_name"] == "t.c" for t in body["flaky_tests"])

    # A failure's classification rewritten in place (a history label mirrors this way).
    async with pg.acquire() as conn:
        await conn.execute(
            "update failures set classification = 'PRODUCT BUG' where job_name = 'ci/stats'"
        )
    body = await _stats(client)
    assert {c["classification"] for c in body["most_common_failures"]} == {"PRODUCT BUG"}

    # test_runs and test_outcomes on their own.
    async with pg.acquire() as conn:
        await conn.execute("update test_runs set total = 1000 where job_name = 'ci/stats'")
    assert (await _stats(client))["test_totals"]["run"] == 2000
    async with pg.acquire() as conn:
        await conn.execute("delete from test_outcomes where job_name = 'ci/stats'")
    assert not any(t["retry_passes"] for t in (await _stats(client))["flaky_tests"])

    # The job row: failure count and completion time feed the rates and the trend.
    async with pg.acquire() as conn:
        await conn.execute("update jobs set failure_count = 0 where id = $1", first)
    assert (await _stats(client))["builds_with_failures"] == 1
    async with pg.acquire() as conn:
        await conn.execute(
            "update jobs set completed_at = now() - interval '10 days' where id = $1", first
        )
    body = await _stats(client)
    async with pg.acquire() as conn:
        await conn.execute("delete from jobs where id = $1", first)
    assert (await _stats(client))["total_builds_analyzed"] == 1
    # Another job name's statistics are kept apart.
    assert (await _stats(client, "ci/other"))["total_builds_analyzed"] == 0


async def test_stats_trend_moves_with_the_clock(client, pg):
    job = await create_job(pg, failures=[Fail("t.a")], job_name="ci/trend", build_number=1)
    before = await _stats(client, "ci/trend")
    assert before["recent_trend"] == "worsening"
    # Only the clock moves the trend: the kept answer takes it from what Postgres says
    # now. (The clock is moved by moving the completion time with the version trigger
    # off, so the version stays as it was.)
    async with pg.acquire() as conn, conn.transaction():
        await conn.execute("alter table jobs disable trigger jobs_version_update")
        await conn.execute(
            "update jobs set completed_at = now() - interval '100 days' where id = $1", job
        )
        await conn.execute("alter table jobs enable trigger jobs_version_update")
    after = await _stats(client, "ci/trend")
    assert after["recent_trend"] == "stable"
    assert after["total_builds_analyzed"] == before["total_builds_analyzed"]


async def test_search_counts_messages_and_names_once(client, pg):
    await create_job(
        pg,
        failures=[
            Fail("pkg.test_wq_one", message="KeyError: wq_field"),
            Fail("pkg.test_other", message="KeyError: wq_field"),
            Fail("pkg.test_third", message="OSError: nothing"),
        ],
        job_name="team/wq-pipe",
    )
    await create_job(pg, failures=[Fail("pkg.x", message="ValueError: wq_late")])

    async def search(term: str, **params: str):
        query = {"search": term, **params}
        return await (await client.get("/history/failures", params=query)).json()

    # Test name, message and job name all match "wq": every row once.
    assert (await search("wq"))["total"] == 4
    assert (await search("wq_field"))["total"] == 2
    assert (await search("wq_late"))["total"] == 1
    assert (await search("WQ_LATE"))["total"] == 1
    assert (await search("wq", classification="CODE ISSUE"))["total"] == 4
    assert (await search("wq", job_name="team/wq-pipe"))["total"] == 3
    # A message first written after the migration, then one rewritten in place.
    async with pg.acquire() as conn:
        await conn.execute(
            "update failures set error_message = 'RuntimeError: wq_rewritten'"
            " where test_name = 'pkg.x'"
        )
    body = await search("wq_rewritten")
    assert body["total"] == 1
    assert body["failures"][0]["error_message"] == "RuntimeError: wq_rewritten"
    assert (await search("wq_late"))["total"] == 0
    # Pages of a search, by offset and by cursor, cover every match once.
    seen = []
    for offset in range(4):
        page = await search("wq", limit="1", offset=str(offset))
        seen += [f["id"] for f in page["failures"]]
    assert len(set(seen)) == 4
    walked, after = [], ""
    while True:
        params = {"limit": "1", **({"after": after} if after else {})}
        page = await search("wq", **params)
        walked += [f["id"] for f in page["failures"]]
        if not page["pagination"]["has_more"]:
            break
        after = page["pagination"]["next_cursor"]
    assert walked == seen

"""GET /results/{job_id} keeps finished answers per row version, never a stale one;
?search= finds names first written after the migration (the name lists' trigger)."""

from __future__ import annotations

from tests.services.gateway.history_support import Fail, create_job, user


async def test_result_follows_every_write(client, pg):
    job = await create_job(pg, failures=[Fail("t.a")], job_name="ci/fresh", build_number=3)
    first = await (await client.get(f"/results/{job}")).json()
    assert first["result"]["failures"][0]["analysis"]["classification"] != "PRODUCT BUG"
    again = await (await client.get(f"/results/{job}")).json()
    assert again == first

    # An override rewrites the stored result: the next read shows it.
    changed = await client.put(
        f"/results/{job}/override-classification",
        json={"test_name": "t.a", "classification": "PRODUCT BUG"},
        headers=user("alice"),
    )
    assert changed.status == 200
    after = await (await client.get(f"/results/{job}")).json()
    assert after["result"]["failures"][0]["analysis"]["classification"] == "PRODUCT BUG"

    # So does a write that does not touch updated_at, and one to the row's own columns.
    async with pg.acquire() as conn:
        await conn.execute(
            "update jobs set result = jsonb_set(result, '{summary}', '\"edited\"') where id = $1",
            job,
        )
    assert (await (await client.get(f"/results/{job}")).json())["result"]["summary"] == "edited"
    async with pg.acquire() as conn:
        await conn.execute("update jobs set jenkins_url = 'http://j/3' where id = $1", job)
    assert (await (await client.get(f"/results/{job}")).json())["jenkins_url"] == "http://j/3"

    async with pg.acquire() as conn:
        await conn.execute("delete from jobs where id = $1", job)
    assert (await client.get(f"/results/{job}")).status == 404


async def test_search_finds_new_names_and_short_terms(client, pg):
    await create_job(pg, failures=[Fail("pkg.test_zq_brand_new")], job_name="team/zq-pipe")
    await create_job(pg, failures=[Fail("pkg.test_other")], job_name="team/other")

    async def total(term: str) -> int:
        body = await (await client.get("/history/failures", params={"search": term})).json()
        return int(body["total"])

    assert await total("zq_brand") == 1  # a test name
    assert await total("ZQ-PIPE") == 1  # a job name, any case
    assert await total("q") == 1  # too short for trigrams: still answered
    assert await total("t") == 2
    assert await total("pkg.test_") == 2
    assert await total("nothing-like-this") == 0
    # The cursor of a search page leads to the next one.
    first = await (
        await client.get("/history/failures", params={"search": "pkg", "limit": "1"})
    ).json()
    assert first["pagination"]["has_more"] is True
    nxt = await (
        await client.get(
            "/history/failures",
            params={"search": "pkg", "limit": "1", "after": first["pagination"]["next_cursor"]},
        )
    ).json()
    assert nxt["failures"][0]["id"] != first["failures"][0]["id"]
    assert nxt["pagination"]["has_more"] is False
    assert nxt["pagination"]["prev_cursor"]

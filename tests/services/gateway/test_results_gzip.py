"""GET /results/{job_id} goes out gzip-compressed to a client that accepts it (the same
JSON), plain to one that does not, and compressed answers follow writes too."""

from __future__ import annotations

from tests.services.gateway.history_support import Fail, create_job


async def test_result_gzip_when_accepted(client, pg):
    job = await create_job(
        pg, failures=[Fail(f"t.case_{i}") for i in range(30)], job_name="ci/gz", build_number=1
    )
    url = f"/results/{job}"
    plain = await client.get(url, headers={"Accept-Encoding": "identity"})
    assert plain.status == 200
    assert "Content-Encoding" not in plain.headers
    expected = await plain.json()
    for _ in range(2):  # composed, then kept
        packed = await client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
        assert packed.headers["Content-Encoding"] == "gzip"
        assert packed.headers["Vary"] == "Accept-Encoding"
        assert await packed.json() == expected  # the client inflates it
    refused = await client.get(url, headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers

    async with pg.acquire() as conn:
        await conn.execute(
            "update jobs set result = jsonb_set(result, '{summary}', '\"edited\"') where id = $1",
            job,
        )
    packed = await client.get(url, headers={"Accept-Encoding": "gzip"})
    assert (await packed.json())["result"]["summary"] == "edited"

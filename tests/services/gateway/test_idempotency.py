"""Idempotency-Key on POST: same key and body replay; another body is a 422; in flight 409."""

from __future__ import annotations

BODY = {"failures": [{"test_name": "t.test_a", "error_message": "boom"}]}


async def test_same_key_same_body_replays_without_a_second_job(client, pg):
    headers = {"Idempotency-Key": "build-42"}
    first = await client.post("/analyze-failures?wait=false", json=BODY, headers=headers)
    assert first.status == 202
    second = await client.post("/analyze-failures?wait=false", json=BODY, headers=headers)
    assert second.status == 202
    assert await second.json() == await first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.headers["Content-Type"].startswith("application/json")
    assert "X-RateLimit-Limit" in second.headers
    assert await pg.fetchval("select count(*) from jobs") == 1


async def test_same_key_other_body_is_422(client, pg):
    headers = {"Idempotency-Key": "build-43"}
    await client.post("/analyze-failures?wait=false", json=BODY, headers=headers)
    other = {"failures": [{"test_name": "t.test_b"}]}
    response = await client.post("/analyze-failures?wait=false", json=other, headers=headers)
    assert response.status == 422
    assert (await response.json())["error_code"] == "IDEMPOTENCY_KEY_REUSED"
    wait = await client.post("/analyze-failures", json=BODY, headers=headers)
    assert wait.status == 422  # another query string is another request
    assert await pg.fetchval("select count(*) from jobs") == 1


async def test_without_key_each_post_runs(client, pg):
    for _ in range(2):
        await client.post("/analyze-failures?wait=false", json=BODY)
    assert await pg.fetchval("select count(*) from jobs") == 2


async def test_keys_are_scoped_per_client(client, pg):
    await pg.execute(
        "insert into idempotency_keys (client, key, method, path, body_hash, status, response)"
        " values ('ip:10.9.9.9', 'shared', 'POST', '/x', 'h', 200, '{}')"
    )
    response = await client.post(
        "/analyze-failures?wait=false", json=BODY, headers={"Idempotency-Key": "shared"}
    )
    assert response.status == 202
    assert "Idempotent-Replayed" not in response.headers


async def test_duplicate_in_flight_gets_409(client, pg):
    headers = {"Idempotency-Key": "in-flight"}
    first = await client.post("/analyze-failures?wait=false", json=BODY, headers=headers)
    assert first.status == 202
    # Make the stored claim look like a request still running.
    await pg.execute("update idempotency_keys set status = null, response = null")
    response = await client.post("/analyze-failures?wait=false", json=BODY, headers=headers)
    assert response.status == 409
    assert response.headers["Retry-After"] == "1"
    assert (await response.json())["error_code"] == "IDEMPOTENCY_KEY_IN_USE"


async def test_errors_are_not_kept(client, pg):
    headers = {"Idempotency-Key": "bad-body"}
    first = await client.post("/analyze-failures?wait=false", json={}, headers=headers)
    assert first.status == 422
    assert await pg.fetchval("select count(*) from idempotency_keys") == 0


async def test_expired_keys_run_again(client, pg):
    headers = {"Idempotency-Key": "old"}
    await client.post("/analyze-failures?wait=false", json=BODY, headers=headers)
    await pg.execute("update idempotency_keys set created_at = now() - interval '25 hours'")
    again = await client.post("/analyze-failures?wait=false", json=BODY, headers=headers)
    assert again.status == 202 and "Idempotent-Replayed" not in again.headers
    assert await pg.fetchval("select count(*) from jobs") == 2


async def test_invalid_key_is_400(client):
    response = await client.post(
        "/analyze-failures?wait=false", json=BODY, headers={"Idempotency-Key": "x" * 300}
    )
    assert response.status == 400

"""GET /api/dashboard, DELETE /results/{job_id}, GET /ai-configs, GET /results/{job_id}."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from tests.conftest import RunWorker
from tests.services.gateway.history_support import ADMIN, ADMIN_KEY, Fail, create_job, user


@pytest.fixture
def settings(base_settings):
    return base_settings.model_copy(update={"admin_key": SecretStr(ADMIN_KEY)})


async def test_dashboard_rows(client, pg):
    pending = await create_job(pg, status="pending")
    failed = await create_job(pg, status="failed")
    done = await create_job(
        pg,
        failures=[Fail("t.a"), Fail("t.b", child_job_name="c", child_build_number=2)],
        job_name="folder/job",
        build_number=9,
    )
    await client.post(f"/results/{done}/comments", json={"test_name": "t.a", "comment": "x"})
    await client.put(f"/results/{done}/reviewed", json={"test_name": "t.a", "reviewed": True})

    response = await client.get("/api/dashboard")
    assert response.status == 200
    rows = await response.json()
    assert [r["job_id"] for r in rows] == [str(done), str(failed), str(pending)]
    always = {
        "job_id",
        "jenkins_url",
        "status",
        "created_at",
        "completed_at",
        "analysis_started_at",
        "reviewed_count",
        "comment_count",
    }
    assert set(rows[2]) == always  # no result yet
    assert rows[0]["job_name"] == "folder/job"
    assert rows[0]["build_number"] == 9
    assert rows[0]["failure_count"] == 2
    assert rows[0]["child_job_count"] == 1
    assert rows[0]["reviewed_count"] == 1 and rows[0]["comment_count"] == 1
    assert rows[0]["summary"]
    assert rows[1]["status"] == "failed" and rows[1]["error"] == "boom"


async def test_dashboard_cursor(client, pg):
    ids = [await create_job(pg, failures=[Fail("t.a")]) for _ in range(3)]
    first = await client.get("/api/dashboard", params={"limit": "2"})
    assert [r["job_id"] for r in await first.json()] == [str(ids[2]), str(ids[1])]
    nxt = first.headers["X-Next-Cursor"]
    second = await client.get("/api/dashboard", params={"limit": "2", "after": nxt})
    assert [r["job_id"] for r in await second.json()] == [str(ids[0])]
    assert "X-Next-Cursor" not in second.headers
    assert (await client.get("/api/dashboard", params={"limit": "501"})).status == 422


async def test_delete_removes_everything(client, pg):
    job = await create_job(pg, failures=[Fail("t.a")], job_name="j", build_number=1)
    other = await create_job(pg, failures=[Fail("t.a")], job_name="j", build_number=2)
    await client.post(f"/results/{job}/comments", json={"test_name": "t.a", "comment": "x"})
    await client.put(f"/results/{job}/reviewed", json={"test_name": "t.a", "reviewed": True})
    await client.put(
        f"/results/{job}/override-classification",
        json={"test_name": "t.a", "classification": "PRODUCT BUG"},
    )
    await client.post(
        "/history/classify",
        json={"test_name": "t.a", "classification": "FLAKY", "job_id": str(job)},
        headers=user("alice"),
    )

    assert (await client.delete(f"/results/{job}")).status == 403
    assert (await client.delete(f"/results/{job}", headers=user("alice"))).status == 403
    deleted = await client.delete(f"/results/{job}", headers=ADMIN)
    assert deleted.status == 200
    assert await deleted.json() == {"status": "deleted", "job_id": str(job)}
    for table in ("failures", "comments", "reviews", "classifications", "analyses", "test_runs"):
        count = await pg.fetchval(f"select count(*) from {table} where job_id = $1", job)
        assert count == 0, table
    assert await pg.fetchval("select count(*) from failures where job_id = $1", other) == 1
    assert (await client.get(f"/results/{job}")).status == 404
    assert (await client.delete(f"/results/{job}", headers=ADMIN)).status == 404
    assert (await client.delete("/results/not-a-uuid", headers=ADMIN)).status == 404


async def test_ai_configs(client, pg):
    assert await (await client.get("/ai-configs")).json() == []
    await create_job(pg, failures=[Fail("t.a")], ai_provider="claude", ai_model="sonnet")
    await create_job(pg, failures=[Fail("t.a")], ai_provider="claude", ai_model="sonnet")
    await create_job(pg, failures=[Fail("t.a")], ai_provider="builtin")
    await create_job(pg, status="running", ai_provider="gemini", ai_model="pro")
    configs = await (await client.get("/ai-configs")).json()
    assert configs == [
        {"ai_provider": "builtin", "ai_model": ""},
        {"ai_provider": "claude", "ai_model": "sonnet"},
    ]


async def test_get_result_envelope_from_the_analyzer(client, run_analyzer: RunWorker):
    body = {"failures": [{"test_name": "t.a", "error_message": "Connection refused"}]}
    queued = await (await client.post("/analyze-failures?wait=false", json=body)).json()
    job_id = queued["job_id"]
    pending = await client.get(f"/results/{job_id}")
    assert pending.status == 202
    assert (await pending.json())["result"] == {
        "job_id": job_id,
        "status": "pending",
        "request_params": (await pending.json())["result"]["request_params"],
        "progress_log": [],
    }
    await run_analyzer()
    done = await client.get(f"/results/{job_id}")
    assert done.status == 200
    assert done.content_type == "application/json"
    envelope = await done.json()
    assert set(envelope) == {
        "job_id",
        "jenkins_url",
        "status",
        "result",
        "created_at",
        "completed_at",
        "analysis_started_at",
        "capabilities",
        "base_url",
        "result_url",
    }
    assert envelope["result"]["status"] == "completed"
    assert envelope["result"]["progress_phase"] == "saving"
    assert envelope["result"]["failures"][0]["test_name"] == "t.a"


async def test_failed_job_result_has_error(client, pg):
    job = await create_job(pg, status="failed", job_name="j")
    envelope = await (await client.get(f"/results/{job}")).json()
    assert envelope["status"] == "failed"
    assert envelope["result"]["error"] == "boom"
    assert envelope["result"]["job_name"] == "j"

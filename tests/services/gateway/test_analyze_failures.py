"""POST /analyze-failures end to end: gateway -> Postgres -> arq -> analyzer -> row -> GET."""

from __future__ import annotations

import asyncio
import re

from tests.conftest import RunWorker
from tests.waits import until_queued

HEX64 = re.compile(r"^[0-9a-f]{64}$")

BODY = {
    "failures": [
        {"test_name": "t.test_a", "error_message": "AssertionError: expected 200 got 500"},
        {"test_name": "t.test_b", "error_message": "AssertionError: expected 200 got 500"},
        {
            "test_name": "t.test_c",
            "error_message": "requests.exceptions.ConnectionError: Connection refused",
        },
    ]
}


async def test_sync_call_returns_the_workers_analysis(client, run_analyzer: RunWorker, pg):
    post = asyncio.create_task(client.post("/analyze-failures", json=BODY))
    await until_queued(client)
    # The gateway stored the job and waits: nothing is computed until a worker runs.
    row = await pg.fetchrow("select status, result from jobs")
    assert (row["status"], row["result"]) == ("pending", None)
    assert not post.done()
    await run_analyzer()
    response = await asyncio.wait_for(post, 10)

    assert response.status == 200, await response.text()
    result = await response.json()
    assert result["status"] == "completed"
    assert [f["test_name"] for f in result["failures"]] == ["t.test_a", "t.test_b", "t.test_c"]
    for failure in result["failures"]:
        assert failure["analysis"]["classification"] in {
            "CODE ISSUE",
            "PRODUCT BUG",
            "INFRASTRUCTURE",
        }
        assert failure["analysis"]["details"]
        assert HEX64.match(failure["error_signature"])
    a, b, c = result["failures"]
    assert a["error_signature"] == b["error_signature"] != c["error_signature"]
    assert a["analysis"]["affected_tests"] == ["t.test_a", "t.test_b"]

    rows = await pg.fetch("select test_name, error_signature from failures order by test_name")
    assert [r["test_name"] for r in rows] == ["t.test_a", "t.test_b", "t.test_c"]
    assert await pg.fetchval("select count(*) from analyses") == 2


async def test_wait_false_then_poll(client, run_analyzer: RunWorker):
    response = await client.post("/analyze-failures?wait=false", json=BODY)
    assert response.status == 202
    queued = await response.json()
    job_id = queued["job_id"]
    assert queued["result_url"] == f"/results/{job_id}"

    pending = await client.get(f"/results/{job_id}")
    assert pending.status == 202
    envelope = await pending.json()
    assert envelope["status"] == "pending"
    assert envelope["result"]["request_params"]["ai_provider"] == "builtin"

    await run_analyzer()
    done = await client.get(f"/results/{job_id}")
    assert done.status == 200
    envelope = await done.json()
    assert envelope["status"] == "completed"
    assert envelope["jenkins_url"] == ""
    assert envelope["result"]["job_id"] == job_id
    assert len(envelope["result"]["failures"]) == 3
    assert envelope["completed_at"] and envelope["analysis_started_at"]
    assert set(envelope["capabilities"]) >= {"github_issues_enabled", "reportportal"}
    assert [p["phase"] for p in envelope["result"]["progress_log"]] == ["analyzing", "saving"]


async def test_job_survives_a_redis_flush(client, run_analyzer: RunWorker, redis):
    response = await client.post("/analyze-failures?wait=false", json=BODY)
    job_id = (await response.json())["job_id"]
    await redis.flushdb()  # the queue entry is gone; the row is not

    # The reconciler (an arq cron that also runs at worker start) re-enqueues it.
    await run_analyzer()
    done = await client.get(f"/results/{job_id}")
    assert done.status == 200
    assert (await done.json())["status"] == "completed"


async def test_results_list_newest_first(client, run_analyzer: RunWorker):
    ids = []
    for _ in range(3):
        response = await client.post("/analyze-failures?wait=false", json=BODY)
        ids.append((await response.json())["job_id"])
    listed = await (await client.get("/results?limit=2")).json()
    assert [row["job_id"] for row in listed] == ids[::-1][:2]
    assert set(listed[0]) == {"job_id", "jenkins_url", "status", "created_at"}
    bad = await client.get("/results?limit=500")
    assert bad.status == 422


async def test_secrets_never_stored(client, pg):
    body = {**BODY, "github_token": "ghp_secret", "jira_api_token": "tok", "jira_email": "a@b"}
    response = await client.post("/analyze-failures?wait=false", json=body)
    assert response.status == 202
    stored = await pg.fetchval("select request_params::text from jobs")
    assert "ghp_secret" not in stored and "jira_api_token" not in stored
    assert "a@b" not in stored


async def test_ai_model_and_cli_timeout_are_validated(client, pg):
    """Issue 15 #11: `ai_model` took `--dangerously-skip-permissions` and `ai_cli_timeout`
    100,000,000 minutes; both are 422s in the error shape, and no job is created."""
    cases = [
        ({"ai_provider": "claude", "ai_model": "--dangerously-skip-permissions"}, "ai_model"),
        ({"ai_provider": "gemini", "ai_model": "-y"}, "ai_model"),
        ({"ai_provider": "claude", "ai_model": "sonnet --yolo"}, "ai_model"),
        ({"ai_provider": "claude", "ai_model": "a" * 129}, "ai_model"),
        (
            {"peer_ai_configs": [{"ai_provider": "cursor", "ai_model": "--force"}]},
            "peer_ai_configs.0.ai_model",
        ),
        (
            {"ai_provider": "claude", "ai_model": "sonnet", "ai_cli_timeout": 100_000_000},
            "ai_cli_timeout",
        ),
        ({"ai_provider": "claude", "ai_model": "sonnet", "ai_cli_timeout": 0}, "ai_cli_timeout"),
    ]
    for extra, field in cases:
        response = await client.post("/analyze-failures?wait=false", json={**BODY, **extra})
        body = await response.json()
        assert response.status == 422, (extra, body)
        assert body["error_code"] == "VALIDATION_FAILED" and body["request_id"]
        assert any(".".join(map(str, e["loc"])) == field for e in body["errors"]), body
    for path, extra in [("/analyze", {"job_name": "j", "build_number": 1})]:
        response = await client.post(
            path, json={**extra, "ai_model": "--dangerously-skip-permissions"}
        )
        assert response.status == 422
    assert await pg.fetchval("select count(*) from jobs") == 0
    # Real names and the largest timeout allowed still pass.
    for model in ("claude-sonnet-4-5@20250929", "models/gemini-2.5-pro", "sonnet[1m]"):
        ok = {**BODY, "ai_provider": "claude", "ai_model": model, "ai_cli_timeout": 60}
        assert (await client.post("/analyze-failures?wait=false", json=ok)).status == 202

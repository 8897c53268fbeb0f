"""POST /webhooks/jenkins (Notification plugin and plain bodies) and POST /re-analyze/{id}."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

SECRET = "hook-secret-123"


def notification(phase: str = "COMPLETED", status: str | None = "FAILURE", number: int = 18):
    """The Jenkins Notification plugin's JSON for job `folder/asgard`."""
    return {
        "name": "asgard",
        "display_name": "asgard",
        "url": "job/folder/job/asgard/",
        "build": {
            "full_url": f"https://jenkins.example.com/job/folder/job/asgard/{number}/",
            "number": number,
            "queue_id": 42,
            "phase": phase,
            "status": status,
            "url": f"job/folder/job/asgard/{number}/",
            "scm": {},
            "artifacts": {},
        },
    }


@pytest.fixture
def hook_settings(settings):
    settings.jenkins_url = "https://jenkins.example.com/"
    settings.jenkins_webhook_secret = SecretStr(SECRET)
    return settings


async def test_webhook_disabled_without_a_secret(client, settings):
    response = await client.post("/webhooks/jenkins", json=notification())
    assert response.status == 403
    assert "webhook disabled" in (await response.json())["detail"]


async def test_webhook_needs_the_token(client, hook_settings, pg):
    for headers, query in [({}, ""), ({"X-Verdict-Token": "wrong"}, ""), ({}, "?token=nope")]:
        response = await client.post(
            f"/webhooks/jenkins{query}", json=notification(), headers=headers
        )
        assert response.status == 401
    assert await pg.fetchval("select count(*) from jobs") == 0


async def test_completed_failure_queues_one_job_per_build(client, hook_settings, pg, redis):
    headers = {"X-Verdict-Token": SECRET}
    first = await client.post("/webhooks/jenkins", json=notification(), headers=headers)
    assert first.status == 202
    queued = await first.json()
    assert queued["status"] == "queued" and not queued["duplicate"]
    # Jenkins notifies FINALIZED for the same build too, and may retry: one job.
    again = await client.post(
        f"/webhooks/jenkins?token={SECRET}", json=notification(phase="FINALIZED")
    )
    assert again.status == 202
    dup = await again.json()
    assert dup["duplicate"] and dup["job_id"] == queued["job_id"]
    row = await pg.fetchrow(
        "select kind, job_name, build_number, jenkins_url, triggered_by from jobs"
    )
    assert dict(row) == {
        "kind": "jenkins",
        "job_name": "folder/asgard",
        "build_number": 18,
        "jenkins_url": "https://jenkins.example.com/job/folder/job/asgard/18/",
        "triggered_by": "webhook",
    }
    assert await redis.zcard(hook_settings.queue_name("analyze")) == 1
    # An API call for the same build is not deduplicated: people may re-run on purpose.
    response = await client.post("/analyze", json={"job_name": "folder/asgard", "build_number": 18})
    assert response.status == 202
    assert await pg.fetchval("select count(*) from jobs") == 2


@pytest.mark.parametrize(
    ("phase", "status", "reason"),
    [
        ("STARTED", None, "phase STARTED"),
        ("QUEUED", None, "phase QUEUED"),
        ("COMPLETED", "SUCCESS", "status SUCCESS"),
        ("FINALIZED", "ABORTED", "status ABORTED"),
    ],
)
async def test_other_notifications_are_ignored_with_a_reason(
    client, hook_settings, pg, phase, status, reason
):
    response = await client.post(
        "/webhooks/jenkins",
        json=notification(phase=phase, status=status),
        headers={"X-Verdict-Token": SECRET},
    )
    assert response.status == 202
    answer = await response.json()
    assert answer["status"] == "ignored" and reason in answer["reason"]
    assert await pg.fetchval("select count(*) from jobs") == 0


async def test_unstable_and_plain_bodies_queue(client, hook_settings, pg):
    headers = {"X-Verdict-Token": SECRET}
    response = await client.post(
        "/webhooks/jenkins", json=notification(status="UNSTABLE", number=19), headers=headers
    )
    assert (await response.json())["status"] == "queued"
    response = await client.post(
        "/webhooks/jenkins", json={"job_name": "team/nightly", "build_number": 7}, headers=headers
    )
    assert response.status == 202 and (await response.json())["status"] == "queued"
    assert await pg.fetchval("select count(*) from jobs where triggered_by = 'webhook'") == 2


async def test_webhook_for_a_jenkins_outside_the_allow_list_is_400(client, hook_settings, pg):
    body = notification()
    body["build"]["full_url"] = "http://10.1.2.3:8080/job/folder/job/asgard/18/"
    response = await client.post(
        "/webhooks/jenkins", json=body, headers={"X-Verdict-Token": SECRET}
    )
    assert response.status == 400
    for bad in [{"build": {"number": "x"}, "name": "a"}, {"job_name": "a"}]:
        response = await client.post(
            "/webhooks/jenkins", json=bad, headers={"X-Verdict-Token": SECRET}
        )
        assert response.status == 422


async def test_re_analyze_rebuilds_the_request_and_applies_only_sent_fields(
    client, settings, pg, redis
):
    settings.jenkins_url = "https://jenkins.example.com/"
    original = {
        "job_name": "folder/job",
        "build_number": 123,
        "tests_repo_url": "https://github.com/acme/tests:main",
        "raw_prompt": "focus on the API",
        "poll_interval_minutes": 3,
        "jenkins_password": "pw-1",
        "peer_ai_configs": [],
    }
    response = await client.post("/analyze", json=original)
    source_id = (await response.json())["job_id"]

    response = await client.post(f"/re-analyze/{source_id}", json={"raw_prompt": "look at the DB"})
    assert response.status == 202, await response.text()
    new_id = (await response.json())["job_id"]
    assert new_id != source_id
    params = await pg.fetchval("select request_params from jobs where id = $1", new_id)
    assert params["raw_prompt"] == "look at the DB"
    assert params["tests_repo_url"] == "https://github.com/acme/tests"
    assert params["tests_repo_ref"] == "main"
    assert params["poll_interval_minutes"] == 3 and params["peer_ai_configs"] == []
    row = await pg.fetchrow("select job_name, build_number from jobs where id = $1", new_id)
    assert tuple(row) == ("folder/job", 123)
    # The source's secret was never stored, so the new job cannot have it.
    payload = await pg.fetchval("select payload from job_inputs where job_id = $1", new_id)
    import json
    import zlib

    assert json.loads(zlib.decompress(payload)) == {}
    # An empty body re-runs as it was.
    response = await client.post(f"/re-analyze/{source_id}")
    assert response.status == 202


async def test_re_analyze_status_codes(client, settings, pg):
    settings.jenkins_url = "https://jenkins.example.com/"
    missing = await client.post("/re-analyze/8a1f2c3d-0000-4000-8000-000000000000", json={})
    assert missing.status == 404
    assert (await client.post("/re-analyze/not-a-uuid", json={})).status == 404

    direct = await client.post(
        "/analyze-failures?wait=false",
        json={"failures": [{"test_name": "t", "error_message": "x"}]},
    )
    direct_id = (await direct.json())["job_id"]
    response = await client.post(f"/re-analyze/{direct_id}", json={})
    assert response.status == 400
    assert "direct-failure" in (await response.json())["detail"]

    queued = await client.post("/analyze", json={"job_name": "j", "build_number": 1})
    job_id = (await queued.json())["job_id"]
    assert (await client.post(f"/re-analyze/{job_id}", json={"ai_cli_timeout": 0})).status == 422
    await pg.execute("update jobs set request_params = '{}' where id = $1", job_id)
    response = await client.post(f"/re-analyze/{job_id}", json={})
    assert response.status == 400
    assert "no stored request_params" in (await response.json())["detail"]
    await pg.execute(
        'update jobs set request_params = \'{"wait_for_completion": "maybe"}\' where id = $1',
        job_id,
    )
    response = await client.post(f"/re-analyze/{job_id}", json={})
    assert response.status == 400
    assert "cannot be reconstructed" in (await response.json())["detail"]
    # A URL override is checked against the allow-list like any request.
    response = await client.post(f"/re-analyze/{job_id}", json={"jira_url": "http://10.0.0.1"})
    assert response.status == 400

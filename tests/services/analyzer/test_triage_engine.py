"""The triage engine in the real pipeline: AI providers, reuse across builds, human overrides."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from pydantic import SecretStr

from tests.fakes.llm import FakeLLM, Reply, answer_json, openai_app, peer_json, start
from tests.waits import until_queued


def build(n_causes: int, per_cause: int, run: int) -> dict:
    """Failures of `n_causes` root causes whose messages carry run-varying noise."""
    failures = []
    for cause in range(n_causes):
        for i in range(per_cause):
            failures.append(
                {
                    "test_name": f"tests.test_mod{cause}.test_case_{i}",
                    "error_message": (
                        f"AssertionError: cause{'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[cause]} failed "
                        f"after {1000 + run * 37 + i}ms on host 10.0.{run}.{i} "
                        f"id={uuid.uuid4()}"
                    ),
                    "stack_trace": (
                        f'File "tests/test_mod{cause}.py", line {10 + run}, in test_case\n'
                        f"    assert value == {run}"
                    ),
                }
            )
    return {"failures": failures}


@pytest.fixture
async def fake_openai(settings):
    fake = FakeLLM(Reply(text=answer_json("PRODUCT BUG", 0.9)))
    server = await start(openai_app(fake))
    settings.openai_base_url = str(server.make_url("/v1"))
    settings.openai_api_key = SecretStr("sk-test")
    yield fake
    await server.close()


async def run_build(client, run_analyzer, body: dict) -> dict:
    post = asyncio.create_task(client.post("/analyze-failures", json=body))
    await until_queued(client)
    await run_analyzer()
    response = await asyncio.wait_for(post, 30)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_one_ai_call_per_root_cause_then_none_on_the_next_build(
    fake_openai, client, run_analyzer, pg
):
    ai = {"ai_provider": "openai", "ai_model": "gpt-test"}
    first = await run_build(client, run_analyzer, {**build(3, 4, run=1), **ai})
    assert len(fake_openai.requests) == 3  # 12 failures, 3 causes
    assert {f["analysis"]["source"] for f in first["failures"]} == {"ai"}
    assert first["ai_provider"] == "openai" and first["ai_model"] == "gpt-test"

    second = await run_build(client, run_analyzer, {**build(3, 4, run=2), **ai})
    assert len(fake_openai.requests) == 3  # nothing paid again
    sources = {f["analysis"]["source"] for f in second["failures"]}
    assert sources == {"history"}
    provenance = second["failures"][0]["analysis"]["provenance"]
    assert provenance["job_id"] == first["job_id"]
    assert {f["error_signature"] for f in first["failures"]} == {
        f["error_signature"] for f in second["failures"]
    }

    # A request can force a fresh analysis.
    await run_build(
        client, run_analyzer, {**build(3, 4, run=3), **ai, "force_fresh_analysis": True}
    )
    assert len(fake_openai.requests) == 6

    usage = await (await client.get("/api/usage?days=1")).json()
    assert usage["totals"]["calls"] == 6
    assert usage["totals"]["reuse_hits"] == 3
    assert usage["totals"]["input_tokens"] == 6 * 120


async def test_low_confidence_answers_are_not_reused(fake_openai, client, run_analyzer, settings):
    fake_openai.script(Reply(text=answer_json("CODE ISSUE", 0.3)))
    ai = {"ai_provider": "openai", "ai_model": "gpt-test"}
    await run_build(client, run_analyzer, {**build(2, 2, run=1), **ai})
    await run_build(client, run_analyzer, {**build(2, 2, run=2), **ai})
    assert len(fake_openai.requests) == 4


async def test_a_human_override_answers_later_builds(client, run_analyzer, pg):
    first = await run_build(client, run_analyzer, build(1, 2, run=1))
    signature = first["failures"][0]["error_signature"]
    await pg.execute(
        "insert into classifications (kind, test_name, classification, created_by, job_id,"
        " error_signature) values ('primary', $1, 'INFRASTRUCTURE', 'alice', $2, $3)",
        first["failures"][0]["test_name"],
        uuid.UUID(first["job_id"]),
        signature,
    )
    second = await run_build(client, run_analyzer, build(1, 2, run=2))
    analysis = second["failures"][0]["analysis"]
    assert analysis["classification"] == "INFRASTRUCTURE"
    assert analysis["source"] == "human"
    assert analysis["provenance"]["by"] == "alice"
    assert "alice" in analysis["details"]


async def test_ai_failure_falls_back_to_rules_and_says_so(
    fake_openai, client, run_analyzer, settings
):
    fake_openai.script(Reply(text="not json at all"))
    body = {**build(1, 1, run=1), "ai_provider": "openai", "ai_model": "gpt-test"}
    result = await run_build(client, run_analyzer, body)
    analysis = result["failures"][0]["analysis"]
    assert analysis["source"] == "builtin"
    assert "AI analysis failed" in analysis["details"]
    assert analysis["classification"] in {"CODE ISSUE", "PRODUCT BUG", "INFRASTRUCTURE"}
    assert len(fake_openai.requests) == 2  # the call and one repair attempt


async def test_peer_debate_trail_is_stored(fake_openai, client, run_analyzer):
    fake_openai.script(
        Reply(text=answer_json("PRODUCT BUG", 0.9)),
        Reply(text=peer_json(True, "PRODUCT BUG")),
    )
    body = {
        **build(1, 1, run=1),
        "ai_provider": "openai",
        "ai_model": "gpt-test",
        "peer_ai_configs": [{"ai_provider": "openai", "ai_model": "gpt-peer"}],
    }
    result = await run_build(client, run_analyzer, body)
    debate = result["failures"][0]["peer_debate"]
    assert debate["consensus_reached"] is True
    assert debate["rounds_used"] == 1
    assert {r["role"] for r in debate["rounds"]} == {"orchestrator", "peer"}


async def test_blank_model_for_an_ai_provider_is_400(client):
    body = {**build(1, 1, run=1), "ai_provider": "openai", "ai_model": " "}
    response = await client.post("/analyze-failures", json=body)
    assert response.status == 400

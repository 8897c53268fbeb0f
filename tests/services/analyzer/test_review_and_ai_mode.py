"""needs_review below VERDICT_REVIEW_BELOW, and VERDICT_AI_MODE=low-confidence in the pipeline."""

from __future__ import annotations

from pydantic import SecretStr

from tests.fakes.llm import FakeLLM, Reply, answer_json, openai_app, start
from tests.services.analyzer.test_triage_engine import run_build

CLEAR = {
    "test_name": "ci.setup",
    "error_message": (
        "docker: Error response from daemon: toomanyrequests: You have reached your pull "
        "rate limit. You may increase the limit by authenticating and upgrading"
    ),
}
UNCLEAR = {
    "test_name": "tests.test_widgets.test_count",
    "error_message": "the widget count looked odd",
}


def _by_test(result: dict) -> dict[str, dict]:
    return {f["test_name"]: f["analysis"] for f in result["failures"]}


async def test_builtin_answers_below_the_threshold_need_review(client, run_analyzer):
    result = await run_build(client, run_analyzer, {"failures": [CLEAR, UNCLEAR, UNCLEAR]})
    analyses = _by_test(result)
    assert analyses["ci.setup"]["needs_review"] is False
    assert analyses["ci.setup"]["confidence"] >= 0.6
    assert analyses["tests.test_widgets.test_count"]["needs_review"] is True
    assert analyses["tests.test_widgets.test_count"]["confidence"] < 0.6
    assert result["summary"].endswith("; 2 need review")
    body = await (await client.get(f"/results/{result['job_id']}")).json()
    stored = body.get("result", body)
    assert _by_test(stored)["tests.test_widgets.test_count"]["needs_review"] is True


async def test_the_threshold_is_a_setting(client, run_analyzer, settings):
    settings.review_below = 0.0
    result = await run_build(client, run_analyzer, {"failures": [UNCLEAR]})
    assert _by_test(result)["tests.test_widgets.test_count"]["needs_review"] is False
    assert "review" not in result["summary"]


async def test_low_confidence_mode_sends_only_uncertain_groups_to_the_ai(
    client, run_analyzer, settings
):
    fake = FakeLLM(Reply(text=answer_json("CODE ISSUE", 0.9)))
    server = await start(openai_app(fake))
    settings.openai_base_url = str(server.make_url("/v1"))
    settings.openai_api_key = SecretStr("sk-test")
    ai = {"ai_provider": "openai", "ai_model": "gpt-test"}
    try:
        settings.ai_mode = "low-confidence"
        result = await run_build(client, run_analyzer, {"failures": [CLEAR, UNCLEAR], **ai})
        assert len(fake.requests) == 1
        analyses = _by_test(result)
        assert analyses["ci.setup"]["source"] == "builtin"
        assert analyses["tests.test_widgets.test_count"]["source"] == "ai"
        assert analyses["tests.test_widgets.test_count"]["needs_review"] is False  # AI was sure

        settings.ai_mode = "all"
        clear_again = {**CLEAR, "error_message": CLEAR["error_message"] + " (another host)"}
        await run_build(
            client,
            run_analyzer,
            {"failures": [clear_again, UNCLEAR], **ai, "force_fresh_analysis": True},
        )
        assert len(fake.requests) == 3  # both groups, as before this mode existed
    finally:
        await server.close()

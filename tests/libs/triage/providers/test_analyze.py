from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from tests.fakes.llm import FakeLLM, Reply, answer_json
from tests.libs.triage.providers.support import fake_server, group, http_config
from verdict.triage.providers import (
    AiLimiter,
    ProviderError,
    analyze_group,
    extract_json,
    make_provider,
)


async def provider_for(
    serve: Any, session: aiohttp.ClientSession, fake: FakeLLM, name: str = "openai"
) -> Any:
    return make_provider(http_config(name, await fake_server(serve, name, fake)), session)


async def test_valid_answer(serve: Any, session: aiohttp.ClientSession, limiter: AiLimiter) -> None:
    fake = FakeLLM(
        Reply(text=answer_json("PRODUCT BUG", 0.9), input_tokens=1000, output_tokens=500)
    )
    answer = await analyze_group(await provider_for(serve, session, fake), group(), limiter)
    assert answer.classification == "PRODUCT BUG"
    assert answer.confidence == 0.9
    assert answer.detail["product_bug_report"]["jira_search_keywords"] == ["login 500"]
    assert answer.detail["code_fix"] is None
    assert "affected_tests" not in answer.detail
    assert (answer.provider, answer.model) == ("openai", "fake-model")
    # price 1.0 / 2.0 per 1k tokens
    assert answer.usage.as_dict() == {
        "calls": 1,
        "input_tokens": 1000,
        "output_tokens": 500,
        "cost": 2.0,
    }


async def test_fenced_answer_with_prose(
    serve: Any, session: aiohttp.ClientSession, limiter: AiLimiter
) -> None:
    text = (
        "Sure! Here is my analysis:\n```json\n"
        + answer_json("CODE ISSUE")
        + "\n```\nHope it helps."
    )
    fake = FakeLLM(Reply(text=text))
    answer = await analyze_group(
        await provider_for(serve, session, fake, "anthropic"), group(), limiter
    )
    assert answer.detail["code_fix"] == {
        "file": "tests/test_login.py",
        "line": "42",
        "change": "Fix the assert.",
    }
    assert len(fake.requests) == 1


async def test_invalid_then_repaired(
    serve: Any, session: aiohttp.ClientSession, limiter: AiLimiter
) -> None:
    fake = FakeLLM(
        Reply(text="I think it is infra, not sure."), Reply(text=answer_json("INFRASTRUCTURE"))
    )
    answer = await analyze_group(
        await provider_for(serve, session, fake, "gemini-api"), group(), limiter
    )
    assert answer.classification == "INFRASTRUCTURE"
    assert answer.usage.calls == 2
    repair = fake.prompts()[1]
    assert "I think it is infra, not sure." in repair
    assert "could not be used" in repair


async def test_schema_failure_is_repaired(
    serve: Any, session: aiohttp.ClientSession, limiter: AiLimiter
) -> None:
    bad = answer_json("FLAKY")  # not one of the three
    fake = FakeLLM(Reply(text=bad), Reply(text=answer_json("code_issue")))
    answer = await analyze_group(await provider_for(serve, session, fake), group(), limiter)
    assert answer.classification == "CODE ISSUE"
    assert "classification" in fake.prompts()[1]


async def test_invalid_twice_raises(
    serve: Any, session: aiohttp.ClientSession, limiter: AiLimiter
) -> None:
    fake = FakeLLM(Reply(text="no json here"), Reply(text='{"classification": "CODE ISSUE"}'))
    with pytest.raises(ProviderError, match="after one repair"):
        await analyze_group(await provider_for(serve, session, fake), group(), limiter)
    assert len(fake.requests) == 2


async def test_limiter_caps_concurrency(serve: Any, session: aiohttp.ClientSession) -> None:
    fake = FakeLLM(Reply(text=answer_json(), delay=0.1))
    provider = await provider_for(serve, session, fake)
    limiter = AiLimiter(max_concurrent=3)
    answers = await asyncio.gather(*(analyze_group(provider, group(), limiter) for _ in range(10)))
    assert len(answers) == 10
    assert fake.peak == 3
    assert limiter.peak == 3
    assert limiter.in_flight == 0


async def test_nested_slot_is_refused() -> None:
    limiter = AiLimiter(max_concurrent=2)
    async with limiter.slot():
        with pytest.raises(RuntimeError, match="deadlock"):
            async with limiter.slot():
                pass
    assert limiter.in_flight == 0


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1}',
        'prefix {"a": 1} suffix',
        '```\n{"a": 1}\n```',
        'noise {not json} then {"a": 1}',
    ],
)
def test_extract_json(text: str) -> None:
    assert extract_json(text) == {"a": 1}


def test_extract_json_fails_clearly() -> None:
    with pytest.raises(ValueError, match="no JSON object"):
        extract_json("just words")

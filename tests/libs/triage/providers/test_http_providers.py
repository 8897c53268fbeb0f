from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
import pytest

from tests.fakes.llm import FakeLLM, Reply
from tests.libs.triage.providers.support import fake_server, http_config
from verdict.triage.prompt import ANALYSIS_SCHEMA
from verdict.triage.providers import ProviderError, ProviderTimeout, make_provider

pytestmark = pytest.mark.timeout(30)


async def complete(
    serve: Any, session: aiohttp.ClientSession, provider: str, fake: FakeLLM, **cfg: Any
) -> Any:
    base = await fake_server(serve, provider, fake)
    p = make_provider(http_config(provider, base, **cfg), session)
    return await p.complete("SYSTEM", "USER", ANALYSIS_SCHEMA)


async def test_openai_wire_format(serve: Any, session: aiohttp.ClientSession) -> None:
    fake = FakeLLM(Reply(text='{"ok": 1}', input_tokens=11, output_tokens=7))
    completion = await complete(serve, session, "openai", fake)
    assert (completion.text, completion.input_tokens, completion.output_tokens) == (
        '{"ok": 1}',
        11,
        7,
    )
    seen = fake.requests[0]
    assert seen.path == "/v1/chat/completions"
    assert seen.headers["Authorization"] == "Bearer sk-test"
    assert seen.body["model"] == "fake-model"
    assert seen.body["messages"] == [
        {"role": "system", "content": "SYSTEM"},
        {"role": "user", "content": "USER"},
    ]
    assert seen.body["response_format"]["type"] == "json_schema"
    assert seen.body["response_format"]["json_schema"]["schema"] == ANALYSIS_SCHEMA


async def test_openai_falls_back_to_json_object(serve: Any, session: aiohttp.ClientSession) -> None:
    fake = FakeLLM(
        Reply(status=400, body={"error": {"message": "response_format json_schema unsupported"}}),
        Reply(text="{}"),
    )
    base = await fake_server(serve, "openai", fake)
    provider = make_provider(http_config("openai", base), session)
    await provider.complete("S", "U", ANALYSIS_SCHEMA)
    await provider.complete("S", "U", ANALYSIS_SCHEMA)
    formats = [r.body["response_format"]["type"] for r in fake.requests]
    assert formats == ["json_schema", "json_object", "json_object"]  # remembered


async def test_anthropic_wire_format(serve: Any, session: aiohttp.ClientSession) -> None:
    fake = FakeLLM(Reply(text="hello", input_tokens=5, output_tokens=3))
    completion = await complete(serve, session, "anthropic", fake)
    assert (completion.text, completion.input_tokens, completion.output_tokens) == ("hello", 5, 3)
    seen = fake.requests[0]
    assert seen.path == "/v1/messages"
    assert seen.headers["x-api-key"] == "sk-test"
    assert seen.headers["anthropic-version"] == "2023-06-01"
    assert seen.body["system"] == "SYSTEM"
    assert seen.body["messages"] == [{"role": "user", "content": "USER"}]
    assert seen.body["max_tokens"] > 0


async def test_gemini_wire_format(serve: Any, session: aiohttp.ClientSession) -> None:
    fake = FakeLLM(Reply(text="{}", input_tokens=9, output_tokens=4))
    completion = await complete(serve, session, "gemini-api", fake, model="gemini-2.5-flash")
    assert (completion.input_tokens, completion.output_tokens) == (9, 4)
    seen = fake.requests[0]
    assert seen.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert seen.headers["x-goog-api-key"] == "sk-test"
    assert "key" not in seen.query  # the key never travels in the URL
    assert seen.body["generationConfig"]["responseMimeType"] == "application/json"
    assert seen.body["systemInstruction"]["parts"][0]["text"] == "SYSTEM"
    assert seen.body["contents"][0]["parts"][0]["text"] == "USER"


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini-api"])
async def test_429_honours_retry_after(
    serve: Any, session: aiohttp.ClientSession, provider: str
) -> None:
    fake = FakeLLM(Reply(status=429, headers={"Retry-After": "1"}), Reply(text="{}"))
    started = time.monotonic()
    completion = await complete(serve, session, provider, fake)
    assert completion.text == "{}"
    assert len(fake.requests) == 2
    assert time.monotonic() - started >= 0.95  # waited what the server asked, not 0.01 s


async def test_5xx_retried_then_success(serve: Any, session: aiohttp.ClientSession) -> None:
    fake = FakeLLM(Reply(status=500), Reply(status=503), Reply(text="{}"))
    completion = await complete(serve, session, "anthropic", fake)
    assert completion.text == "{}"
    assert len(fake.requests) == 3


async def test_5xx_exhausts_max_retries(serve: Any, session: aiohttp.ClientSession) -> None:
    fake = FakeLLM(Reply(status=500))
    with pytest.raises(ProviderError) as info:
        await complete(serve, session, "openai", fake, max_retries=2)
    assert len(fake.requests) == 3
    assert "500" in info.value.detail
    assert info.value.status == 502


async def test_4xx_is_not_retried(serve: Any, session: aiohttp.ClientSession) -> None:
    fake = FakeLLM(Reply(status=401, body={"error": {"message": "bad key"}}))
    with pytest.raises(ProviderError, match="401"):
        await complete(serve, session, "anthropic", fake)
    assert len(fake.requests) == 1


async def test_slow_answer_times_out(serve: Any, session: aiohttp.ClientSession) -> None:
    fake = FakeLLM(Reply(text="{}", delay=3))
    started = time.monotonic()
    with pytest.raises(ProviderTimeout):
        await complete(serve, session, "gemini-api", fake, timeout_s=0.3)
    assert time.monotonic() - started < 2
    assert len(fake.requests) == 1  # a timeout is not retried


async def test_empty_answer_is_an_error(serve: Any, session: aiohttp.ClientSession) -> None:
    fake = FakeLLM(Reply(body={"candidates": [], "promptFeedback": {"blockReason": "SAFETY"}}))
    with pytest.raises(ProviderError, match="SAFETY"):
        await complete(serve, session, "gemini-api", fake)


def test_fake_bodies_are_json() -> None:
    # Guard the fakes themselves: what they render must round-trip through json.
    from tests.fakes.llm import answer_json

    assert json.loads(answer_json())["classification"] == "CODE ISSUE"

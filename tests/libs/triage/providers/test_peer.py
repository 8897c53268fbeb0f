from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from tests.fakes.llm import FakeLLM, Reply, answer_json, peer_json
from tests.libs.triage.providers.support import fake_server, group, http_config
from verdict.triage.peer import run_peer_debate
from verdict.triage.providers import AiLimiter, Provider, analyze_group, make_provider


@dataclass(frozen=True)
class Peer:
    ai_provider: str
    ai_model: str


async def setup(
    serve: Any, session: aiohttp.ClientSession, orch: FakeLLM, peer_a: FakeLLM, peer_b: FakeLLM
) -> tuple[Provider, list[tuple[Peer, Provider]]]:
    orchestrator = make_provider(
        http_config("openai", await fake_server(serve, "openai", orch)), session
    )
    a = make_provider(
        http_config("anthropic", await fake_server(serve, "anthropic", peer_a), model="claude-x"),
        session,
    )
    b = make_provider(
        http_config("gemini-api", await fake_server(serve, "gemini-api", peer_b), model="gemini-x"),
        session,
    )
    return orchestrator, [(Peer("anthropic", "claude-x"), a), (Peer("gemini-api", "gemini-x"), b)]


async def test_consensus_in_round_one(
    serve: Any, session: aiohttp.ClientSession, limiter: AiLimiter
) -> None:
    orch = FakeLLM(Reply(text=answer_json("PRODUCT BUG", 0.9)))
    peer_a = FakeLLM(Reply(text=peer_json(True, "PRODUCT BUG", "Agrees: the 500 is the product.")))
    peer_b = FakeLLM(Reply(text=peer_json(True, "PRODUCT BUG")))
    orchestrator, peers = await setup(serve, session, orch, peer_a, peer_b)
    first = await analyze_group(orchestrator, group(), limiter)
    final, trail = await run_peer_debate(orchestrator, peers, group(), first, 3, limiter)
    assert final.classification == "PRODUCT BUG"
    assert final.confidence == 0.9
    assert trail == {
        "consensus_reached": True,
        "rounds_used": 1,
        "max_rounds": 3,
        "ai_configs": [
            {"ai_provider": "anthropic", "ai_model": "claude-x"},
            {"ai_provider": "gemini-api", "ai_model": "gemini-x"},
        ],
        "rounds": [
            {
                "round": 1,
                "ai_provider": "openai",
                "ai_model": "fake-model",
                "role": "orchestrator",
                "classification": "PRODUCT BUG",
                "details": "Looks like a product bug.",
                "agrees_with_orchestrator": None,
            },
            {
                "round": 1,
                "ai_provider": "anthropic",
                "ai_model": "claude-x",
                "role": "peer",
                "classification": "PRODUCT BUG",
                "details": "Agrees: the 500 is the product.",
                "agrees_with_orchestrator": True,
            },
            {
                "round": 1,
                "ai_provider": "gemini-api",
                "ai_model": "gemini-x",
                "role": "peer",
                "classification": "PRODUCT BUG",
                "details": "Reviewed.",
                "agrees_with_orchestrator": True,
            },
        ],
    }
    assert final.usage.calls == 3  # first answer + two reviews
    assert len(orch.requests) == 1


async def test_disagreement_then_revision(
    serve: Any, session: aiohttp.ClientSession, limiter: AiLimiter
) -> None:
    orch = FakeLLM(
        Reply(text=answer_json("CODE ISSUE", 0.7)), Reply(text=answer_json("INFRASTRUCTURE", 0.8))
    )
    peer_a = FakeLLM(
        Reply(text=peer_json(False, "INFRASTRUCTURE", "DNS failed on the node.")),
        Reply(text=peer_json(True, "INFRASTRUCTURE")),
    )
    peer_b = FakeLLM(Reply(text=peer_json(True, "INFRASTRUCTURE")))
    orchestrator, peers = await setup(serve, session, orch, peer_a, peer_b)
    first = await analyze_group(orchestrator, group(), limiter)
    final, trail = await run_peer_debate(orchestrator, peers, group(), first, 3, limiter)
    assert final.classification == "INFRASTRUCTURE"
    assert trail["consensus_reached"] is True
    assert trail["rounds_used"] == 2
    round1 = [r for r in trail["rounds"] if r["round"] == 1]
    assert [r["agrees_with_orchestrator"] for r in round1] == [None, False, False]
    round2 = [r for r in trail["rounds"] if r["round"] == 2]
    assert round2[0]["classification"] == "INFRASTRUCTURE"
    assert [r["agrees_with_orchestrator"] for r in round2] == [None, True, True]
    revision_prompt = orch.prompts()[1]
    assert "DNS failed on the node." in revision_prompt
    assert final.usage.calls == 1 + 2 + 1 + 2


async def test_max_rounds_respected(
    serve: Any, session: aiohttp.ClientSession, limiter: AiLimiter
) -> None:
    orch = FakeLLM(Reply(text=answer_json("CODE ISSUE", 0.9)))  # stubborn
    peer_a = FakeLLM(Reply(text=peer_json(False, "PRODUCT BUG")))
    peer_b = FakeLLM(Reply(text=peer_json(True, "CODE ISSUE")))
    orchestrator, peers = await setup(serve, session, orch, peer_a, peer_b)
    first = await analyze_group(orchestrator, group(), limiter)
    final, trail = await run_peer_debate(orchestrator, peers, group(), first, 2, limiter)
    assert trail["consensus_reached"] is False
    assert (trail["rounds_used"], trail["max_rounds"]) == (2, 2)
    assert {r["round"] for r in trail["rounds"]} == {1, 2}
    assert len(orch.requests) == 2  # first answer + one revision, no revision after the last round
    assert len(peer_a.requests) == 2
    assert final.confidence == 0.5  # capped: an open disagreement is not a sure answer


async def test_failing_peer_is_recorded_and_skipped(
    serve: Any, session: aiohttp.ClientSession, limiter: AiLimiter
) -> None:
    orch = FakeLLM(Reply(text=answer_json("PRODUCT BUG")))
    peer_a = FakeLLM(Reply(status=500))
    peer_b = FakeLLM(Reply(text=peer_json(True, "PRODUCT BUG")))
    orchestrator, peers = await setup(serve, session, orch, peer_a, peer_b)
    first = await analyze_group(orchestrator, group(), limiter)
    final, trail = await run_peer_debate(orchestrator, peers, group(), first, 3, limiter)
    assert trail["consensus_reached"] is True
    failed = trail["rounds"][1]
    assert (failed["ai_provider"], failed["agrees_with_orchestrator"]) == ("anthropic", None)
    assert failed["details"] == "Peer review failed."
    assert final.classification == "PRODUCT BUG"


@pytest.mark.timeout(20)
async def test_debates_under_a_single_slot_do_not_deadlock(
    serve: Any, session: aiohttp.ClientSession
) -> None:
    import asyncio

    limiter = AiLimiter(max_concurrent=1)
    orch = FakeLLM(Reply(text=answer_json("CODE ISSUE"), delay=0.02))
    peer_a = FakeLLM(Reply(text=peer_json(True, "CODE ISSUE"), delay=0.02))
    peer_b = FakeLLM(Reply(text=peer_json(True, "CODE ISSUE"), delay=0.02))
    orchestrator, peers = await setup(serve, session, orch, peer_a, peer_b)

    async def one() -> bool:
        first = await analyze_group(orchestrator, group(), limiter)
        _, trail = await run_peer_debate(orchestrator, peers, group(), first, 3, limiter)
        return bool(trail["consensus_reached"])

    assert all(await asyncio.gather(*(one() for _ in range(4))))
    assert max(orch.peak, peer_a.peak, peer_b.peak) == 1
    assert limiter.peak == 1

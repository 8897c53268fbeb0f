"""Fake LLM APIs as real aiohttp apps speaking the real wire formats.

One `FakeLLM` holds a script of replies (popped per request, the last one repeats)
and records every request, so a test reads: script the replies, call, assert what
was sent. `peak` is the highest number of requests in flight at once.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Reply:
    text: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    body: Any = None  # overrides the generated body (error payloads)
    input_tokens: int = 120
    output_tokens: int = 40


@dataclass
class Seen:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any]


class FakeLLM:
    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies) or [Reply(text="{}")]
        self.requests: list[Seen] = []
        self.in_flight = 0
        self.peak = 0

    def script(self, *replies: Reply) -> None:
        self.replies = list(replies)

    def next_reply(self) -> Reply:
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    def prompts(self) -> list[str]:
        """The user text of every request, whatever the wire format."""
        out = []
        for seen in self.requests:
            body = seen.body
            if "messages" in body:
                out.append(str(body["messages"][-1]["content"]))
            else:
                out.append(body["contents"][-1]["parts"][0]["text"])
        return out

    async def _handle(self, request: web.Request, render: Any) -> web.Response:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            body = await request.json()
            self.requests.append(
                Seen(request.path, dict(request.query), dict(request.headers), body)
            )
            reply = self.next_reply()
            if reply.delay:
                await asyncio.sleep(reply.delay)
            if reply.status != 200:
                payload = reply.body or {"error": {"message": f"fake status {reply.status}"}}
                return web.json_response(payload, status=reply.status, headers=reply.headers)
            return web.json_response(reply.body or render(reply, body), headers=reply.headers)
        finally:
            self.in_flight -= 1


def _openai(reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1700000000,
        "model": body.get("model", ""),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.text},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": reply.input_tokens,
            "completion_tokens": reply.output_tokens,
            "total_tokens": reply.input_tokens + reply.output_tokens,
        },
    }


def _anthropic(reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": body.get("model", ""),
        "content": [{"type": "text", "text": reply.text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens},
    }


def _gemini(reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "candidates": [
            {
                "content": {"parts": [{"text": reply.text}], "role": "model"},
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {
            "promptTokenCount": reply.input_tokens,
            "candidatesTokenCount": reply.output_tokens,
            "totalTokenCount": reply.input_tokens + reply.output_tokens,
        },
        "modelVersion": "gemini-fake",
    }


def _app(fake: FakeLLM, path: str, render: Any) -> web.Application:
    async def handler(request: web.Request) -> web.Response:
        return await fake._handle(request, render)

    app = web.Application()
    app.router.add_post(path, handler)
    return app


def openai_app(fake: FakeLLM) -> web.Application:
    return _app(fake, "/v1/chat/completions", _openai)


def anthropic_app(fake: FakeLLM) -> web.Application:
    return _app(fake, "/v1/messages", _anthropic)


def gemini_app(fake: FakeLLM) -> web.Application:
    return _app(fake, "/v1beta/models/{model}:generateContent", _gemini)


async def start(app: web.Application) -> TestServer:
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    return server


def answer_json(classification: str = "CODE ISSUE", confidence: float = 0.8, **extra: Any) -> str:
    """A valid analysis answer as a model would print it."""
    data: dict[str, Any] = {
        "classification": classification,
        "details": f"Looks like a {classification.lower()}.",
        "artifacts_evidence": "E   AssertionError: expected 200 got 500",
        "code_fix": None,
        "product_bug_report": None,
        "confidence": confidence,
    }
    if classification == "CODE ISSUE":
        data["code_fix"] = {"file": "tests/test_login.py", "line": 42, "change": "Fix the assert."}
    if classification == "PRODUCT BUG":
        data["product_bug_report"] = {
            "title": "Login answers 500",
            "severity": "high",
            "component": "auth",
            "description": "The login endpoint fails.",
            "evidence": "HTTP 500",
            "jira_search_keywords": ["login 500"],
        }
    data.update(extra)
    return json.dumps(data)


def peer_json(agrees: bool, classification: str, details: str = "Reviewed.") -> str:
    return json.dumps({"agrees": agrees, "classification": classification, "details": details})

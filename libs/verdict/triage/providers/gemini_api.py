"""The Gemini generateContent HTTP API (provider name `gemini-api`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import aiohttp

from .base import Completion, Provider
from .config import ProviderConfig
from .errors import ProviderError
from .http import post_json


class GeminiAPI(Provider):
    """POST {base_url}/v1beta/models/{model}:generateContent.

    The key goes in the `x-goog-api-key` header rather than `?key=` so it never lands
    in access logs or exception messages that quote the URL.
    """

    def __init__(self, config: ProviderConfig, session: aiohttp.ClientSession) -> None:
        super().__init__(config)
        self._session = session

    async def complete(self, system: str, user: str, json_schema: dict[str, Any]) -> Completion:
        body = {
            "systemInstruction": {"parts": [{"text": system}]},
            "contents": [{"role": "user", "parts": [{"text": user}]}],
            "generationConfig": {"responseMimeType": "application/json"},
        }
        headers = {"x-goog-api-key": self.config.api_key}
        model = quote(self.config.model, safe="")
        url = f"{self.config.base_url.rstrip('/')}/v1beta/models/{model}:generateContent"
        data = await post_json(self._session, url, headers=headers, body=body, cfg=self.config)
        return parse_generate_content(data)


def parse_generate_content(data: dict[str, Any]) -> Completion:
    candidates = data.get("candidates") or []
    if not candidates:
        reason = (data.get("promptFeedback") or {}).get("blockReason", "no candidates")
        raise ProviderError(f"gemini-api answered no candidate ({reason})")
    parts = ((candidates[0] or {}).get("content") or {}).get("parts") or []
    text = "".join(p.get("text", "") for p in parts if isinstance(p, dict))
    if not text:
        reason = candidates[0].get("finishReason", "empty")
        raise ProviderError(f"gemini-api answered no text (finishReason={reason})")
    usage = data.get("usageMetadata") or {}
    return Completion(
        text=text,
        input_tokens=int(usage.get("promptTokenCount") or 0),
        output_tokens=int(usage.get("candidatesTokenCount") or 0),
    )

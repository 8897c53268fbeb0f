"""OpenAI-compatible chat completions (OpenAI, vLLM, Ollama, llama.cpp, ...)."""

from __future__ import annotations

from typing import Any

import aiohttp

from .base import Completion, Provider
from .config import ProviderConfig
from .errors import ProviderError
from .http import HttpStatusError, post_json


class OpenAICompatible(Provider):
    """POST {base_url}/chat/completions with a Bearer key.

    Asks for `response_format: json_schema` first; servers that reject it with a 400
    (many local servers and older models) are asked again with `json_object`, and the
    downgrade is remembered for this provider instance.
    """

    def __init__(self, config: ProviderConfig, session: aiohttp.ClientSession) -> None:
        super().__init__(config)
        self._session = session
        self._format = "json_schema"

    async def complete(self, system: str, user: str, json_schema: dict[str, Any]) -> Completion:
        try:
            data = await self._post(system, user, json_schema)
        except HttpStatusError as exc:
            if exc.status_code != 400 or self._format != "json_schema":
                raise
            self._format = "json_object"
            data = await self._post(system, user, json_schema)
        return parse_chat_completion(data)

    async def _post(self, system: str, user: str, json_schema: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.config.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "response_format": self._response_format(json_schema),
        }
        headers = {"Authorization": f"Bearer {self.config.api_key}"} if self.config.api_key else {}
        url = self.config.base_url.rstrip("/") + "/chat/completions"
        return await post_json(self._session, url, headers=headers, body=body, cfg=self.config)

    def _response_format(self, json_schema: dict[str, Any]) -> dict[str, Any]:
        if self._format == "json_schema":
            # strict=False: strict mode demands every property be required, which would
            # force the model to invent a code_fix for a PRODUCT BUG.
            return {
                "type": "json_schema",
                "json_schema": {"name": "analysis", "schema": json_schema, "strict": False},
            }
        return {"type": "json_object"}


def parse_chat_completion(data: dict[str, Any]) -> Completion:
    try:
        text = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise ProviderError("openai answered without choices[0].message.content") from exc
    if not isinstance(text, str) or not text:
        raise ProviderError("openai answered an empty message")
    usage = data.get("usage") or {}
    return Completion(
        text=text,
        input_tokens=int(usage.get("prompt_tokens") or 0),
        output_tokens=int(usage.get("completion_tokens") or 0),
    )

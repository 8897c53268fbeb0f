"""The Anthropic Messages API."""

from __future__ import annotations

from typing import Any

import aiohttp

from .base import Completion, Provider
from .config import ProviderConfig
from .errors import ProviderError
from .http import post_json

ANTHROPIC_VERSION = "2023-06-01"
MAX_OUTPUT_TOKENS = 4096  # the API requires a cap; an analysis is well under it


class Anthropic(Provider):
    """POST {base_url}/v1/messages with `x-api-key` and `anthropic-version`.

    The Messages API has no response_format, so the schema travels in the system
    prompt (prompt.py always puts it there) and the answer is validated afterwards.
    """

    def __init__(self, config: ProviderConfig, session: aiohttp.ClientSession) -> None:
        super().__init__(config)
        self._session = session

    async def complete(self, system: str, user: str, json_schema: dict[str, Any]) -> Completion:
        body = {
            "model": self.config.model,
            "max_tokens": MAX_OUTPUT_TOKENS,
            "system": system,
            "messages": [{"role": "user", "content": user}],
        }
        headers = {"x-api-key": self.config.api_key, "anthropic-version": ANTHROPIC_VERSION}
        url = self.config.base_url.rstrip("/") + "/v1/messages"
        data = await post_json(self._session, url, headers=headers, body=body, cfg=self.config)
        return parse_message(data)


def parse_message(data: dict[str, Any]) -> Completion:
    blocks = data.get("content")
    if not isinstance(blocks, list):
        raise ProviderError("anthropic answered without a content list")
    text = "".join(
        b.get("text", "") for b in blocks if isinstance(b, dict) and b.get("type") == "text"
    )
    if not text:
        raise ProviderError(f"anthropic answered no text (stop_reason={data.get('stop_reason')})")
    usage = data.get("usage") or {}
    return Completion(
        text=text,
        input_tokens=int(usage.get("input_tokens") or 0),
        output_tokens=int(usage.get("output_tokens") or 0),
    )

"""The one HTTP round trip every API provider shares: POST JSON, retry what is transient.

429 and 5xx are retried with exponential backoff, honouring `Retry-After` (seconds)
when the server sends it, at most `max_retries` times. A timeout is NOT retried: a
model too slow once is likely too slow again and each try costs `timeout_s`.
Other 4xx are the caller's mistake and fail at once.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import structlog

from .config import ProviderConfig
from .errors import ProviderError, ProviderTimeout

log = structlog.get_logger(__name__)


class HttpStatusError(ProviderError):
    """The API answered with a non-retryable error status."""

    def __init__(self, status: int, body: str, provider: str) -> None:
        super().__init__(f"{provider} answered HTTP {status}: {body[:300]}")
        self.status_code = status
        self.body_text = body


def retry_delay(status: int, retry_after: str | None, attempt: int, cfg: ProviderConfig) -> float:
    """Seconds to wait before retrying after `attempt` (0-based) failed with `status`."""
    if retry_after:
        try:
            return min(max(float(retry_after), 0.0), cfg.max_backoff_s)
        except ValueError:
            pass  # an HTTP-date: rare from AI APIs, fall back to our own schedule
    return float(min(cfg.backoff_base_s * 2**attempt, cfg.max_backoff_s))


def is_retryable(status: int) -> bool:
    return status == 429 or status >= 500


async def post_json(
    session: aiohttp.ClientSession,
    url: str,
    *,
    headers: dict[str, str],
    body: dict[str, Any],
    cfg: ProviderConfig,
) -> dict[str, Any]:
    """POST `body`, return the decoded JSON object of the first 2xx answer."""
    timeout = aiohttp.ClientTimeout(total=cfg.timeout_s)
    for attempt in range(cfg.max_retries + 1):
        last_try = attempt == cfg.max_retries
        try:
            async with session.post(url, json=body, headers=headers, timeout=timeout) as resp:
                text = await resp.text()
                if resp.status < 300:
                    return _decode(text, cfg.provider)
                if not is_retryable(resp.status) or last_try:
                    raise HttpStatusError(resp.status, text, cfg.provider)
                delay = retry_delay(resp.status, resp.headers.get("Retry-After"), attempt, cfg)
                log.warning("ai.retry", provider=cfg.provider, status=resp.status, delay=delay)
        except TimeoutError as exc:
            raise ProviderTimeout(f"{cfg.provider} did not answer within {cfg.timeout_s}s") from exc
        except aiohttp.ClientError as exc:
            if last_try:
                raise ProviderError(f"{cfg.provider} request failed: {exc}") from exc
            delay = retry_delay(0, None, attempt, cfg)
            log.warning("ai.retry", provider=cfg.provider, error=str(exc), delay=delay)
        await asyncio.sleep(delay)
    raise AssertionError("unreachable: the loop returns or raises on its last try")


def _decode(text: str, provider: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ProviderError(f"{provider} answered a body that is not JSON") from exc
    if not isinstance(data, dict):
        raise ProviderError(f"{provider} answered JSON that is not an object")
    return data

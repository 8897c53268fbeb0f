"""The aiohttp adapter: the transport and nothing else."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import aiohttp

from verdict.integrations.jira import abc as jira_abc
from verdict.integrations.jira.exceptions import JiraUnreachable
from verdict.integrations.jira.sansio import Auth


class JiraAPI(jira_abc.JiraAPI):
    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        auth: Auth,
        *,
        ssl_verify: bool = True,
        timeout_s: float = 30.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(base_url, auth, **kwargs)
        self._session = session
        self._ssl = ssl_verify  # False turns certificate checks off (self-signed DC)
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def _request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes = b""
    ) -> tuple[int, Mapping[str, str], bytes]:
        try:
            # No redirects: the API never needs them, and following one would carry
            # the Authorization header to wherever it points.
            async with self._session.request(
                method,
                url,
                headers=dict(headers),
                data=body or None,
                ssl=self._ssl,
                timeout=self._timeout,
                allow_redirects=False,
            ) as resp:
                return resp.status, dict(resp.headers), await resp.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise JiraUnreachable(f"Jira unreachable: {type(exc).__name__}: {exc}") from exc

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

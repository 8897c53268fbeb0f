"""The aiohttp adapter: moves bytes for `abc.JenkinsAPI`, nothing more.

The session is the caller's (opened and closed with the app). Redirects are not
followed: a Jenkins answer must not steer the server to another host.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp

from verdict.integrations.jenkins import abc as jenkins_abc
from verdict.integrations.jenkins import sansio
from verdict.integrations.jenkins.exceptions import JenkinsError

_CHUNK = 64 * 1024


class JenkinsAPI(jenkins_abc.JenkinsAPI):
    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        ssl_verify: bool = True,
        timeout_s: float = 30.0,
        max_body_mb: int = 64,
        **kwargs: Any,
    ) -> None:
        super().__init__(base_url, **kwargs)
        self._session = session
        # True keeps aiohttp's default certificate checks; False turns them off.
        self._ssl = ssl_verify
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        # Streams may run long; only a silent socket counts as a failure.
        self._stream_timeout = aiohttp.ClientTimeout(total=None, sock_read=timeout_s)
        self._max_body = max_body_mb * 1024 * 1024

    async def _request(
        self, method: str, url: str, headers: Mapping[str, str]
    ) -> tuple[int, Mapping[str, str], bytes]:
        try:
            async with self._session.request(
                method,
                url,
                headers=headers,
                ssl=self._ssl,
                timeout=self._timeout,
                allow_redirects=False,
            ) as resp:
                body = bytearray()
                async for chunk in resp.content.iter_chunked(_CHUNK):
                    body += chunk
                    if len(body) > self._max_body:
                        raise JenkinsError(f"Jenkins answer for {url} is over the body cap")
                return resp.status, dict(resp.headers), bytes(body)
        except aiohttp.InvalidURL as exc:
            # No retry can fix the URL: fail the job now, saying why.
            raise JenkinsError(f"the Jenkins URL {url} cannot be used: {exc}") from None
        except (TimeoutError, aiohttp.ClientConnectionError) as exc:
            raise ConnectionError(str(exc) or type(exc).__name__) from exc

    async def _stream(self, url: str, headers: Mapping[str, str]) -> AsyncIterator[bytes]:
        try:
            async with self._session.get(
                url,
                headers=headers,
                ssl=self._ssl,
                timeout=self._stream_timeout,
                allow_redirects=False,
            ) as resp:
                if resp.status >= 300:
                    sansio.raise_for_status(resp.status, await resp.content.read(4096), url=url)
                async for chunk in resp.content.iter_chunked(_CHUNK):
                    yield chunk
        except aiohttp.InvalidURL as exc:
            raise JenkinsError(f"the Jenkins URL {url} cannot be used: {exc}") from None
        except (TimeoutError, aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
            raise ConnectionError(str(exc) or type(exc).__name__) from exc

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

"""HTTP to the Verdict server: the standard library's client, with retries.

Why the standard library (urllib.request over http.client) and not aiohttp's client:
the client does one upload, follows one stream and makes one read, one after the
other, so nothing gains from an event loop; importing aiohttp costs ~10x the
interpreter's own start-up, which every CI step would pay; and urllib brings what a
CI runner needs for free: `HTTPS_PROXY`/`NO_PROXY`, the system's CA store, chunked
request bodies from an iterator.

Retried, with exponential backoff and full jitter, honouring `Retry-After` (seconds or
an HTTP date): 429, 500, 502, 503, 504, a 409 `idempotency_key_in_use` (the first
attempt of the same upload is still being stored), and a connection that failed or
dropped. Uploads carry an `Idempotency-Key`, so a retried upload is analysed once.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import random
import ssl
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterable
from datetime import UTC
from typing import Any

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "verdict-analyze/0.1"

BodyFactory = Callable[[], Iterable[bytes]]


class TransportError(Exception):
    """The server could not be reached, or kept failing past the retries."""


class HTTPError(Exception):
    """The server answered with an error status that retrying does not change."""

    def __init__(self, status: int, body: bytes, url: str) -> None:
        self.status, self.body, self.url = status, body, url
        self.data = _json_or_none(body)
        detail = self.data.get("detail") if isinstance(self.data, dict) else None
        self.detail = str(detail) if detail else body[:500].decode("utf-8", "replace").strip()
        super().__init__(f"HTTP {status} from {url}: {self.detail}")

    @property
    def error_code(self) -> str:
        return str(self.data.get("error_code", "")) if isinstance(self.data, dict) else ""


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


class _KeepEveryStatus(urllib.request.HTTPErrorProcessor):
    """Hand back every response, errors and redirects included: the caller decides."""

    def http_response(self, request: Any, response: Any) -> Any:
        return response

    https_response = http_response


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds a `Retry-After` header asks for (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else time.time()
    return max(0.0, when.timestamp() - current)


def backoff(attempt: int, base: float = 1.0, cap: float = 30.0) -> float:
    """Full-jitter exponential backoff for retry number `attempt` (1, 2, ...)."""
    return random.uniform(0.5, 1.0) * min(cap, base * 2.0 ** (attempt - 1))


class Transport:
    def __init__(
        self,
        base_url: str,
        api_key: str = "",
        *,
        verify_tls: bool = True,
        ca_cert: str | None = None,
        timeout: float = 60.0,
        retries: int = 5,
        max_retry_wait: float = 120.0,
        on_retry: Callable[[str], None] = lambda _message: None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout, self.retries, self.max_retry_wait = timeout, retries, max_retry_wait
        self.on_retry, self.sleep = on_retry, sleep
        context = ssl.create_default_context(cafile=ca_cert)
        if not verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context), _KeepEveryStatus()
        )

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        headers.update(extra or {})
        return headers

    def open(
        self,
        method: str,
        path: str,
        *,
        body: BodyFactory | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> http.client.HTTPResponse:
        """The first response that is not retried (its body unread), any status."""
        url = self.url(path)
        attempt = 0
        while True:
            attempt += 1
            request = urllib.request.Request(
                url,
                data=iter(body()) if body is not None else None,
                headers=self._headers(headers),
                method=method,
            )
            wait: float | None = None
            try:
                response: http.client.HTTPResponse = self._opener.open(
                    request, timeout=timeout or self.timeout
                )
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                reason = getattr(exc, "reason", exc)
                if isinstance(reason, ssl.SSLError) or attempt > self.retries:
                    raise TransportError(f"{method} {url}: {reason}") from None
                why = f"{reason.__class__.__name__}: {reason}".rstrip(": ")
            else:
                if not self._retryable(response) or attempt > self.retries:
                    return response
                wait = retry_after(response.headers.get("Retry-After"))
                why = f"HTTP {response.status}"
                response.read()  # an error body is small; reading it frees the connection
                response.close()
            delay = min(wait if wait is not None else backoff(attempt), self.max_retry_wait)
            self.on_retry(
                f"{method} {path}: {why}; retry {attempt} of {self.retries} in {delay:.1f} s"
            )
            self.sleep(delay)

    def _retryable(self, response: http.client.HTTPResponse) -> bool:
        if response.status in RETRY_STATUSES:
            return True
        # Same key, first attempt still in flight: the server asks us to come back.
        return response.status == 409 and response.headers.get("Retry-After") is not None

    def request(
        self,
        method: str,
        path: str,
        *,
        body: BodyFactory | None = None,
        headers: dict[str, str] | None = None,
        ok: Iterable[int] = (200,),
    ) -> tuple[int, Any]:
        """Status and decoded JSON of a response whose status is in `ok`; else HTTPError."""
        response = self.open(
            method, path, body=body, headers={"Accept-Encoding": "gzip", **(headers or {})}
        )
        with response:
            raw = read_body(response)
        if response.status not in set(ok):
            raise HTTPError(response.status, raw, self.url(path))
        data = _json_or_none(raw)
        if data is None:
            raise HTTPError(response.status, raw, self.url(path))
        return response.status, data


def read_body(response: http.client.HTTPResponse) -> bytes:
    """The whole body, gunzipped as it arrives when the server compressed it."""
    if response.headers.get("Content-Encoding", "").lower() != "gzip":
        return response.read()
    decompressor = zlib.decompressobj(31)
    parts = []
    while chunk := response.read(1 << 16):
        parts.append(decompressor.decompress(chunk))
    parts.append(decompressor.flush())
    return b"".join(parts)

"""Security headers on every response, in one place.

`security_headers` decides them from the settings and the response's content type;
`add_security_headers` (an aiohttp on_response_prepare hook) applies them to every
answer, JSON, errors, SSE streams and pages alike, without replacing a header a handler
set itself. A page that needs its own Content-Security-Policy sets it (or extends
`security_headers`); it must keep `frame-ancestors 'none'`.
"""

from __future__ import annotations

from aiohttp import web

from services.gateway.keys import SETTINGS
from verdict.settings import Settings

HSTS_MAX_AGE_S = 365 * 24 * 3600


def security_headers(settings: Settings, content_type: str) -> dict[str, str]:
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }
    if content_type != "text/html":
        # Nothing but HTML is ever meant to render: no scripts, no framing.
        headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    if settings.public_base_url.lower().startswith("https://"):
        headers["Strict-Transport-Security"] = f"max-age={HSTS_MAX_AGE_S}"
    return headers


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in security_headers(request.app[SETTINGS], response.content_type).items():
        response.headers.setdefault(name, value)

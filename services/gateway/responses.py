"""Responses more than one route sends."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from services.gateway.keys import SETTINGS
from verdict.contracts.envelope import result_url
from verdict.contracts.json_text import dumps
from verdict.services.caches import CachedResult

NO_STORE = {"Cache-Control": "no-store"}


def queued(request: web.Request, job_id: str) -> web.Response:
    """202 for a job taken but not finished: where to poll for it."""
    settings = request.app[SETTINGS]
    return web.json_response(
        {
            "status": "queued",
            "job_id": job_id,
            "message": "Analysis queued. Poll result_url for the result.",
            "base_url": settings.public_base_url.rstrip("/"),
            "result_url": result_url(settings, job_id),
        },
        status=202,
    )


def raw_json_response(
    value: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """JSON with `Raw` pieces (text Postgres wrote) spliced in unparsed."""
    return web.Response(
        text=dumps(value), status=status, headers=headers, content_type="application/json"
    )


def accepts_gzip(request: web.Request) -> bool:
    for item in request.headers.get("Accept-Encoding", "").lower().split(","):
        name, _, params = item.partition(";")
        if name.strip() in ("gzip", "*"):
            q = params.strip()
            return not (q.startswith("q=") and q[2:].strip() in ("0", "0.0", "0.00", "0.000"))
    return False


def encoded_response(request: web.Request, entry: CachedResult) -> web.Response:
    """An encoded answer; gzipped when it was compressed and the client accepts gzip.
    (Writing the uncompressed body to the socket was most of the gateway's time here.)"""
    if entry.status != 200:
        return web.Response(body=entry.body, status=entry.status, content_type="application/json")
    headers = {"Vary": "Accept-Encoding"}
    if entry.gzipped is not None and accepts_gzip(request):
        headers["Content-Encoding"] = "gzip"
        body = entry.gzipped
    else:
        body = entry.body
    return web.Response(
        body=body, status=entry.status, headers=headers, content_type="application/json"
    )

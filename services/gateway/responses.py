"""Responses more than one route sends."""

from __future__ import annotations

from aiohttp import web

from services.gateway.keys import SETTINGS
from verdict.contracts.envelope import result_url


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

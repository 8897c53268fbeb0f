"""The outermost middleware: one access-log line and the HTTP metrics for every request.

It runs outside request_context, so it sees the final status of every answer, errors
rendered into the error shape included; `route` is the route's template
(`/results/{job_id}`), never the raw path, so neither logs nor metric labels grow with
the ids clients send. Unrouted paths are `<unmatched>`.
"""

from __future__ import annotations

import time

from aiohttp import web

from services.gateway.keys import HTTP_METRICS, SETTINGS
from services.gateway.middlewares import REQUEST_ID, Handler
from verdict.logging import get_logger

log = get_logger("verdict.access")

UNMATCHED = "<unmatched>"


def route_template(request: web.Request) -> str:
    match = request.match_info
    resource = match.route.resource if match.http_exception is None else None
    return resource.canonical if resource is not None else UNMATCHED


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.monotonic()
    status = 500
    response: web.StreamResponse | None = None
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:  # redirects and the like, raised past the error layer
        status = exc.status
        raise
    finally:
        seconds = time.monotonic() - started
        route = route_template(request)
        request.app[HTTP_METRICS].observe(request.method, route, status, seconds)
        if request.app[SETTINGS].access_log:
            log.info(
                "request",
                method=request.method,
                route=route,
                status=status,
                duration_ms=round(seconds * 1000, 1),
                request_id=response.headers.get(REQUEST_ID, "") if response is not None else "",
            )

"""GET /metrics: Prometheus text, for dashboards and for scaling workers on queue depth."""

from __future__ import annotations

from aiohttp import web

from services.gateway.keys import HTTP_METRICS, deps_of
from services.gateway.openapi import documented
from verdict.services import status
from verdict.services.status import QUEUES

__all__ = ["QUEUES", "routes"]

routes = web.RouteTableDef()


@routes.get("/metrics")
@documented(
    responses={200: str},
    media_type="text/plain",
    summary="Prometheus metrics: HTTP, queues, jobs, workers, AI usage",
    tags=["service"],
)
async def metrics(request: web.Request) -> web.Response:
    body = await status.metrics_text(deps_of(request), request.app[HTTP_METRICS])
    return web.Response(body=body, content_type="text/plain", charset="utf-8")

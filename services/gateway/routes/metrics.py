"""GET /metrics: Prometheus text, for dashboards and for scaling workers on queue depth."""

from __future__ import annotations

from aiohttp import web

from services.gateway.keys import deps_of
from services.gateway.openapi import documented
from verdict.services import status
from verdict.services.status import QUEUES

__all__ = ["QUEUES", "routes"]

routes = web.RouteTableDef()


@routes.get("/metrics")
@documented(
    responses={200: str},
    media_type="text/plain",
    summary="Prometheus metrics: queue depth and jobs by status",
    tags=["service"],
)
async def metrics(request: web.Request) -> web.Response:
    text = await status.metrics_text(deps_of(request))
    return web.Response(text=text, content_type="text/plain", charset="utf-8")

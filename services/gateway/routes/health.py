"""Health and capabilities."""

from __future__ import annotations

from aiohttp import web

from services.gateway.keys import deps_of
from services.gateway.openapi import DependencyHealth, Healthy, documented
from verdict.contracts.results import Capabilities
from verdict.services import status

routes = web.RouteTableDef()


@routes.get("/health")
@documented(responses={200: Healthy}, summary="Basic health check", tags=["service"])
async def health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "healthy"})


@routes.get("/api/health")
@documented(
    responses={200: DependencyHealth, 503: DependencyHealth},
    summary="Readiness: Postgres, Redis and a worker heartbeat per queue",
    tags=["service"],
)
async def dependencies_health(request: web.Request) -> web.Response:
    """503 when Postgres or Redis is down; `degraded` (200) when a queue has no live worker.

    Open without credentials even with VERDICT_REQUIRE_AUTH (it is the readiness probe).
    """
    answer = await status.dependencies(deps_of(request))
    return web.json_response(answer, status=503 if answer["status"] == "unhealthy" else 200)


@routes.get("/api/capabilities")
@documented(responses={200: Capabilities}, summary="Configured trackers", tags=["service"])
async def get_capabilities(request: web.Request) -> web.Response:
    return web.json_response(status.service_capabilities(deps_of(request)))

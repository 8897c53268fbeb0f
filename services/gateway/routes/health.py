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
    summary="Postgres and Redis health",
    tags=["service"],
)
async def dependencies_health(request: web.Request) -> web.Response:
    """Postgres and Redis, each on its own; 503 when either is down."""
    answer = await status.dependencies(deps_of(request))
    return web.json_response(answer, status=200 if answer["status"] == "healthy" else 503)


@routes.get("/api/capabilities")
@documented(responses={200: Capabilities}, summary="Configured trackers", tags=["service"])
async def get_capabilities(request: web.Request) -> web.Response:
    return web.json_response(status.service_capabilities(deps_of(request)))

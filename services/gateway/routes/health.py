"""Health and capabilities."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from aiohttp import web

from services.gateway.keys import PG, REDIS, SETTINGS
from services.gateway.openapi import DependencyHealth, Healthy, documented
from verdict.contracts.envelope import capabilities
from verdict.contracts.results import Capabilities
from verdict.storage.pool import ping

routes = web.RouteTableDef()

_PROBE_TIMEOUT_S = 2.0


@routes.get("/health")
@documented(responses={200: Healthy}, summary="Basic health check", tags=["service"])
async def health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "healthy"})


async def _probe(check: Awaitable[object]) -> dict[str, str]:
    try:
        await asyncio.wait_for(check, _PROBE_TIMEOUT_S)
    except Exception as exc:
        return {"status": "down", "error": str(exc) or exc.__class__.__name__}
    return {"status": "up"}


@routes.get("/api/health")
@documented(
    responses={200: DependencyHealth, 503: DependencyHealth},
    summary="Postgres and Redis health",
    tags=["service"],
)
async def dependencies_health(request: web.Request) -> web.Response:
    """Postgres and Redis, each on its own; 503 when either is down."""
    postgres = await _probe(ping(request.app[PG]))
    redis = await _probe(request.app[REDIS].ping())
    healthy = postgres["status"] == "up" and redis["status"] == "up"
    return web.json_response(
        {"status": "healthy" if healthy else "unhealthy", "postgres": postgres, "redis": redis},
        status=200 if healthy else 503,
    )


@routes.get("/api/capabilities")
@documented(responses={200: Capabilities}, summary="Configured trackers", tags=["service"])
async def get_capabilities(request: web.Request) -> web.Response:
    return web.json_response(capabilities(request.app[SETTINGS]).model_dump())

"""The gateway: create_app(settings) wires routes and opens resources in one place."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from services.gateway import pages
from services.gateway.headers import add_security_headers
from services.gateway.keys import DEPS, HTTP_METRICS, SETTINGS
from services.gateway.middlewares import request_context
from services.gateway.observe import observe
from services.gateway.routes import (
    admin,
    analysis,
    auth,
    collaboration,
    health,
    history,
    jenkins,
    metrics,
    openapi,
    progress,
    results,
    rules,
    tracker,
    webhooks,
)
from services.gateway.security import MIDDLEWARES
from verdict.metrics import HttpMetrics
from verdict.services.deps import open_deps
from verdict.settings import Settings


async def _resources(app: web.Application) -> AsyncIterator[None]:
    # Redis connects lazily: with Redis down the gateway still accepts and stores jobs.
    async with open_deps(app[SETTINGS], connect_redis=True, listen=True) as deps:
        app[DEPS] = deps
        yield


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[observe, request_context, *pages.OUTER, *MIDDLEWARES, *pages.INNER],
        client_max_size=settings.max_body_mb * 1024 * 1024,
        # Compressed bodies are inflated by body.read_body, within a cap of its own.
        handler_args={"auto_decompress": False},
    )
    app[SETTINGS] = settings
    app[HTTP_METRICS] = HttpMetrics()
    app.cleanup_ctx.append(_resources)
    app.on_response_prepare.append(add_security_headers)
    for table in (
        health.routes,
        analysis.routes,
        results.routes,
        collaboration.routes,
        history.routes,
        auth.routes,
        admin.routes,
        jenkins.routes,
        progress.routes,
        tracker.routes,
        webhooks.routes,
        rules.routes,
        openapi.routes,
        metrics.routes,
    ):
        app.add_routes(table)
    pages.setup(app)
    return app


def run(settings: Settings) -> None:
    web.run_app(create_app(settings), host=settings.host, port=settings.port, access_log=None)

"""The gateway: create_app(settings) wires routes and opens resources in one place."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from services.gateway.keys import PG, REDIS, SETTINGS, WAITER
from services.gateway.middlewares import request_context
from services.gateway.routes import (
    admin,
    analysis,
    auth,
    bulk,
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
from verdict.queue import close, connect
from verdict.settings import Settings
from verdict.storage.notify import JobWaiter
from verdict.storage.pool import create_pool


async def _postgres(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    app[PG] = await create_pool(settings.database_url)
    app[WAITER] = JobWaiter(settings.database_url)
    await app[WAITER].start()
    yield
    await app[WAITER].close()
    await app[PG].close()


async def _redis(app: web.Application) -> AsyncIterator[None]:
    # Connects lazily: with Redis down the gateway still accepts and stores jobs.
    app[REDIS] = connect(app[SETTINGS])
    yield
    await close(app[REDIS])


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[request_context, *MIDDLEWARES],
        client_max_size=settings.max_body_mb * 1024 * 1024,
    )
    app[SETTINGS] = settings
    app.cleanup_ctx.extend([_postgres, _redis])
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
        bulk.routes,
    ):
        app.add_routes(table)
    return app


def run(settings: Settings) -> None:
    web.run_app(create_app(settings), host=settings.host, port=settings.port, access_log=None)

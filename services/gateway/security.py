"""Authentication, rate limits and idempotency middlewares (identity issue)."""

from __future__ import annotations

from aiohttp import web

from services.gateway.middlewares import Handler

# Applied after request_context, in this order.
MIDDLEWARES: list[web.typedefs.Middleware] = []

__all__ = ["MIDDLEWARES", "Handler"]

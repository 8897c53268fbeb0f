"""Typed application state (aiohttp AppKeys): the settings, and the one Deps the services use."""

from __future__ import annotations

from aiohttp import web

from verdict.metrics import HttpMetrics
from verdict.services.deps import Deps
from verdict.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
DEPS = web.AppKey("deps", Deps)
HTTP_METRICS = web.AppKey("http_metrics", HttpMetrics)


def deps_of(request: web.Request) -> Deps:
    return request.app[DEPS]

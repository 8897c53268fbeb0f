"""Typed application state (aiohttp AppKeys), one place for what the gateway holds."""

from __future__ import annotations

import asyncpg
from aiohttp import web
from arq.connections import ArqRedis

from verdict.settings import Settings
from verdict.storage.notify import JobWaiter

SETTINGS = web.AppKey("settings", Settings)
PG = web.AppKey("pg", asyncpg.Pool)
REDIS = web.AppKey("redis", ArqRedis)
WAITER = web.AppKey("waiter", JobWaiter)

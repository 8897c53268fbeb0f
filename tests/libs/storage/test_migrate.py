"""Migrations: applied once, in order, safe when several processes start at once."""

from __future__ import annotations

import asyncio
import os

import asyncpg

from verdict.storage.migrate import available_migrations, migrate
from verdict.storage.pool import drop_database, ensure_database, with_database


async def test_concurrent_migrate_applies_each_once(base_settings):
    dsn = with_database(base_settings.database_url, f"verdict_migrate_{os.getpid()}")
    await drop_database(dsn)
    assert await ensure_database(dsn) is True
    assert await ensure_database(dsn) is False
    try:
        results = await asyncio.gather(*(migrate(dsn) for _ in range(4)))
        versions = [m.version for m in available_migrations()]
        # Exactly one process applied everything; the others found nothing to do.
        assert sorted(results, key=len) == [[], [], [], versions]
        conn = await asyncpg.connect(dsn)
        try:
            rows = await conn.fetch("select version from schema_migrations order by version")
            assert [r["version"] for r in rows] == versions
        finally:
            await conn.close()
    finally:
        await drop_database(dsn)

"""The asyncpg pool, and creating the database when it is missing."""

from __future__ import annotations

import json
from typing import Any, TypeAlias
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from verdict.logging import get_logger

log = get_logger(__name__)


async def _init_connection(conn: asyncpg.Connection[asyncpg.Record]) -> None:
    # jsonb in and out as Python objects, so repositories never json.dumps by hand.
    await conn.set_type_codec(
        "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog", format="text"
    )


async def create_pool(
    dsn: str, *, min_size: int = 1, max_size: int = 10
) -> asyncpg.Pool[asyncpg.Record]:
    pool: asyncpg.Pool[asyncpg.Record] = await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init_connection, command_timeout=60
    )
    return pool


def database_name(dsn: str) -> str:
    return urlsplit(dsn).path.lstrip("/") or "postgres"


def with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def ensure_database(dsn: str) -> bool:
    """Create the database named in `dsn` if it does not exist. True when created."""
    name = database_name(dsn)
    conn = await asyncpg.connect(with_database(dsn, "postgres"))
    try:
        exists = await conn.fetchval(_database_exists, name)
        if exists:
            return False
        try:
            # Identifiers cannot be parameters; quote it the way Postgres does.
            await conn.execute(f"CREATE DATABASE {_quote_ident(name)}")
        except asyncpg.DuplicateDatabaseError:
            return False  # another process won the race
        log.info("database created", database=name)
        return True
    finally:
        await conn.close()


async def drop_database(dsn: str) -> None:
    conn = await asyncpg.connect(with_database(dsn, "postgres"))
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {_quote_ident(database_name(dsn))} (FORCE)")
    finally:
        await conn.close()


_database_exists = "select 1 from pg_database where datname = $1"

select_one = "select 1"


async def ping(pool: asyncpg.Pool[asyncpg.Record]) -> None:
    """Raises when Postgres does not answer (for /api/health)."""
    await pool.fetchval(select_one)


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# Repositories take either a plain connection or one borrowed from the pool.
# (A string: asyncpg's classes are generic only in its stubs, not at run time.)
Conn: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"
JSON = dict[str, Any]

"""Numbered SQL migrations, each applied once, in order, in its own transaction.

A Postgres advisory lock makes two processes that start at once (gateway and
workers, or several replicas) apply them one after the other, never twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import asyncpg

from verdict.logging import get_logger

log = get_logger(__name__)

# Any constant works; it only has to be the same in every Verdict process.
_LOCK_ID = 0x5E7D1C7

_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

create_migrations_table = """
create table if not exists schema_migrations (
    version    integer primary key,
    name       text not null,
    applied_at timestamptz not null default now()
)
"""
applied_versions = "select version from schema_migrations"
record_migration = "insert into schema_migrations (version, name) values ($1, $2)"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    found = []
    for entry in resources.files("verdict.storage.migrations").iterdir():
        match = _FILE_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text("utf-8")))
    return sorted(found, key=lambda m: m.version)


async def apply_migrations(conn: asyncpg.Connection[asyncpg.Record]) -> list[int]:
    """Apply every pending migration; return the versions applied now."""
    applied_now = []
    await conn.execute("select pg_advisory_lock($1)", _LOCK_ID)
    try:
        await conn.execute(create_migrations_table)
        done = {row["version"] for row in await conn.fetch(applied_versions)}
        for migration in available_migrations():
            if migration.version in done:
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(record_migration, migration.version, migration.name)
            log.info("migration applied", version=migration.version, name=migration.name)
            applied_now.append(migration.version)
    finally:
        await conn.execute("select pg_advisory_unlock($1)", _LOCK_ID)
    return applied_now


async def migrate(dsn: str) -> list[int]:
    conn = await asyncpg.connect(dsn)
    try:
        return await apply_migrations(conn)
    finally:
        await conn.close()

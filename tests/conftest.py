"""Real Postgres and Redis for every test that touches them.

One database per test process (created and migrated once, tables truncated
before each test), one Redis database flushed before each test, and a real arq
worker run in burst mode inside the test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from arq.connections import ArqRedis
from arq.worker import Worker
from pydantic import SecretStr

from services.analyzer.worker import worker_options
from services.gateway.app import create_app
from verdict.queue import close, connect
from verdict.settings import Settings
from verdict.storage.migrate import migrate
from verdict.storage.pool import create_pool, drop_database, ensure_database, with_database

ROOT = Path(__file__).resolve().parent.parent
# Test data copied into the repository (tests/data/SOURCES.tsv says where each file came from).
DATA = ROOT / "tests" / "data"
# One Redis database per test process (1-15), so two test runs on one machine do not
# flush each other's queues: each run claims a free number with SET NX in database 0,
# held for as long as the run lasts (the claim expires on its own if the run is killed).
REDIS_CLAIM_TTL_S = 3 * 3600


def _test_redis_url(base: str, db: int) -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", "", ""))


def _claim_redis_db(base: str) -> int:
    import redis as redis_sync

    conn = redis_sync.Redis.from_url(_test_redis_url(base, 0))
    try:
        for attempt in range(15 * 20):
            db = 1 + (os.getpid() + attempt) % 15
            if conn.set(f"verdict-test-db:{db}", os.getpid(), nx=True, ex=REDIS_CLAIM_TTL_S):
                return db
            if attempt % 15 == 14:
                time.sleep(1)  # all 15 taken: wait for a run to finish
    finally:
        conn.close()
    raise RuntimeError("no free Redis test database (1-15): too many test runs at once")


def _release_redis_db(base: str, db: int) -> None:
    import redis as redis_sync

    conn = redis_sync.Redis.from_url(_test_redis_url(base, 0))
    try:
        if conn.get(f"verdict-test-db:{db}") == str(os.getpid()).encode():
            conn.delete(f"verdict-test-db:{db}")
    finally:
        conn.close()


@pytest.fixture(scope="session")
def base_settings() -> Iterator[Settings]:
    # Find or start the servers through the project's own script, as `make test` does.
    subprocess.run([sys.executable, str(ROOT / "deploy" / "devstack.py"), "ensure"], check=True)
    env = Settings()
    db = _claim_redis_db(env.redis_url)
    yield Settings(
        database_url=with_database(env.database_url, f"verdict_test_{os.getpid()}"),
        redis_url=_test_redis_url(env.redis_url, db),
        queue_prefix=f"verdict-test-{os.getpid()}",
        reconcile_grace_s=0,
        sync_timeout_s=60,
        env="development",
        # Workers run in tests beat into a folder of this run, not the host's temp dir.
        heartbeat_dir=tempfile.mkdtemp(prefix="verdict-test-heartbeats-"),
        # Every deployment needs one (verdict.security.crypto); so do the tests.
        encryption_key=SecretStr("test-encryption-key-0123456789abcdef"),
    )
    _release_redis_db(env.redis_url, db)


@pytest.fixture(scope="session")
async def database(base_settings: Settings) -> AsyncIterator[str]:
    dsn = base_settings.database_url
    await drop_database(dsn)
    await ensure_database(dsn)
    await migrate(dsn)
    yield dsn
    await drop_database(dsn)


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings.model_copy()


@pytest.fixture
async def pg(database: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database, max_size=5)
    tables = [
        r["tablename"]
        for r in await pool.fetch(
            "select tablename from pg_tables where schemaname = 'public' "
            "and tablename <> 'schema_migrations'"
        )
    ]
    await pool.execute(f"truncate {', '.join(tables)} restart identity cascade")
    yield pool
    await pool.close()


@pytest.fixture
async def redis(base_settings: Settings) -> AsyncIterator[ArqRedis]:
    conn = connect(base_settings)
    await conn.flushdb()
    yield conn
    await close(conn)


@pytest.fixture
async def client(
    settings: Settings, pg: asyncpg.Pool, redis: ArqRedis
) -> AsyncIterator[TestClient[Any, Any]]:
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


RunWorker = Callable[..., Awaitable[Worker]]


@pytest.fixture
def run_analyzer(settings: Settings, pg: asyncpg.Pool, redis: ArqRedis) -> RunWorker:
    """Run the real analyzer worker until its queue is empty."""

    async def run(**overrides: Any) -> Worker:
        options = {
            **worker_options(settings),
            "burst": True,
            "poll_delay": 0.05,
            "handle_signals": False,
            **overrides,
        }
        worker = Worker(**options)
        try:
            await worker.main()
        finally:
            await worker.close()
        return worker

    return run

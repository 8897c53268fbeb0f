"""Worker heartbeats on a real Redis: written, read per queue with staleness, removed on
a clean stop, and still written to the local file while Redis is down."""

from __future__ import annotations

import asyncio
import socket
import time

from verdict.heartbeat import (
    Heartbeat,
    heartbeat_file,
    heartbeats_key,
    local_heartbeat_age,
    queue_workers,
)
from verdict.queue import close, connect


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_beating_worker_is_fresh_and_gone_after_a_clean_stop(settings, redis, tmp_path):
    settings.heartbeat_dir = str(tmp_path)
    settings.heartbeat_interval_s = 0.05
    assert (await queue_workers(redis, settings, "analyze")).fresh == 0

    heart = Heartbeat.start(redis, settings, "analyze")
    await asyncio.sleep(0.2)
    found = await queue_workers(redis, settings, "analyze")
    assert found.fresh == 1 and found.freshest_age_s is not None and found.freshest_age_s < 1
    assert (await queue_workers(redis, settings, "jira")).fresh == 0
    age = local_heartbeat_age(settings, "analyze")
    assert age is not None and age < 1

    await heart.stop()
    assert (await queue_workers(redis, settings, "analyze")).fresh == 0
    assert local_heartbeat_age(settings, "analyze") is None


async def test_an_old_beat_is_stale_and_a_very_old_one_is_pruned(settings, redis, tmp_path):
    settings.heartbeat_dir = str(tmp_path)
    settings.heartbeat_stale_s = 30
    key = heartbeats_key(settings, "tracker")
    now = time.time()
    await redis.zadd(key, {"dead-host:1": now - 45, "long-dead:2": now - 3600})

    found = await queue_workers(redis, settings, "tracker")
    assert found.fresh == 0
    assert found.freshest_age_s is not None and 44 < found.freshest_age_s < 50

    heart = Heartbeat.start(redis, settings, "tracker")
    await asyncio.sleep(0.1)
    members = {m.decode() for m in await redis.zrange(key, 0, -1)}
    assert "long-dead:2" not in members and "dead-host:1" in members
    assert (await queue_workers(redis, settings, "tracker")).fresh == 1
    await heart.stop()


async def test_the_local_beat_goes_on_while_redis_is_down(settings, tmp_path):
    settings.heartbeat_dir = str(tmp_path)
    settings.heartbeat_interval_s = 0.05
    settings.redis_url = f"redis://127.0.0.1:{_closed_port()}/0"
    down = connect(settings)
    heart = Heartbeat.start(down, settings, "jira")
    try:
        await asyncio.sleep(0.3)
        first = heartbeat_file(settings, "jira").stat().st_mtime
        await asyncio.sleep(0.3)
        assert heartbeat_file(settings, "jira").stat().st_mtime > first
        assert not heart.task.done()
    finally:
        await heart.stop()
        await close(down)

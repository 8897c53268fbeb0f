"""`verdict health`, the exec probe: exit 0 for a fresh heartbeat or a ready gateway,
1 for a stale or missing heartbeat or a gateway that does not answer 200."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time

from aiohttp.test_utils import TestServer

from services.gateway.app import create_app
from services.health_probe import check_gateway
from verdict.heartbeat import heartbeat_file, touch


def _probe(settings, target: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "VERDICT_HEARTBEAT_DIR": settings.heartbeat_dir,
        "VERDICT_HEARTBEAT_STALE_S": str(settings.heartbeat_stale_s),
    }
    return subprocess.run(
        [sys.executable, "-m", "services.cli", "health", target],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_a_worker_is_healthy_only_with_a_fresh_heartbeat(settings, tmp_path):
    settings.heartbeat_dir = str(tmp_path)
    settings.heartbeat_stale_s = 30
    missing = _probe(settings, "analyzer")
    assert missing.returncode == 1 and "no heartbeat" in missing.stdout

    touch(heartbeat_file(settings, "analyze"))
    fresh = _probe(settings, "analyzer")
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert "analyzer: alive" in fresh.stdout

    old = time.time() - 45
    os.utime(heartbeat_file(settings, "analyze"), (old, old))
    stale = _probe(settings, "analyzer")
    assert stale.returncode == 1 and "stale" in stale.stdout
    # Each worker has its own heartbeat: the tracker's is still missing.
    assert _probe(settings, "tracker").returncode == 1


def test_an_unknown_target_is_a_usage_error(settings):
    assert _probe(settings, "nonsense").returncode == 2


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_the_gateway_probe_follows_the_real_readiness_answer(settings, pg, redis):
    async with TestServer(create_app(settings)) as server:
        settings.port = server.port
        ok, message = await asyncio.to_thread(check_gateway, settings)
    assert ok and "degraded" in message  # no worker beats in this test

    settings.redis_url = f"redis://127.0.0.1:{_closed_port()}/0"
    async with TestServer(create_app(settings)) as server:
        settings.port = server.port
        ok, message = await asyncio.to_thread(check_gateway, settings)
    assert not ok and "503" in message

    ok, message = await asyncio.to_thread(check_gateway, settings)  # nothing listens now
    assert not ok and "no answer" in message

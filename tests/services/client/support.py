"""The stack `verdict analyze` runs against in these tests, and the CLI as a subprocess.

- `gateway`: the real gateway (create_app) on a local port; `analyzer`: the real
  analyzer worker consuming its queue for the whole test.
- `Proxy`: a small real HTTP server in front of the gateway that forwards everything
  (Server-Sent Events streamed) and records each request; a test scripts faults into
  it: answer 503/429 with Retry-After instead of forwarding, or forward and then lose
  the answer (504), as a load balancer does.
- `run_verdict`: `python -m services.cli analyze ...` in a clean environment (no CI
  variables of the machine running the tests, no profile file).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from arq.worker import Worker

from services.analyzer.worker import worker_options
from services.gateway.app import create_app
from tests.conftest import ROOT
from verdict.settings import Settings

REPORT = """<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="shop" tests="5" failures="3" errors="1">
  <testcase classname="tests.api.test_login" name="test_admin_login" time="0.1">
    <failure message="AssertionError: POST /api/login returned 500 Internal Server Error"/>
  </testcase>
  <testcase classname="tests.api.test_login" name="test_user_login" time="0.1">
    <failure message="AssertionError: POST /api/login returned 500 Internal Server Error"/>
  </testcase>
  <testcase classname="tests.api.test_cart" name="test_checkout" time="0.1">
    <failure message="AssertionError: POST /api/cart returned 500 Internal Server Error"/>
  </testcase>
  <testcase classname="tests.api.test_db" name="test_query" time="0.1">
    <error message="requests.exceptions.ConnectionError: Connection refused"/>
  </testcase>
  <testcase classname="tests.api.test_ok" name="test_passes" time="0.1"/>
</testsuite>
"""


async def start_gateway(settings: Settings) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


@pytest.fixture
async def gateway(settings: Settings, pg: Any, redis: Any) -> AsyncIterator[str]:
    runner, url = await start_gateway(settings)
    yield url
    await runner.cleanup()


@pytest.fixture
async def analyzer(settings: Settings, pg: Any, redis: Any) -> AsyncIterator[Worker]:
    options = {
        **worker_options(settings),
        "burst": False,
        "poll_delay": 0.05,
        "handle_signals": False,
    }
    worker = Worker(**options)
    task = asyncio.create_task(worker.async_run())
    yield worker
    # close() cancels a job still finishing (arq's finish_job) and gathers it: that job's
    # CancelledError is not this teardown's, and must not leak into the session's loop.
    with contextlib.suppress(asyncio.CancelledError):
        await worker.close()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@dataclasses.dataclass
class Seen:
    method: str
    path_qs: str
    headers: dict[str, str]
    body: bytes  # as the handler read it: decompressed when the client sent gzip
    at: float
    upstream_headers: dict[str, str] = dataclasses.field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)


@dataclasses.dataclass
class Fault:
    method: str
    path_prefix: str
    # A status ("503", "429", "404": answered instead of forwarding), "lose" (forward, then
    # answer 504), or "cut" (forward an event stream, drop the connection after one event).
    action: str
    retry_after: str = "1"


class Proxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.seen: list[Seen] = []
        self.faults: list[Fault] = []
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> Proxy:
        app = web.Application(client_max_size=200 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        self._session = aiohttp.ClientSession(auto_decompress=False)
        return self

    async def close(self) -> None:
        if self._session:
            await self._session.close()
        if self._runner:
            await self._runner.cleanup()

    def requests(self, method: str, path_prefix: str) -> list[Seen]:
        return [s for s in self.seen if s.method == method and s.path_qs.startswith(path_prefix)]

    def _fault(self, request: web.Request) -> Fault | None:
        for fault in self.faults:
            if request.method == fault.method and request.path_qs.startswith(fault.path_prefix):
                self.faults.remove(fault)
                return fault
        return None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        seen = Seen(request.method, request.path_qs, dict(request.headers), body, time.monotonic())
        self.seen.append(seen)
        fault = self._fault(request)
        if fault is not None and fault.action.isdigit():
            return web.json_response(
                {"error": "unavailable", "error_code": fault.action, "detail": "scripted fault"},
                status=int(fault.action),
                headers={"Retry-After": fault.retry_after},
            )
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() not in {"host", "content-length", "content-encoding", "transfer-encoding"}
        }
        assert self._session is not None
        async with self._session.request(
            request.method, self.upstream + request.path_qs, data=body, headers=headers
        ) as upstream:
            seen.upstream_headers = dict(upstream.headers)
            if fault is not None and fault.action == "lose":  # done upstream, answer lost
                await upstream.read()
                return web.json_response({"detail": "gateway timeout"}, status=504)
            if "event-stream" in upstream.headers.get("Content-Type", ""):
                response = web.StreamResponse(status=upstream.status)
                response.headers["Content-Type"] = upstream.headers["Content-Type"]
                await response.prepare(request)
                previous = b""
                async for line in upstream.content:
                    await response.write(line)
                    ends_event = line == b"\n" and previous.startswith(b"data:")
                    previous = line
                    if fault is not None and fault.action == "cut" and ends_event:
                        assert request.transport is not None
                        request.transport.close()  # mid-stream, as a proxy's idle timeout does
                        return response
                await response.write_eof()
                return response
            passed = {
                k: v
                for k, v in upstream.headers.items()
                if k.lower() in {"content-type", "content-encoding", "retry-after", "vary"}
            }
            return web.Response(status=upstream.status, body=await upstream.read(), headers=passed)


@pytest.fixture
async def proxy(gateway: str) -> AsyncIterator[Proxy]:
    started = await Proxy(gateway).start()
    yield started
    await started.close()


@dataclasses.dataclass
class Completed:
    code: int
    stdout: str
    stderr: str


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment a CI step would have, less the machine's own CI variables."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra)
    return env


async def run_verdict(
    *args: str, cwd: Path, env: dict[str, str] | None = None, wait_s: float = 90
) -> Completed:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli",
        "analyze",
        *args,
        cwd=cwd,
        env=env if env is not None else clean_env(cwd),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), wait_s)
    assert proc.returncode is not None
    return Completed(proc.returncode, out.decode(), err.decode())

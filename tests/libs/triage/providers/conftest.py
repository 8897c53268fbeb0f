from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.fakes.llm import start
from tests.libs.triage.providers.support import FAKE_BIN, CliHome
from verdict.triage.providers import AiLimiter


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[web.Application], Any]]:
    servers: list[TestServer] = []

    async def _serve(app: web.Application) -> str:
        server = await start(app)
        servers.append(server)
        return str(server.make_url("")).rstrip("/")

    yield _serve
    for server in servers:
        await server.close()


@pytest.fixture
def limiter() -> AiLimiter:
    return AiLimiter(max_concurrent=4)


@pytest.fixture
def cli_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[CliHome]:
    # Not under tmp_path: a root run's pytest folder is private to root, and the CLI
    # runs as another user (support.CLI_USER), who must reach its HOME.
    home = Path(tempfile.mkdtemp(prefix="verdict-cli-home-"))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PATH", f"{FAKE_BIN}{os.pathsep}{os.environ['PATH']}")
    yield CliHome(home)
    shutil.rmtree(home, ignore_errors=True)

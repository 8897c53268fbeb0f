"""Fixtures: corpus JSON (real Jenkins answers), the fake Jenkins server, a client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from verdict.integrations.jenkins import aiohttp as jenkins_aiohttp

DATA = Path(__file__).parent / "data"


def corpus(name: str) -> dict[str, Any]:
    """A real Jenkins answer from data/ (provenance in data/SOURCES.tsv)."""
    data: dict[str, Any] = json.loads((DATA / name).read_text())
    return data


class FastJenkins(jenkins_aiohttp.JenkinsAPI):
    """The real adapter with sleeps recorded instead of slept."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


StartServer = Callable[[web.Application], Awaitable[str]]


@pytest.fixture
async def start_server() -> AsyncIterator[StartServer]:
    """Start an app on 127.0.0.1 (free port) and return its base URL."""
    servers: list[TestServer] = []

    async def start(app: web.Application) -> str:
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return str(server.make_url("/"))

    yield start
    for server in servers:
        await server.close()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s

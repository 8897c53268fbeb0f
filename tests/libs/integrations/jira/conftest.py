"""Clients wired to the fake Jira, per flavor."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import aiohttp
import pytest

from tests.fakes.jira import CLOUD_EMAIL, PAT, TOKEN, make_fake_jira, serve
from verdict.integrations.jira import Auth, Flavor, JiraAPI


class TimedJira(JiraAPI):
    """The real adapter, remembering how long it was asked to wait."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await super().sleep(min(seconds, 0.01))  # the wait is asserted, not endured


def auth_for_flavor(flavor: str) -> Auth:
    return Auth(Flavor.CLOUD, TOKEN, CLOUD_EMAIL) if flavor == "cloud" else Auth(Flavor.SERVER, PAT)


JiraFactory = Callable[..., AbstractAsyncContextManager[tuple[TimedJira, Any]]]


@pytest.fixture
def jira() -> JiraFactory:
    """`async with jira("cloud", issues=[...], **fake_options) as (client, state)`."""

    @asynccontextmanager
    async def factory(
        flavor: str = "cloud", *, auth: Auth | None = None, **options: Any
    ) -> AsyncIterator[tuple[TimedJira, Any]]:
        from tests.fakes.jira import STATE

        app = make_fake_jira(flavor, **options)
        async with serve(app) as base_url, aiohttp.ClientSession() as session:
            client = TimedJira(session, base_url, auth or auth_for_flavor(flavor))
            yield client, app[STATE]

    return factory

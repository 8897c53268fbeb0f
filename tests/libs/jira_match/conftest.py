from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest

from tests.fakes.jira import CLOUD_EMAIL, PAT, STATE, TOKEN, make_fake_jira, serve
from verdict.integrations.jira import Auth, Flavor, JiraAPI


@pytest.fixture
def jira_match_client():
    @asynccontextmanager
    async def factory(flavor: str = "cloud", **options: Any) -> AsyncIterator[tuple[JiraAPI, Any]]:
        app = make_fake_jira(flavor, **options)
        auth = (
            Auth(Flavor.CLOUD, TOKEN, CLOUD_EMAIL)
            if flavor == "cloud"
            else Auth(Flavor.SERVER, PAT)
        )
        async with serve(app) as url, aiohttp.ClientSession() as session:
            yield JiraAPI(session, url, auth, backoff_s=(0.01,)), app[STATE]

    return factory

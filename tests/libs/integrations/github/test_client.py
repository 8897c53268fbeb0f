"""The gidgethub client against the fake GitHub: rate limits, secondary limits, errors."""

from __future__ import annotations

import aiohttp
import pytest

from tests.fakes import github as fake_gh
from tests.fakes.jira import serve
from verdict.errors import BadRequest
from verdict.integrations.github import (
    GitHubClient,
    GitHubRateLimited,
    GitHubUnauthorized,
    GitHubUnreachable,
    parse_repo_url,
)


async def test_login_and_rate_limit_book():
    app = fake_gh.make_fake_github(rate_limit=10, remaining=2)
    book: dict = {}
    async with serve(app) as url, aiohttp.ClientSession() as session:
        gh = GitHubClient(session, fake_gh.TOKEN, base_url=url, book=book)
        assert await gh.login() == fake_gh.LOGIN
        assert gh.rate_limit is not None and gh.rate_limit.remaining == 1
        # A new client with the same token knows the quota; when it is spent and the
        # reset is far away, it fails fast instead of calling.
        await GitHubClient(session, fake_gh.TOKEN, base_url=url, book=book).login()
        before = len(app[fake_gh.STATE].requests)
        with pytest.raises(GitHubRateLimited):
            await GitHubClient(session, fake_gh.TOKEN, base_url=url, book=book).login()
        assert len(app[fake_gh.STATE].requests) == before


async def test_secondary_rate_limit_is_retried_once():
    app = fake_gh.make_fake_github(secondary_limit_first=1)
    async with serve(app) as url, aiohttp.ClientSession() as session:
        gh = GitHubClient(session, fake_gh.TOKEN, base_url=url)
        assert await gh.login() == fake_gh.LOGIN
    assert len(app[fake_gh.STATE].requests) == 2


async def test_errors_are_typed():
    app = fake_gh.make_fake_github()
    async with serve(app) as url, aiohttp.ClientSession() as session:
        with pytest.raises(GitHubUnauthorized):
            await GitHubClient(session, "wrong", base_url=url).login()
        with pytest.raises(GitHubUnreachable):
            await GitHubClient(session, "x", base_url="http://127.0.0.1:9").login()


def test_parse_repo_url():
    assert parse_repo_url("https://github.com/acme/tests.git").full_name == "acme/tests"
    assert parse_repo_url("git@ghe.example.com:acme/tests.git").full_name == "acme/tests"
    assert parse_repo_url("acme/tests").full_name == "acme/tests"
    with pytest.raises(BadRequest):
        parse_repo_url("https://github.com/acme")

"""GitHub through gidgethub's aiohttp client: github.com and GitHub Enterprise.

async with aiohttp.ClientSession() as session:
    gh = GitHubClient(session, token, base_url="https://ghe.example.com/api/v3")
    login = await gh.login()
"""

from verdict.integrations.github.client import GitHubClient, RateLimitBook
from verdict.integrations.github.exceptions import (
    GitHubError,
    GitHubNotFound,
    GitHubRateLimited,
    GitHubUnauthorized,
    GitHubUnreachable,
)
from verdict.integrations.github.repos import Repo, parse_issue_url, parse_repo_url

__all__ = [
    "GitHubClient",
    "GitHubError",
    "GitHubNotFound",
    "GitHubRateLimited",
    "GitHubUnauthorized",
    "GitHubUnreachable",
    "RateLimitBook",
    "Repo",
    "parse_issue_url",
    "parse_repo_url",
]

"""Repository and issue URLs: `https://<host>/<owner>/<repo>[.git]` and `.../issues/<n>`.

Only owner and name are taken from a repository URL: API calls go to the configured
API base (`VERDICT_GITHUB_API_URL`), never to a host named by a request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from verdict.errors import BadRequest

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
ISSUE_URL = re.compile(
    r"https?://[^\s/]+/(?P<owner>[A-Za-z0-9_.-]+)/(?P<repo>[A-Za-z0-9_.-]+)/"
    r"(?P<kind>issues|pull)/(?P<number>\d+)"
)


@dataclass(frozen=True, slots=True)
class Repo:
    owner: str
    name: str

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


def parse_repo_url(url: str) -> Repo:
    """owner/name from a repository URL (or `owner/name`); BadRequest when it is not one."""
    text = url.strip()
    if text.startswith("git@") and ":" in text:  # git@github.com:acme/tests.git
        text = "https://" + text[4:].replace(":", "/", 1)
    path = urlsplit(text).path if "://" in text else text
    parts = [p for p in path.strip("/").split("/") if p]
    if len(parts) < 2:
        raise BadRequest(f"cannot resolve a GitHub repository from {url!r}")
    owner, name = parts[0], parts[1].removesuffix(".git")
    if not (_NAME.match(owner) and _NAME.match(name)) or name in (".", ".."):
        raise BadRequest(f"cannot resolve a GitHub repository from {url!r}")
    return Repo(owner, name)


def parse_issue_url(text: str) -> list[tuple[Repo, str, int]]:
    """Every GitHub issue or pull request URL in `text`: (repo, "issues"|"pull", number)."""
    return [
        (Repo(m["owner"], m["repo"]), m["kind"], int(m["number"])) for m in ISSUE_URL.finditer(text)
    ]

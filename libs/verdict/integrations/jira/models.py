"""Plain data the Jira client returns: flavor-neutral, already decoded.

Frozen dataclasses, not pydantic: they are built only from decoded Jira JSON by
sansio.py, and callers (matching, the gateway) convert them to their own schemas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Issue:
    key: str
    summary: str
    description: str = ""  # plain text on both flavors (ADF flattened)
    status: str = ""
    # Jira's fixed status categories: "new", "indeterminate" (in progress), "done".
    status_category: str = ""
    priority: str = ""
    issue_type: str = ""
    updated: datetime | None = None
    id: str = ""

    @property
    def is_open(self) -> bool:
        return self.status_category != "done"


@dataclass(frozen=True, slots=True)
class IssueDraft:
    """What create_issue needs; `description` is plain text, rendered per flavor."""

    project_key: str
    summary: str
    description: str = ""
    issue_type: str = "Bug"
    priority: str | None = None  # by name, e.g. "High"
    security_level_id: str | None = None
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CreatedIssue:
    id: str
    key: str
    self_url: str


@dataclass(frozen=True, slots=True)
class Project:
    key: str
    name: str
    id: str = ""


@dataclass(frozen=True, slots=True)
class SecurityLevel:
    id: str
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Myself:
    display_name: str
    # accountId on Cloud, username (`name`) on Server/DC.
    account: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class SearchPage:
    issues: list[Issue] = field(default_factory=list)
    # Cloud: the nextPageToken; Server/DC: the next startAt; None on the last page.
    next_page: str | int | None = None

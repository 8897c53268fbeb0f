"""Request and response bodies of the issue, integration and webhook endpoints (seed 003)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from verdict.contracts.collaboration import ChildScoped
from verdict.contracts.requests import ModelName

EVENTS = ("analysis.started", "analysis.completed", "analysis.failed", "failure.classified")
TEST_EVENT = "webhook.test"
Event = Literal["analysis.started", "analysis.completed", "analysis.failed", "failure.classified"]


class TrackerCredentials(BaseModel):
    """Optional tracker overrides shared by preview and create."""

    model_config = ConfigDict(extra="ignore")

    github_token: str = ""
    jira_token: str = ""
    jira_email: str = ""
    jira_project_key: str = ""
    jira_security_level: str = ""
    github_repo_url: str = ""


class PreviewIssueRequest(ChildScoped, TrackerCredentials):
    include_links: bool = False
    ai_provider: str = ""
    ai_model: ModelName = ""


class CreateIssueRequest(ChildScoped, TrackerCredentials):
    title: str
    body: str

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("title must not be blank")
        return value.strip()


class SimilarIssue(BaseModel):
    number: int = 0
    key: str = ""
    title: str = ""
    url: str = ""
    status: str = ""


class PreviewIssueResponse(BaseModel):
    title: str
    body: str
    similar_issues: list[SimilarIssue] = Field(default_factory=list)


class CreateIssueResponse(BaseModel):
    url: str
    key: str = ""
    number: int = 0
    title: str
    comment_id: int = 0


class ReportPortalPushResult(BaseModel):
    pushed: int
    unmatched: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    launch_id: int | None = None


class JiraProjectsRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    jira_token: str = ""
    jira_email: str = ""
    query: str = ""


class JiraSecurityLevelsRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    jira_token: str = ""
    jira_email: str = ""
    project_key: str


class ValidateTokenRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    token_type: Literal["github", "jira"]
    token: str
    email: str = ""


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2048)
    events: list[Event] = Field(min_length=1)
    # Generated (and shown once) when omitted.
    secret: str | None = Field(default=None, min_length=16, max_length=256)
    active: bool = True


class WebhookUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, min_length=1, max_length=2048)
    events: list[Event] | None = Field(default=None, min_length=1)
    secret: str | None = Field(default=None, min_length=16, max_length=256)
    active: bool | None = None

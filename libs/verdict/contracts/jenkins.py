"""Jenkins-backed analysis, as seed 003 writes it: AnalyzeRequest, AnalysisResult,
ChildJobAnalysis; plus the inbound Jenkins webhook bodies Verdict accepts."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from verdict.contracts.requests import BaseAnalysisRequest
from verdict.contracts.results import FailureAnalysis

# Request fields that carry credentials: used for the job, never stored in request_params
# (the contract's stripped keys), kept only in the job's compressed input.
SECRET_OVERRIDES = (
    "jenkins_user",
    "jenkins_password",
    "jira_email",
    "jira_api_token",
    "jira_pat",
    "github_token",
)


class AnalyzeRequest(BaseAnalysisRequest):
    """Body of `POST /analyze`. `None` means "the server's setting"."""

    job_name: str = Field(min_length=1)
    build_number: int = Field(ge=0)
    wait_for_completion: bool | None = None
    poll_interval_minutes: int | None = Field(default=None, gt=0)
    max_wait_minutes: int | None = Field(default=None, ge=0)
    jenkins_url: str | None = None
    jenkins_user: str | None = None
    jenkins_password: str | None = None
    jenkins_ssl_verify: bool | None = None
    jenkins_artifacts_max_size_mb: int | None = Field(default=None, gt=0)
    get_job_artifacts: bool | None = None
    # Verdict's own: analyse a build that passed (by default a passing build is
    # answered at once with "nothing to analyze").
    force: bool = False


class ChildJobAnalysis(BaseModel):
    job_name: str
    build_number: int
    jenkins_url: str | None = None
    summary: str | None = None
    failures: list[FailureAnalysis] = Field(default_factory=list)
    failed_children: list[ChildJobAnalysis] = Field(default_factory=list)
    note: str | None = None


class AnalysisResult(BaseModel):
    job_id: str
    job_name: str = ""
    build_number: int = 0
    jenkins_url: str | None = None
    status: Literal["pending", "waiting", "running", "completed", "failed"]
    summary: str
    ai_provider: str = ""
    ai_model: str = ""
    failures: list[FailureAnalysis] = Field(default_factory=list)
    child_job_analyses: list[ChildJobAnalysis] = Field(default_factory=list)
    # Verdict's addition: the build's own result ("FAILURE", "SUCCESS", ...).
    build_result: str | None = None


class NotificationBuild(BaseModel):
    model_config = ConfigDict(extra="ignore")

    full_url: str = ""
    url: str = ""
    number: int = Field(ge=0)
    phase: str = ""
    status: str | None = None


class JenkinsNotification(BaseModel):
    """The Jenkins Notification plugin's JSON (`name`, `url`, `build{...}`)."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1)
    url: str = ""
    build: NotificationBuild


class GenericBuildHook(BaseModel):
    """A plain `{"job_name", "build_number"}` body (Generic Webhook Trigger style)."""

    model_config = ConfigDict(extra="ignore")

    job_name: str = Field(min_length=1)
    build_number: int = Field(ge=0)


class WebhookAnswer(BaseModel):
    status: Literal["queued", "ignored"]
    reason: str = ""
    job_id: str | None = None
    duplicate: bool = False
    result_url: str | None = None

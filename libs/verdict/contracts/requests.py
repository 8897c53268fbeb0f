"""Request bodies of the analysis endpoints, as seed 003 writes them."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from verdict.contracts.identity import RunIdentity

RAW_XML_MAX_CHARS = 50_000_000
# An AI CLI call may run at most this long (minutes): a request cannot hold a worker
# slot for days. A job's own timeout (VERDICT_JOB_TIMEOUT_S) still applies.
AI_CLI_TIMEOUT_MAX_MINUTES = 60

# A model name goes onto a CLI's command line after --model: it must not look like an
# option (--dangerously-skip-permissions) nor carry spaces, quotes or shell characters.
# Letters, digits and . _ : / @ + - [ ] cover every real name (gpt-4o-mini,
# claude-sonnet-4-5@20250929, models/gemini-2.5-pro, llama3.1:8b, sonnet[1m]).
MODEL_NAME_MAX_CHARS = 128
_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+\[\]-]*")


def check_model_name(value: str) -> str:
    """The model name, stripped, or ValueError saying what is wrong with it."""
    name = value.strip()
    if len(name) > MODEL_NAME_MAX_CHARS:
        raise ValueError(f"ai_model must be at most {MODEL_NAME_MAX_CHARS} characters")
    if name and not _MODEL_NAME.fullmatch(name):
        raise ValueError(
            "ai_model must start with a letter or digit and hold only letters, digits "
            "and . _ : / @ + - [ ]"
        )
    return name


ModelName = Annotated[str, AfterValidator(check_model_name)]


class AiConfigEntry(BaseModel):
    ai_provider: str
    ai_model: ModelName

    @field_validator("ai_model")
    @classmethod
    def _model_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("ai_model must not be blank")
        return value


class AdditionalRepo(BaseModel):
    name: str
    url: str
    ref: str = ""


class TestFailure(BaseModel):
    __test__ = False  # not a pytest test class, whatever its name says

    test_name: str
    error_message: str = ""
    stack_trace: str = ""
    duration: float = 0.0
    status: str = "FAILED"


class BaseAnalysisRequest(BaseModel):
    # Unknown fields are ignored, as FastAPI does, so newer clients keep working.
    model_config = ConfigDict(extra="ignore")

    tests_repo_url: str | None = None
    ai_provider: str | None = None
    ai_model: ModelName | None = None
    enable_jira: bool | None = None
    ai_cli_timeout: int | None = Field(default=None, gt=0, le=AI_CLI_TIMEOUT_MAX_MINUTES)
    jira_url: str | None = None
    jira_email: str | None = None
    jira_api_token: str | None = None
    jira_pat: str | None = None
    jira_project_key: str | None = None
    jira_ssl_verify: bool | None = None
    jira_max_results: int | None = Field(default=None, gt=0)
    raw_prompt: str | None = None
    github_token: str | None = None
    peer_ai_configs: list[AiConfigEntry] | None = None
    peer_analysis_max_rounds: int = Field(default=3, ge=1, le=10)
    additional_repos: list[AdditionalRepo] | None = None
    # Verdict's own: skip reuse of earlier analyses and classify every group afresh.
    force_fresh_analysis: bool = False


class AnalyzeFailuresRequest(BaseAnalysisRequest, RunIdentity):
    """The contract's request plus the run identity fields (contracts/identity.py)."""

    failures: list[TestFailure] | None = None
    raw_xml: str | None = Field(default=None, max_length=RAW_XML_MAX_CHARS)

    @field_validator("failures")
    @classmethod
    def _not_too_many(
        cls, value: list[TestFailure] | None, info: ValidationInfo
    ) -> list[TestFailure] | None:
        # The gateway passes VERDICT_MAX_FAILURES_PER_REQUEST as validation context.
        limit = (info.context or {}).get("max_failures")
        if value is not None and limit is not None and len(value) > limit:
            raise ValueError(
                f"at most {limit} failures per request (VERDICT_MAX_FAILURES_PER_REQUEST); "
                f"this one has {len(value)}"
            )
        return value

    @model_validator(mode="after")
    def _exactly_one_input(self) -> AnalyzeFailuresRequest:
        if (self.failures is None) == (self.raw_xml is None):
            raise ValueError("exactly one of 'failures' or 'raw_xml' must be provided")
        return self


def split_repo_ref(url: str) -> tuple[str, str]:
    """`https://host/org/repo.git:main` -> (`https://host/org/repo.git`, `main`).

    A colon counts as a ref separator only after the path's last slash, so ports
    (`host:8443/`) and scp-style remotes (`git@host:org/repo`) are left alone.
    """
    head, sep, tail = url.rpartition(":")
    # No slash before the colon: it is the scheme's (`https:`) or scp's host colon.
    if not sep or not tail or "/" in tail or "/" not in head:
        return url, ""
    return head, tail


SECRET_KEYS = frozenset(
    {
        "jenkins_password",
        "jenkins_user",
        "jira_api_token",
        "jira_pat",
        "jira_email",
        "jira_token",
        "github_token",
        "reportportal_api_token",
    }
)
SECRET_SUFFIXES = ("_token", "_password", "_pat", "_secret")


def is_secret_key(key: str) -> bool:
    return key in SECRET_KEYS or key.endswith(SECRET_SUFFIXES)


def redact(params: dict[str, Any]) -> dict[str, Any]:
    """Drop every secret field, at any depth, before anything is stored or logged."""
    clean: dict[str, Any] = {}
    for key, value in params.items():
        if is_secret_key(key):
            continue
        if isinstance(value, dict):
            value = redact(value)
        elif isinstance(value, list):
            value = [redact(v) if isinstance(v, dict) else v for v in value]
        clean[key] = value
    return clean


def stored_request_params(request: BaseAnalysisRequest, *, exclude: set[str]) -> dict[str, Any]:
    """The request as it goes into result.request_params: no inputs, no secrets."""
    params = request.model_dump(mode="json", exclude=exclude)
    if request.tests_repo_url:
        url, ref = split_repo_ref(request.tests_repo_url)
        params["tests_repo_url"] = url
        params["tests_repo_ref"] = ref
    return redact(params)

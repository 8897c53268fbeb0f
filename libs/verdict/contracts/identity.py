"""The run identity of an upload: which job, build, branch and commit a report belongs to.

Verdict's additions to `POST /analyze-failures` (the contract has none of them): the
`verdict analyze` client sends them from the CI's own variables, a pipeline may send
them by hand. Every field is optional; a bad value is a 422 that names the field, and
fields the contract does not know stay ignored (as jenkins-job-insight ignores them).

A run is keyed by (job_name, build_number) when a build number is given, else by
(job_name, run_id): uploading the same run again replaces its per-test outcomes
instead of counting them twice. Without either, every upload is a run of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, field_validator

CiSystem = Literal["github-actions", "gitlab", "jenkins", "buildkite", "circleci", "azure", "other"]
CI_SYSTEMS: tuple[str, ...] = get_args(CiSystem)

MAX_INT4 = 2**31 - 1
MAX_LABELS = 32
_LABEL_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_COMMIT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+-]{0,127}")


def _text(limit: int, name: str) -> AfterValidator:
    def check(value: str) -> str:
        value = value.strip()
        if len(value) > limit:
            raise ValueError(f"{name} must be at most {limit} characters")
        if _CONTROL.search(value):
            raise ValueError(f"{name} must not contain control characters (tabs, newlines)")
        return value

    return AfterValidator(check)


def _whole_number(value: Any) -> Any:
    """`42` or `"42"`; never `true` (pydantic would read it as 1) nor `4.5`."""
    if isinstance(value, bool):
        raise ValueError("must be an integer, not a boolean")
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("must be a whole number")
    return value


def _url(value: str) -> str:
    value = value.strip()
    if not value:
        return value
    if not re.match(r"https?://[^\s/]+", value, re.IGNORECASE):
        raise ValueError("run_url must be an http:// or https:// URL")
    if len(value) > 2048 or _CONTROL.search(value) or " " in value:
        raise ValueError("run_url must be at most 2048 characters, without spaces")
    return value


def _commit(value: str) -> str:
    value = value.strip()
    if value and not _COMMIT.fullmatch(value):
        raise ValueError(
            "commit must be 1-128 characters: letters, digits and . _ : / + - "
            "(a git sha, an svn revision...)"
        )
    return value


def _labels(value: Any) -> Any:
    """An object of string values, or a list of "key=value" / "key" strings."""
    if value is None:
        return {}
    if isinstance(value, list):
        out: dict[str, str] = {}
        for item in value:
            if not isinstance(item, str):
                raise ValueError('labels as a list must hold strings ("key=value" or "key")')
            key, _, label = item.partition("=")
            out[key.strip()] = label.strip()
        return out
    return value


def _check_labels(value: dict[str, str]) -> dict[str, str]:
    if len(value) > MAX_LABELS:
        raise ValueError(f"at most {MAX_LABELS} labels")
    for key, label in value.items():
        if not _LABEL_KEY.fullmatch(key):
            raise ValueError(
                f"label key {key[:80]!r} must be 1-64 characters: letters, digits and "
                ". _ : / - (starting with a letter or digit)"
            )
        if len(label) > 256 or _CONTROL.search(label):
            raise ValueError(f"label {key!r}: at most 256 characters, no control characters")
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole_number)]


class RunIdentity(BaseModel):
    """The run fields of an upload (all optional); mixed into AnalyzeFailuresRequest."""

    job_name: Annotated[str, _text(512, "job_name")] | None = Field(
        default=None, description="The job (pipeline) history groups runs by."
    )
    build_number: WholeNumber | None = Field(
        default=None, ge=0, le=MAX_INT4, description="The CI's build (run) number."
    )
    run_id: Annotated[str, _text(256, "run_id")] | None = Field(
        default=None, description="A free-form run id, for CI systems with string ids."
    )
    branch: Annotated[str, _text(256, "branch")] | None = None
    commit: Annotated[str, AfterValidator(_commit)] | None = Field(
        default=None, description="The commit tested (a sha)."
    )
    pull_request: WholeNumber | None = Field(
        default=None, ge=1, le=MAX_INT4, description="Pull request (GitLab: merge request iid)."
    )
    run_url: Annotated[str, AfterValidator(_url)] | None = Field(
        default=None, description="Where the run is, in the CI's UI."
    )
    ci: CiSystem | None = None
    labels: Annotated[dict[str, str], BeforeValidator(_labels), AfterValidator(_check_labels)] = (
        Field(default_factory=dict, description='Free labels: {"team": "shop"}.')
    )

    @field_validator("ci", mode="before")
    @classmethod
    def _ci_lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    def identity(self) -> RunFields:
        """The fields as stored on the job (empty strings and None for what is unset)."""
        return RunFields(
            job_name=self.job_name or "",
            build_number=self.build_number or 0,
            run_id=self.run_id or "",
            branch=self.branch or "",
            commit=self.commit or "",
            pull_request=self.pull_request,
            run_url=self.run_url or "",
            ci=self.ci or "",
            labels=dict(self.labels),
        )


IDENTITY_FIELDS = frozenset(RunIdentity.model_fields)


class RunFields(BaseModel):
    """A job's run identity as its columns hold it."""

    job_name: str = ""
    build_number: int = 0
    run_id: str = ""
    branch: str = ""
    commit: str = ""
    pull_request: int | None = None
    run_url: str = ""
    ci: str = ""
    labels: dict[str, str] = Field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The `run` object of results and dashboard rows: only what is set."""
        return {k: v for k, v in self.model_dump().items() if v not in ("", None, {}, 0)}


@dataclass(frozen=True)
class RunFilter:
    """Filters on a job's run identity (storage/run_identity.py turns them into SQL)."""

    job_name: str = ""
    build_number: int | None = None
    run_id: str = ""
    branch: str = ""
    commit: str = ""
    pull_request: int | None = None
    ci: str = ""
    # label=key means "has the label"; label=key:value means "has it with that value".
    labels: dict[str, str | None] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return any(
            (
                self.job_name,
                self.build_number is not None,
                self.run_id,
                self.branch,
                self.commit,
                self.pull_request is not None,
                self.ci,
                self.labels,
            )
        )

"""Request bodies of the history endpoints (seed 003)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from verdict.errors import BadRequest

HistoryLabel = Literal["FLAKY", "REGRESSION", "INFRASTRUCTURE", "KNOWN_BUG", "INTERMITTENT"]
PRIMARY = ("CODE ISSUE", "PRODUCT BUG", "INFRASTRUCTURE")


class ClassifyTestRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    test_name: str
    classification: HistoryLabel
    reason: str = ""
    job_name: str = ""  # the child job name context; "" is top-level
    references: str = ""
    job_id: uuid.UUID
    child_build_number: int = Field(default=0, ge=0)

    @field_validator("classification", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    def check_rules(self) -> None:
        """The seed's business rules: each is a 400, not a 422."""
        if not self.test_name.strip():
            raise BadRequest("test_name is required")
        if self.classification == "KNOWN_BUG" and not self.references.strip():
            raise BadRequest(
                "KNOWN_BUG requires non-empty references (e.g. Jira tickets or bug URLs)"
            )
        if not self.job_name and self.child_build_number > 0:
            raise BadRequest("job_name is required when child_build_number is set")


# Answers (documented in /openapi.json; the JSON is written by Postgres and the services).


class Pagination(BaseModel):
    has_more: bool
    next_cursor: str | None
    prev_cursor: str | None


class FailurePage(BaseModel):
    failures: list[dict[str, Any]]
    total: int
    offset: int
    limit: int
    pagination: Pagination


class TestHistory(BaseModel):
    test_name: str
    total_runs: int
    failures: int
    passes: int | None
    failure_rate: float | None
    first_seen: str | None
    last_seen: str | None
    last_classification: str
    classifications: dict[str, Any]
    recent_runs: list[dict[str, Any]]
    comments: list[dict[str, Any]]
    consecutive_failures: int
    note: str
    flakiness: dict[str, Any] | None


class SignatureSearch(BaseModel):
    signature: str
    total_occurrences: int
    unique_tests: int
    tests: list[dict[str, Any]]
    last_classification: str | None
    comments: list[dict[str, Any]]


class TestTotals(BaseModel):
    builds: int
    run: int
    passed: int
    failed: int
    skipped: int
    failure_rate: float


class JobStats(BaseModel):
    job_name: str
    total_builds_analyzed: int
    builds_with_failures: int
    overall_failure_rate: float
    most_common_failures: list[dict[str, Any]]
    recent_trend: str
    test_totals: TestTotals
    flaky_tests: list[dict[str, Any]]


class ClassificationList(BaseModel):
    classifications: list[dict[str, Any]]
    pagination: Pagination

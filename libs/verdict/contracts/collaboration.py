"""Request bodies of the comment, review and override endpoints (seed 003)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from verdict.errors import BadRequest

PrimaryClassification = Literal["CODE ISSUE", "PRODUCT BUG", "INFRASTRUCTURE"]


class ChildScoped(BaseModel):
    """Child Failure Targeting: an empty `child_job_name` targets top-level failures."""

    model_config = ConfigDict(extra="ignore")

    test_name: str
    child_job_name: str = ""
    child_build_number: int = Field(default=0, ge=0)

    def check_scope(self) -> None:
        """A build number without a child job name means nothing: 400, as the seed says."""
        if not self.child_job_name and self.child_build_number > 0:
            raise BadRequest("child_job_name is required when child_build_number is set")


class AddCommentRequest(ChildScoped):
    comment: str = Field(min_length=1)


class SetReviewedRequest(ChildScoped):
    reviewed: bool


class OverrideClassificationRequest(ChildScoped):
    classification: PrimaryClassification

    def check_scope(self) -> None:
        super().check_scope()
        # Stricter than the shared rule: an override names one child build.
        if self.child_job_name and self.child_build_number == 0:
            raise BadRequest("child_build_number must be non-zero when child_job_name is set")


# Answers.


class Created(BaseModel):
    id: int


class StatusDeleted(BaseModel):
    status: Literal["deleted"]


class ReviewAnswer(BaseModel):
    status: Literal["ok"]
    reviewed_by: str


class OverrideAnswer(BaseModel):
    status: Literal["ok"]
    classification: PrimaryClassification


class ReviewStatus(BaseModel):
    total_failures: int
    reviewed_count: int
    comment_count: int


class Comment(BaseModel):
    id: int
    job_id: str
    test_name: str
    child_job_name: str
    child_build_number: int
    comment: str
    error_signature: str
    username: str
    created_at: str | None


class Review(BaseModel):
    reviewed: bool
    username: str
    updated_at: str | None


class Comments(BaseModel):
    comments: list[Comment]
    reviews: dict[str, Review]
    pagination: dict[str, object] | None = None

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

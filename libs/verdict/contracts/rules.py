"""Bodies and answers of the team-rule endpoints (`/api/rules`) and of `/api/usage`."""

from __future__ import annotations

from pydantic import BaseModel, Field

from verdict.triage.rules import Rule


class RuleList(BaseModel):
    rules: list[Rule]
    total: int


class RuleDeleted(BaseModel):
    deleted: str


class RuleMatchOut(BaseModel):
    rule_id: str
    category: str
    source: str
    confidence: float
    target: str
    start: int
    end: int
    line: str
    groups: dict[str, str]
    explanation: str


class RuleVerdict(BaseModel):
    classification: str
    details: str
    evidence: str
    confidence: float
    rule_id: str


class RuleTestResponse(BaseModel):
    matches: list[RuleMatchOut]
    verdict: RuleVerdict


class RuleQuery(BaseModel):
    source: str = ""


class RuleTestRequest(BaseModel):
    message: str = Field(default="", max_length=1_000_000)
    stack: str = Field(default="", max_length=1_000_000)
    console: str = Field(default="", max_length=1_000_000)
    test_name: str = ""


class UsageRow(BaseModel):
    day: str
    provider: str
    model: str
    calls: int
    reuse_hits: int
    input_tokens: int
    output_tokens: int
    cost_usd: float


class UsageResponse(BaseModel):
    days: int
    usage: list[UsageRow]
    totals: dict[str, float]


class UsageQuery(BaseModel):
    days: int = Field(default=30, ge=1, le=366)

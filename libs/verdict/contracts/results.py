"""Result shapes of seed 003: AnalysisDetail, FailureAnalysis, FailureAnalysisResult."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Classification = Literal["CODE ISSUE", "PRODUCT BUG", "INFRASTRUCTURE"]


class CodeFix(BaseModel):
    file: str = ""
    line: str = ""
    change: str = ""


class JiraMatch(BaseModel):
    key: str
    summary: str = ""
    status: str = ""
    priority: str = ""
    url: str = ""
    score: float = 0.0


class ProductBugReport(BaseModel):
    title: str = ""
    severity: str = ""
    component: str = ""
    description: str = ""
    evidence: str = ""
    jira_search_keywords: list[str] = Field(default_factory=list)
    jira_matches: list[JiraMatch] = Field(default_factory=list)


class AnalysisDetail(BaseModel):
    classification: str = ""
    affected_tests: list[str] = Field(default_factory=list)
    affected_tests_total: int = 0  # Verdict: the group's size; affected_tests lists 50 at most
    details: str = ""
    artifacts_evidence: str = ""
    code_fix: CodeFix | Literal[False] | None = False
    product_bug_report: ProductBugReport | Literal[False] | None = False
    # Verdict's additions: why this answer can be trusted, and where it came from.
    evidence: str = ""
    confidence: float = 0.0
    source: str = "builtin"
    provenance: dict[str, Any] = Field(default_factory=dict)
    # Confidence below VERDICT_REVIEW_BELOW and no person answered: look at it.
    needs_review: bool = False


class FailureAnalysis(BaseModel):
    test_name: str
    error: str
    analysis: AnalysisDetail
    error_signature: str = ""
    peer_debate: dict[str, Any] | None = None


class FailureAnalysisResult(BaseModel):
    job_id: str
    status: Literal["completed", "failed"]
    summary: str
    ai_provider: str = ""
    ai_model: str = ""
    failures: list[FailureAnalysis] = Field(default_factory=list)
    enriched_xml: str | None = None


class Capabilities(BaseModel):
    github_issues_enabled: bool
    jira_issues_enabled: bool
    server_github_token: bool
    server_jira_token: bool
    server_jira_email: bool
    server_jira_project_key: str
    reportportal: bool
    reportportal_project: str


class ResultDeleted(BaseModel):
    status: Literal["deleted"]
    job_id: str


class BulkDeleteRequest(BaseModel):
    job_ids: list[str] = Field(min_length=1, max_length=500)


class BulkDeleteFailure(BaseModel):
    job_id: str
    reason: str


class BulkDeleteResult(BaseModel):
    deleted: list[str]
    failed: list[BulkDeleteFailure]
    total: int

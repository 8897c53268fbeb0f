"""Pieces of the ResultEnvelope that are not stored: capabilities, timestamps, URLs."""

from __future__ import annotations

from datetime import datetime

from verdict.contracts.results import Capabilities
from verdict.settings import Settings


def capabilities(settings: Settings) -> Capabilities:
    jira_token = bool(
        settings.jira_api_token.get_secret_value() or settings.jira_pat.get_secret_value()
    )
    return Capabilities(
        github_issues_enabled=settings.github_issues_enabled,
        jira_issues_enabled=settings.jira_issues_enabled and bool(settings.jira_url),
        server_github_token=bool(settings.github_token.get_secret_value()),
        server_jira_token=jira_token,
        server_jira_email=bool(settings.jira_email),
        server_jira_project_key=settings.jira_project_key,
        reportportal=bool(
            settings.reportportal_url
            and settings.reportportal_project
            and settings.reportportal_api_token.get_secret_value()
        ),
        reportportal_project=settings.reportportal_project,
    )


def timestamp(value: datetime | None) -> str | None:
    """The contract's timestamps: "2026-04-18 10:20:30" (UTC)."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else None


def result_url(settings: Settings, job_id: str) -> str:
    base = settings.public_base_url.rstrip("/")
    return f"{base}/results/{job_id}" if base else f"/results/{job_id}"

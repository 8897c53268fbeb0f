"""The ResultEnvelope of `GET /results/{job_id}`, built from a stored job row."""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

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


def build_result(row: Any) -> dict[str, Any]:
    """The `result` object: the stored payload, or a partial one while in flight."""
    job_id = str(row["id"])
    result: dict[str, Any] = dict(row["result"] or {"job_id": job_id, "status": row["status"]})
    result["status"] = row["status"]
    result["request_params"] = row["request_params"]
    if row["phase"]:
        result["progress_phase"] = row["phase"]
    result["progress_log"] = row["progress_log"]
    if row["kind"] == "jenkins":
        result.setdefault("job_name", row["job_name"])
        result.setdefault("build_number", row["build_number"])
    if row["status"] == "failed":
        result["error"] = row["error"]
    if row["enriched_xml_z"] is not None:
        result["enriched_xml"] = zlib.decompress(row["enriched_xml_z"]).decode("utf-8")
    return result


def build_envelope(row: Any, settings: Settings) -> dict[str, Any]:
    job_id = str(row["id"])
    return {
        "job_id": job_id,
        "jenkins_url": row["jenkins_url"] or "",
        "status": row["status"],
        "result": build_result(row),
        "created_at": timestamp(row["created_at"]),
        "completed_at": timestamp(row["completed_at"]),
        "analysis_started_at": timestamp(row["analysis_started_at"]),
        "capabilities": capabilities(settings).model_dump(),
        "base_url": settings.public_base_url.rstrip("/"),
        "result_url": result_url(settings, job_id),
    }

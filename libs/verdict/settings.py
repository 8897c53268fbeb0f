"""All configuration, read from the environment with the prefix VERDICT_.

Built once per process (`Settings()`), passed explicitly; tests build their own
`Settings(...)`. Nothing reads settings from a global at import time.
Every field here is documented in README.md's settings table.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VERDICT_", extra="ignore")

    # Where state and work live.
    database_url: str = "postgresql://postgres@127.0.0.1:5432/verdict"
    redis_url: str = "redis://127.0.0.1:6379/0"
    queue_prefix: str = "verdict"

    # The gateway.
    host: str = "0.0.0.0"
    port: int = 8000
    public_base_url: str = ""
    max_body_mb: int = Field(default=120, gt=0)
    sync_timeout_s: float = Field(default=600.0, gt=0)

    # Logging: JSON lines in production, readable console lines in development.
    env: Literal["development", "production"] = "development"
    log_level: str = "INFO"

    # Security.
    admin_key: SecretStr = SecretStr("")

    # Jobs and workers.
    job_lease_s: int = Field(default=300, gt=0)
    reconcile_interval_s: int = Field(default=30, gt=0)
    reconcile_grace_s: float = Field(default=30.0, ge=0)
    analyzer_max_jobs: int = Field(default=4, gt=0)
    job_timeout_s: int = Field(default=3600, gt=0)

    # Analysis defaults.
    ai_provider: str = "builtin"
    ai_model: str = ""
    junit_max_output_bytes: int = Field(default=65536, ge=0)

    # Trackers and integrations, reported by /api/capabilities.
    github_token: SecretStr = SecretStr("")
    github_issues_enabled: bool = True
    jira_url: str = ""
    jira_email: str = ""
    jira_api_token: SecretStr = SecretStr("")
    jira_pat: SecretStr = SecretStr("")
    jira_project_key: str = ""
    jira_issues_enabled: bool = True
    reportportal_url: str = ""
    reportportal_project: str = ""
    reportportal_api_token: SecretStr = SecretStr("")

    def queue_name(self, worker: Literal["analyze", "jira", "tracker"]) -> str:
        return f"{self.queue_prefix}:{worker}"

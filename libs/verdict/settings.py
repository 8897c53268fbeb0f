"""All configuration, read from the environment with the prefix VERDICT_.

Built once per process (`Settings()`), passed explicitly; tests build their own
`Settings(...)`. Nothing reads settings from a global at import time.
Every field here is documented in README.md's settings table.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_ADMIN_KEY_LENGTH = 32


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
    # A compressed request body is inflated up to this size (0: compressed bodies refused).
    max_decompressed_mb: int = Field(default=10, ge=0)
    max_failures_per_request: int = Field(default=10_000, gt=0)
    sync_timeout_s: float = Field(default=600.0, gt=0)

    # Logging: JSON lines in production, readable console lines in development.
    env: Literal["development", "production"] = "development"
    log_level: str = "INFO"
    # One line per request (method, route template, status, duration, request id).
    access_log: bool = True
    # Each worker serves its own Prometheus metrics: the analyzer on this port, the
    # jira_enricher on port + 1, the tracker on port + 2 (so `verdict dev` fits); 0: off.
    worker_metrics_port: int = Field(default=0, ge=0, le=65533)

    # Security.
    admin_key: SecretStr = SecretStr("")

    # Jobs and workers.
    job_lease_s: int = Field(default=300, gt=0)
    reconcile_interval_s: int = Field(default=30, gt=0)
    reconcile_grace_s: float = Field(default=30.0, ge=0)
    analyzer_max_jobs: int = Field(default=4, gt=0)
    job_timeout_s: int = Field(default=3600, gt=0)
    # Worker heartbeats (see verdict.heartbeat): how often, when one counts as stale, and
    # where the local file `verdict health <worker>` checks lives (empty: the temp dir).
    heartbeat_interval_s: float = Field(default=10.0, gt=0)
    heartbeat_stale_s: float = Field(default=60.0, gt=0)
    heartbeat_dir: str = ""

    # Analysis defaults.
    ai_provider: str = "builtin"
    ai_model: str = ""
    junit_max_output_bytes: int = Field(default=65536, ge=0)
    # Below this calibrated confidence an analysis carries needs_review: true.
    review_below: float = Field(default=0.6, ge=0, le=1)
    # "all": every unanswered group goes to the configured AI; "low-confidence": only
    # groups whose builtin answer is below review_below do.
    ai_mode: Literal["all", "low-confidence"] = "all"
    # Hour (UTC) of the analyzer's nightly retrain on human overrides; -1 turns it off.
    retrain_hour: int = Field(default=3, ge=-1, le=23)

    # AI providers (used when a request or VERDICT_AI_PROVIDER names one).
    openai_base_url: str = "https://api.openai.com/v1"
    openai_api_key: SecretStr = SecretStr("")
    anthropic_base_url: str = "https://api.anthropic.com"
    anthropic_api_key: SecretStr = SecretStr("")
    gemini_base_url: str = "https://generativelanguage.googleapis.com"
    gemini_api_key: SecretStr = SecretStr("")
    ai_timeout_s: float = Field(default=120.0, gt=0)
    ai_cli_timeout_minutes: float = Field(default=10.0, gt=0)
    # AI CLIs never run as root: as root, they run as this unprivileged user (logged in
    # to the CLI), with this HOME (default: the user's home directory).
    ai_cli_user: str = ""
    ai_cli_home: str = ""
    ai_max_retries: int = Field(default=3, ge=0, le=10)
    # model -> [price per 1k input tokens, price per 1k output tokens] (USD), for /api/usage.
    ai_prices: dict[str, tuple[float, float]] = Field(default_factory=dict)
    max_concurrent_ai_calls: int = Field(default=4, gt=0)
    peer_ai_configs: list[dict[str, str]] = Field(default_factory=list)
    peer_analysis_max_rounds: int = Field(default=3, ge=1, le=10)

    # Reuse: a signature an AI classified recently with enough confidence is not paid again.
    reuse_window_days: float = Field(default=14.0, ge=0)
    reuse_min_confidence: float = Field(default=0.7, ge=0, le=1)

    # URLs a request may point the server at must have one of these hosts (plus the
    # hosts of the configured Jenkins, Jira and GitHub): no SSRF into our network.
    allowed_hosts: list[str] = Field(default_factory=list)

    # Jenkins.
    jenkins_url: str = ""
    jenkins_user: str = ""
    jenkins_password: SecretStr = SecretStr("")
    jenkins_ssl_verify: bool = True
    jenkins_timeout_s: float = Field(default=30.0, gt=0)
    jenkins_artifacts_max_size_mb: int = Field(default=50, gt=0)
    get_job_artifacts: bool = False
    jenkins_max_depth: int = Field(default=5, ge=0)
    jenkins_child_concurrency: int = Field(default=4, gt=0)
    wait_for_completion: bool = True
    poll_interval_minutes: float = Field(default=2.0, gt=0)
    max_wait_minutes: float = Field(default=0.0, ge=0)
    jenkins_webhook_secret: SecretStr = SecretStr("")
    tests_repo_url: str = ""
    # Repositories are cloned over https only, unless this allows plain http too.
    git_allow_http: bool = False

    # Trackers and integrations, reported by /api/capabilities.
    github_api_url: str = "https://api.github.com"
    github_token: SecretStr = SecretStr("")
    github_issues_enabled: bool = True
    jira_url: str = ""
    jira_email: str = ""
    jira_api_token: SecretStr = SecretStr("")
    jira_pat: SecretStr = SecretStr("")
    jira_project_key: str = ""
    jira_issues_enabled: bool = True
    enable_jira: bool = False
    jira_ssl_verify: bool = True
    jira_max_results: int = Field(default=5, gt=0)
    jira_issue_types: list[str] = Field(default_factory=lambda: ["Bug"])
    jira_match_threshold: float = Field(default=0.25, ge=0, le=1)
    jira_cache_ttl_s: float = Field(default=300.0, ge=0)
    jira_concurrency: int = Field(default=4, gt=0)
    jira_timeout_s: float = Field(default=30.0, gt=0)
    reportportal_url: str = ""
    reportportal_project: str = ""
    reportportal_api_token: SecretStr = SecretStr("")

    # Identity and API hygiene.
    require_auth: bool = False
    secure_cookies: bool = False
    session_ttl_s: int = Field(default=8 * 3600, gt=0)
    # Required (32+ characters, or a file holding it): see verdict.security.crypto.
    encryption_key: SecretStr = SecretStr("")
    encryption_key_file: str = ""
    # Keys being retired: they still decrypt until `verdict rotate-key` re-encrypts.
    encryption_old_keys: list[SecretStr] = Field(default_factory=list)
    rate_limit_enabled: bool = True
    rate_limit_window_s: float = Field(default=60.0, gt=0)
    rate_limit_default: int = Field(default=600, gt=0)
    rate_limits: dict[str, int] = Field(
        default_factory=lambda: {
            "analysis:read": 1200,
            "analysis:write": 120,
            "history:write": 300,
            "admin": 300,
        }
    )
    auth_fail_limit: int = Field(default=10, gt=0)
    auth_fail_window_s: float = Field(default=300.0, gt=0)
    idempotency_ttl_s: int = Field(default=24 * 3600, gt=0)

    # Tracker and outbound webhooks.
    tracker_call_timeout_s: float = Field(default=60.0, gt=0)
    github_issue_labels: list[str] = Field(default_factory=lambda: ["verdict"])
    github_timeout_s: float = Field(default=30.0, gt=0)
    github_max_rate_wait_s: float = Field(default=30.0, ge=0)
    jira_issue_type: str = "Bug"
    jira_issue_priority: str = ""
    reportportal_ssl_verify: bool = True
    reportportal_timeout_s: float = Field(default=30.0, gt=0)
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    # Seconds before each retry of a failed delivery; the default spans 24 hours.
    webhook_retry_schedule_s: list[float] = Field(
        default_factory=lambda: [
            30.0,
            60.0,
            120.0,
            300.0,
            600.0,
            1200.0,
            2400.0,
            3600.0,
            7200.0,
            14400.0,
            21600.0,
            34560.0,
        ]
    )

    @field_validator("admin_key")
    @classmethod
    def _admin_key_long_enough(cls, value: SecretStr) -> SecretStr:
        key = value.get_secret_value()
        if key and len(key) < MIN_ADMIN_KEY_LENGTH:
            raise ValueError(
                f"VERDICT_ADMIN_KEY must be at least {MIN_ADMIN_KEY_LENGTH} characters "
                "(it opens every admin endpoint); generate one with "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return value

    def effective_allowed_hosts(self) -> set[str]:
        """VERDICT_ALLOWED_HOSTS plus the hosts of every configured integration."""
        from verdict.urlguard import default_allowed_hosts

        configured = [self.jenkins_url, self.jira_url, self.github_api_url, self.reportportal_url]
        if "api.github.com" in self.github_api_url:
            configured.append("https://github.com")  # where github.com repos are cloned from
        return {h.lower() for h in self.allowed_hosts} | default_allowed_hosts(
            *[u for u in configured if u]
        )

    def queue_name(self, worker: Literal["analyze", "jira", "tracker"]) -> str:
        return f"{self.queue_prefix}:{worker}"

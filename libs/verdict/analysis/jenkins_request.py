"""From an AnalyzeRequest to a job row: checks, stored params, and the secret input.

Shared by `POST /analyze`, `POST /re-analyze/{id}` and the Jenkins webhook, so
all three refuse the same URLs and store the same shape.

Credentials in a request (`jenkins_user`, `jenkins_password`, Jira and GitHub
tokens) are used for that job only: `request_params` never holds them (they are
redacted), and the only place they live is the job's input (`job_inputs.payload`,
compressed), which no endpoint ever returns. The worker reads them back from there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import ValidationError

from verdict.analysis.providers import check_ai_config
from verdict.analysis.secrets import seal
from verdict.contracts.jenkins import SECRET_OVERRIDES, AnalyzeRequest
from verdict.contracts.requests import split_repo_ref, stored_request_params
from verdict.errors import BadRequest
from verdict.integrations.jenkins.sansio import build_url
from verdict.settings import Settings
from verdict.storage.jobs import NewJob
from verdict.urlguard import check_url_allowed

# Content type of a Jenkins job's input: the secret-bearing overrides as JSON.
JENKINS_REQUEST = "application/vnd.verdict.jenkins-request+json"


@dataclass(frozen=True)
class JenkinsTarget:
    """Where and how the worker talks to Jenkins for one job."""

    base_url: str
    user: str | None
    password: str | None
    ssl_verify: bool


def request_urls(body: AnalyzeRequest) -> list[str]:
    """Every URL in the request the server would connect to."""
    urls = [body.jenkins_url or "", body.jira_url or ""]
    if body.tests_repo_url:
        urls.append(split_repo_ref(body.tests_repo_url)[0])
    urls.extend(repo.url for repo in body.additional_repos or [])
    return [u for u in urls if u and u.strip()]


def check_request_urls(body: AnalyzeRequest, settings: Settings) -> None:
    allowed = settings.effective_allowed_hosts()
    for url in request_urls(body):
        check_url_allowed(url, allowed)


def jenkins_base(body_url: str | None, settings: Settings) -> str:
    base = (body_url or settings.jenkins_url or "").strip()
    if not base:
        raise BadRequest(
            "no Jenkins URL: send 'jenkins_url' or configure VERDICT_JENKINS_URL on the server"
        )
    return base.rstrip("/") + "/"


def prepare_job(body: AnalyzeRequest, settings: Settings) -> NewJob:
    """Validate everything a client can get wrong now, then build the job row."""
    provider, model = check_ai_config(body, settings)
    check_request_urls(body, settings)
    base = jenkins_base(body.jenkins_url, settings)
    params = stored_request_params(body, exclude=set())
    params["ai_provider"], params["ai_model"] = provider, model
    secrets = {k: v for k in SECRET_OVERRIDES if (v := getattr(body, k, None))}
    return NewJob(
        kind="jenkins",
        request_params=params,
        content_type=JENKINS_REQUEST,
        payload=json.dumps(secrets).encode(),
        job_name=body.job_name.strip("/"),
        build_number=body.build_number,
        jenkins_url=build_url(base, body.job_name, body.build_number),
        # A Jenkins build's identity maps onto the run columns uploads fill (migration 0020).
        ci="jenkins",
        run_url=build_url(base, body.job_name, body.build_number),
        ai_provider=provider,
        ai_model=model,
        # The Jira and GitHub tokens also go where the jira_enricher reads them (encrypted).
        secrets=seal(settings, {k: v for k, v in secrets.items() if not k.startswith("jenkins_")}),
    )


def decode_secrets(content_type: str, payload: bytes) -> dict[str, str]:
    if content_type != JENKINS_REQUEST:
        return {}
    data = json.loads(payload or b"{}")
    return {k: str(v) for k, v in data.items() if k in SECRET_OVERRIDES and v}


def rebuild_request(
    stored: dict[str, Any], job_name: str, build_number: int, overrides: dict[str, Any]
) -> AnalyzeRequest:
    """The original request from stored `request_params`, with `overrides` applied.

    Secrets were never stored: the new job uses the server's settings for them
    unless `overrides` carries its own. BadRequest when the params do not make
    an AnalyzeRequest any more.
    """
    data = dict(stored)
    ref = data.pop("tests_repo_ref", "")
    if data.get("tests_repo_url") and ref:
        data["tests_repo_url"] = f"{data['tests_repo_url']}:{ref}"
    data.setdefault("job_name", job_name)
    data.setdefault("build_number", build_number)
    if "tests_repo_url" in overrides:
        data.pop("tests_repo_url", None)
    data.update(overrides)
    try:
        return AnalyzeRequest.model_validate(data)
    except ValidationError as exc:
        raise BadRequest(
            f"the stored request parameters cannot be reconstructed into a Jenkins request: "
            f"{exc.errors(include_url=False)[0]['msg']}"
        ) from None


def target(params: dict[str, Any], secrets: dict[str, str], settings: Settings) -> JenkinsTarget:
    """The Jenkins to call. The server's own credentials go only to the server's Jenkins."""
    base = jenkins_base(params.get("jenkins_url"), settings)
    user, password = secrets.get("jenkins_user"), secrets.get("jenkins_password")
    if not (user or password) and _same_origin(base, settings.jenkins_url):
        user = settings.jenkins_user or None
        password = settings.jenkins_password.get_secret_value() or None
    ssl_verify = params.get("jenkins_ssl_verify")
    return JenkinsTarget(
        base_url=base,
        user=user,
        password=password,
        ssl_verify=settings.jenkins_ssl_verify if ssl_verify is None else bool(ssl_verify),
    )


def _same_origin(a: str, b: str) -> bool:
    if not a or not b:
        return False

    def origin(url: str) -> str:
        parts = urlsplit(url.strip())
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
        return urlunsplit(
            (parts.scheme.lower(), f"{(parts.hostname or '').lower()}:{port}", "", "", "")
        )

    try:
        return origin(a) == origin(b)
    except ValueError:
        return False

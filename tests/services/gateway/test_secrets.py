"""Secrets never reach stored request_params, log lines or responses."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest
import structlog
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from services.gateway.app import create_app
from verdict.logging import REDACTED, configure_logging, redact_secrets

ADMIN_KEY = "bootstrap-admin-key-SECRET-0001-abcdef"
SECRETS = {
    "jira_api_token": "SECRET-jira-api-token",
    "jira_pat": "SECRET-jira-pat",
    "github_token": "SECRET-github-token",
    "jira_email": "secret-mail@example.com",
    "custom_secret": "SECRET-custom",
    "db_password": "SECRET-db-password",
}


@pytest.fixture
def captured_logs(settings, monkeypatch):
    """Production logging (JSON lines) into a buffer, restored afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buffer)
    settings.env = "production"
    settings.log_level = "DEBUG"
    configure_logging(settings, service="test")
    yield buffer
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    root.handlers[:], root.level = handlers, level


def test_processor_redacts_nested_keys():
    event = {
        "event": "x",
        "github_token": "a",
        "params": {"jira_pat": "b", "nested": [{"api_key": "c", "ok": 1}]},
        "headers": {"Authorization": "Bearer d"},
        "jira_email": "e",
    }
    out = redact_secrets(None, "info", event)
    assert out["github_token"] == REDACTED
    assert out["params"]["jira_pat"] == REDACTED
    assert out["params"]["nested"][0] == {"api_key": REDACTED, "ok": 1}
    assert out["headers"]["Authorization"] == REDACTED
    assert out["jira_email"] == REDACTED


async def test_no_secret_in_logs_store_or_responses(captured_logs, settings, pg, redis):
    settings.admin_key = SecretStr(ADMIN_KEY)
    async with TestClient(TestServer(create_app(settings))) as client:
        body = {"failures": [{"test_name": "t.a", "error_message": "boom"}], **SECRETS}
        queued = await client.post("/analyze-failures?wait=false", json=body)
        assert queued.status == 202
        job_id = (await queued.json())["job_id"]
        result = await client.get(f"/results/{job_id}")
        wrong = await client.post("/api/auth/login", json={"username": "admin", "api_key": "bad"})
        assert wrong.status == 401
        login = await client.post(
            "/api/auth/login", json={"username": "admin", "api_key": ADMIN_KEY}
        )
        assert login.status == 200
        created = await client.post(
            "/api/admin/users",
            json={"username": "alice"},
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        )
        alice_key = (await created.json())["api_key"]
        client.session.cookie_jar.update_cookies({"jji_username": "alice"})
        await client.put("/api/user/tokens", json={"github_token": "SECRET-user-gh"})
        texts = [await queued.text(), await result.text(), await wrong.text()]

    structlog.get_logger("test").info(
        "request seen", headers={"Authorization": f"Bearer {ADMIN_KEY}"}, **SECRETS
    )
    structlog.get_logger("test").info("stdlib too", api_key=alice_key)
    logging.getLogger("stdlib").warning("plain line")

    stored = await pg.fetchval("select request_params from jobs")
    logs = captured_logs.getvalue()
    assert "request seen" in logs
    for line in filter(None, logs.splitlines()):
        record = json.loads(line)  # production logs are JSON lines
        if record["event"] == "authentication failed":
            assert record["request_id"]  # bound by request_context for every line
    for secret in [*SECRETS.values(), ADMIN_KEY, alice_key, "SECRET-user-gh"]:
        assert secret not in logs, secret
        assert secret not in json.dumps(stored), secret
        for text in texts:
            assert secret not in text, secret

"""Helpers shared by the provider tests (fixtures live in conftest.py)."""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path
from typing import Any

from tests.fakes.llm import FakeLLM, anthropic_app, gemini_app, openai_app
from verdict.triage.prompt import PromptGroup
from verdict.triage.providers import ProviderConfig

FAKE_BIN = Path(__file__).resolve().parents[3] / "fakes" / "bin"
# AI CLIs never run as root: a root test run hands them to `nobody`, as an operator
# would to VERDICT_AI_CLI_USER; a non-root run keeps its own user.
CLI_USER = "nobody" if os.geteuid() == 0 else ""


def give_to_cli_user(path: Path) -> None:
    """Let the CLI's user own a test file or folder (a no-op when not switching)."""
    if CLI_USER:
        entry = pwd.getpwnam(CLI_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def http_config(provider: str, base_url: str, **overrides: Any) -> ProviderConfig:
    values: dict[str, Any] = {
        "provider": provider,
        "model": "fake-model",
        "base_url": base_url,
        "api_key": "sk-test",
        "timeout_s": 5,
        "max_retries": 2,
        "backoff_base_s": 0.01,
        "price_per_1k_input": 1.0,
        "price_per_1k_output": 2.0,
    }
    values.update(overrides)
    return ProviderConfig(**values)


APPS = {"openai": openai_app, "anthropic": anthropic_app, "gemini-api": gemini_app}


async def fake_server(serve: Any, provider: str, fake: FakeLLM) -> str:
    base = await serve(APPS[provider](fake))
    # OpenAI-compatible base URLs conventionally include /v1.
    return base + "/v1" if provider == "openai" else base


def group(**overrides: Any) -> PromptGroup:
    values: dict[str, Any] = {
        "signature": "a" * 64,
        "test_name": "tests.api.test_login.test_admin_login",
        "message": "AssertionError: expected 200 got 500",
        "stack": 'Traceback (most recent call last):\n  File "tests/test_login.py", line 42',
        "affected_tests": ["tests.api.test_login.test_admin_login"],
    }
    values.update(overrides)
    return PromptGroup(**values)


class CliHome:
    """A HOME for the fake CLIs: write their scripts, read what they saw."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folder = root / ".fake-cli"
        self.folder.mkdir()
        give_to_cli_user(root)
        give_to_cli_user(self.folder)

    def script(self, name: str, *steps: dict[str, Any]) -> None:
        path = self.folder / f"{name}.json"
        path.write_text(json.dumps({"steps": list(steps)}))
        give_to_cli_user(path)

    def calls(self, name: str) -> list[dict[str, Any]]:
        path = self.folder / f"{name}.calls.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]

    def pids(self, name: str) -> list[int]:
        path = self.folder / f"{name}.pids"
        return list(json.loads(path.read_text())) if path.exists() else []

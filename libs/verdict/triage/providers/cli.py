"""The `claude`, `gemini` and `cursor` CLIs, run the way JJI runs them but read-only.

Each CLI gets the prompt on stdin in its print (non-interactive) mode with JSON output,
and flags that leave it only read tools: it may read the cloned repos in `cwd`, never
run a shell, write files or fetch URLs. None of the "skip all permissions" switches
(`--dangerously-skip-permissions`, `--yolo`, `--force`) is ever passed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, ClassVar

from verdict.contracts.requests import check_model_name

from .base import Completion, Provider
from .config import ProviderConfig
from .errors import ProviderError
from .subprocess_run import cli_identity, open_to, run_cli, scrubbed_env


class CliProvider(Provider):
    """Shared run-and-parse logic; subclasses give the argv and the output parser."""

    executables: ClassVar[tuple[str, ...]]
    auth_env: ClassVar[tuple[str, ...]]
    # ProviderConfig.api_key, when set, is handed to the CLI under this variable.
    api_key_env: ClassVar[str]

    def __init__(self, config: ProviderConfig, cwd: Path | None = None) -> None:
        super().__init__(config)
        self.cwd = cwd

    def executable(self, path: str | None) -> str:
        for name in self.executables:
            found = shutil.which(name, path=path)
            if found:
                return found
        raise ProviderError(f"{self.name} CLI not found on PATH (looked for {self.executables})")

    async def complete(self, system: str, user: str, json_schema: dict[str, Any]) -> Completion:
        # Requests are validated already (422); settings are checked here, last, because
        # the name lands on the CLI's command line.
        try:
            check_model_name(self.config.model)
        except ValueError as exc:
            raise ProviderError(f"{self.name} CLI not run: {exc}") from None
        identity = cli_identity(self.config.cli_user, self.config.cli_home)
        extra = {self.api_key_env: self.config.api_key} if self.config.api_key else {}
        env = scrubbed_env(self.auth_env, extra)
        argv = [self.executable(env.get("PATH")), *self.args()]
        if self.cwd is not None:
            open_to(identity, self.cwd)
        # CLIs take one prompt: system rules first, then the data, clearly separated.
        prompt = f"{system}\n\n{user}"
        result = await run_cli(
            argv,
            prompt,
            env=env,
            timeout_s=self.config.cli_timeout_minutes * 60,
            cwd=self.cwd,
            identity=identity,
        )
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip()[-500:]
            raise ProviderError(f"{self.name} CLI exited {result.returncode}: {detail}")
        return self.parse(result.stdout)

    def args(self) -> list[str]:
        raise NotImplementedError

    def parse(self, stdout: str) -> Completion:
        raise NotImplementedError


def _load_object(stdout: str, provider: str) -> dict[str, Any]:
    """The CLIs print one JSON object; tolerate log lines printed before it."""
    text = stdout.strip()
    start = text.find("{")
    try:
        data = json.loads(text[start:]) if start >= 0 else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ProviderError(f"{provider} CLI printed no JSON object: {text[:200]!r}")
    return data


class ClaudeCLI(CliProvider):
    """`claude -p --output-format json`: prints {type, is_error, result, usage, ...}."""

    executables = ("claude",)
    auth_env = ("ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "CLAUDE_CONFIG_DIR")
    api_key_env = "ANTHROPIC_API_KEY"
    READ_TOOLS = "Read,Grep,Glob,LS"
    DENIED_TOOLS = "Bash,Edit,MultiEdit,Write,NotebookEdit,WebFetch,WebSearch,Task"

    def args(self) -> list[str]:
        return [
            "-p",
            "--output-format", "json",
            "--model", self.config.model,
            "--permission-mode", "default",
            "--allowedTools", self.READ_TOOLS,
            "--disallowedTools", self.DENIED_TOOLS,
        ]  # fmt: skip

    def parse(self, stdout: str) -> Completion:
        data = _load_object(stdout, "claude")
        if data.get("is_error") or data.get("subtype", "success") != "success":
            raise ProviderError(f"claude CLI reported an error: {str(data.get('result'))[:300]}")
        text = data.get("result")
        if not isinstance(text, str) or not text:
            raise ProviderError("claude CLI printed no result text")
        usage = data.get("usage") or {}
        return Completion(
            text=text,
            input_tokens=int(usage.get("input_tokens") or 0),
            output_tokens=int(usage.get("output_tokens") or 0),
        )


class GeminiCLI(CliProvider):
    """`gemini --output-format json`: prints {response, stats: {models: {m: {tokens}}}}.

    `--approval-mode default` in non-interactive mode leaves only tools that need no
    approval (read/search); shell and edits would need a confirmation nobody gives.
    """

    executables = ("gemini",)
    auth_env = (
        "GEMINI_API_KEY",
        "GOOGLE_API_KEY",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "GOOGLE_CLOUD_PROJECT",
        "GOOGLE_CLOUD_LOCATION",
        "GOOGLE_GENAI_USE_VERTEXAI",
    )
    api_key_env = "GEMINI_API_KEY"

    def args(self) -> list[str]:
        return [
            "--model", self.config.model,
            "--output-format", "json",
            "--approval-mode", "default",
        ]  # fmt: skip

    def parse(self, stdout: str) -> Completion:
        data = _load_object(stdout, "gemini")
        if data.get("error"):
            raise ProviderError(f"gemini CLI reported an error: {str(data['error'])[:300]}")
        text = data.get("response")
        if not isinstance(text, str) or not text:
            raise ProviderError("gemini CLI printed no response text")
        models = (data.get("stats") or {}).get("models") or {}
        tokens = [m.get("tokens") or {} for m in models.values() if isinstance(m, dict)]
        return Completion(
            text=text,
            input_tokens=sum(int(t.get("prompt") or 0) for t in tokens),
            output_tokens=sum(int(t.get("candidates") or 0) for t in tokens),
        )


class CursorCLI(CliProvider):
    """`cursor-agent --print --output-format json`: prints {type: result, result, ...}.

    `--mode ask` is Cursor's read-only mode; `--force` (which lets it run commands and
    write) is never passed. The CLI ships as `cursor-agent`, newer installs as `agent`.
    """

    executables = ("cursor-agent", "agent")
    auth_env = ("CURSOR_API_KEY",)
    api_key_env = "CURSOR_API_KEY"

    def args(self) -> list[str]:
        return [
            "--print",
            "--output-format", "json",
            "--mode", "ask",
            "--model", self.config.model,
        ]  # fmt: skip

    def parse(self, stdout: str) -> Completion:
        data = _load_object(stdout, "cursor")
        if data.get("is_error") or data.get("subtype", "success") != "success":
            raise ProviderError(f"cursor CLI reported an error: {str(data.get('result'))[:300]}")
        text = data.get("result")
        if not isinstance(text, str) or not text:
            raise ProviderError("cursor CLI printed no result text")
        usage = data.get("usage") or {}  # recent versions only; older ones print none
        return Completion(
            text=text,
            input_tokens=int(usage.get("inputTokens") or usage.get("input_tokens") or 0),
            output_tokens=int(usage.get("outputTokens") or usage.get("output_tokens") or 0),
        )

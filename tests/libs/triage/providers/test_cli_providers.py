from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from tests.fakes.llm import answer_json
from tests.libs.triage.providers.support import CLI_USER, CliHome, group
from verdict.triage.prompt import ANALYSIS_SCHEMA
from verdict.triage.providers import (
    AiLimiter,
    ProviderConfig,
    ProviderError,
    ProviderTimeout,
    analyze_group,
    make_provider,
)


def cli(provider: str, **overrides: object) -> ProviderConfig:
    values: dict[str, object] = {
        "provider": provider,
        "model": "m-1",
        "cli_timeout_minutes": 0.5,
        "cli_user": CLI_USER,
        "cli_home": os.environ["HOME"],  # the cli_home fixture's folder
    }
    values.update(overrides)
    return ProviderConfig(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("provider", "fake", "tokens"),
    [
        ("claude", "claude", (321, 87)),
        ("gemini", "gemini", (400, 60)),
        ("cursor", "cursor", (0, 0)),
    ],
)
async def test_cli_answers(
    cli_home: CliHome,
    limiter: AiLimiter,
    monkeypatch: pytest.MonkeyPatch,
    provider: str,
    fake: str,
    tokens: tuple[int, int],
) -> None:
    monkeypatch.setenv("VERDICT_DATABASE_URL", "postgres://secret")
    monkeypatch.setenv("GEMINI_API_KEY", "gk")
    cli_home.script(fake, {"mode": "answer", "text": answer_json("INFRASTRUCTURE")})
    answer = await analyze_group(make_provider(cli(provider)), group(), limiter)
    assert answer.classification == "INFRASTRUCTURE"
    assert (answer.usage.input_tokens, answer.usage.output_tokens) == tokens
    [call] = cli_home.calls(fake)
    assert "AssertionError: expected 200 got 500" in call["stdin"]  # prompt on stdin
    assert "--model" in call["argv"] and "m-1" in call["argv"]
    assert "json" in call["argv"]
    # pyenv's python3 shim (this machine's `/usr/bin/env python3`) adds its own variables.
    env = {k: v for k, v in call["env"].items() if "PYENV" not in k}
    assert "VERDICT_DATABASE_URL" not in env
    assert set(env) <= {"PATH", "HOME", "LANG", "GEMINI_API_KEY", "PWD", "SHLVL", "_", "LC_CTYPE"}
    assert ("GEMINI_API_KEY" in env) == (provider == "gemini")


async def test_claude_is_read_only(cli_home: CliHome) -> None:
    cli_home.script("claude", {"mode": "answer", "text": "{}"})
    await make_provider(cli("claude", api_key="sk-ant")).complete("S", "U", ANALYSIS_SCHEMA)
    [call] = cli_home.calls("claude")
    argv = call["argv"]
    assert argv[argv.index("--output-format") + 1] == "json"
    assert "Bash" in argv[argv.index("--disallowedTools") + 1]
    assert "Write" in argv[argv.index("--disallowedTools") + 1]
    assert call["env"]["ANTHROPIC_API_KEY"] == "sk-ant"  # the config key reaches the CLI
    assert call["stdin"].startswith("S")


async def test_cli_error_exit(cli_home: CliHome) -> None:
    cli_home.script("gemini", {"mode": "exit", "code": 1, "stderr": "quota exceeded"})
    with pytest.raises(ProviderError, match="quota exceeded"):
        await make_provider(cli("gemini")).complete("S", "U", ANALYSIS_SCHEMA)


async def test_claude_reported_error(cli_home: CliHome) -> None:
    cli_home.script(
        "claude",
        {
            "mode": "raw",
            "stdout": '{"type":"result","subtype":"error_max_turns","is_error":true,"result":"x"}',
        },
    )
    with pytest.raises(ProviderError, match="claude CLI reported an error"):
        await make_provider(cli("claude")).complete("S", "U", ANALYSIS_SCHEMA)


async def test_missing_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ProviderError, match="not found on PATH"):
        await make_provider(cli("cursor")).complete("S", "U", ANALYSIS_SCHEMA)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as f:
            state = next(line for line in f if line.startswith("State:"))
    except (FileNotFoundError, StopIteration):
        return False
    return "Z" not in state.split()[1]  # a zombie is dead, merely unreaped


async def test_timeout_kills_the_process_group(cli_home: CliHome) -> None:
    cli_home.script("claude", {"mode": "hang"})
    # Long enough for the fake CLI (a Python process) to start on a loaded machine.
    provider = make_provider(cli("claude", cli_timeout_minutes=4 / 60))
    started = time.monotonic()
    with pytest.raises(ProviderTimeout):
        await provider.complete("S", "U", ANALYSIS_SCHEMA)
    assert time.monotonic() - started < 60  # the timeout fired; the CLI never answers
    pids = cli_home.pids("claude")
    assert len(pids) == 2  # the CLI and the helper it spawned
    for _ in range(50):
        if not any(_alive(pid) for pid in pids):
            break
        await asyncio.sleep(0.05)
    assert not any(_alive(pid) for pid in pids)


async def test_cancel_kills_the_process_group(cli_home: CliHome) -> None:
    cli_home.script("gemini", {"mode": "hang"})
    task = asyncio.create_task(make_provider(cli("gemini")).complete("S", "U", ANALYSIS_SCHEMA))
    for _ in range(100):
        if cli_home.pids("gemini"):
            break
        await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    pids = cli_home.pids("gemini")
    for _ in range(50):
        if not any(_alive(pid) for pid in pids):
            break
        await asyncio.sleep(0.05)
    assert pids and not any(_alive(pid) for pid in pids)
    assert os.getpid() not in pids


async def test_a_cli_never_runs_as_root(cli_home: CliHome) -> None:
    """Root reads every process's /proc environ: a CLI run as root could read ours."""
    cli_home.script("claude", {"mode": "answer", "text": "{}"})
    config = cli("claude", cli_user="" if os.geteuid() == 0 else "root")
    with pytest.raises(ProviderError, match="root"):
        await make_provider(config).complete("S", "U", ANALYSIS_SCHEMA)
    assert cli_home.calls("claude") == []


async def test_the_cli_runs_as_its_user_and_reads_its_workspace(cli_home: CliHome) -> None:
    import pwd
    import shutil
    import tempfile

    workspace = Path(tempfile.mkdtemp(prefix="verdict-ws-"))  # 0700, like the engine's
    try:
        (workspace / "tests-repo").mkdir()
        cli_home.script("cursor", {"mode": "answer", "text": "{}"})
        await make_provider(cli("cursor"), cwd=workspace).complete("S", "U", ANALYSIS_SCHEMA)
    finally:
        shutil.rmtree(workspace)
    [call] = cli_home.calls("cursor")
    expected = pwd.getpwnam(CLI_USER).pw_uid if CLI_USER else os.getuid()
    assert call["uid"] == expected != 0
    assert call["cwd"] == ["tests-repo"]
    assert call["env"]["HOME"] == str(cli_home.root)


@pytest.mark.parametrize("model", ["--dangerously-skip-permissions", "-p", "m 1", "m;id"])
async def test_a_model_name_never_reaches_the_command_line_as_an_option(
    cli_home: CliHome, model: str
) -> None:
    """Issue 15 #11: `ai_model` accepted `--dangerously-skip-permissions`. Requests are
    refused with a 422; a bad VERDICT_AI_MODEL is refused here, before the CLI runs."""
    cli_home.script("claude", {"mode": "answer", "text": "{}"})
    with pytest.raises(ProviderError, match="ai_model"):
        await make_provider(cli("claude", model=model)).complete("S", "U", ANALYSIS_SCHEMA)
    assert cli_home.calls("claude") == []

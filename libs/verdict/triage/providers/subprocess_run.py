"""Run an AI CLI safely: scrubbed environment, own process group, hard timeout.

The CLI gets only PATH, HOME, LANG and its own auth variables, so a prompt-injected
model cannot read our database URL or tokens from its environment. It runs in a new
session; on timeout or cancellation the whole process group is SIGKILLed, so helper
processes the CLI spawned (node workers, MCP servers) die with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import ProviderTimeout

BASE_ENV_VARS = ("PATH", "HOME", "LANG")


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def scrubbed_env(
    allowed: Iterable[str],
    extra: Mapping[str, str] | None = None,
    source: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Only the base variables and `allowed` ones from `source` (os.environ), plus `extra`."""
    src = os.environ if source is None else source
    names = (*BASE_ENV_VARS, *allowed)
    env = {name: src[name] for name in names if name in src}
    env.update(extra or {})
    return env


async def run_cli(
    argv: list[str],
    stdin_text: str,
    *,
    env: dict[str, str],
    timeout_s: float,
    cwd: Path | None = None,
) -> CliResult:
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=cwd,
        start_new_session=True,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(stdin_text.encode()), timeout_s)
    except TimeoutError as exc:
        await _kill_group(proc)
        raise ProviderTimeout(f"{argv[0]} did not finish within {timeout_s:g}s") from exc
    except BaseException:
        await _kill_group(proc)  # cancelled: never leave an AI CLI running unowned
        raise
    return CliResult(
        proc.returncode or 0, out.decode(errors="replace"), err.decode(errors="replace")
    )


async def _kill_group(proc: asyncio.subprocess.Process) -> None:
    # start_new_session made the CLI its own group leader: pgid == pid.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        await proc.communicate()  # reap and drain pipes so no transport is left open

"""Run an AI CLI safely: scrubbed environment, own process group, hard timeout, and
never as root.

The CLI gets only PATH, HOME, LANG and its own auth variables, so a prompt-injected
model cannot read our database URL or tokens from its environment. Nor from ours:
every Verdict process marks itself non-dumpable at start (security.process), so a CLI
of the same user cannot open /proc/<worker>/environ or /proc/<worker>/mem; and since
root reads any process's /proc, a worker running as root runs its CLIs as the
unprivileged VERDICT_AI_CLI_USER instead (`cli_identity`), or not at all. It runs in a
new session; on timeout or cancellation the whole process group is SIGKILLed, so
helper processes the CLI spawned (node workers, MCP servers) die with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import signal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ProviderError, ProviderTimeout

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


@dataclass(frozen=True)
class CliIdentity:
    """Whom a CLI runs as: `uid`/`gid` to switch to (None: stay this process's user),
    and the HOME it gets (None: keep ours)."""

    uid: int | None = None
    gid: int | None = None
    home: str | None = None


def cli_identity(user: str, home: str = "") -> CliIdentity:
    """Resolve VERDICT_AI_CLI_USER / VERDICT_AI_CLI_HOME, refusing to run a CLI as root."""
    me = os.geteuid()
    if not user:
        if me == 0:
            raise ProviderError(
                "AI CLIs are never run as root (root can read every process's secrets "
                "through /proc): set VERDICT_AI_CLI_USER to an unprivileged user that is "
                "logged in to the CLI"
            )
        return CliIdentity(home=home or None)
    try:
        entry = pwd.getpwuid(int(user)) if user.isdigit() else pwd.getpwnam(user)
    except KeyError:
        raise ProviderError(f"VERDICT_AI_CLI_USER {user!r} is not a user on this machine") from None
    if entry.pw_uid == 0:
        raise ProviderError("VERDICT_AI_CLI_USER must be an unprivileged user, not root")
    if entry.pw_uid == me:
        return CliIdentity(home=home or None)
    if me != 0:
        raise ProviderError(
            f"this process is not root, so it cannot run AI CLIs as {entry.pw_name!r}: "
            "leave VERDICT_AI_CLI_USER empty, or run the workers as root"
        )
    return CliIdentity(uid=entry.pw_uid, gid=entry.pw_gid, home=home or entry.pw_dir)


def open_to(identity: CliIdentity, directory: Path) -> None:
    """Let the CLI's user read (not write) a directory we own: its workspace."""
    if identity.gid is not None:
        os.chown(directory, -1, identity.gid)
        os.chmod(directory, 0o750)


async def run_cli(
    argv: list[str],
    stdin_text: str,
    *,
    env: dict[str, str],
    timeout_s: float,
    cwd: Path | None = None,
    identity: CliIdentity | None = None,
) -> CliResult:
    switch: dict[str, Any] = {}
    if identity is not None and identity.uid is not None:
        # setgroups([]) first, then the group, then the user (the kernel's order).
        switch = {"user": identity.uid, "group": identity.gid, "extra_groups": []}
    if identity is not None and identity.home:
        env = {**env, "HOME": identity.home}
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            cwd=cwd,
            start_new_session=True,
            **switch,
        )
    except PermissionError as exc:
        raise ProviderError(f"{argv[0]} could not be started: {exc}") from None
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

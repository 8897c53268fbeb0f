"""A private Verdict stack for the chaos suite: its own Postgres and Redis, real processes.

Postgres and Redis are started by the project's own `deploy/devstack.py` on ports no
one else uses (55432 and 56379 by default) with their state in `.devstack/chaos`, so
stopping, killing or flushing them never touches the shared servers. Verdict itself
runs as an operator runs it: `verdict dev`, the supervisor, which starts the gateway
and the three workers as child processes. Faults are injected into those children
(found by parent pid and service name), never by broad process names.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
STATE = ROOT / ".devstack" / "chaos"
VERDICT = ROOT / ".venv" / "bin" / "verdict"
SHARED_PORTS = {5432, 6379}
SERVICES = ("gateway", "analyzer", "jira-enricher", "tracker")
ADMIN_KEY = "chaos-admin-key-0123456789abcdef"


@dataclass
class Ports:
    postgres: int = 55432
    redis: int = 56379
    gateway: int = 58000

    def check(self) -> None:
        clash = SHARED_PORTS & {self.postgres, self.redis}
        if clash:
            raise SystemExit(f"chaos: refusing to run against the shared servers' ports {clash}")


def _devstack_env(ports: Ports, database: str) -> dict[str, str]:
    return {
        **os.environ,
        "VERDICT_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{ports.postgres}/{database}",
        "VERDICT_REDIS_URL": f"redis://127.0.0.1:{ports.redis}/0",
        "VERDICT_DEVSTACK_DIR": str(STATE),
    }


def _pg_ctl() -> str:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True):
        return str(candidate)
    return "pg_ctl"


def _as_postgres(cmd: list[str]) -> list[str]:
    # The private cluster is owned by the postgres account when we run as root (devstack).
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def children_of(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(p) for p in task.read_text().split()]
        except OSError:
            continue
    return found


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@dataclass
class Stack:
    """One scenario's stack: a fresh database, a flushed private Redis, `verdict dev`."""

    name: str
    ports: Ports
    extra_env: dict[str, str] = field(default_factory=dict)
    supervisor: subprocess.Popen[bytes] | None = None
    log_path: Path = field(init=False)
    _log: IO[bytes] | None = None

    def __post_init__(self) -> None:
        self.log_path = STATE / "logs" / f"{self.name}.log"

    @property
    def database(self) -> str:
        return "chaos_" + self.name.replace("-", "_")

    @property
    def database_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.ports.postgres}/{self.database}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.ports.redis}/0"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.gateway}"

    def env(self) -> dict[str, str]:
        return {
            **_devstack_env(self.ports, self.database),
            "VERDICT_HOST": "127.0.0.1",
            "VERDICT_PORT": str(self.ports.gateway),
            "VERDICT_ENV": "production",
            "VERDICT_ADMIN_KEY": ADMIN_KEY,
            "VERDICT_ENCRYPTION_KEY": "chaos-encryption-key-0123456789abcdef",
            "VERDICT_RATE_LIMIT_ENABLED": "false",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    # --- the dependencies -----------------------------------------------------------

    def ensure_dependencies(self) -> None:
        subprocess.run(
            [sys.executable, str(ROOT / "deploy" / "devstack.py"), "ensure"],
            env=_devstack_env(self.ports, self.database),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def stop_postgres(self) -> None:
        subprocess.run(
            _as_postgres([_pg_ctl(), "-D", str(STATE / "pg"), "-m", "fast", "-w", "stop"]),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start_postgres(self) -> None:
        self.ensure_dependencies()

    def kill_redis(self) -> None:
        pid = int((STATE / "redis" / "redis.pid").read_text().strip())
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)

    def start_redis(self) -> None:
        self.ensure_dependencies()

    # --- Verdict ----------------------------------------------------------------------

    def start(self, timeout_s: float = 90.0) -> None:
        self.ensure_dependencies()
        self._reset_state()
        self._wait_for_free_port()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        self.supervisor = subprocess.Popen(
            [str(VERDICT), "dev"],
            env=self.env(),
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # our own process group: teardown ends only what we started
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.supervisor.poll() is not None:
                raise RuntimeError(f"verdict dev exited at start; see {self.log_path}")
            if all(self.pid_of(s) for s in SERVICES) and self._answers():
                return
            time.sleep(0.3)
        raise RuntimeError(f"the stack did not come up in {timeout_s}s; see {self.log_path}")

    def _wait_for_free_port(self, timeout_s: float = 30.0) -> None:
        """The previous scenario's gateway may still be dying with the port open."""
        import socket

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.ports.gateway)) != 0:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"port {self.ports.gateway} is still taken after {timeout_s}s")

    def _answers(self) -> bool:
        import urllib.request

        try:
            with urllib.request.urlopen(self.base_url + "/health", timeout=1) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    def _reset_state(self) -> None:
        """A fresh database for this scenario and an empty private Redis."""
        import asyncio

        import asyncpg
        import redis as redis_sync

        async def drop() -> None:
            admin = f"postgresql://postgres@127.0.0.1:{self.ports.postgres}/postgres"
            conn = await asyncpg.connect(admin)
            try:
                await conn.execute(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")
            finally:
                await conn.close()

        asyncio.run(drop())
        conn = redis_sync.Redis.from_url(self.redis_url)
        assert self.ports.redis not in SHARED_PORTS
        conn.flushall()
        conn.close()

    def pid_of(self, service: str) -> int | None:
        if self.supervisor is None:
            return None
        for pid in children_of(self.supervisor.pid):
            if service in cmdline(pid) and alive(pid):
                return pid
        return None

    def signal(self, service: str, sig: signal.Signals) -> int:
        pid = self.pid_of(service)
        if pid is None:
            raise RuntimeError(f"{service} is not running")
        os.kill(pid, sig)
        return pid

    def processes_alive(self) -> dict[str, bool]:
        return {s: self.pid_of(s) is not None for s in SERVICES}

    def stop(self) -> None:
        if self.supervisor is None:
            return
        if self.supervisor.poll() is None:
            os.killpg(self.supervisor.pid, signal.SIGTERM)
            try:
                self.supervisor.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.supervisor.pid, signal.SIGKILL)
                self.supervisor.wait(10)
        else:
            # The supervisor is gone; end whatever it left behind in our process group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.supervisor.pid, signal.SIGKILL)
        if self._log:
            self._log.close()
        self.supervisor = None


def redis_port(url: str) -> int:
    return urlsplit(url).port or 6379

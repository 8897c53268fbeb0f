#!/usr/bin/env python3
"""Find Postgres and Redis, or start them from the locally installed server binaries.

    python deploy/devstack.py ensure    # what `make run` and `make test` call
    python deploy/devstack.py stop      # stop what this script started
    python deploy/devstack.py key       # print the development encryption key's file

`ensure` also writes a development encryption key into .devstack/encryption.key
(random, mode 0600, git-ignored) when there is none: `make run` points
VERDICT_ENCRYPTION_KEY_FILE at it unless VERDICT_ENCRYPTION_KEY is set.

Reads VERDICT_DATABASE_URL and VERDICT_REDIS_URL (same defaults as the service), and
VERDICT_DEVSTACK_DIR (default .devstack in the checkout) for the state of what it starts,
so a second private stack (the chaos suite's) keeps its data apart from the first.
A server already answering is used as it is. Otherwise, for a local address:
Postgres from the machine's own cluster (pg_ctlcluster) when it has one on that
port, else a private cluster in .devstack/pg inside the checkout; Redis with its
data in .devstack/redis. With no server binaries it says what to install and
exits 1. Standard library only: it runs before the virtualenv has anything.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
STATE = Path(os.environ.get("VERDICT_DEVSTACK_DIR") or ROOT / ".devstack")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/verdict"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"

INSTALL_HINT = {
    "postgres": "install PostgreSQL server binaries (Debian/Ubuntu: apt-get install postgresql; "
    "macOS: brew install postgresql), or point VERDICT_DATABASE_URL at a running server",
    "redis": "install Redis (Debian/Ubuntu: apt-get install redis-server; macOS: brew install "
    "redis), or point VERDICT_REDIS_URL at a running server",
}


def server_env() -> dict[str, str]:
    """Our environment minus Verdict's settings: the servers started here live long and
    run as this user, so their /proc/<pid>/environ must not carry our secrets."""
    return {k: v for k, v in os.environ.items() if not k.startswith("VERDICT_")}


def say(message: str) -> None:
    print(f"devstack: {message}", flush=True)


def answers(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host or "127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until_up(host: str, port: int, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if answers(host, port):
            return
        time.sleep(0.2)
    raise SystemExit(f"devstack: {what} did not start listening on {host}:{port} in {seconds}s")


def pg_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
    )
    return candidates[-1] if candidates else None


def run(cmd: list[str], *, user: str | None = None) -> None:
    if user:
        cmd = ["runuser", "-u", user, "--", *cmd]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=server_env())


def start_system_cluster(port: int) -> bool:
    """Debian's own cluster on this port, when the machine has one."""
    if not shutil.which("pg_ctlcluster") or not shutil.which("pg_lsclusters"):
        return False
    listing = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True)
    for line in listing.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[2] == str(port):
            say(f"starting the machine's PostgreSQL cluster {fields[0]}/{fields[1]}")
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", fields[0], fields[1], "start"],
                check=False,
                env=server_env(),
            )
            return True
    return False


def start_private_postgres(host: str, port: int) -> None:
    initdb, pg_ctl = pg_binary("initdb"), pg_binary("pg_ctl")
    if not initdb or not pg_ctl:
        raise SystemExit(
            f"devstack: PostgreSQL is not answering on {host}:{port} and no server "
            f"binaries were found: {INSTALL_HINT['postgres']}"
        )
    data = STATE / "pg"
    # Postgres refuses to run as root: use the machine's postgres account then.
    user = "postgres" if os.geteuid() == 0 else None
    if user:
        try:
            pwd.getpwnam(user)
        except KeyError:
            raise SystemExit(
                "devstack: running as root needs a 'postgres' system user to "
                "own the private cluster"
            ) from None
    if not (data / "PG_VERSION").exists():
        data.mkdir(parents=True, exist_ok=True)
        if user:
            shutil.chown(data, user)
        say(f"initialising a private PostgreSQL cluster in {data}")
        run([initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"], user=user)
    say(f"starting the private PostgreSQL cluster on {host}:{port}")
    log = data / "server.log"
    run(
        [
            pg_ctl,
            "-D",
            str(data),
            "-l",
            str(log),
            "-w",
            "-o",
            f"-p {port} -h {host or '127.0.0.1'} -k /tmp",
            "start",
        ],
        user=user,
    )


def ensure_postgres(url: str) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    if answers(host, port):
        return
    if host not in LOCAL_HOSTS:
        raise SystemExit(
            f"devstack: PostgreSQL at {host}:{port} does not answer "
            "(not a local address, so not starting one)"
        )
    if not start_system_cluster(port) or not _wait_quietly(host, port):
        start_private_postgres(host, port)
    wait_until_up(host, port, "PostgreSQL")
    say(f"PostgreSQL is up on {host}:{port}")


def _wait_quietly(host: str, port: int, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if answers(host, port):
            return True
        time.sleep(0.2)
    return False


def ensure_redis(url: str) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    if answers(host, port):
        return
    if host not in LOCAL_HOSTS:
        raise SystemExit(
            f"devstack: Redis at {host}:{port} does not answer "
            "(not a local address, so not starting one)"
        )
    server = shutil.which("redis-server")
    if not server:
        raise SystemExit(
            f"devstack: Redis is not answering on {host}:{port} and redis-server "
            f"was not found: {INSTALL_HINT['redis']}"
        )
    data = STATE / "redis"
    data.mkdir(parents=True, exist_ok=True)
    say(f"starting Redis on {host}:{port} (data in {data})")
    subprocess.run(
        [
            server,
            "--daemonize",
            "yes",
            "--bind",
            host,
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(data),
            "--logfile",
            str(data / "redis.log"),
            "--pidfile",
            str(data / "redis.pid"),
        ],
        check=True,
        env=server_env(),
    )
    wait_until_up(host, port, "Redis")
    say(f"Redis is up on {host}:{port}")


def stop() -> None:
    pid_file = STATE / "redis" / "redis.pid"
    if pid_file.exists():
        subprocess.run(["kill", pid_file.read_text().strip()], check=False)
    data = STATE / "pg"
    pg_ctl = pg_binary("pg_ctl")
    if (data / "postmaster.pid").exists() and pg_ctl:
        run(
            [pg_ctl, "-D", str(data), "-m", "fast", "stop"],
            user="postgres" if os.geteuid() == 0 else None,
        )


DEV_KEY = STATE / "encryption.key"


def ensure_dev_key() -> Path:
    """A random development encryption key, made once, readable by this user only."""
    if not DEV_KEY.exists():
        import secrets

        STATE.mkdir(parents=True, exist_ok=True)
        fd = os.open(DEV_KEY, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(32) + "\n")
        say(f"wrote a development encryption key to {DEV_KEY}")
    return DEV_KEY


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else "ensure"
    if command == "key":
        print(ensure_dev_key())
    elif command == "ensure":
        ensure_postgres(os.environ.get("VERDICT_DATABASE_URL", DEFAULT_DB))
        ensure_redis(os.environ.get("VERDICT_REDIS_URL", DEFAULT_REDIS))
        ensure_dev_key()
    elif command == "stop":
        stop()
    else:
        raise SystemExit(f"usage: {sys.argv[0]} ensure|stop|key")


if __name__ == "__main__":
    main()

"""jenkins-job-insight's own CLI (`jji` 3.2.0), unchanged, against a running gateway.

The CLI runs as a subprocess against the real gateway served on a local port. It needs
Python >= 3.12; its virtualenv is built once in .devstack/jji-venv and reused.
"""

from __future__ import annotations

import asyncio
import glob
import json
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr

from services.gateway.app import create_app
from tests.conftest import ROOT
from tests.services.gateway.history_support import ADMIN_KEY, Fail, Totals, create_job

JJI_VERSION = "3.2.0"
VENV = ROOT / ".devstack" / "jji-venv"
JJI = VENV / "bin" / "jji"


def _python_312() -> str | None:
    if sys.version_info >= (3, 12):
        return sys.executable
    candidates = [shutil.which(f"python3.{minor}") for minor in range(12, 16)]
    candidates += sorted(glob.glob("/root/.pyenv/versions/3.1[2-9]*/bin/python3"), reverse=True)
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[2-9]*/bin/python3")))
    for path in filter(None, candidates):
        probe = subprocess.run(
            [path, "-c", "import sys; print(sys.version_info >= (3, 12))"],
            capture_output=True,
            text=True,
        )
        if probe.stdout.strip() == "True":
            return path
    return None


def _ensure_jji() -> Path:
    if JJI.exists():
        return JJI
    python = _python_312()
    if python is None:
        pytest.skip("jji needs Python >= 3.12 and no such interpreter was found")
    subprocess.run([python, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [str(VENV / "bin" / "pip"), "install", "-q", f"jenkins-job-insight=={JJI_VERSION}"],
        check=True,
    )
    return JJI


@pytest.fixture
def settings(base_settings):
    return base_settings.model_copy(update={"admin_key": SecretStr(ADMIN_KEY)})


@pytest.fixture
async def server(settings, pg, redis) -> AsyncIterator[str]:
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


class Jji:
    def __init__(self, url: str, home: Path) -> None:
        self.url, self.home = url, home

    async def __call__(self, *args: str, user: str = "", api_key: str = "") -> tuple[int, str]:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "JJI_SERVER": self.url,
            "JJI_USERNAME": user,
            "JJI_API_KEY": api_key,
        }
        # An asyncio subprocess: the gateway serving it runs on this same event loop.
        proc = await asyncio.create_subprocess_exec(
            str(JJI), *args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        out, _ = await proc.communicate()
        return proc.returncode or 0, out.decode()

    async def json(self, *args: str, **kw: str) -> Any:
        code, out = await self(*args, "--json", **kw)
        assert code == 0, (args, out)
        return json.loads(out)


@pytest.mark.timeout(600)
async def test_jji_cli_commands(server, pg, tmp_path):
    _ensure_jji()
    jji = Jji(server, tmp_path)
    job = await create_job(
        pg,
        failures=[
            Fail("tests.test_login.test_admin"),
            Fail("tests.test_login.test_user"),
            Fail(
                "tests.test_net.test_dns",
                "socket.gaierror: Name or service not known",
                "INFRASTRUCTURE",
            ),
        ],
        job_name="folder/job-name",
        build_number=42,
        totals=Totals(total=30, passed=27),
        ai_provider="claude",
        ai_model="sonnet",
    )
    jid = str(job)

    code, out = await jji("health")
    # No worker beats in this test: jji shows the readiness checks, the analyzer's down.
    assert code == 0 and "Status: degraded" in out, out
    assert "postgres: up" in out and "worker analyze: down" in out, out
    assert (await jji.json("capabilities"))["github_issues_enabled"] is True
    assert await jji.json("ai-configs") == [{"ai_provider": "claude", "ai_model": "sonnet"}]
    code, out = await jji("ai-configs")
    assert "claude" in out and "sonnet" in out

    assert (await jji.json("results", "list"))[0]["job_id"] == jid
    dashboard = await jji.json("results", "dashboard")
    assert dashboard[0]["failure_count"] == 3 and dashboard[0]["build_number"] == 42
    code, out = await jji("results", "dashboard")
    assert code == 0 and "folder/job-name" in out
    code, out = await jji("results", "show", jid)
    assert code == 0 and "completed" in out and "claude" in out, out
    code, out = await jji("status", jid)
    assert code == 0 and "completed" in out

    code, out = await jji(
        "results",
        "set-reviewed",
        jid,
        "--test",
        "tests.test_login.test_admin",
        "--reviewed",
        user="alice",
    )
    assert code == 0 and "Marked as reviewed (by alice)" in out, out
    status = await jji.json("results", "review-status", jid)
    assert status == {"total_failures": 3, "reviewed_count": 1, "comment_count": 0}

    code, out = await jji(
        "comments", "add", jid, "-t", "tests.test_login.test_admin", "-m", "known", user="alice"
    )
    assert code == 0 and "Comment added (id:" in out, out
    comments = await jji.json("comments", "list", jid)
    [comment] = comments["comments"]
    assert comment["username"] == "alice"
    assert "tests.test_login.test_admin" in comments["reviews"]
    code, out = await jji("comments", "list", jid)
    assert "known" in out
    code, out = await jji("comments", "delete", jid, str(comment["id"]), user="bob")
    assert code == 1 and "404" in out
    code, out = await jji("comments", "delete", jid, str(comment["id"]), user="alice")
    assert code == 0 and "Comment deleted." in out, out

    code, out = await jji(
        "override-classification",
        jid,
        "-t",
        "tests.test_login.test_admin",
        "-c",
        "PRODUCT BUG",
        user="alice",
    )
    assert code == 0 and "Classification overridden to: PRODUCT BUG" in out, out
    classifications = await jji.json("classifications", "list", "--job-id", jid)
    assert {c["test_name"] for c in classifications["classifications"]} == {
        "tests.test_login.test_admin",
        "tests.test_login.test_user",
    }
    code, out = await jji("classifications", "list", "--type", "code issue")
    assert code == 0 and "No classifications found." in out

    code, out = await jji(
        "classify",
        "tests.test_net.test_dns",
        "--type",
        "flaky",
        "--job-id",
        jid,
        "--reason",
        "dns blips",
        user="alice",
    )
    assert code == 0 and "Classification created (id:" in out, out
    code, out = await jji("classify", "t", "--type", "known_bug", "--job-id", jid, user="alice")
    assert code == 1 and "400" in out

    failures = await jji.json("history", "failures", "--job-name", "folder/job-name")
    assert failures["total"] == 3
    code, out = await jji("history", "failures", "-s", "test_login", "-l", "1")
    assert code == 0 and "Total: 2 (showing 1, offset 0)" in out, out
    history = await jji.json(
        "history", "test", "tests.test_login.test_user", "--job-name", "folder/job-name"
    )
    assert history["failures"] == 1 and history["failure_rate"] == 1.0
    code, out = await jji("history", "test", "tests.test_login.test_user")
    assert code == 0 and "Failure rate: 100.0%" in out and "PRODUCT BUG" in out, out
    signature = history["recent_runs"][0]["error_signature"]
    found = await jji.json("history", "search", "--signature", signature)
    assert found["unique_tests"] == 2
    code, out = await jji("history", "search", "-s", signature)
    assert "Unique tests: 2" in out
    stats = await jji.json("history", "stats", "folder/job-name")
    assert stats["total_builds_analyzed"] == 1
    code, out = await jji("history", "stats", "folder/job-name")
    assert code == 0 and "Builds analyzed: 1" in out and "Failure rate: 100.0%" in out, out

    code, out = await jji("results", "delete", jid, user="alice")
    assert code == 1 and "403" in out
    code, out = await jji("results", "delete", jid, api_key=ADMIN_KEY)
    assert code == 0 and f"Deleted job {jid}" in out, out
    code, out = await jji("status", jid)
    assert code == 1 and "404" in out

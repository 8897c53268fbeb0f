"""Issue 15 #11, replayed: an AI CLI that the analyzer runs goes looking for its secrets.

A prompt-injected CLI (the fake `claude`, in snoop mode) reads /proc/<parent>/environ
and every other process environment it can open. The analyzer is a real
`verdict analyzer` process started with secrets in its environment, as a deployment
starts it; nothing of them may be readable by the CLI.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fakes.llm import answer_json
from tests.libs.triage.providers.support import CLI_USER, FAKE_BIN, CliHome
from verdict.settings import Settings

ADMIN_KEY = "admin-key-only-the-analyzer-knows-0123456789"
JIRA_TOKEN = "jira-token-only-the-analyzer-knows"


@pytest.fixture
def cli_home() -> Iterator[CliHome]:
    home = Path(tempfile.mkdtemp(prefix="verdict-cli-home-"))
    yield CliHome(home)
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def analyzer_process(settings: Settings, cli_home: CliHome, pg, redis) -> Iterator[int]:
    env = {
        "PATH": f"{FAKE_BIN}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(cli_home.root),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),  # the code under test, wherever it is
        "VERDICT_DATABASE_URL": settings.database_url,
        "VERDICT_REDIS_URL": settings.redis_url,
        "VERDICT_QUEUE_PREFIX": settings.queue_prefix,
        "VERDICT_ADMIN_KEY": ADMIN_KEY,
        "VERDICT_ENCRYPTION_KEY": settings.encryption_key.get_secret_value(),
        "VERDICT_JIRA_API_TOKEN": JIRA_TOKEN,
        "VERDICT_AI_CLI_USER": CLI_USER,
        "VERDICT_AI_CLI_HOME": str(cli_home.root),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "analyzer"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield proc.pid
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


async def _wait_done(client, job_id: str) -> dict:
    for _ in range(600):
        response = await client.get(f"/results/{job_id}")
        if response.status == 200:
            return dict(await response.json())
        await asyncio.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


async def test_a_cli_cannot_read_the_workers_secrets(client, cli_home, analyzer_process):
    cli_home.script("claude", {"mode": "answer", "text": answer_json(), "snoop": True})
    response = await client.post(
        "/analyze-failures?wait=false",
        json={
            "ai_provider": "claude",
            "ai_model": "sonnet",
            "failures": [{"test_name": "t.test_a", "error_message": "AssertionError: 1 != 2"}],
        },
    )
    assert response.status == 202, await response.text()
    result = await _wait_done(client, (await response.json())["job_id"])
    assert result["status"] == "completed", result
    [failure] = result["result"]["failures"]
    assert failure["analysis"]["source"] == "ai", failure["analysis"]

    snoop = json.loads((cli_home.folder / "claude.snoop.json").read_text())
    parent = str(snoop["ppid"])
    assert int(parent) == analyzer_process
    assert snoop["environ"][parent].startswith("unreadable"), "the worker's environ was read"
    for pid, text in snoop["environ"].items():
        assert ADMIN_KEY not in text and JIRA_TOKEN not in text, f"secret read from pid {pid}"
    [call] = cli_home.calls("claude")
    assert call["uid"] != 0
    assert not {k for k in call["env"] if k.startswith("VERDICT_")}

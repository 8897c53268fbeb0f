"""`verdict rotate-key`: every stored secret moves to the new encryption key."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

from pydantic import SecretStr

from tests.conftest import ROOT
from verdict.security.crypto import TokenCipher
from verdict.services.keys import rotate_encryption_key

NEW_KEY = "the-new-encryption-key-0123456789abcdef"
NEWER_KEY = "the-newer-encryption-key-0123456789abcdef"


async def _stored(pg) -> dict[str, bytes]:
    user = await pg.fetchrow("select github_token_enc, jira_token_enc from users")
    return {
        "github": bytes(user["github_token_enc"]),
        "jira": bytes(user["jira_token_enc"]),
        "webhook": bytes(await pg.fetchval("select secret_enc from webhook_subscriptions")),
        "job": bytes(await pg.fetchval("select payload from job_secrets")),
    }


async def test_rotate_key_re_encrypts_every_stored_secret(client, pg, settings):
    queued = await client.post(
        "/analyze-failures?wait=false",
        json={"failures": [{"test_name": "t.a"}], "jira_api_token": "jira-request-token"},
    )
    assert queued.status == 202
    old = TokenCipher.from_settings(settings)
    await pg.execute(
        "insert into users (username, github_token_enc, jira_token_enc) values ('alice', $1, $2)",
        old.encrypt("ghp_alice"),
        old.encrypt("jira-alice"),
    )
    await pg.execute(
        "insert into webhook_subscriptions (url, events, secret_enc)"
        " values ('https://hooks.example.com/x', '{analysis.completed}', $1)",
        old.encrypt("whsec_0123456789abcdef"),
    )
    rolled = settings.model_copy(
        update={
            "encryption_key": SecretStr(NEW_KEY),
            "encryption_old_keys": [settings.encryption_key],
        }
    )
    report = await rotate_encryption_key(pg, rolled)
    assert {k: (v.rotated, v.unreadable) for k, v in report.items()} == {
        "user_tokens": (2, 0),
        "webhook_secrets": (1, 0),
        "job_secrets": (1, 0),
    }
    only_new = TokenCipher.from_settings(
        settings.model_copy(update={"encryption_key": SecretStr(NEW_KEY)})
    )
    stored = await _stored(pg)
    assert only_new.decrypt(stored["github"]) == "ghp_alice"
    assert only_new.decrypt(stored["jira"]) == "jira-alice"
    assert only_new.decrypt(stored["webhook"]) == "whsec_0123456789abcdef"
    assert json.loads(only_new.decrypt(stored["job"]))["jira_api_token"] == "jira-request-token"
    assert old.decrypt(stored["github"]) == ""  # the old key alone reads nothing now

    # The command, as an operator runs it: the next key, this one retired.
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "VERDICT_DATABASE_URL": settings.database_url,
        "VERDICT_ENCRYPTION_KEY": NEWER_KEY,
        "VERDICT_ENCRYPTION_OLD_KEYS": json.dumps([NEW_KEY]),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli",
        "rotate-key",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    assert "user_tokens: 2 re-encrypted, 0 unreadable" in out.decode()
    newest = TokenCipher(NEWER_KEY)
    assert newest.decrypt((await _stored(pg))["webhook"]) == "whsec_0123456789abcdef"


async def test_a_secret_no_key_reads_is_reported_and_kept(pg, settings):
    stranger = TokenCipher("a-key-nobody-configured-0123456789abcdef").encrypt("x")
    await pg.execute(
        "insert into webhook_subscriptions (url, events, secret_enc)"
        " values ('https://hooks.example.com/x', '{analysis.completed}', $1)",
        stranger,
    )
    report = await rotate_encryption_key(pg, settings)
    assert (report["webhook_secrets"].rotated, report["webhook_secrets"].unreadable) == (0, 1)
    assert bytes(await pg.fetchval("select secret_enc from webhook_subscriptions")) == stranger


def test_services_refuse_to_start_without_a_key(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "VERDICT_ENCRYPTION_KEY": "",
        "VERDICT_ENCRYPTION_KEY_FILE": "",
    }
    for service, needle in (("gateway", "VERDICT_ENCRYPTION_KEY is not set"),):
        done = subprocess.run(
            [sys.executable, "-m", "services.cli", service],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode != 0 and needle in done.stderr
    short = {
        **env,
        "VERDICT_ENCRYPTION_KEY": "0123456789abcdef0123456789abcdef",
        "VERDICT_ADMIN_KEY": "short",
    }
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "gateway"],
        cwd=ROOT,
        env=short,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and "at least 32 characters" in done.stderr

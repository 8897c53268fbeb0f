"""`verdict retrain`: the command a cron or an operator runs."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


async def test_verdict_retrain_stores_a_model_and_says_so(settings, pg):
    env = {
        "VERDICT_DATABASE_URL": settings.database_url,
        "VERDICT_REDIS_URL": settings.redis_url,
        "PATH": "/usr/bin:/bin",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli",
        "retrain",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 110)
    assert process.returncode == 0, err.decode()
    assert "0 of them human overrides" in out.decode()
    row = await pg.fetchrow("select overrides, trained_on from triage_models order by id desc")
    assert row is not None and row["overrides"] == 0 and row["trained_on"] > 150

"""AI calls per build with signatures + reuse, against JJI's raw-hash grouping.

Ten consecutive builds of one job, each 1,000 failures from 25 root causes with
run-varying noise (durations, addresses, ids, line numbers), analysed by the real
pipeline through the `openai` provider against a fake server answering in 200 ms.
Printed, measured in this run: AI calls on build 1 (target 25) and on builds 2-10
(target 0 with reuse on), wall time per build, beside the same workload with reuse
off, and the calls jenkins-job-insight's raw SHA-256(message + 5 stack lines)
grouping would make for the same failures.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
import time
import uuid
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pydantic import SecretStr

from tests.fakes.llm import FakeLLM, Reply, answer_json, openai_app, start
from verdict.analysis.direct import run_direct_analysis
from verdict.analysis.engine import TriageEngine
from verdict.analysis.inputs import JSON_FAILURES, encode_failures
from verdict.contracts.requests import TestFailure
from verdict.settings import Settings
from verdict.storage import jobs as jobs_repo
from verdict.storage.migrate import migrate
from verdict.storage.pool import (
    create_pool,
    drop_database,
    ensure_database,
    with_database,
)
from verdict.triage.providers import AiLimiter

BUILDS, FAILURES, CAUSES = 10, 1000, 25
CAUSE_TEXT = [
    "AssertionError: expected status 200 but got {n} from /api/orders/{id}",
    "TimeoutError: request to payments-{id}.svc timed out after {n}ms",
    "KeyError: 'customer_{n}' not found in cache at 0x{hexid}",
    "ValueError: invalid literal for int() with base 10: 'v{n}'",
    "ConnectionResetError: [Errno 104] peer 10.1.{n}.{m}:5432 reset the connection",
]


# Root causes differ in words (component, code path), as real ones do; the noise is
# in numbers, addresses, ids, temp paths and line numbers.
COMPONENTS = ["orders", "payments", "inventory", "shipping", "billing"]
STEPS = ["validate", "persist", "notify", "render", "fetch"]


def failures_for(build: int) -> list[TestFailure]:
    out = []
    for i in range(FAILURES):
        cause = i % CAUSES
        component = COMPONENTS[cause // len(CAUSE_TEXT)]
        template = CAUSE_TEXT[cause % len(CAUSE_TEXT)]
        message = template.format(
            n=build * 1000 + i, m=i % 250, id=uuid.uuid4().hex[:8], hexid=uuid.uuid4().hex[:12]
        )
        stack = "\n".join(
            f'  File "/tmp/run-{build}-{uuid.uuid4().hex[:6]}/src/{component}/{step}.py", '
            f"line {build * 7 + k}, in {step}_{component}"
            for k, step in enumerate(STEPS)
        )
        out.append(
            TestFailure(test_name=f"tests.t{i}.test_{i}", error_message=message, stack_trace=stack)
        )
    return out


def jji_calls(failures: list[TestFailure]) -> int:
    """JJI's signature: a raw SHA-256 of the message and the first 5 stack lines."""
    keys = {
        hashlib.sha256(
            (f.error_message + "\n".join(f.stack_trace.splitlines()[:5])).encode()
        ).hexdigest()
        for f in failures
    }
    return len(keys)


async def run_series(
    settings: Settings, reuse: bool, fake: FakeLLM
) -> list[tuple[int, float, int]]:
    pool = await create_pool(settings.database_url)
    await pool.execute("truncate jobs, ai_usage cascade")
    rows = []
    async with aiohttp.ClientSession() as http:
        engine = TriageEngine(pool, settings, http, AiLimiter(settings.max_concurrent_ai_calls))
        for build in range(1, BUILDS + 1):
            failures = failures_for(build)
            params = {
                "ai_provider": "openai",
                "ai_model": "bench-model",
                "force_fresh_analysis": not reuse,
            }
            job = jobs_repo.NewJob(
                "failures",
                params,
                JSON_FAILURES,
                encode_failures(failures),
                job_name="bench/job",
                build_number=build,
                ai_provider="openai",
                ai_model="bench-model",
            )
            async with pool.acquire() as conn:
                job_id = await jobs_repo.create_job(conn, job)
            before = len(fake.requests)
            started = time.perf_counter()
            outcome = await run_direct_analysis(engine, job_id)
            elapsed = time.perf_counter() - started
            assert outcome.startswith("completed"), outcome
            rows.append((len(fake.requests) - before, elapsed, jji_calls(failures)))
    await pool.close()
    return rows


async def main() -> None:
    base = Settings()
    settings = base.model_copy(
        update={"database_url": with_database(base.database_url, "verdict_bench_reuse")}
    )
    await drop_database(settings.database_url)
    await ensure_database(settings.database_url)
    await migrate(settings.database_url)
    fake = FakeLLM(Reply(text=answer_json("PRODUCT BUG", 0.9), delay=0.2))
    server = await start(openai_app(fake))
    settings.openai_base_url = str(server.make_url("/v1"))
    settings.openai_api_key = SecretStr("bench")
    try:
        on = await run_series(settings, True, fake)
        off = await run_series(settings, False, fake)
    finally:
        await server.close()
        await drop_database(settings.database_url)

    print(
        f"{BUILDS} builds x {FAILURES} failures from {CAUSES} root causes; "
        f"fake OpenAI-compatible server answering in 200 ms; "
        f"VERDICT_MAX_CONCURRENT_AI_CALLS={settings.max_concurrent_ai_calls}"
    )
    print(
        f"{'build':>5} {'calls(reuse)':>13} {'wall(reuse)':>12} {'calls(off)':>11} "
        f"{'wall(off)':>10} {'JJI calls':>10}"
    )
    for b, ((c_on, t_on, jji), (c_off, t_off, _)) in enumerate(zip(on, off, strict=True), 1):
        print(f"{b:>5} {c_on:>13} {t_on:>11.2f}s {c_off:>11} {t_off:>9.2f}s {jji:>10}")
    first, later = on[0][0], sum(r[0] for r in on[1:])
    jji_total = sum(r[2] for r in on)
    print(f"AI calls build 1: {first} (target {CAUSES}) {'PASS' if first == CAUSES else 'MISS'}")
    print(f"AI calls builds 2-{BUILDS}: {later} (target 0) {'PASS' if later == 0 else 'MISS'}")
    print(
        f"total AI calls: Verdict {first + later} with reuse, "
        f"{sum(r[0] for r in off)} without; jenkins-job-insight grouping {jji_total} "
        f"(ratio {jji_total / max(first + later, 1):.0f}x fewer)"
    )
    wall_on, wall_off = sum(r[1] for r in on), sum(r[1] for r in off)
    print(
        f"wall time for {BUILDS} builds: {wall_on:.1f}s with reuse, {wall_off:.1f}s without "
        f"({wall_off / wall_on:.1f}x)"
    )


if __name__ == "__main__":
    asyncio.run(main())

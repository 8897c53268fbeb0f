"""The repeat scenario: 5 builds x 200 failures from 20 causes -> 20 groups, 20 AI calls, then 0.

Run: python tests/bench/bench_repeat_scenario.py

Twenty root causes that differ only in what names a cause (HTTP 502 vs 403, exit
143 vs 2, signal 9 vs 15, TS2307 vs TS2339, MySQL 1062 vs 1452, services/v3 vs v4,
sha1.go vs sha256.go, parse_int32 vs parse_int64, ...), ten failures each per build,
with run noise that differs per failure and per build: workspace roots per agent
and per concurrent build (Jenkins job@2, GitLab runners), temp names with and
without digits, pod names, seeds, pids, ports, addresses, timestamps, line numbers.
Analysed by the real pipeline through the `openai` provider against a fake
server. Printed: groups per build (target exactly 20), AI calls on build 1
(target 20) and on builds 2-5 (target 0), and the groups the previous signatures
(git BASELINE) make of the same failures.
"""

from __future__ import annotations

import asyncio
import random
import sys
import uuid
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pydantic import SecretStr

from tests.bench.baseline import BASELINE, run_baseline
from tests.fakes.llm import FakeLLM, Reply, answer_json, openai_app, start
from verdict.analysis.direct import run_direct_analysis
from verdict.analysis.engine import TriageEngine
from verdict.analysis.inputs import JSON_FAILURES, encode_failures
from verdict.contracts.requests import TestFailure
from verdict.settings import Settings
from verdict.storage import jobs as jobs_repo
from verdict.storage.migrate import migrate
from verdict.storage.pool import create_pool, drop_database, ensure_database, with_database
from verdict.triage.providers import AiLimiter
from verdict.triage.signature import error_signature

BUILDS, PER_BUILD, CAUSES = 5, 200, 20
LETTERS = "abcdefghijklmnopqrstuvwxyz"
POD = "bcdfghjklmnpqrstvwxz2456789"


def _noise(rng: random.Random, build: int) -> dict[str, str]:
    agent = rng.randint(1, 9)
    roots = [
        f"/var/lib/jenkins/workspace/shop-ci@{rng.randint(2, 4)}",
        f"/home/agent{agent}/workspace/shop-ci",
        f"/builds/{''.join(rng.choices(LETTERS + LETTERS.upper(), k=8))}/"
        f"{rng.randint(0, 3)}/acme/shop",
    ]
    return {
        "root": rng.choice(roots),
        "tmp": "tmp" + "".join(rng.choices(LETTERS, k=8)),  # no digit, like tempfile's
        "pod": "".join(rng.choices(POD, k=9)) + "-" + "".join(rng.choices(POD, k=5)),
        "seed": f"{rng.getrandbits(40):X}",
        "pid": str(rng.randint(100, 99999)),
        "port": str(rng.randint(30000, 65000)),
        "addr": f"{rng.getrandbits(44):x}",
        "ts": f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T0{rng.randint(0, 9)}:1{build}:22Z",
        "line": str(rng.randint(10, 900)),
        "id": str(uuid.UUID(int=rng.getrandbits(128))),
        "n": str(rng.randint(1, 10**6)),
    }


def _py(root: str, pkg: str, line: str) -> str:
    return (
        "Traceback (most recent call last):\n"
        f'  File "{root}/tests/test_api.py", line {line}, in test_call\n'
        f'  File "{root}/app/{pkg}/billing.py", line {line}, in charge\n'
    )


SCRATCH = "ValueError: amount {n} rejected; scratch file {root}/out/{tmp}/charge.json"
CAUSE_TEMPLATES: list[tuple[str, str]] = [
    ("AssertionError: expected 200, got 502 from http://127.0.0.1:{port}/api/orders", "py:v1"),
    ("AssertionError: expected 200, got 403 from http://127.0.0.1:{port}/api/orders", "py:v1"),
    ("script returned exit code 143 at {ts} in {root}/ci/run.sh", ""),
    ("script returned exit code 2 at {ts} in {root}/ci/run.sh", ""),
    ("worker (pid {pid}) killed by signal 9 at {ts}", ""),
    ("worker (pid {pid}) killed by signal 15 at {ts}", ""),
    ("{root}/src/app.ts({line},7): error TS2307: Cannot find module './cart'", ""),
    ("{root}/src/app.ts({line},7): error TS2339: Cannot find module './cart'", ""),
    ("ERROR 1062 (23000): Duplicate entry '{n}' for key 'PRIMARY'", ""),
    ("ERROR 1452 (23000): Duplicate entry '{n}' for key 'PRIMARY'", ""),
    (SCRATCH, "py:services/v3"),
    (SCRATCH, "py:services/v4"),
    ("panic: runtime error: index out of range [{line}] with length 0", "go:sha1"),
    ("panic: runtime error: index out of range [{line}] with length 0", "go:sha256"),
    ("called `Result::unwrap()` on an `Err` value: ParseIntError (seed {seed})", "rust:int32"),
    ("called `Result::unwrap()` on an `Err` value: ParseIntError (seed {seed})", "rust:int64"),
    (
        "==={pid}==ERROR: AddressSanitizer: heap-use-after-free on address 0x{addr} at pc 0x{addr}",
        "asan",
    ),
    (
        "java.net.ConnectException: Connection refused: localhost:{port} "
        "(Randomized with seed {seed})",
        "",
    ),
    ("System.InvalidOperationException: Sequence contains no elements", "cs"),
    (
        "pod web-{pod} not ready: readiness probe failed: HTTP probe failed with statuscode: 503",
        "",
    ),
]


def _stack(kind: str, v: dict[str, str]) -> str:
    if kind.startswith("py:"):
        return _py(v["root"], kind[3:], v["line"])
    if kind.startswith("go:"):
        return (
            f"goroutine {v['pid']} [running]:\ncrypto/internal.Sum(0xc000{v['addr'][:6]})\n"
            f"\t{v['root']}/crypto/{kind[3:]}.go:{v['line']} +0x1bd\n"
            f"crypto/internal.TestSum(0xc000102000)\n\t{v['root']}/crypto/sum_test.go:31 +0x45"
        )
    if kind.startswith("rust:"):
        return (
            f"stack backtrace:\n   0: shop::parser::parse_{kind[5:]}\n"
            f"             at ./src/parser.rs:{v['line']}:9\n   1: shop::tests::parses\n"
            f"             at ./src/parser.rs:{v['line']}:5"
        )
    if kind == "asan":
        return (
            f"    #0 0x{v['addr']} in Parse {v['root']}/src/parser.cc:{v['line']}:9\n"
            f"    #1 0x{v['addr']} in main {v['root']}/src/main.cc:{v['line']}:3"
        )
    if kind == "cs":
        root = v["root"].replace("/", "\\")
        return (
            f"   at Shop.Billing.InvoiceBuilder.Build() in {root}\\src\\Billing\\"
            f"InvoiceBuilder.cs:line {v['line']}"
        )
    return ""


def failures_for(build: int) -> list[TestFailure]:
    rng = random.Random(build)
    out = []
    for i in range(PER_BUILD):
        cause = i % CAUSES
        message, kind = CAUSE_TEMPLATES[cause]
        v = _noise(rng, build)
        out.append(
            TestFailure(
                test_name=f"tests.cause{cause}.test_{i}",
                error_message=message.format(**v),
                stack_trace=_stack(kind, v),
            )
        )
    return out


async def run_builds(settings: Settings, fake: FakeLLM) -> list[tuple[int, int]]:
    pool = await create_pool(settings.database_url)
    rows = []
    async with aiohttp.ClientSession() as http:
        engine = TriageEngine(pool, settings, http, AiLimiter(settings.max_concurrent_ai_calls))
        for build in range(1, BUILDS + 1):
            failures = failures_for(build)
            params = {"ai_provider": "openai", "ai_model": "bench-model"}
            job = jobs_repo.NewJob(
                "failures",
                params,
                JSON_FAILURES,
                encode_failures(failures),
                job_name="shop/ci",
                build_number=build,
                ai_provider="openai",
                ai_model="bench-model",
            )
            async with pool.acquire() as conn:
                job_id = await jobs_repo.create_job(conn, job)
            before = len(fake.requests)
            outcome = await run_direct_analysis(engine, job_id)
            assert outcome.startswith("completed"), outcome
            groups = await pool.fetchval(
                "select count(distinct signature) from analyses where job_id = $1", job_id
            )
            rows.append((int(groups), len(fake.requests) - before))
    await pool.close()
    return rows


BASELINE_SNIPPET = """
from verdict.triage.signature import error_signature
result = [len({error_signature(m, s) for m, s in build}) for build in payload]
"""


async def main() -> None:
    base = Settings()
    settings = base.model_copy(
        update={"database_url": with_database(base.database_url, "verdict_bench_repeat")}
    )
    await drop_database(settings.database_url)
    await ensure_database(settings.database_url)
    await migrate(settings.database_url)
    fake = FakeLLM(Reply(text=answer_json("PRODUCT BUG", 0.9), delay=0.05))
    server = await start(openai_app(fake))
    settings.openai_base_url = str(server.make_url("/v1"))
    settings.openai_api_key = SecretStr("bench")
    try:
        rows = await run_builds(settings, fake)
    finally:
        await server.close()
        await drop_database(settings.database_url)
    builds = [failures_for(b) for b in range(1, BUILDS + 1)]
    ours = [len({error_signature(f.error_message, f.stack_trace) for f in b}) for b in builds]
    payload = [[(f.error_message, f.stack_trace) for f in b] for b in builds]
    try:
        before = run_baseline(BASELINE_SNIPPET, payload)
    except Exception as exc:  # no git history (a source tarball): say so, skip the column
        print(f"(baseline {BASELINE} unavailable: {exc})")
        before = ["?"] * BUILDS
    print(f"{BUILDS} builds x {PER_BUILD} failures from {CAUSES} causes, run noise per failure")
    print(f"{'build':>5} {'groups':>7} {'AI calls':>9} {'signatures':>11} {'before':>7}")
    for b, ((groups, calls), sig, old) in enumerate(zip(rows, ours, before, strict=True), 1):
        print(f"{b:>5} {groups:>7} {calls:>9} {sig:>11} {old!s:>7}")
    exact = all(groups == CAUSES for groups, _ in rows)
    first, later = rows[0][1], sum(calls for _, calls in rows[1:])
    print(f"exactly {CAUSES} groups in every build: {'MET' if exact else 'MISSED'}")
    print(f"AI calls build 1: {first} (target {CAUSES}) {'MET' if first == CAUSES else 'MISSED'}")
    print(f"AI calls builds 2-{BUILDS}: {later} (target 0) {'MET' if later == 0 else 'MISSED'}")
    print(f"previous signatures ({BASELINE}): {before} groups per build for the same failures")


if __name__ == "__main__":
    asyncio.run(main())

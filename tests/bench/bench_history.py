"""Benchmark of the history, dashboard and result endpoints on a large history.

Run: .venv/bin/python tests/bench/bench_history.py [--reseed]

Seeds its own database `verdict_bench_history` (same server as VERDICT_DATABASE_URL)
with 1,000,000 failure rows over 20,000 jobs, 200 job names and 50,000 tests (COPY,
then VACUUM ANALYZE as autovacuum would). The seeded database is kept and reused on
later runs (migrations still apply); --reseed rebuilds it.

What it measures: the real gateway (create_app, rate limiting off, access log off)
runs in a child process on a local port; this process is the load generator: 16
aiohttp clients on keep-alive connections, 800 requests per endpoint after a warm-up,
latency from sending a request to having read the whole body (aiohttp accepts gzip, as
browsers do: GET /results/{id} comes compressed). p50/p95 and req/s are
printed with PASS/MISS against the targets (p95 < 50 ms per endpoint, < 100 ms for
?search=, GET /results/{id} >= 40x jenkins-job-insight's 39 req/s with p95 < 20 ms).
The dashboard, /history/stats and GET /results answers are kept by the gateway and
re-validated against Postgres on every request: after the warm-up most requests are
served from what is kept (the first of each job name's statistics is computed).

How to read it: gateway, Postgres and this client share the machine's CPUs (2 on the
reference box), so the `client` column prints how much of one core the load generator
itself used; the load average before the run is printed too. A lighter client (wrk)
gives the server's own capacity: expect higher req/s than here. Not a test: it exits 0
either way.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import random
import socket
import statistics
import sys
import time
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import asyncpg

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "libs")]

from verdict.settings import Settings  # noqa: E402
from verdict.storage.migrate import migrate  # noqa: E402
from verdict.storage.pool import ensure_database, with_database  # noqa: E402

DB_NAME = "verdict_bench_history"
JOBS = 20_000
JOB_NAMES = 200
TESTS = 50_000
FAILURES = 1_000_000
BIG_JOB_FAILURES = 200
SIGNATURES = 2_000
CLIENTS = 16
REQUESTS = 800  # per endpoint, after a warm-up
JJI_RPS, JJI_P95_MS = 39.0, 554.0  # jenkins-job-insight 3.2.0, same machines, 16 clients

MESSAGES = [
    "AssertionError: expected {n} got 500",
    "requests.exceptions.ConnectionError: Connection refused to db-{n}:5432",
    "TimeoutError: operation timed out after {n}s",
    "KeyError: 'field_{n}'",
    "NullPointerException at com.acme.Service.handle(Service.java:{n})",
]
CLASSES = ["CODE ISSUE", "PRODUCT BUG", "INFRASTRUCTURE"]


def test_name(i: int) -> str:
    return f"tests.suite_{i // 250:03d}.test_case_{i:05d}"


def job_name(j: int) -> str:
    return f"team-{j % 20:02d}/pipeline-{j:03d}"


async def seed(conn: asyncpg.Connection) -> float:
    # One transaction: a seed that fails half way leaves the indexes it dropped in place.
    started = time.perf_counter()
    async with conn.transaction():
        await _seed(conn)
    # What autovacuum does to a table after bulk inserts; without it every index-only
    # scan still reads the heap (no visibility map yet).
    await conn.execute("vacuum analyze")
    return time.perf_counter() - started


async def _seed(conn: asyncpg.Connection) -> None:
    rng = random.Random(7)
    await conn.execute("truncate jobs cascade")
    await conn.execute("set maintenance_work_mem = '512MB'")
    indexes = await conn.fetch(
        "select indexname, indexdef from pg_indexes where tablename = 'failures'"
        " and indexname <> 'failures_pkey'"
    )
    for ix in indexes:
        await conn.execute(f'drop index "{ix["indexname"]}"')

    now = datetime.now(UTC)
    per_build = FAILURES // JOBS  # 50
    tests_per_name = TESTS // JOB_NAMES  # 250
    job_rows, failure_rows, run_rows, outcome_rows = [], [], [], []
    big_job = None
    payload = zlib.compress(b"[]")
    for b in range(JOBS):
        name_ix, build = b % JOB_NAMES, b // JOB_NAMES + 1
        jid = uuid.uuid4()
        created = now - timedelta(minutes=(JOBS - b) * 4)  # ~55 days, oldest first
        # One job carries 200 failures (the GET /results target); the others 50 or fewer.
        count = BIG_JOB_FAILURES if b == JOBS - 1 else per_build
        if b < JOBS - 1 and b >= JOBS - 1 - (BIG_JOB_FAILURES - per_build):
            count = per_build - 1  # the 150 just before it give one each: 1,000,000 in all
        first_test = name_ix * tests_per_name
        picks = rng.sample(range(tests_per_name), min(count, tests_per_name))
        if count > tests_per_name:
            picks = [rng.randrange(tests_per_name) for _ in range(count)]
        failures_json = []
        for p in picks:
            t = test_name(first_test + p)
            sig_ix = (first_test + p) % SIGNATURES
            message = MESSAGES[sig_ix % len(MESSAGES)].format(n=sig_ix)
            signature = f"{sig_ix:064x}"
            cls = CLASSES[sig_ix % 3]
            failure_rows.append(
                (jid, job_name(name_ix), build, t, message, signature, cls, created)
            )
            if count == BIG_JOB_FAILURES:
                failures_json.append(
                    {
                        "test_name": t,
                        "error": message,
                        "error_signature": signature,
                        "analysis": {
                            "classification": cls,
                            "affected_tests": [t],
                            "details": "Deterministic rule matched: " + message * 3,
                            "artifacts_evidence": message,
                            "code_fix": False,
                            "product_bug_report": False,
                            "evidence": message,
                            "confidence": 0.9,
                            "source": "builtin",
                            "provenance": {},
                        },
                        "peer_debate": None,
                    }
                )
        summary = f"{count} failures"
        result = {
            "job_id": str(jid),
            "job_name": job_name(name_ix),
            "build_number": build,
            "status": "completed",
            "summary": summary,
            "ai_provider": "builtin",
            "ai_model": "",
            "failures": failures_json,
            "child_job_analyses": [],
        }
        if count == BIG_JOB_FAILURES:
            big_job = jid
        job_rows.append(
            (
                jid,
                "jenkins",
                "completed",
                job_name(name_ix),
                build,
                summary,
                "builtin",
                "",
                json.dumps(result),
                count,
                created,
                created,
                created,
            )
        )
        run_rows.append(
            (jid, job_name(name_ix), build, tests_per_name, tests_per_name - count, count, 0, 2)
        )
        for _ in range(2):
            outcome_rows.append(
                (
                    jid,
                    job_name(name_ix),
                    test_name(first_test + rng.randrange(tests_per_name)),
                    "flaky",
                    created,
                )
            )
    await conn.copy_records_to_table(
        "jobs",
        records=job_rows,
        columns=[
            "id",
            "kind",
            "status",
            "job_name",
            "build_number",
            "summary",
            "ai_provider",
            "ai_model",
            "result",
            "failure_count",
            "created_at",
            "analysis_started_at",
            "completed_at",
        ],
    )
    await conn.copy_records_to_table(
        "job_inputs",
        records=[(r[0], "application/json", 2, payload) for r in job_rows],
        columns=["job_id", "content_type", "size_bytes", "payload"],
    )
    await conn.copy_records_to_table(
        "failures",
        records=failure_rows,
        columns=[
            "job_id",
            "job_name",
            "build_number",
            "test_name",
            "error_message",
            "error_signature",
            "classification",
            "analyzed_at",
        ],
    )
    await conn.copy_records_to_table(
        "test_runs",
        records=run_rows,
        columns=[
            "job_id",
            "job_name",
            "build_number",
            "total",
            "passed",
            "failed",
            "skipped",
            "flaky",
        ],
    )
    await conn.copy_records_to_table(
        "test_outcomes",
        records=outcome_rows,
        columns=["job_id", "job_name", "test_name", "outcome", "created_at"],
    )
    # A few comments and reviews on recent jobs, so the dashboard counts something.
    recent = [r[0] for r in job_rows[-600:]]
    await conn.executemany(
        "insert into comments (job_id, test_name, comment, username) values ($1, $2, $3, $4)",
        [(j, test_name(i), "looked at it", "alice") for i, j in enumerate(recent)],
    )
    for ix in indexes:
        await conn.execute(ix["indexdef"])
    await conn.execute("create table if not exists bench_meta (key text primary key, value text)")
    await conn.execute(
        "insert into bench_meta values ('big_job', $1) on conflict (key) do update"
        " set value = excluded.value",
        str(big_job),
    )


def serve(settings_json: str, port: int) -> None:
    from aiohttp import web

    from services.gateway.app import create_app
    from verdict.logging import configure_logging

    settings = Settings.model_validate_json(settings_json)
    configure_logging(settings, service="gateway")
    web.run_app(create_app(settings), host="127.0.0.1", port=port, access_log=None, print=None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def measure(
    session: aiohttp.ClientSession, urls: list[str]
) -> tuple[list[float], float, float]:
    """Latencies (ms), wall seconds, and the CPU seconds this client process spent."""
    queue = list(reversed(urls))
    latencies: list[float] = []

    async def worker() -> None:
        while queue:
            url = queue.pop()
            t0 = time.perf_counter()
            async with session.get(url) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"{url}: {response.status}")
            latencies.append((time.perf_counter() - t0) * 1000)

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(CLIENTS)))
    return latencies, time.perf_counter() - started, time.process_time() - cpu


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def main() -> int:
    base = Settings()
    dsn = with_database(base.database_url, DB_NAME)
    await ensure_database(dsn)
    applied = await migrate(dsn)
    conn = await asyncpg.connect(dsn)
    try:
        seeded = await conn.fetchval("select count(*) from failures")
        has_meta = await conn.fetchval("select to_regclass('bench_meta') is not null")
        if "--reseed" in sys.argv or seeded != FAILURES or not has_meta:
            print(f"seeding {FAILURES:,} failures over {JOBS:,} jobs ...", flush=True)
            seconds = await seed(conn)
            verdict = "PASS" if seconds < 120 else "MISS"
            print(f"seeding: {seconds:.1f} s (target < 120 s) {verdict}")
        else:
            print(f"using the seeded database {DB_NAME} (--reseed to rebuild)")
            if applied:  # new migrations built indexes or tables: give them statistics
                await conn.execute("vacuum analyze")
        big_job = await conn.fetchval("select value from bench_meta where key = 'big_job'")
    finally:
        await conn.close()

    port = free_port()
    settings = base.model_copy(
        update={
            "database_url": dsn,
            "env": "production",
            "log_level": "WARNING",
            # Measuring the endpoints, not the per-client rate limit.
            "rate_limit_enabled": False,
        }
    )
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=serve, args=(settings.model_dump_json(), port), daemon=True)
    # SecretStr fields dump as "**********"; the gateway needs none of them here.
    proc.start()
    url = f"http://127.0.0.1:{port}"
    rng = random.Random(11)
    try:
        connector = aiohttp.TCPConnector(limit=CLIENTS)
        async with aiohttp.ClientSession(url, connector=connector) as session:
            for _ in range(100):
                try:
                    async with session.get("/health") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            cases = {
                "/history/failures?search= (one test)": (
                    lambda: f"/history/failures?search=case_{rng.randrange(TESTS):05d}",
                    100,
                ),
                "/history/test/{name}": (
                    lambda: f"/history/test/{test_name(rng.randrange(TESTS))}",
                    50,
                ),
                "/history/stats/{job}": (
                    lambda: f"/history/stats/{job_name(rng.randrange(JOB_NAMES))}",
                    50,
                ),
                "/api/dashboard": (lambda: "/api/dashboard", 50),
                "GET /results/{id} (200 failures)": (lambda: f"/results/{big_job}", 50),
            }
            load = [f"{x:.2f}" for x in os.getloadavg()]
            print(
                f"\n{CLIENTS} concurrent clients, {REQUESTS} requests per endpoint;"
                f" {os.cpu_count()} CPUs, load average before: {' '.join(load)}"
            )
            print(f"{'endpoint':40} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8} {'client':>7}  target")
            rps_results = 0.0
            for label, (make, target) in cases.items():
                await measure(session, [make() for _ in range(CLIENTS * 5)])  # warm-up
                latencies, wall, cpu = await measure(session, [make() for _ in range(REQUESTS)])
                p50, p95 = pct(latencies, 50), pct(latencies, 95)
                rps = len(latencies) / wall
                verdict = "PASS" if p95 < target else "MISS"
                print(
                    f"{label:40} {p50:8.1f} {p95:8.1f} {rps:8.0f} {cpu / wall:6.0%}"
                    f"  p95 < {target} ms {verdict}"
                )
                if label.startswith("GET /results"):
                    rps_results, p95_results = rps, p95
            # Terms whose trigrams are in every row cost the GIN index far more.
            for label, term, note in (
                ("common prefix", "test_case_{n:05d}", "'test_case_' is in all 1M names"),
                ("broad", "Connection refused", "matches 20% of all rows"),
            ):
                urls = [
                    "/history/failures?search=" + term.format(n=rng.randrange(TESTS))
                    for _ in range(CLIENTS * 4)
                ]
                got, _, _ = await measure(session, urls)
                print(
                    f"{'(info) ?search= ' + label:40} {pct(got, 50):8.1f} "
                    f"{pct(got, 95):8.1f}           {note}; no target"
                )
            print(
                f"\n`client`: CPU this load generator used, of one core, while measuring;"
                f" it shares the {os.cpu_count()} CPUs with the gateway and Postgres."
            )
            goal = JJI_RPS * 40
            print(
                f"GET /results/{{id}} throughput: {rps_results:.0f} req/s"
                f" (target >= {goal:.0f}, 40x jenkins-job-insight) and p95 < 20 ms:"
                f" {'PASS' if rps_results >= goal and p95_results < 20 else 'MISS'}"
            )
            print(
                f"GET /results/{{id}}: {rps_results:.0f} req/s, p95 {p95_results:.1f} ms;"
                f" jenkins-job-insight: {JJI_RPS:.0f} req/s, p95 {JJI_P95_MS:.0f} ms"
                f" -> {rps_results / JJI_RPS:.1f}x the throughput,"
                f" {JJI_P95_MS / p95_results:.1f}x lower p95"
            )
    finally:
        proc.terminate()
        proc.join(5)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))

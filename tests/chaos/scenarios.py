"""The fault scenarios of issue 19, each against a fresh private stack under load.

Each returns a `Row`: what the load submitted and got back (5xx other than 503, 503s,
connection errors), what became of every accepted job once the documented bound had
passed (completed, failed, lost, stored twice, still unfinished = stuck), and whether
every process was alive and answering at the end without anyone restarting it.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiohttp import web

from tests.chaos.liveness import answering
from tests.chaos.load import Load, Outcome, Tally, wait_settled
from tests.chaos.stack import ADMIN_KEY, Stack
from tests.fakes.jira import CLOUD_EMAIL, TOKEN, make_fake_jira, serve

# Short leases keep the suite bounded; the job timeout stays at its default, as deployed.
CHAOS_ENV = {
    "VERDICT_JOB_LEASE_S": "30",
    "VERDICT_RECONCILE_INTERVAL_S": "10",
    "VERDICT_RECONCILE_GRACE_S": "10",
}
# The documented bound: a job whose worker died runs again within lease + reconcile
# interval (+ the pending grace); plus time for the backlog to drain.
DRAIN_S = 20.0
BOUND_S = sum(float(v) for v in CHAOS_ENV.values()) + DRAIN_S
JOB_SIZE = 60


@dataclass
class Row:
    scenario: str
    tally: Tally
    outcome: Outcome
    alive: dict[str, bool]
    settle_s: float
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        o = self.outcome
        return (
            o.lost == 0
            and o.duplicated == 0
            and o.stuck == 0
            and o.failed == 0
            and self.tally.five_xx == 0
            and all(self.alive.values())
        )


Fault = Callable[[Stack, Load], Awaitable[list[str]]]


async def _running_job(stack: Stack, timeout_s: float = 15.0) -> bool:
    """Wait until some job is being worked on, so the fault lands mid-job."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            conn = await asyncpg.connect(stack.database_url, timeout=2)
            try:
                if await conn.fetchval("SELECT count(*) FROM jobs WHERE status = 'running'"):
                    return True
            finally:
                await conn.close()
        except (OSError, asyncpg.PostgresError):
            pass
        await asyncio.sleep(0.1)
    return False


async def _jira_phase(stack: Stack, timeout_s: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        conn = await asyncpg.connect(stack.database_url, timeout=2)
        try:
            if await conn.fetchval("SELECT count(*) FROM jobs WHERE phase = 'enriching_jira'"):
                return True
        finally:
            await conn.close()
        await asyncio.sleep(0.1)
    return False


def kill_worker(service: str, sig: signal.Signals) -> Fault:
    async def fault(stack: Stack, load: Load) -> list[str]:
        await asyncio.sleep(3)
        if service == "jira-enricher":
            mid = await _jira_phase(stack)
        else:
            mid = await _running_job(stack)
        pid = stack.signal(service, sig)
        await asyncio.sleep(12)  # the load goes on after the fault
        return [f"{sig.name} {service} pid {pid}" + ("" if mid else " (no job was running)")]

    return fault


async def flushall_with_queued(stack: Stack, load: Load) -> list[str]:
    import redis.asyncio as aioredis

    stack.signal("analyzer", signal.SIGSTOP)  # nothing drains while 100 are queued
    try:
        await load.submit_burst(100)
        redis = aioredis.Redis.from_url(stack.redis_url)
        queued = await redis.zcard("verdict:analyze")
        await redis.flushall()
        await redis.aclose()
    finally:
        stack.signal("analyzer", signal.SIGCONT)
    return [f"FLUSHALL with {queued} queued"]


async def redis_restart(stack: Stack, load: Load) -> list[str]:
    await asyncio.sleep(5)
    await asyncio.to_thread(stack.kill_redis)
    await asyncio.sleep(8)
    await asyncio.to_thread(stack.start_redis)
    await asyncio.sleep(12)
    return ["kill -9 redis-server, restarted 8 s later"]


async def postgres_outage(stack: Stack, load: Load) -> list[str]:
    await asyncio.sleep(5)
    started = time.monotonic()
    await asyncio.to_thread(stack.stop_postgres)
    await asyncio.sleep(15)
    await asyncio.to_thread(stack.start_postgres)
    down = time.monotonic() - started
    await asyncio.sleep(12)
    return [f"Postgres down {down:.0f} s"]


async def run_scenario(
    name: str,
    stack: Stack,
    fault: Fault,
    *,
    load_rate: float = 4.0,
    extra: dict[str, Any] | None = None,
    bound_s: float = BOUND_S,
) -> Row:
    await asyncio.to_thread(stack.start)
    try:
        async with Load(stack.base_url, rate=load_rate, size=JOB_SIZE, extra=extra) as load:
            notes = await fault(stack, load)
        found, settle_s = await wait_settled(
            stack.database_url, load.tally.accepted, JOB_SIZE, bound_s
        )
        alive = await answering(stack)
    finally:
        await asyncio.to_thread(stack.stop)
    if found.failed_errors:
        notes += [f"failed: {n} x {e!r}" for e, n in found.failed_errors.most_common(2)]
    return Row(name, load.tally, found, alive, settle_s, notes)


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: which job each delivery was for, and repeats."""

    latency_s: float = 0.5
    deliveries: Counter[str] = field(default_factory=Counter)
    jobs: set[str] = field(default_factory=set)

    def app(self) -> web.Application:
        async def receive(request: web.Request) -> web.Response:
            body = await request.json()
            await asyncio.sleep(self.latency_s)
            self.deliveries[request.headers.get("X-Verdict-Delivery", "?")] += 1
            self.jobs.add(str(body.get("job_id") or body.get("data", {}).get("job_id")))
            return web.Response(status=204)

        app = web.Application()
        app.router.add_post("/hook", receive)
        return app


async def tracker_kill(stack: Stack, bound_s: float) -> Row:
    """kill -9 of the tracker while it delivers webhooks: every completed job's
    `analysis.completed` must still reach the receiver, once."""
    import aiohttp

    receiver = Receiver()
    async with serve(receiver.app()) as hook_url:
        stack.extra_env["VERDICT_ALLOWED_HOSTS"] = f'["{hook_url.split("//")[1]}"]'
        await asyncio.to_thread(stack.start)
        try:
            async with aiohttp.ClientSession() as http:
                await http.post(
                    f"{stack.base_url}/api/webhooks",
                    json={"url": f"{hook_url}/hook", "events": ["analysis.completed"]},
                    headers={"Authorization": f"Bearer {ADMIN_KEY}"},
                )
            async with Load(stack.base_url, rate=4.0, size=JOB_SIZE) as load:
                notes = await kill_worker("tracker", signal.SIGKILL)(stack, load)
            found, settle_s = await wait_settled(
                stack.database_url, load.tally.accepted, JOB_SIZE, BOUND_S
            )
            completed = await _completed_ids(stack, load.tally.accepted)
            deadline = time.monotonic() + bound_s
            while not completed <= receiver.jobs and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(1)
            alive = await answering(stack)
        finally:
            await asyncio.to_thread(stack.stop)
    missing = len(completed - receiver.jobs)
    repeats = sum(1 for n in receiver.deliveries.values() if n > 1)
    found.lost += missing
    found.duplicated += repeats
    notes.append(
        f"webhooks: {len(completed)} due, {len(completed & receiver.jobs)} delivered, "
        f"{missing} missing, {repeats} delivered twice"
    )
    return Row("kill -9 tracker (webhooks)", load.tally, found, alive, settle_s, notes)


async def _completed_ids(stack: Stack, ids: list[Any]) -> set[str]:
    conn = await asyncpg.connect(stack.database_url)
    try:
        rows = await conn.fetch(
            "SELECT id FROM jobs WHERE id = ANY($1::uuid[]) AND status = 'completed'", ids
        )
    finally:
        await conn.close()
    return {str(r["id"]) for r in rows}


async def jira_kill(stack: Stack) -> Row:
    """kill -9 of the jira_enricher while it searches a slow Jira."""
    async with serve(make_fake_jira("cloud", latency_s=1.0)) as jira_url:
        stack.extra_env.update(
            {
                "VERDICT_JIRA_URL": jira_url,
                "VERDICT_JIRA_EMAIL": CLOUD_EMAIL,
                "VERDICT_JIRA_API_TOKEN": TOKEN,
                "VERDICT_JIRA_PROJECT_KEY": "PROJ",
                "VERDICT_ALLOWED_HOSTS": f'["{jira_url.split("//")[1]}"]',
            }
        )
        return await run_scenario(
            "kill -9 jira-enricher",
            stack,
            kill_worker("jira-enricher", signal.SIGKILL),
            extra={"enable_jira": True},
        )

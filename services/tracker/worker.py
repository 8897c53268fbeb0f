"""The tracker worker: GitHub, Jira and Report Portal calls, and outbound webhooks.

- `tracker.call(op, params, sealed, deadline)`: the synchronous endpoints' work; the
  gateway awaits the answer (see verdict.tracker.calls for the protocol);
- `tracker.deliver_webhook(delivery_id)`: one delivery attempt; a failure raises
  arq's Retry with the next delay of VERDICT_WEBHOOK_RETRY_SCHEDULE_S (24 h in all);
- a cron re-queues pending deliveries whose queue entry was lost (Redis flushed);
- `tracker.ping`, which operators and tests use to prove the worker consumes its queue.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from arq import Retry, cron, func

from verdict.errors import UpstreamError, VerdictError
from verdict.heartbeat import Heartbeat
from verdict.logging import get_logger
from verdict.queue import TRACKER_PING, redis_settings
from verdict.settings import Settings
from verdict.storage import webhooks as webhooks_repo
from verdict.storage.pool import create_pool
from verdict.tracker import enrich, issues, reportportal
from verdict.tracker.calls import TRACKER_CALL, WEBHOOK_DELIVER, failed, ok, unseal
from verdict.tracker.issues import Deps
from verdict.webhooks import delivery
from verdict.webhooks.outbound import enqueue_delivery
from verdict.webhooks.targets import PublicResolver

log = get_logger(__name__)

Op = Callable[[Deps, dict[str, Any], dict[str, str]], Awaitable[Any]]


async def _webhook_test(deps: Deps, params: dict[str, Any], secrets: dict[str, str]) -> Any:
    assert deps.webhook_session is not None
    outcome = await delivery.attempt(
        deps.pool, deps.webhook_session, deps.settings, int(params["delivery_id"]), retries=False
    )
    return {
        "delivery_id": outcome.delivery_id,
        "delivered": outcome.status == "delivered",
        "status_code": outcome.http_status,
        "error": outcome.error,
    }


OPS: dict[str, Op] = {
    "preview_github": issues.preview_github,
    "preview_jira": issues.preview_jira,
    "create_github": issues.create_github,
    "create_jira": issues.create_jira,
    "jira_projects": issues.jira_projects,
    "jira_security_levels": issues.jira_security_levels,
    "validate_token": issues.validate_token,
    "push_reportportal": reportportal.push,
    "enrich_comments": enrich.enrich,
    "webhook_test": _webhook_test,
}


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx["settings"]
    pool = await create_pool(settings.database_url)
    # Deliveries go to customers' URLs: a resolver that refuses internal addresses.
    connector = aiohttp.TCPConnector(resolver=PublicResolver(settings.allowed_hosts))
    ctx["heartbeat"] = Heartbeat.start(ctx["redis"], settings, "tracker", ctx.get("metrics"))
    ctx["deps"] = Deps(
        settings, pool, aiohttp.ClientSession(), {}, aiohttp.ClientSession(connector=connector)
    )


async def shutdown(ctx: dict[str, Any]) -> None:
    if "heartbeat" in ctx:
        await ctx["heartbeat"].stop()
    deps: Deps | None = ctx.get("deps")
    if deps is None:
        return
    if deps.webhook_session is not None:
        await deps.webhook_session.close()
    await deps.session.close()
    await deps.pool.close()


async def ping(ctx: dict[str, Any], token: str) -> str:
    return f"tracker:{token}"


async def call(
    ctx: dict[str, Any], op: str, params: dict[str, Any], sealed: dict[str, Any], deadline: float
) -> dict[str, Any]:
    deps: Deps = ctx["deps"]
    if time.time() > deadline:
        return failed(UpstreamError(f"{op} reached the worker after its caller stopped waiting"))
    handler = OPS.get(op)
    if handler is None:
        return failed(UpstreamError(f"unknown tracker call {op!r}"))
    try:
        return ok(await handler(deps, params, unseal(deps.settings, sealed)))
    except VerdictError as exc:
        return failed(exc)


async def deliver_webhook(ctx: dict[str, Any], delivery_id: int) -> None:
    deps: Deps = ctx["deps"]
    assert deps.webhook_session is not None
    outcome = await delivery.attempt(deps.pool, deps.webhook_session, deps.settings, delivery_id)
    if outcome.status == "pending" and outcome.retry_in_s is not None:
        log.info(
            "webhook delivery failed, retrying",
            delivery=delivery_id,
            error=outcome.error,
            retry_in_s=outcome.retry_in_s,
        )
        raise Retry(defer=outcome.retry_in_s)


async def requeue_deliveries(ctx: dict[str, Any]) -> None:
    """Pending deliveries overdue by a minute lost their queue entry: queue them again."""
    deps: Deps = ctx["deps"]
    async with deps.pool.acquire() as conn:
        overdue = await webhooks_repo.overdue_deliveries(conn, 60.0)
    for delivery_id in overdue:
        await enqueue_delivery(ctx["redis"], deps.settings, delivery_id)
    if overdue:  # a cron logs only when it did something
        log.info("requeued overdue webhook deliveries", count=len(overdue))


def worker_options(settings: Settings) -> dict[str, Any]:
    call_timeout = settings.tracker_call_timeout_s
    return {
        "functions": [
            func(ping, name=TRACKER_PING, timeout=10),
            func(
                call,
                name=TRACKER_CALL,
                timeout=call_timeout + 30,
                max_tries=1,
                keep_result=call_timeout + 60,
            ),
            func(
                deliver_webhook,
                name=WEBHOOK_DELIVER,
                timeout=settings.webhook_timeout_s + 30,
                keep_result=0,
                max_tries=len(settings.webhook_retry_schedule_s) + 1,
            ),
        ],
        "cron_jobs": [
            cron(
                requeue_deliveries,
                name="tracker.requeue_deliveries",
                second=17,
                run_at_startup=False,
            )
        ],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "queue_name": settings.queue_name("tracker"),
        "redis_settings": redis_settings(settings),
        "keep_result": 60,
        "ctx": {"settings": settings},
    }

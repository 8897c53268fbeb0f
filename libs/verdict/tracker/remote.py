"""The gateway's side of a synchronous tracker call: enqueue, then await the answer."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from arq.connections import ArqRedis
from redis.exceptions import RedisError

from verdict.errors import UpstreamError
from verdict.logging import get_logger
from verdict.settings import Settings
from verdict.tracker.calls import TRACKER_CALL, raise_for, seal

log = get_logger(__name__)


async def call(
    redis: ArqRedis,
    settings: Settings,
    op: str,
    params: dict[str, Any],
    secrets: dict[str, str] | None = None,
) -> Any:
    """Run `op` on the tracker worker and return its data, or raise its error.

    No answer within VERDICT_TRACKER_CALL_TIMEOUT_S is a 502 that says so; the worker
    skips the call if it reaches it after that deadline.
    """
    timeout = settings.tracker_call_timeout_s
    try:
        job = await redis.enqueue_job(
            TRACKER_CALL,
            op,
            params,
            seal(settings, secrets or {}),
            time.time() + timeout,
            _job_id=f"call:{uuid.uuid4().hex}",
            _queue_name=settings.queue_name("tracker"),
        )
    except (RedisError, OSError) as exc:
        raise UpstreamError(f"the tracker queue is unavailable: {exc}") from exc
    if job is None:  # only on a duplicate _job_id, which a fresh uuid cannot be
        raise UpstreamError("the tracker call could not be queued")
    try:
        answer = await job.result(timeout=timeout, poll_delay=0.05)
    except TimeoutError:
        raise UpstreamError(
            f"the tracker worker did not answer within {timeout:g} s "
            f"(is `verdict tracker` running?)"
        ) from None
    except (RedisError, OSError) as exc:
        raise UpstreamError(f"the tracker queue is unavailable: {exc}") from exc
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # the job itself crashed: arq re-raises its exception here
        log.warning("tracker call crashed", op=op, error=repr(exc))
        raise UpstreamError(f"the tracker worker failed on {op}: {type(exc).__name__}") from exc
    return raise_for(answer)

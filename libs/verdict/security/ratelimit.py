"""A sliding-window rate limiter in Redis (one sorted set per client and bucket).

Each request adds a member scored by its time in milliseconds; members older than
the window are dropped first, so the count is exact over the last `window_s`
seconds, with no burst at a fixed window's edge. One Lua script does it atomically,
so concurrent gateways share a limit without races.
"""

from __future__ import annotations

import math
import secrets
import time
from dataclasses import dataclass
from typing import Any

# KEYS[1]: the set. ARGV: now_ms, window_ms, limit, member, record (1 = count this hit).
# Returns {allowed (0/1), count after, oldest score in the window (ms) or now}.
_SCRIPT = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local allowed = 0
if count < limit then
  allowed = 1
  if ARGV[5] == '1' then
    redis.call('ZADD', key, now, ARGV[4])
    count = count + 1
  end
end
redis.call('PEXPIRE', key, window)
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local first = now
if oldest[2] then first = tonumber(oldest[2]) end
return {allowed, count, first}
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: int  # unix seconds when the oldest counted hit leaves the window
    retry_after: int  # seconds until one more hit is allowed (0 when allowed)


class SlidingWindow:
    """Counts hits per key over the last `window_s` seconds, atomically in Redis."""

    def __init__(self, redis: Any, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    async def hit(self, key: str, *, limit: int, window_s: float, record: bool = True) -> Decision:
        """Count one hit for `key` (unless `record` is False: only look) and decide."""
        now_ms = int(time.time() * 1000)
        window_ms = max(1, int(window_s * 1000))
        member = f"{now_ms}-{secrets.token_hex(4)}"
        allowed, count, first = await self._redis.eval(
            _SCRIPT,
            1,
            f"{self._prefix}:{key}",
            now_ms,
            window_ms,
            limit,
            member,
            "1" if record else "0",
        )
        reset_ms = int(first) + window_ms
        retry_after = 0 if allowed else max(1, math.ceil((reset_ms - now_ms) / 1000))
        return Decision(
            allowed=bool(allowed),
            limit=limit,
            remaining=max(0, limit - int(count)),
            reset_at=math.ceil(reset_ms / 1000),
            retry_after=retry_after,
        )

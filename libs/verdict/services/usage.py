"""AI usage (/api/usage): calls, tokens, cost and reuse hits per day and provider/model."""

from __future__ import annotations

from typing import Any

from verdict.services.deps import Deps
from verdict.storage import reuse as reuse_repo

COUNTS = ("calls", "reuse_hits", "input_tokens", "output_tokens")


async def usage_by_day(deps: Deps, days: int) -> dict[str, Any]:
    async with deps.pool.acquire() as conn:
        rows = await reuse_repo.usage_by_day(conn, days)
    items = [
        {
            "day": row["day"].isoformat(),
            "provider": row["provider"],
            "model": row["model"],
            "calls": row["calls"],
            "reuse_hits": row["reuse_hits"],
            "input_tokens": row["input_tokens"],
            "output_tokens": row["output_tokens"],
            "cost_usd": round(row["cost_usd"], 6),
        }
        for row in rows
    ]
    totals = {key: sum(i[key] for i in items) for key in COUNTS}
    totals["cost_usd"] = round(sum(i["cost_usd"] for i in items), 6)
    return {"days": days, "usage": items, "totals": totals}

"""The dashboard, `/`: recent analyses with filters, totals and cursor pages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from aiohttp import web

from services.gateway.keys import deps_of
from services.gateway.pages.formats import CLASSIFICATIONS
from services.gateway.pages.negotiate import negotiated
from services.gateway.pages.render import render
from services.gateway.params import page_request, run_filter
from verdict.contracts.identity import CI_SYSTEMS
from verdict.errors import ValidationFailed
from verdict.services import reports
from verdict.services.reports import DashboardFilter

STATUSES = ("pending", "waiting", "running", "completed", "failed")


def _date(request: web.Request, name: str, *, end: bool = False) -> datetime | None:
    raw = request.query.get(name, "").strip()
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise ValidationFailed(f"query.{name}: a date like 2026-04-18") from None
    return day + timedelta(days=1) if end else day  # `to` includes its whole day


def _choice(request: web.Request, name: str, allowed: tuple[str, ...]) -> str:
    value = request.query.get(name, "").strip()
    if value and value not in allowed:
        raise ValidationFailed(f"query.{name}: one of {', '.join(allowed)}")
    return value


def dashboard_filter(request: web.Request) -> DashboardFilter:
    return DashboardFilter(
        job_name=request.query.get("job_name", "").strip()[:200],
        status=_choice(request, "status", STATUSES),
        classification=_choice(request, "classification", CLASSIFICATIONS),
        since=_date(request, "from"),
        until=_date(request, "to", end=True),
        text=request.query.get("q", "").strip()[:200],
        # The page's job name matches any part of the name (above); the rest are exact.
        run=replace(run_filter(request), job_name=""),
    )


@negotiated(r"/")
async def dashboard_page(request: web.Request, _: dict[str, str]) -> web.StreamResponse:
    flt = dashboard_filter(request)
    page = page_request(request, default=50, hi=200)
    view = await reports.dashboard(deps_of(request), flt, page)
    kept = {k: v for k, v in request.query.items() if k not in ("after", "before") and v}
    return await render(
        request,
        "dashboard.html",
        {"view": view, "query": kept, "statuses": STATUSES, "ci_systems": CI_SYSTEMS},
    )

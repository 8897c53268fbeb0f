"""History pages: one test's history (`/history/test/{name}`), the failures search
(`/history/failures`) and a signature's occurrences (`/history/search?signature=`), on
the URLs of their JSON twins, from the same service operations."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from aiohttp import web

from services.gateway.keys import deps_of
from services.gateway.pages import charts
from services.gateway.pages.formats import CLASSES
from services.gateway.pages.negotiate import negotiated
from services.gateway.pages.render import render
from services.gateway.params import int_query, page_request
from verdict.errors import ValidationFailed
from verdict.services import history, reports
from verdict.storage.history import FailureFilter

SERIES = [(name, f"s-{slug}") for name, (slug, _, _) in CLASSES.items()]


def decoded(value: Any) -> Any:
    """A service answer's value, with JSON text Postgres wrote (Raw) parsed for the page."""
    text = getattr(value, "text", None)
    return json.loads(text) if isinstance(text, str) else value


def classes_by_day(rows: list[dict[str, Any]], at: str = "analyzed_at") -> Any:
    """A stacked bar chart of failures per day by classification, oldest day first."""
    days: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        day = str(row.get(at) or "")[:10]
        if day:
            days[day][row.get("classification") or ""] += 1
    labels = sorted(days)
    series = [charts.Series(name, css, [days[d][name] for d in labels]) for name, css in SERIES]
    other = [sum(n for c, n in days[d].items() if c not in CLASSES) for d in labels]
    if any(other):
        series.append(charts.Series("other", "s-other", other))
    return charts.stacked_bars(
        "Failures per day by classification", [d[5:] for d in labels], series
    )


@negotiated(r"/history/test/(?P<test_name>.+)")
async def test_page(request: web.Request, params: dict[str, str]) -> web.StreamResponse:
    test_name = params["test_name"]
    found = await history.test_history(
        deps_of(request),
        test_name,
        job_name=request.query.get("job_name", ""),
        exclude=None,
        limit=int_query(request, "limit", 100, lo=1, hi=100),
        window=int_query(request, "window", 20, lo=1, hi=100),
    )
    answer = {k: decoded(v) for k, v in found.items()}
    runs = list(reversed(answer["recent_runs"]))  # oldest first, for the charts
    return await render(
        request,
        "history_test.html",
        {
            "h": answer,
            "job_name": request.query.get("job_name", ""),
            "chart": classes_by_day(runs),
        },
    )


@negotiated(r"/history/failures")
async def failures_page(request: web.Request, _: dict[str, str]) -> web.StreamResponse:
    filters = FailureFilter(
        search=request.query.get("search", "").strip()[:200],
        job_name=request.query.get("job_name", "").strip()[:200],
        classification=request.query.get("classification", "").strip(),
    )
    page = page_request(request, default=50, hi=200)
    found = await history.failures(
        deps_of(request),
        history.FailuresQuery(filters=filters, limit=page.limit, offset=0, page=page),
    )
    answer = {k: decoded(v) for k, v in found.items()}
    kept = {k: v for k, v in request.query.items() if k not in ("after", "before") and v}
    return await render(
        request,
        "history_failures.html",
        {"h": answer, "query": kept, "chart": classes_by_day(answer["failures"])},
    )


@negotiated(r"/history/search")
async def signature_page(request: web.Request, _: dict[str, str]) -> web.StreamResponse:
    signature = request.query.get("signature", "").strip()
    if not signature:
        raise ValidationFailed("query.signature: field required")
    view = await reports.signature(deps_of(request), signature, limit=200)
    return await render(
        request,
        "signature.html",
        {"v": view, "chart": classes_by_day(list(reversed(view["occurrences"])))},
    )

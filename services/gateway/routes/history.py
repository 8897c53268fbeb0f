"""The failure history: /history/failures, /history/test, /history/search,
/history/stats, /history/classify and /history/classifications."""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from services.gateway.body import read_model
from services.gateway.identity import current_identity
from services.gateway.keys import deps_of
from services.gateway.openapi import (
    ClassificationsQuery,
    FailuresQuery,
    SearchQuery,
    StatsQuery,
    TestHistoryQuery,
    documented,
)
from services.gateway.params import int_query, page_request, run_filter, uuid_query
from services.gateway.responses import raw_json_response
from verdict.contracts.collaboration import Created
from verdict.contracts.history import (
    ClassificationList,
    ClassifyTestRequest,
    FailurePage,
    JobStats,
    SignatureSearch,
    TestHistory,
)
from verdict.errors import ValidationFailed
from verdict.services import history, statistics
from verdict.storage.history import FailureFilter

routes = web.RouteTableDef()
TAGS = ["history"]
FLAKY_WINDOW = 20  # builds; `?window=` changes it (1..100)


def _window(request: web.Request) -> int:
    return int_query(request, "window", FLAKY_WINDOW, lo=1, hi=100)


@routes.get("/history/failures")
@documented(
    query=FailuresQuery,
    responses={200: FailurePage},
    summary="Failure history, newest first (limit/offset or cursor pages)",
    tags=TAGS,
)
async def failures(request: web.Request) -> web.Response:
    query = history.FailuresQuery(
        filters=FailureFilter(
            search=request.query.get("search", ""),
            job_name=request.query.get("job_name", ""),
            classification=request.query.get("classification", ""),
            # job_name is the failure's own column (above); the rest are its job's.
            run=replace(run_filter(request), job_name=""),
        ),
        limit=int_query(request, "limit", 50, lo=1, hi=200),
        offset=int_query(request, "offset", 0, lo=0, hi=2**31 - 1),
        page=page_request(request, default=50, hi=200),
    )
    return raw_json_response(await history.failures(deps_of(request), query))


@routes.get("/history/test/{test_name:.+}")
@documented(
    query=TestHistoryQuery,
    responses={200: TestHistory},
    summary="One test's history: runs, failure rate, classifications, flakiness",
    tags=TAGS,
)
async def test_history(request: web.Request) -> web.Response:
    answer = await history.test_history(
        deps_of(request),
        request.match_info["test_name"],
        job_name=request.query.get("job_name", ""),
        exclude=uuid_query(request, "exclude_job_id"),
        limit=int_query(request, "limit", 20, lo=1, hi=100),
        window=_window(request),
    )
    return raw_json_response(answer)


@routes.get("/history/search")
@documented(
    query=SearchQuery,
    responses={200: SignatureSearch},
    summary="Where an error signature occurred",
    tags=TAGS,
)
async def search(request: web.Request) -> web.Response:
    signature = request.query.get("signature", "").strip()
    if not signature:
        raise ValidationFailed("query.signature: field required")
    answer = await history.search(
        deps_of(request),
        signature,
        exclude=uuid_query(request, "exclude_job_id"),
        limit=int_query(request, "limit", 100, lo=1, hi=1000),
    )
    return web.json_response(answer)


@routes.get("/history/stats/{job_name:.+}")
@documented(
    query=StatsQuery,
    responses={200: JobStats},
    summary="A job's statistics: failure rates, most common failures, flaky tests, trend",
    tags=TAGS,
)
async def stats(request: web.Request) -> web.Response:
    answer = await statistics.job_stats(
        deps_of(request),
        request.match_info["job_name"],
        exclude=uuid_query(request, "exclude_job_id"),
        window=_window(request),
    )
    return raw_json_response(answer)


@routes.post("/history/classify")
@documented(
    request=ClassifyTestRequest,
    responses={201: Created},
    summary="Label a test in a job's history (FLAKY, REGRESSION, KNOWN_BUG, ...)",
    tags=TAGS,
)
async def classify(request: web.Request) -> web.Response:
    body = await read_model(request, ClassifyTestRequest)
    label_id = await history.classify(deps_of(request), await current_identity(request), body)
    return web.json_response({"id": label_id}, status=201)


@routes.get("/history/classifications")
@documented(
    query=ClassificationsQuery,
    responses={200: ClassificationList},
    summary="Visible primary classifications, newest first (cursor pages)",
    tags=TAGS,
)
async def classifications(request: web.Request) -> web.Response:
    page = page_request(request, default=100, hi=500)
    filters = {
        name: request.query.get(name, "")
        for name in ("test_name", "classification", "job_name", "parent_job_name")
    }
    raw_job_id = request.query.get("job_id", "").strip()
    answer = await history.classifications(deps_of(request), filters, raw_job_id, page)
    return web.json_response(answer)

"""A small real Report Portal (API v1) for tests: launches, items, settings, PUT item.

Bearer-token auth (401 `{"error": "unauthorized"}`), Report Portal's page shape
(`{content, page: {number, size, totalElements, totalPages}}`, page size at most 300),
the launch filters `filter.eq.name`, `filter.has.compositeAttribute=key:value` and
`filter.cnt.description`, and the bulk issue update `PUT /api/v1/{project}/item`.

    app = make_fake_reportportal(launches=[fake_launch(7, "job", build=12)], items=[...])
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "rp-secret-token"
PROJECT = "verdict_tests"
SUBTYPES = {
    "PRODUCT_BUG": [
        {"id": 1, "locator": "pb001", "typeRef": "PRODUCT_BUG", "longName": "Product Bug"}
    ],
    "AUTOMATION_BUG": [
        {"id": 2, "locator": "ab001", "typeRef": "AUTOMATION_BUG", "longName": "Automation Bug"},
        {"id": 22, "locator": "ab_flaky", "typeRef": "AUTOMATION_BUG", "longName": "Flaky"},
    ],
    "SYSTEM_ISSUE": [
        {"id": 3, "locator": "si001", "typeRef": "SYSTEM_ISSUE", "longName": "System Issue"}
    ],
    "TO_INVESTIGATE": [
        {"id": 4, "locator": "ti001", "typeRef": "TO_INVESTIGATE", "longName": "To Investigate"}
    ],
    "NO_DEFECT": [{"id": 5, "locator": "nd001", "typeRef": "NO_DEFECT", "longName": "No Defect"}],
}


def fake_launch(launch_id: int, name: str, build: int = 0, description: str = "") -> dict[str, Any]:
    attributes = [{"key": "build", "value": str(build)}] if build else []
    return {
        "id": launch_id,
        "uuid": f"uuid-{launch_id}",
        "name": name,
        "number": 1,
        "attributes": attributes,
        "description": description,
        "startTime": launch_id,
    }


def fake_item(
    item_id: int, launch_id: int, name: str, status: str = "FAILED", code_ref: str = ""
) -> dict[str, Any]:
    return {
        "id": item_id,
        "launchId": launch_id,
        "name": name,
        "type": "STEP",
        "status": status,
        "codeRef": code_ref,
        "issue": {"issueType": "ti001", "comment": "", "autoAnalyzed": False},
    }


@dataclass
class FakeRPState:
    launches: list[dict[str, Any]]
    items: list[dict[str, Any]]
    fail_put_batches: set[int] = field(default_factory=set)  # 1-based PUT numbers that 500
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    puts: list[list[dict[str, Any]]] = field(default_factory=list)


STATE = web.AppKey("fake_rp_state", FakeRPState)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def make_fake_reportportal(
    launches: list[dict[str, Any]], items: list[dict[str, Any]], **options: Any
) -> web.Application:
    app = web.Application(middlewares=[_gatekeeper])
    app[STATE] = FakeRPState(list(launches), list(items), **options)
    base = "/api/v1/{project}"
    app.router.add_get(f"{base}/launch", _launches)
    app.router.add_get(f"{base}/launch/{{launch_id}}", _launch)
    app.router.add_get(f"{base}/item", _items)
    app.router.add_put(f"{base}/item", _update)
    app.router.add_get(f"{base}/settings", _settings)
    return app


@web.middleware
async def _gatekeeper(request: web.Request, handler: Handler) -> web.StreamResponse:
    state = request.app[STATE]
    state.requests.append((request.method, request.path_qs, dict(request.headers)))
    if request.headers.get("Authorization") != f"Bearer {TOKEN}":
        return web.json_response(
            {"error": "unauthorized", "error_description": "Full authentication is required"},
            status=401,
        )
    if request.match_info.get("project") != PROJECT:
        return web.json_response(
            {
                "errorCode": 4041,
                "message": f"Project '{request.match_info.get('project')}' not found.",
            },
            status=404,
        )
    return await handler(request)


def _page(request: web.Request, rows: list[dict[str, Any]]) -> web.Response:
    size = int(request.query.get("page.size", 20))
    if size > 300:
        return web.json_response({"errorCode": 4001, "message": "Page size over 300"}, status=400)
    number = int(request.query.get("page.page", 1))
    chunk = rows[(number - 1) * size : number * size]
    total_pages = max(1, -(-len(rows) // size))
    return web.json_response(
        {
            "content": chunk,
            "page": {
                "number": number,
                "size": size,
                "totalElements": len(rows),
                "totalPages": total_pages,
            },
        }
    )


async def _launches(request: web.Request) -> web.Response:
    q = request.query
    rows = list(request.app[STATE].launches)
    if name := q.get("filter.eq.name"):
        rows = [r for r in rows if r["name"] == name]
    if attr := q.get("filter.has.compositeAttribute"):
        key, _, value = attr.partition(":")
        rows = [r for r in rows if {"key": key, "value": value} in r["attributes"]]
    if text := q.get("filter.cnt.description"):
        rows = [r for r in rows if text in r["description"]]
    if q.get("page.sort", "").startswith("startTime,DESC"):
        rows.sort(key=lambda r: r["startTime"], reverse=True)
    return _page(request, rows)


async def _launch(request: web.Request) -> web.Response:
    launch_id = int(request.match_info["launch_id"])
    for launch in request.app[STATE].launches:
        if launch["id"] == launch_id:
            return web.json_response(launch)
    return web.json_response({"errorCode": 4044, "message": "Launch not found"}, status=404)


async def _items(request: web.Request) -> web.Response:
    q = request.query
    if "launchId" not in q and "filterId" not in q:
        return web.json_response(
            {"errorCode": 4001, "message": "Either launch id or filter id should be provided"},
            status=400,
        )
    launch_id = int(q.get("launchId", 0))
    rows = [i for i in request.app[STATE].items if i["launchId"] == launch_id]
    if status := q.get("filter.eq.status"):
        rows = [i for i in rows if i["status"] == status]
    if kind := q.get("filter.eq.type"):
        rows = [i for i in rows if i["type"] == kind]
    return _page(request, sorted(rows, key=lambda i: i["id"]))


async def _update(request: web.Request) -> web.Response:
    state = request.app[STATE]
    data = await request.json()
    issues = data.get("issues") or []
    state.puts.append(issues)
    if len(issues) > 300:
        return web.json_response({"errorCode": 4001, "message": "Too many items"}, status=400)
    if len(state.puts) in state.fail_put_batches:
        return web.json_response({"errorCode": 5000, "message": "Unclassified error"}, status=500)
    by_id = {i["id"]: i for i in state.items}
    for entry in issues:
        item = by_id.get(entry["testItemId"])
        if item is not None:
            item["issue"] = dict(entry["issue"])
    return web.json_response([entry["issue"] for entry in issues])


async def _settings(request: web.Request) -> web.Response:
    return web.json_response({"project": 1, "subTypes": SUBTYPES})

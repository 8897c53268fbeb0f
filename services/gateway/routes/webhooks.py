"""Outbound webhook subscriptions (admin only), a test call, and the delivery log."""

from __future__ import annotations

from aiohttp import web

from services.gateway.body import read_model
from services.gateway.identity import require_admin
from services.gateway.keys import deps_of
from services.gateway.openapi import LimitQuery, documented
from services.gateway.params import int_query
from verdict.contracts.tracker import WebhookCreate, WebhookUpdate
from verdict.services import webhooks
from verdict.services.webhooks import subscription_id

routes = web.RouteTableDef()
TAGS = ["webhooks"]
ANSWER = {200: dict[str, object]}


def _sub_id(request: web.Request) -> int:
    return subscription_id(request.match_info["webhook_id"])


@routes.post("/api/webhooks")
@documented(
    request=WebhookCreate,
    responses={201: dict[str, object]},
    summary="Subscribe a URL to events (the signing secret is shown once)",
    tags=TAGS,
)
async def create_webhook(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    body = await read_model(request, WebhookCreate)
    return web.json_response(await webhooks.create(deps_of(request), identity, body), status=201)


@routes.get("/api/webhooks")
@documented(responses=ANSWER, summary="Webhook subscriptions", tags=TAGS)
async def list_webhooks(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    return web.json_response(await webhooks.list_all(deps_of(request), identity))


@routes.get("/api/webhooks/{webhook_id}")
@documented(responses=ANSWER, summary="One webhook subscription", tags=TAGS)
async def get_webhook(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    return web.json_response(await webhooks.get(deps_of(request), identity, _sub_id(request)))


async def _update(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    sub_id = _sub_id(request)
    body = await read_model(request, WebhookUpdate)
    return web.json_response(await webhooks.update(deps_of(request), identity, sub_id, body))


@routes.patch("/api/webhooks/{webhook_id}")
@documented(request=WebhookUpdate, responses=ANSWER, summary="Change a subscription", tags=TAGS)
async def patch_webhook(request: web.Request) -> web.Response:
    return await _update(request)


@routes.put("/api/webhooks/{webhook_id}")
@documented(request=WebhookUpdate, responses=ANSWER, summary="Change a subscription", tags=TAGS)
async def put_webhook(request: web.Request) -> web.Response:
    return await _update(request)


@routes.delete("/api/webhooks/{webhook_id}")
@documented(responses=ANSWER, summary="Delete a subscription", tags=TAGS)
async def delete_webhook(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    return web.json_response(await webhooks.delete(deps_of(request), identity, _sub_id(request)))


@routes.post("/api/webhooks/{webhook_id}/test")
@documented(
    responses=ANSWER,
    summary="Deliver a webhook.test event now and say how the receiver answered",
    tags=TAGS,
)
async def test_webhook(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    return web.json_response(await webhooks.test(deps_of(request), identity, _sub_id(request)))


@routes.get("/api/webhooks/{webhook_id}/deliveries")
@documented(query=LimitQuery, responses=ANSWER, summary="A subscription's deliveries", tags=TAGS)
async def list_deliveries(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    sub_id = _sub_id(request)
    limit = int_query(request, "limit", 50, lo=1, hi=500)
    return web.json_response(await webhooks.deliveries(deps_of(request), identity, sub_id, limit))

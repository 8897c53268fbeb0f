"""Admin pages (`/admin/…`): users, scoped API keys (a new key is shown once), webhooks
and their delivery log, AI usage per day. Each reads or writes through the admin
service operation its REST twin uses, which refuses anyone but an admin."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from services.gateway.identity import current_identity
from services.gateway.keys import deps_of
from services.gateway.pages import charts, forms
from services.gateway.pages.render import redirect, render
from services.gateway.params import int_query
from verdict.contracts.auth import (
    CreateApiKeyRequest,
    CreateUserRequest,
    RoleChange,
    RotateKeyRequest,
)
from verdict.contracts.tracker import WebhookCreate
from verdict.services import admin, usage, webhooks

routes = web.RouteTableDef()
SCOPES = ("analysis:read", "analysis:write", "history:write", "admin")
EVENTS = ("analysis.started", "analysis.completed", "analysis.failed", "failure.classified")


async def _page(request: web.Request, template: str, values: dict[str, Any]) -> web.Response:
    return await render(request, template, {"tab": template.removeprefix("admin_")[:-5], **values})


async def _secret(
    request: web.Request, title: str, name: str, secret: str, back: str
) -> web.Response:
    """A new secret, shown on this one answer only (no-store), never again."""
    return await render(
        request, "admin_secret.html", {"title": title, "name": name, "secret": secret, "back": back}
    )


@routes.get("/admin")
async def admin_home(request: web.Request) -> web.Response:
    raise web.HTTPSeeOther("/admin/users")


@routes.get("/admin/users")
async def users_page(request: web.Request) -> web.Response:
    found = await admin.list_users(deps_of(request), await current_identity(request))
    return await _page(request, "admin_users.html", {"users": found["users"]})


@routes.post("/ui/admin/users")
async def create_user(request: web.Request) -> web.Response:
    form = await forms.fields(request)
    body = CreateUserRequest.model_validate({"username": forms.text(form, "username")})
    created = await admin.create_user(deps_of(request), await current_identity(request), body)
    return await _secret(
        request, "Admin user created", created.username, created.api_key, "/admin/users"
    )


@routes.post("/ui/admin/users/{username}/role")
async def change_role(request: web.Request) -> web.Response:
    form = await forms.fields(request)
    username = request.match_info["username"]
    body = RoleChange.model_validate({"role": forms.text(form, "role")})
    changed = await admin.change_role(
        deps_of(request), await current_identity(request), username, body
    )
    if changed.api_key:
        return await _secret(
            request, "Promoted to admin", username, changed.api_key, "/admin/users"
        )
    return redirect(request, "/admin/users", f"{username} is now a {changed.role}.")


@routes.post("/ui/admin/users/{username}/rotate-key")
async def rotate_key(request: web.Request) -> web.Response:
    username = request.match_info["username"]
    rotated = await admin.rotate_key(
        deps_of(request), await current_identity(request), username, RotateKeyRequest()
    )
    return await _secret(request, "Key rotated", username, rotated.new_api_key, "/admin/users")


@routes.post("/ui/admin/users/{username}/delete")
async def delete_user(request: web.Request) -> web.Response:
    username = request.match_info["username"]
    await admin.delete_user(deps_of(request), await current_identity(request), username)
    return redirect(request, "/admin/users", f"Deleted {username}.")


@routes.get("/admin/keys")
async def keys_page(request: web.Request) -> web.Response:
    found = await admin.list_api_keys(deps_of(request), await current_identity(request))
    return await _page(request, "admin_keys.html", {"keys": found["api_keys"], "scopes": SCOPES})


@routes.post("/ui/admin/keys")
async def create_key(request: web.Request) -> web.Response:
    form = await request.post()
    body = CreateApiKeyRequest.model_validate(
        {
            "name": str(form.get("name", "")).strip(),
            "scopes": [str(s) for s in form.getall("scopes", [])],
        }
    )
    created = await admin.create_api_key(deps_of(request), await current_identity(request), body)
    return await _secret(
        request, "API key created", created["name"], created["api_key"], "/admin/keys"
    )


@routes.post("/ui/admin/keys/{key_id}/revoke")
async def revoke_key(request: web.Request) -> web.Response:
    key_id = request.match_info["key_id"]
    await admin.revoke_api_key(deps_of(request), await current_identity(request), key_id)
    return redirect(request, "/admin/keys", f"Key {key_id} revoked.")


@routes.get("/admin/webhooks")
async def webhooks_page(request: web.Request) -> web.Response:
    found = await webhooks.list_all(deps_of(request), await current_identity(request))
    return await _page(
        request, "admin_webhooks.html", {"hooks": found["webhooks"], "events": EVENTS}
    )


@routes.post("/ui/admin/webhooks")
async def create_webhook(request: web.Request) -> web.Response:
    form = await request.post()
    body = WebhookCreate.model_validate(
        {
            "url": str(form.get("url", "")).strip(),
            "events": [str(e) for e in form.getall("events", [])],
        }
    )
    created = await webhooks.create(deps_of(request), await current_identity(request), body)
    return await _secret(
        request,
        "Webhook created: its signing secret",
        created["url"],
        created["secret"],
        "/admin/webhooks",
    )


@routes.post("/ui/admin/webhooks/{webhook_id}/delete")
async def delete_webhook(request: web.Request) -> web.Response:
    sub_id = webhooks.subscription_id(request.match_info["webhook_id"])
    await webhooks.delete(deps_of(request), await current_identity(request), sub_id)
    return redirect(request, "/admin/webhooks", f"Webhook {sub_id} deleted.")


@routes.post("/ui/admin/webhooks/{webhook_id}/test")
async def test_webhook(request: web.Request) -> web.Response:
    sub_id = webhooks.subscription_id(request.match_info["webhook_id"])
    sent = await webhooks.test(deps_of(request), await current_identity(request), sub_id)
    outcome = sent if isinstance(sent, dict) else {}
    notice = (
        f"Test delivered: HTTP {outcome.get('status_code')}"
        if outcome.get("delivered")
        else f"Test not delivered: {outcome.get('error') or outcome.get('status_code')}"
    )
    return redirect(request, f"/admin/webhooks/{sub_id}", notice)


@routes.get("/admin/webhooks/{webhook_id}")
async def deliveries_page(request: web.Request) -> web.Response:
    sub_id = webhooks.subscription_id(request.match_info["webhook_id"])
    limit = int_query(request, "limit", 100, lo=1, hi=500)
    found = await webhooks.deliveries(
        deps_of(request), await current_identity(request), sub_id, limit
    )
    return await _page(
        request, "admin_deliveries.html", {"sub_id": sub_id, "deliveries": found["deliveries"]}
    )


@routes.get("/admin/usage")
async def usage_page(request: web.Request) -> web.Response:
    days = int_query(request, "days", 30, lo=1, hi=366)
    found = await usage.usage_by_day(deps_of(request), days)
    by_day: dict[str, float] = {}
    calls: dict[str, float] = {}
    for row in found["usage"]:
        by_day[row["day"]] = by_day.get(row["day"], 0.0) + row["cost_usd"]
        calls[row["day"]] = calls.get(row["day"], 0.0) + row["calls"]
    labels = sorted(by_day)
    cost_chart = charts.stacked_bars(
        "AI cost per day (USD)",
        [d[5:] for d in labels],
        [charts.Series("cost (USD)", "s-cost", [by_day[d] for d in labels])],
        unit=" USD",
    )
    calls_chart = charts.line(
        "AI calls per day", [d[5:] for d in labels], [calls[d] for d in labels]
    )
    return await _page(
        request,
        "admin_usage.html",
        {"u": found, "cost_chart": cost_chart, "calls_chart": calls_chart, "days": days},
    )

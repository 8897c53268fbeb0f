"""Log in and out, and the name comments carry: `/login`, `/logout`.

The name alone is the `jji_username` cookie, as jji sets it (attribution, no rights);
an admin logs in with a key and gets the `jji_session` cookie, as POST /api/auth/login
gives it (the same service operation, and the same failed-login limit)."""

from __future__ import annotations

from aiohttp import web

from services.gateway.identity import (
    SESSION_COOKIE,
    clear_session_cookie,
    set_session_cookie,
    set_username_cookie,
)
from services.gateway.keys import SETTINGS, deps_of
from services.gateway.pages import forms
from services.gateway.pages.render import redirect, render
from services.gateway.ratelimit import check_auth_failures, record_auth_failure
from verdict.contracts.auth import RESERVED_USERNAME, USERNAME_PATTERN, LoginRequest
from verdict.errors import Unauthorized
from verdict.services import identity as identity_service

routes = web.RouteTableDef()


async def _form_page(
    request: web.Request, nxt: str, error: str = "", status: int = 200
) -> web.Response:
    hours = request.app[SETTINGS].session_ttl_s // 3600
    return await render(
        request,
        "login.html",
        {"next": nxt, "error": error, "session_hours": hours},
        status=status,
    )


@routes.get("/login")
async def login_page(request: web.Request) -> web.Response:
    return await _form_page(request, forms.back_to(request, "/"))


@routes.post("/login")
async def login(request: web.Request) -> web.Response:
    form = await forms.fields(request)
    nxt = form.get("next", "/")
    nxt = nxt if nxt.startswith("/") and not nxt.startswith("//") else "/"
    username, api_key = forms.text(form, "username"), form.get("api_key", "")
    if not api_key:
        if not USERNAME_PATTERN.match(username) or username.lower() == RESERVED_USERNAME:
            error = "A name is 2-50 letters, digits, '.', '_' or '-', and not 'admin'."
            return await _form_page(request, nxt, error, status=400)
        response = redirect(request, nxt, f"Comments now carry the name {username}.")
        set_username_cookie(response, username, request)
        return response
    await check_auth_failures(request)
    try:
        session = await identity_service.login(
            deps_of(request), LoginRequest(username=username, api_key=api_key)
        )
    except Unauthorized:
        await record_auth_failure(request)
        return await _form_page(request, nxt, "Those credentials are not an admin's.", 401)
    response = redirect(request, nxt, f"Logged in as {username}.")
    set_session_cookie(response, session.token, request)
    set_username_cookie(response, username, request)
    return response


@routes.post("/logout")
async def logout(request: web.Request) -> web.Response:
    await identity_service.logout(deps_of(request), request.cookies.get(SESSION_COOKIE, ""))
    response = redirect(request, "/", "Logged out.")
    clear_session_cookie(response, request)
    return response

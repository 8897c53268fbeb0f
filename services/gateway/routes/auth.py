"""Login, logout, who am I, and the caller's saved tracker tokens (seed 003)."""

from __future__ import annotations

from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from services.gateway.body import read_json
from services.gateway.identity import (
    SESSION_COOKIE,
    clear_session_cookie,
    current_identity,
    require_username,
    set_session_cookie,
    set_username_cookie,
)
from services.gateway.keys import deps_of
from services.gateway.middlewares import validation_error
from services.gateway.openapi import documented
from services.gateway.ratelimit import record_auth_failure
from services.gateway.responses import NO_STORE
from verdict.contracts.auth import LoginRequest, Me, Ok, UserTokens, UserTokensUpdate
from verdict.errors import BadRequest, InvalidJSON, Unauthorized
from verdict.services import identity as identity_service

routes = web.RouteTableDef()

Model = TypeVar("Model", bound=BaseModel)


async def read_object(request: web.Request) -> dict[str, Any]:
    data = await read_json(request)
    if not isinstance(data, dict):
        raise InvalidJSON("the request body must be a JSON object")
    return data


def parse(model: type[Model], data: dict[str, Any]) -> Model:
    """The contract answers 400 (not 422) for bad fields on these endpoints."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        failed = validation_error(exc)
        raise BadRequest(failed.detail, extra=failed.extra) from None


@routes.post("/api/auth/login")
@documented(request=LoginRequest, responses={200: Me}, summary="Log in as an admin", tags=["auth"])
async def login(request: web.Request) -> web.Response:
    body = parse(LoginRequest, await read_object(request))
    try:
        session = await identity_service.login(deps_of(request), body)
    except Unauthorized:
        await record_auth_failure(request)
        raise
    response = web.json_response(session.me, headers=NO_STORE)
    set_session_cookie(response, session.token, request)
    set_username_cookie(response, body.username, request)
    return response


@routes.post("/api/auth/logout")
@documented(responses={200: Ok}, summary="Log out (clears jji_session)", tags=["auth"])
async def logout(request: web.Request) -> web.Response:
    await identity_service.logout(deps_of(request), request.cookies.get(SESSION_COOKIE, ""))
    response = web.json_response({"ok": True})
    clear_session_cookie(response, request)
    return response


@routes.get("/api/auth/me")
@documented(responses={200: Me}, summary="The current identity", tags=["auth"])
async def who_am_i(request: web.Request) -> web.Response:
    identity = await current_identity(request)
    return web.json_response(identity_service.me(identity.username, identity.role))


@routes.get("/api/user/tokens")
@documented(responses={200: UserTokens}, summary="Your saved tracker tokens", tags=["auth"])
async def get_tokens(request: web.Request) -> web.Response:
    identity = await require_username(request)
    tokens = await identity_service.saved_tokens(deps_of(request), identity.username)
    return web.json_response(tokens.model_dump(), headers=NO_STORE)


@routes.put("/api/user/tokens")
@documented(
    request=UserTokensUpdate, responses={200: Ok}, summary="Save your tracker tokens", tags=["auth"]
)
async def put_tokens(request: web.Request) -> web.Response:
    identity = await require_username(request)
    body = parse(UserTokensUpdate, await read_object(request))
    await identity_service.save_tokens(deps_of(request), identity, body)
    return web.json_response({"ok": True}, headers=NO_STORE)

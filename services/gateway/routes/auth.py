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
from services.gateway.keys import PG, SETTINGS
from services.gateway.middlewares import validation_error
from services.gateway.openapi import documented
from services.gateway.ratelimit import record_auth_failure
from verdict.contracts.auth import (
    LoginRequest,
    Me,
    Ok,
    UserTokens,
    UserTokensUpdate,
)
from verdict.errors import BadRequest, InvalidJSON, NotFound, Unauthorized
from verdict.security.crypto import TokenCipher
from verdict.security.keys import hash_secret, matches_hash, new_session_token, same_secret
from verdict.storage import identity as repo

routes = web.RouteTableDef()

NO_STORE = {"Cache-Control": "no-store"}
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


def me(username: str, role: str) -> dict[str, Any]:
    return Me.model_validate(
        {"username": username, "role": role, "is_admin": role == "admin"}
    ).model_dump()


@routes.post("/api/auth/login")
@documented(request=LoginRequest, responses={200: Me}, summary="Log in as an admin", tags=["auth"])
async def login(request: web.Request) -> web.Response:
    body = parse(LoginRequest, await read_object(request))
    settings = request.app[SETTINGS]
    admin_key = settings.admin_key.get_secret_value()
    user_id: int | None = None
    if body.username == "admin":
        ok = bool(admin_key) and same_secret(body.api_key, admin_key)
    else:
        async with request.app[PG].acquire() as conn:
            user = await repo.get_user(conn, body.username)
        ok = (
            user is not None
            and user["role"] == "admin"
            and matches_hash(body.api_key, user["api_key_hash"])
        )
        user_id = user["id"] if ok and user is not None else None
    if not ok:
        await record_auth_failure(request)
        raise Unauthorized("invalid credentials")

    token = new_session_token()
    async with request.app[PG].acquire() as conn:
        await repo.create_session(
            conn, hash_secret(token), user_id, body.username, "admin", settings.session_ttl_s
        )
        if user_id is not None:
            await repo.touch_user(conn, body.username)
        await repo.purge_sessions(conn)
    response = web.json_response(me(body.username, "admin"), headers=NO_STORE)
    set_session_cookie(response, token, request)
    set_username_cookie(response, body.username, request)
    return response


@routes.post("/api/auth/logout")
@documented(responses={200: Ok}, summary="Log out (clears jji_session)", tags=["auth"])
async def logout(request: web.Request) -> web.Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    if token:
        async with request.app[PG].acquire() as conn:
            await repo.delete_session(conn, hash_secret(token))
    response = web.json_response({"ok": True})
    clear_session_cookie(response, request)
    return response


@routes.get("/api/auth/me")
@documented(responses={200: Me}, summary="The current identity", tags=["auth"])
async def who_am_i(request: web.Request) -> web.Response:
    identity = await current_identity(request)
    return web.json_response(me(identity.username, identity.role))


@routes.get("/api/user/tokens")
@documented(responses={200: UserTokens}, summary="Your saved tracker tokens", tags=["auth"])
async def get_tokens(request: web.Request) -> web.Response:
    identity = await require_username(request)
    async with request.app[PG].acquire() as conn:
        row = await repo.get_tokens(conn, identity.username)
    tokens = UserTokens()
    if row is not None:
        cipher = TokenCipher.from_settings(request.app[SETTINGS])
        tokens = UserTokens(
            github_token=cipher.decrypt(row["github_token_enc"]),
            jira_email=row["jira_email"],
            jira_token=cipher.decrypt(row["jira_token_enc"]),
        )
    return web.json_response(tokens.model_dump(), headers=NO_STORE)


@routes.put("/api/user/tokens")
@documented(
    request=UserTokensUpdate, responses={200: Ok}, summary="Save your tracker tokens", tags=["auth"]
)
async def put_tokens(request: web.Request) -> web.Response:
    identity = await require_username(request)
    body = parse(UserTokensUpdate, await read_object(request))
    cipher = TokenCipher.from_settings(request.app[SETTINGS])
    fields: dict[str, bytes | str | None] = {}
    if body.github_token is not None:
        fields["github_token_enc"] = cipher.encrypt(body.github_token)
    if body.jira_email is not None:
        fields["jira_email"] = body.jira_email
    if body.jira_token is not None:
        fields["jira_token_enc"] = cipher.encrypt(body.jira_token)
    async with request.app[PG].acquire() as conn:
        found = await repo.update_tokens(conn, identity.username, fields)
    if not found:
        raise NotFound(f"user {identity.username!r} not found")
    return web.json_response({"ok": True}, headers=NO_STORE)

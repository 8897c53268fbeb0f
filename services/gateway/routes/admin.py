"""Admin users (seed 003) and scoped API keys for pipelines (Verdict's own)."""

from __future__ import annotations

from aiohttp import web

from services.gateway.body import read_json, read_model
from services.gateway.identity import require_admin
from services.gateway.keys import deps_of
from services.gateway.openapi import documented
from services.gateway.responses import NO_STORE
from services.gateway.routes.auth import parse, read_object
from verdict.contracts.auth import (
    ApiKeyList,
    CreateApiKeyRequest,
    CreatedApiKey,
    CreatedUser,
    CreateUserRequest,
    Deleted,
    Revoked,
    RoleChange,
    RoleChanged,
    RotatedKey,
    RotateKeyRequest,
    UserList,
)
from verdict.errors import InvalidJSON, NotFound
from verdict.services import admin

routes = web.RouteTableDef()
TAGS = ["admin"]


def _username(request: web.Request) -> str:
    name = request.match_info["username"]
    if "\x00" in name:  # never a stored name, and Postgres text cannot hold it
        raise NotFound(f"user {name!r} not found")
    return name


@routes.post("/api/admin/users")
@documented(
    request=CreateUserRequest,
    responses={200: CreatedUser},
    summary="Create an admin user",
    tags=TAGS,
)
async def create_user(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    body = parse(CreateUserRequest, await read_object(request))
    created = await admin.create_user(deps_of(request), identity, body)
    return web.json_response(created.model_dump(), headers=NO_STORE)


@routes.get("/api/admin/users")
@documented(responses={200: UserList}, summary="List tracked users", tags=TAGS)
async def list_users(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    return web.json_response(await admin.list_users(deps_of(request), identity))


@routes.delete("/api/admin/users/{username}")
@documented(responses={200: Deleted}, summary="Delete an admin user", tags=TAGS)
async def delete_user(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    answer = await admin.delete_user(deps_of(request), identity, _username(request))
    return web.json_response(answer)


@routes.put("/api/admin/users/{username}/role")
@documented(
    request=RoleChange, responses={200: RoleChanged}, summary="Change a user's role", tags=TAGS
)
async def change_role(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    username = _username(request)
    body = parse(RoleChange, await read_object(request))
    changed = await admin.change_role(deps_of(request), identity, username, body)
    return web.json_response(changed.model_dump(exclude_none=True), headers=NO_STORE)


@routes.post("/api/admin/users/{username}/rotate-key")
@documented(
    request=RotateKeyRequest,
    body_required=False,
    responses={200: RotatedKey},
    summary="Rotate an admin user's API key",
    tags=TAGS,
)
async def rotate_key(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    username = _username(request)
    raw = await request.read()
    data = await read_json(request) if raw.strip() else {}
    if not isinstance(data, dict):
        raise InvalidJSON("the request body must be a JSON object")
    body = parse(RotateKeyRequest, data)
    rotated = await admin.rotate_key(deps_of(request), identity, username, body)
    return web.json_response(rotated.model_dump(), headers=NO_STORE)


@routes.post("/api/admin/api-keys")
@documented(
    request=CreateApiKeyRequest,
    responses={201: CreatedApiKey},
    summary="Create a scoped API key (the secret is shown once)",
    tags=TAGS,
)
async def create_api_key(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    body = await read_model(request, CreateApiKeyRequest)
    created = await admin.create_api_key(deps_of(request), identity, body)
    return web.json_response(created, status=201, headers=NO_STORE)


@routes.get("/api/admin/api-keys")
@documented(responses={200: ApiKeyList}, summary="List scoped API keys", tags=TAGS)
async def list_api_keys(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    return web.json_response(await admin.list_api_keys(deps_of(request), identity))


@routes.delete("/api/admin/api-keys/{key_id}")
@documented(responses={200: Revoked}, summary="Revoke a scoped API key", tags=TAGS)
async def revoke_api_key(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    answer = await admin.revoke_api_key(deps_of(request), identity, request.match_info["key_id"])
    return web.json_response(answer)

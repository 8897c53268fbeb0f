"""Admin users (seed 003) and scoped API keys for pipelines (Verdict's own)."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp import web

from services.gateway.body import read_json, read_model
from services.gateway.identity import Identity, require_admin
from services.gateway.keys import PG
from services.gateway.openapi import documented
from services.gateway.routes.auth import NO_STORE, parse, read_object
from verdict.contracts.auth import (
    RESERVED_USERNAME,
    ApiKeyList,
    ApiKeyRow,
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
    UserRow,
)
from verdict.errors import BadRequest, InvalidJSON, NotFound
from verdict.security.keys import (
    SCOPED_KEY_PREFIX,
    USER_KEY_PREFIX,
    display_prefix,
    hash_secret,
    new_key,
)
from verdict.storage import identity as repo
from verdict.storage.identity import iso

routes = web.RouteTableDef()
TAGS = ["admin"]


def _username(request: web.Request) -> str:
    name = request.match_info["username"]
    if "\x00" in name:  # never a stored name, and Postgres text cannot hold it
        raise NotFound(f"user {name!r} not found")
    return name


def _is_self(identity: Identity, username: str) -> bool:
    return identity.principal == username or (
        identity.kind == "bootstrap" and username == RESERVED_USERNAME
    )


def _user_row(row: asyncpg.Record) -> dict[str, Any]:
    return UserRow(
        id=row["id"],
        username=row["username"],
        role=row["role"],
        created_at=iso(row["created_at"]),
        last_seen=iso(row["last_seen"]),
    ).model_dump()


@routes.post("/api/admin/users")
@documented(
    request=CreateUserRequest,
    responses={200: CreatedUser},
    summary="Create an admin user",
    tags=TAGS,
)
async def create_user(request: web.Request) -> web.Response:
    await require_admin(request)
    body = parse(CreateUserRequest, await read_object(request))
    api_key = new_key(USER_KEY_PREFIX)
    async with request.app[PG].acquire() as conn:
        row = await repo.create_admin(conn, body.username, hash_secret(api_key))
    if row is None:
        raise BadRequest(f"user {body.username!r} already exists")
    created = CreatedUser(username=body.username, api_key=api_key, role="admin")
    return web.json_response(created.model_dump(), headers=NO_STORE)


@routes.get("/api/admin/users")
@documented(responses={200: UserList}, summary="List tracked users", tags=TAGS)
async def list_users(request: web.Request) -> web.Response:
    await require_admin(request)
    async with request.app[PG].acquire() as conn:
        rows = await repo.list_users(conn)
    return web.json_response({"users": [_user_row(r) for r in rows]})


@routes.delete("/api/admin/users/{username}")
@documented(responses={200: Deleted}, summary="Delete an admin user", tags=TAGS)
async def delete_user(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    username = _username(request)
    if _is_self(identity, username):
        raise BadRequest("you cannot delete your own account")
    async with request.app[PG].acquire() as conn, conn.transaction():
        await repo.lock_admin_changes(conn)
        user = await repo.get_user(conn, username)
        if user is None or user["role"] != "admin":
            raise NotFound(f"admin user {username!r} not found")
        if await repo.admin_count(conn) <= 1:
            raise BadRequest("you cannot delete the last admin")
        await repo.delete_user(conn, username)
    return web.json_response({"deleted": username})


@routes.put("/api/admin/users/{username}/role")
@documented(
    request=RoleChange, responses={200: RoleChanged}, summary="Change a user's role", tags=TAGS
)
async def change_role(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    username = _username(request)
    body = parse(RoleChange, await read_object(request))
    if username.lower() == RESERVED_USERNAME:
        raise BadRequest("the 'admin' user is reserved")
    if _is_self(identity, username):
        raise BadRequest("you cannot change your own role")
    api_key: str | None = None
    async with request.app[PG].acquire() as conn, conn.transaction():
        await repo.lock_admin_changes(conn)
        user = await repo.get_user(conn, username)
        if user is None:
            raise NotFound(f"user {username!r} not found")
        if user["role"] == body.role:
            raise BadRequest(f"user {username!r} already has role {body.role!r}")
        if body.role == "user":
            if await repo.admin_count(conn) <= 1:
                raise BadRequest("you cannot demote the last admin")
            # Demotion drops the key and (in set_role) every session of the user.
            await repo.set_role(conn, username, "user", None)
        else:
            api_key = new_key(USER_KEY_PREFIX)
            await repo.set_role(conn, username, "admin", hash_secret(api_key))
    changed = RoleChanged(username=username, role=body.role, api_key=api_key)
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
    await require_admin(request)
    username = _username(request)
    raw = await request.read()
    data = await read_json(request) if raw.strip() else {}
    if not isinstance(data, dict):
        raise InvalidJSON("the request body must be a JSON object")
    body = parse(RotateKeyRequest, data)
    api_key = body.new_key or new_key(USER_KEY_PREFIX)
    async with request.app[PG].acquire() as conn:
        user = await repo.get_user(conn, username)
        if user is None or user["role"] != "admin":
            raise NotFound(f"admin user {username!r} not found")
        key_hash = hash_secret(api_key)
        if body.new_key and await repo.key_hash_in_use(conn, key_hash):
            raise BadRequest("this key is already in use; choose another")
        # Rotation also ends every session of the user (in set_key).
        await repo.set_key(conn, username, key_hash)
    rotated = RotatedKey(username=username, new_api_key=api_key)
    return web.json_response(rotated.model_dump(), headers=NO_STORE)


# Scoped API keys for pipelines.


def _api_key_row(row: asyncpg.Record) -> dict[str, Any]:
    return ApiKeyRow(
        id=row["id"],
        name=row["name"],
        prefix=row["prefix"],
        scopes=list(row["scopes"]),
        created_by=row["created_by"],
        created_at=iso(row["created_at"]),
        last_used_at=iso(row["last_used_at"]),
        revoked_at=iso(row["revoked_at"]),
    ).model_dump()


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
    secret = new_key(SCOPED_KEY_PREFIX)
    scopes: list[str] = sorted(set(body.scopes))
    async with request.app[PG].acquire() as conn:
        row = await repo.create_api_key(
            conn,
            body.name,
            display_prefix(secret),
            hash_secret(secret),
            scopes,
            identity.principal or identity.username,
        )
    return web.json_response({**_api_key_row(row), "api_key": secret}, status=201, headers=NO_STORE)


@routes.get("/api/admin/api-keys")
@documented(responses={200: ApiKeyList}, summary="List scoped API keys", tags=TAGS)
async def list_api_keys(request: web.Request) -> web.Response:
    await require_admin(request)
    async with request.app[PG].acquire() as conn:
        rows = await repo.list_api_keys(conn)
    return web.json_response({"api_keys": [_api_key_row(r) for r in rows]})


@routes.delete("/api/admin/api-keys/{key_id}")
@documented(responses={200: Revoked}, summary="Revoke a scoped API key", tags=TAGS)
async def revoke_api_key(request: web.Request) -> web.Response:
    await require_admin(request)
    raw = request.match_info["key_id"]
    key_id = int(raw) if raw.isdigit() and len(raw) < 19 else None
    async with request.app[PG].acquire() as conn:
        revoked = key_id is not None and await repo.revoke_api_key(conn, key_id)
    if not revoked or key_id is None:
        raise NotFound(f"api key {raw!r} not found or already revoked")
    return web.json_response({"revoked": key_id})

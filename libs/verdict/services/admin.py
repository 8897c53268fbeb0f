"""Admin users (seed 003) and scoped API keys for pipelines (Verdict's own).

The invariants: there is always at least one admin; nobody deletes or re-roles their own
account; the reserved `admin` name (the bootstrap key) is not a user. Changes to admins
are serialised (a transaction-scoped lock), so two admins demoting each other at once
cannot leave none. Keys are shown once and stored hashed.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from verdict.contracts.auth import (
    RESERVED_USERNAME,
    ApiKeyRow,
    CreateApiKeyRequest,
    CreatedUser,
    CreateUserRequest,
    RoleChange,
    RoleChanged,
    RotatedKey,
    RotateKeyRequest,
    UserRow,
)
from verdict.errors import BadRequest, NotFound
from verdict.security.keys import (
    SCOPED_KEY_PREFIX,
    USER_KEY_PREFIX,
    display_prefix,
    hash_secret,
    new_key,
)
from verdict.services.deps import Deps
from verdict.services.identity import Identity
from verdict.storage import identity as repo
from verdict.storage.identity import iso


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


async def create_user(deps: Deps, identity: Identity, body: CreateUserRequest) -> CreatedUser:
    identity.require_admin()
    api_key = new_key(USER_KEY_PREFIX)
    async with deps.pool.acquire() as conn:
        row = await repo.create_admin(conn, body.username, hash_secret(api_key))
    if row is None:
        raise BadRequest(f"user {body.username!r} already exists")
    return CreatedUser(username=body.username, api_key=api_key, role="admin")


async def list_users(deps: Deps, identity: Identity) -> dict[str, Any]:
    identity.require_admin()
    async with deps.pool.acquire() as conn:
        rows = await repo.list_users(conn)
    return {"users": [_user_row(r) for r in rows]}


async def delete_user(deps: Deps, identity: Identity, username: str) -> dict[str, str]:
    identity.require_admin()
    if _is_self(identity, username):
        raise BadRequest("you cannot delete your own account")
    async with deps.pool.acquire() as conn, conn.transaction():
        await repo.lock_admin_changes(conn)
        user = await repo.get_user(conn, username)
        if user is None or user["role"] != "admin":
            raise NotFound(f"admin user {username!r} not found")
        if await repo.admin_count(conn) <= 1:
            raise BadRequest("you cannot delete the last admin")
        await repo.delete_user(conn, username)
    return {"deleted": username}


async def change_role(
    deps: Deps, identity: Identity, username: str, body: RoleChange
) -> RoleChanged:
    """Promotion issues a new key (shown once); demotion drops the key and every session."""
    identity.require_admin()
    if username.lower() == RESERVED_USERNAME:
        raise BadRequest("the 'admin' user is reserved")
    if _is_self(identity, username):
        raise BadRequest("you cannot change your own role")
    api_key: str | None = None
    async with deps.pool.acquire() as conn, conn.transaction():
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
    return RoleChanged(username=username, role=body.role, api_key=api_key)


async def rotate_key(
    deps: Deps, identity: Identity, username: str, body: RotateKeyRequest
) -> RotatedKey:
    """A new key for an admin user (yours, or a random one); every session ends."""
    identity.require_admin()
    api_key = body.new_key or new_key(USER_KEY_PREFIX)
    async with deps.pool.acquire() as conn:
        user = await repo.get_user(conn, username)
        if user is None or user["role"] != "admin":
            raise NotFound(f"admin user {username!r} not found")
        key_hash = hash_secret(api_key)
        if body.new_key and await repo.key_hash_in_use(conn, key_hash):
            raise BadRequest("this key is already in use; choose another")
        # Rotation also ends every session of the user (in set_key).
        await repo.set_key(conn, username, key_hash)
    return RotatedKey(username=username, new_api_key=api_key)


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


async def create_api_key(
    deps: Deps, identity: Identity, body: CreateApiKeyRequest
) -> dict[str, Any]:
    """A scoped key for pipelines; the secret is in this answer only."""
    identity.require_admin()
    secret = new_key(SCOPED_KEY_PREFIX)
    scopes: list[str] = sorted(set(body.scopes))
    async with deps.pool.acquire() as conn:
        row = await repo.create_api_key(
            conn,
            body.name,
            display_prefix(secret),
            hash_secret(secret),
            scopes,
            identity.principal or identity.username,
        )
    return {**_api_key_row(row), "api_key": secret}


async def list_api_keys(deps: Deps, identity: Identity) -> dict[str, Any]:
    identity.require_admin()
    async with deps.pool.acquire() as conn:
        rows = await repo.list_api_keys(conn)
    return {"api_keys": [_api_key_row(r) for r in rows]}


async def revoke_api_key(deps: Deps, identity: Identity, raw_key_id: str) -> dict[str, int]:
    identity.require_admin()
    key_id = int(raw_key_id) if raw_key_id.isdigit() and len(raw_key_id) < 19 else None
    revoked = False
    if key_id is not None:
        async with deps.pool.acquire() as conn:
            revoked = await repo.revoke_api_key(conn, key_id)
    if not revoked or key_id is None:
        raise NotFound(f"api key {raw_key_id!r} not found or already revoked")
    return {"revoked": key_id}

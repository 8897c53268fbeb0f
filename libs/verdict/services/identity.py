"""Who is calling, sessions, and each user's saved tracker tokens.

An identity is resolved from, in order:
- a Bearer token: the admin bootstrap key (`VERDICT_ADMIN_KEY`), an admin user's API
  key, or a scoped API key for pipelines;
- a session token (the `jji_session` cookie set by login; admins only);
- a username alone (the `jji_username` cookie): attribution, no privileges.
A Bearer token that matches nothing is reported (`auth_failed`), so the caller's
failed-authentication limiter counts it; the caller is then anonymous.

Saved tracker tokens are stored encrypted and decrypted here, and only here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from verdict.contracts.auth import (
    RESERVED_USERNAME,
    USERNAME_PATTERN,
    LoginRequest,
    Me,
    UserTokens,
    UserTokensUpdate,
)
from verdict.errors import Forbidden, NotFound, Unauthorized
from verdict.security.crypto import TokenCipher
from verdict.security.keys import (
    has_scope,
    hash_secret,
    matches_hash,
    new_session_token,
    same_secret,
)
from verdict.services.deps import Deps
from verdict.storage import identity as repo

ADMIN_SCOPES = frozenset({"admin"})


@dataclass(frozen=True)
class Identity:
    username: str
    role: str  # "admin" | "user"
    # How the caller proved who it is: anonymous | bootstrap | user_key | session | api_key.
    kind: str = "anonymous"
    scopes: frozenset[str] = field(default_factory=frozenset)
    # The authenticated account ("admin" for the bootstrap key, "key:<id>" for a scoped
    # key); empty when anonymous. Self-change rules compare against this, not the cookie.
    principal: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def authenticated(self) -> bool:
        return self.kind != "anonymous"

    def can(self, scope: str) -> bool:
        return has_scope(self.scopes, scope)

    def require_admin(self) -> Identity:
        if not self.is_admin:
            raise Forbidden("admin access required")
        return self

    def require_username(self) -> Identity:
        if not self.username:
            raise Unauthorized("a username is required (set the jji_username cookie)")
        return self


@dataclass(frozen=True)
class Resolved:
    identity: Identity
    auth_failed: bool = False  # a Bearer token was presented and matched nothing
    session_refreshed: bool = False  # the session's expiry moved: send its cookie again


async def resolve(deps: Deps, *, bearer: str, session: str, username: str) -> Resolved:
    failed = False
    if bearer:
        found = await _from_bearer(deps, bearer, username)
        if found is not None:
            return Resolved(found)
        failed = True
    if session:
        row = await _live_session(deps, session)
        if row is not None:
            scopes = ADMIN_SCOPES if row["role"] == "admin" else frozenset()
            who = Identity(row["username"], row["role"], "session", scopes, row["username"])
            return Resolved(who, failed, bool(row["refreshed"]))
    return Resolved(Identity(username, "user"), failed)


async def _from_bearer(deps: Deps, token: str, username: str) -> Identity | None:
    admin_key = deps.settings.admin_key.get_secret_value()
    if admin_key and same_secret(token, admin_key):
        return Identity(username or "admin", "admin", "bootstrap", ADMIN_SCOPES, "admin")
    # Looked up by hash: the hash of a random secret leaks nothing through timing.
    key_hash = hash_secret(token)
    async with deps.pool.acquire() as conn:
        user = await repo.admin_by_key_hash(conn, key_hash)
        if user is not None:
            name = user["username"]
            return Identity(name, "admin", "user_key", ADMIN_SCOPES, name)
        key = await repo.api_key_by_hash(conn, key_hash)
    if key is None:
        return None
    scopes = frozenset(key["scopes"])
    role = "admin" if "admin" in scopes else "user"
    return Identity(username or key["name"], role, "api_key", scopes, f"key:{key['id']}")


async def _live_session(deps: Deps, token: str) -> Any:
    async with deps.pool.acquire() as conn:
        return await repo.live_session(conn, hash_secret(token), deps.settings.session_ttl_s)


async def track_username(deps: Deps, identity: Identity) -> None:
    """Remember a username seen in a cookie (GET /api/admin/users lists it)."""
    name = identity.username
    if identity.kind != "anonymous" or not name or name.lower() == RESERVED_USERNAME:
        return
    if not USERNAME_PATTERN.match(name) or not deps.caches.seen_usernames.due(name):
        return
    async with deps.pool.acquire() as conn:
        await repo.touch_user(conn, name)


def me(username: str, role: str) -> dict[str, Any]:
    return Me.model_validate(
        {"username": username, "role": role, "is_admin": role == "admin"}
    ).model_dump()


@dataclass(frozen=True)
class Session:
    token: str  # the secret for the cookie; only its hash is stored
    me: dict[str, Any]


async def login(deps: Deps, body: LoginRequest) -> Session:
    """An admin session for the bootstrap key or an admin user's key; 401 otherwise."""
    settings = deps.settings
    admin_key = settings.admin_key.get_secret_value()
    user_id: int | None = None
    if body.username == "admin":
        ok = bool(admin_key) and same_secret(body.api_key, admin_key)
    else:
        async with deps.pool.acquire() as conn:
            user = await repo.get_user(conn, body.username)
        ok = (
            user is not None
            and user["role"] == "admin"
            and matches_hash(body.api_key, user["api_key_hash"])
        )
        user_id = user["id"] if ok and user is not None else None
    if not ok:
        raise Unauthorized("invalid credentials")
    token = new_session_token()
    async with deps.pool.acquire() as conn:
        await repo.create_session(
            conn, hash_secret(token), user_id, body.username, "admin", settings.session_ttl_s
        )
        if user_id is not None:
            await repo.touch_user(conn, body.username)
        await repo.purge_sessions(conn)
    return Session(token, me(body.username, "admin"))


async def logout(deps: Deps, session: str) -> None:
    if session:
        async with deps.pool.acquire() as conn:
            await repo.delete_session(conn, hash_secret(session))


async def saved_tokens(deps: Deps, username: str) -> UserTokens:
    """The user's saved tracker tokens, decrypted (empty for no user or none saved)."""
    if not username:
        return UserTokens()
    async with deps.pool.acquire() as conn:
        row = await repo.get_tokens(conn, username)
    if row is None:
        return UserTokens()
    cipher = TokenCipher.from_settings(deps.settings)
    return UserTokens(
        github_token=cipher.decrypt(row["github_token_enc"]),
        jira_email=row["jira_email"] or "",
        jira_token=cipher.decrypt(row["jira_token_enc"]),
    )


async def save_tokens(deps: Deps, identity: Identity, body: UserTokensUpdate) -> None:
    """Change only the fields sent (encrypted at rest); 404 for an untracked user."""
    cipher = TokenCipher.from_settings(deps.settings)
    fields: dict[str, bytes | str | None] = {}
    if body.github_token is not None:
        fields["github_token_enc"] = cipher.encrypt(body.github_token)
    if body.jira_email is not None:
        fields["jira_email"] = body.jira_email
    if body.jira_token is not None:
        fields["jira_token_enc"] = cipher.encrypt(body.jira_token)
    async with deps.pool.acquire() as conn:
        found = await repo.update_tokens(conn, identity.username, fields)
    if not found:
        raise NotFound(f"user {identity.username!r} not found")

"""Users, sessions and scoped API keys. Only hashes of keys and tokens are stored."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from verdict.storage.pool import Conn

user_columns = "id, username, role, created_at, last_seen"

select_user = f"select {user_columns}, api_key_hash from users where username = $1"


async def get_user(conn: Conn, username: str) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(select_user, username)
    return row


select_admin_by_key = f"""
select {user_columns} from users where api_key_hash = $1 and role = 'admin'
"""


async def admin_by_key_hash(conn: Conn, key_hash: str) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(select_admin_by_key, key_hash)
    return row


select_users = f"select {user_columns} from users order by username"


async def list_users(conn: Conn) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(select_users)
    return rows


insert_admin = f"""
insert into users (username, role, api_key_hash) values ($1, 'admin', $2)
on conflict (username) do nothing
returning {user_columns}
"""


async def create_admin(conn: Conn, username: str, key_hash: str) -> asyncpg.Record | None:
    """None when the username is taken."""
    row: asyncpg.Record | None = await conn.fetchrow(insert_admin, username, key_hash)
    return row


count_admins = "select count(*) from users where role = 'admin'"


async def admin_count(conn: Conn) -> int:
    count: int = await conn.fetchval(count_admins)
    return count


delete_user_row = "delete from users where username = $1 returning id"


async def delete_user(conn: Conn, username: str) -> bool:
    # Sessions go with the user (ON DELETE CASCADE).
    return await conn.fetchval(delete_user_row, username) is not None


update_role = """
update users set role = $2, api_key_hash = $3 where username = $1 returning id
"""


async def set_role(conn: Conn, username: str, role: str, key_hash: str | None) -> None:
    async with conn.transaction():
        user_id = await conn.fetchval(update_role, username, role, key_hash)
        await conn.execute(delete_user_sessions, user_id)


update_key = "update users set api_key_hash = $2 where username = $1 returning id"


async def set_key(conn: Conn, username: str, key_hash: str) -> None:
    async with conn.transaction():
        user_id = await conn.fetchval(update_key, username, key_hash)
        await conn.execute(delete_user_sessions, user_id)


key_in_use = """
select exists(select 1 from users where api_key_hash = $1)
    or exists(select 1 from api_keys where key_hash = $1)
"""


async def key_hash_in_use(conn: Conn, key_hash: str) -> bool:
    used: bool = await conn.fetchval(key_in_use, key_hash)
    return used


upsert_seen = """
insert into users (username, last_seen) values ($1, now())
on conflict (username) do update set last_seen = now()
"""


async def touch_user(conn: Conn, username: str) -> None:
    """Track a username seen in a request (the contract's 'tracked users')."""
    await conn.execute(upsert_seen, username)


select_tokens = "select github_token_enc, jira_email, jira_token_enc from users where username = $1"


async def get_tokens(conn: Conn, username: str) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(select_tokens, username)
    return row


async def update_tokens(conn: Conn, username: str, fields: dict[str, bytes | str | None]) -> bool:
    """Set only the given columns; False when the user is not tracked."""
    allowed = {"github_token_enc", "jira_email", "jira_token_enc"}
    names = [name for name in fields if name in allowed]
    if not names:
        return await conn.fetchval("select id from users where username = $1", username) is not None
    # Column names come from the fixed set above, never from the request.
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(names, start=2))
    query = f"update users set {assignments} where username = $1 returning id"
    return await conn.fetchval(query, username, *(fields[n] for n in names)) is not None


# Sessions.

insert_session = """
insert into sessions (token_hash, user_id, username, role, expires_at)
values ($1, $2, $3, $4, now() + make_interval(secs => $5))
"""


async def create_session(
    conn: Conn, token_hash: str, user_id: int | None, username: str, role: str, ttl_s: float
) -> None:
    await conn.execute(insert_session, token_hash, user_id, username, role, float(ttl_s))


# A live session; its expiry slides forward, written at most once a minute.
select_session = """
with live as (
    select token_hash, username, role, expires_at from sessions
     where token_hash = $1 and expires_at > now()
), slid as (
    update sessions s set expires_at = now() + make_interval(secs => $2)
      from live
     where s.token_hash = live.token_hash
       and live.expires_at < now() + make_interval(secs => $2) - interval '60 seconds'
    returning s.token_hash
)
select live.username, live.role, exists(select 1 from slid) as refreshed from live
"""


async def live_session(conn: Conn, token_hash: str, ttl_s: float) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(select_session, token_hash, float(ttl_s))
    return row


delete_session_row = "delete from sessions where token_hash = $1"


async def delete_session(conn: Conn, token_hash: str) -> None:
    await conn.execute(delete_session_row, token_hash)


delete_user_sessions = "delete from sessions where user_id = $1"

delete_expired_sessions = "delete from sessions where expires_at < now()"


async def purge_sessions(conn: Conn) -> None:
    await conn.execute(delete_expired_sessions)


# Scoped API keys.

api_key_columns = "id, name, prefix, scopes, created_by, created_at, last_used_at, revoked_at"

insert_api_key = f"""
insert into api_keys (name, prefix, key_hash, scopes, created_by) values ($1, $2, $3, $4, $5)
returning {api_key_columns}
"""


async def create_api_key(
    conn: Conn, name: str, prefix: str, key_hash: str, scopes: list[str], created_by: str
) -> asyncpg.Record:
    row: asyncpg.Record | None = await conn.fetchrow(
        insert_api_key, name, prefix, key_hash, scopes, created_by
    )
    assert row is not None  # an insert ... returning always returns its row
    return row


select_api_keys = f"select {api_key_columns} from api_keys order by id"


async def list_api_keys(conn: Conn) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(select_api_keys)
    return rows


# last_used_at is written at most once a minute, so a busy pipeline costs no write per call.
use_api_key = """
with found as (
    select id, name, scopes, last_used_at from api_keys
     where key_hash = $1 and revoked_at is null
), used as (
    update api_keys a set last_used_at = now() from found
     where a.id = found.id
       and (found.last_used_at is null or found.last_used_at < now() - interval '60 seconds')
)
select id, name, scopes from found
"""


async def api_key_by_hash(conn: Conn, key_hash: str) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(use_api_key, key_hash)
    return row


revoke_api_key_row = """
update api_keys set revoked_at = now() where id = $1 and revoked_at is null returning id
"""


async def revoke_api_key(conn: Conn, key_id: int) -> bool:
    return await conn.fetchval(revoke_api_key_row, key_id) is not None


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


lock_admins = "select pg_advisory_xact_lock(hashtext('verdict:admins'))"


async def lock_admin_changes(conn: Conn) -> None:
    """Serialise admin changes (inside a transaction), so two deletes or demotions
    cannot both pass the last-admin check."""
    await conn.execute(lock_admins)


# Key rotation (verdict rotate-key): every stored token, re-encrypted in place.
select_all_tokens = """
select id, github_token_enc, jira_token_enc from users
 where github_token_enc is not null or jira_token_enc is not null
"""
update_token_ciphertexts = """
update users set github_token_enc = $2, jira_token_enc = $3 where id = $1
"""


async def all_token_ciphertexts(conn: Conn) -> list[asyncpg.Record]:
    return list(await conn.fetch(select_all_tokens))


async def set_token_ciphertexts(
    conn: Conn, user_id: int, github: bytes | None, jira: bytes | None
) -> None:
    await conn.execute(update_token_ciphertexts, user_id, github, jira)

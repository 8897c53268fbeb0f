"""storage.identity against real Postgres: users, sessions, tokens and scoped keys."""

from __future__ import annotations

from verdict.storage import identity as repo


async def test_an_admin_username_is_taken_once(pg):
    async with pg.acquire() as conn:
        assert await repo.create_admin(conn, "ann", "hash-1") is not None
        assert await repo.create_admin(conn, "ann", "hash-2") is None
        assert (await repo.admin_by_key_hash(conn, "hash-1"))["username"] == "ann"
        assert await repo.admin_count(conn) == 1
        assert await repo.key_hash_in_use(conn, "hash-1")


async def test_demotion_drops_the_key_and_every_session(pg):
    async with pg.acquire() as conn:
        user = await repo.create_admin(conn, "ann", "hash-1")
        await repo.create_session(conn, "tok", user["id"], "ann", "admin", 3600)
        assert (await repo.live_session(conn, "tok", 3600))["username"] == "ann"
        await repo.set_role(conn, "ann", "user", None)
        assert await repo.live_session(conn, "tok", 3600) is None
        assert await repo.admin_by_key_hash(conn, "hash-1") is None


async def test_an_expired_session_is_not_live_and_is_purged(pg):
    async with pg.acquire() as conn:
        await repo.create_session(conn, "old", None, "admin", "admin", 3600)
        await conn.execute("update sessions set expires_at = now() - interval '1 s'")
        assert await repo.live_session(conn, "old", 3600) is None
        await repo.purge_sessions(conn)
        assert await conn.fetchval("select count(*) from sessions") == 0


async def test_tokens_change_only_the_fields_given(pg):
    async with pg.acquire() as conn:
        assert not await repo.update_tokens(conn, "nobody", {"jira_email": "a@b"})
        await repo.touch_user(conn, "ann")
        assert await repo.update_tokens(conn, "ann", {"github_token_enc": b"g"})
        assert await repo.update_tokens(conn, "ann", {"jira_email": "a@b", "role": "admin"})
        row = await repo.get_tokens(conn, "ann")
        role = await conn.fetchval("select role from users where username = 'ann'")
    assert (bytes(row["github_token_enc"]), row["jira_email"]) == (b"g", "a@b")
    assert role == "user"  # a column outside the token set is never written


async def test_a_revoked_api_key_no_longer_authenticates(pg):
    async with pg.acquire() as conn:
        key = await repo.create_api_key(conn, "ci", "vk_ab", "khash", ["analysis:write"], "ann")
        found = await repo.api_key_by_hash(conn, "khash")
        assert found is not None and list(found["scopes"]) == ["analysis:write"]
        assert await repo.revoke_api_key(conn, key["id"])
        assert not await repo.revoke_api_key(conn, key["id"])
        assert await repo.api_key_by_hash(conn, "khash") is None

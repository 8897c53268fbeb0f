"""Login, logout, me, cookies, sessions and the user-token endpoints (seed 003)."""

from __future__ import annotations

from http.cookies import SimpleCookie

from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from services.gateway.app import create_app

ADMIN_KEY = "bootstrap-admin-key-0123456789abcdef"


def _cookie(response, name: str):
    for header in response.headers.getall("Set-Cookie", []):
        jar = SimpleCookie()
        jar.load(header)
        if name in jar:
            return jar[name]
    return None


async def _app(settings, **overrides):
    settings.admin_key = SecretStr(ADMIN_KEY)
    for key, value in overrides.items():
        setattr(settings, key, value)
    return TestClient(TestServer(create_app(settings)))


async def test_login_sets_session_and_username_cookies(settings, pg, redis):
    async with await _app(settings) as client:
        response = await client.post(
            "/api/auth/login", json={"username": "admin", "api_key": ADMIN_KEY}
        )
        assert response.status == 200, await response.text()
        assert await response.json() == {"username": "admin", "role": "admin", "is_admin": True}
        session = _cookie(response, "jji_session")
        assert session is not None and session.value
        assert session["httponly"] is True
        assert session["samesite"] == "Lax"
        assert not session["secure"]
        assert int(session["max-age"]) == settings.session_ttl_s
        assert _cookie(response, "jji_username").value == "admin"
        # Only a hash of the session token is stored.
        assert await pg.fetchval("select count(*) from sessions") == 1
        stored = await pg.fetchval("select token_hash from sessions")
        assert stored != session.value

        me = await client.get("/api/auth/me")
        assert await me.json() == {"username": "admin", "role": "admin", "is_admin": True}
        admin_only = await client.get("/api/admin/users")
        assert admin_only.status == 200


async def test_secure_cookies_setting(settings, pg, redis):
    async with await _app(settings, secure_cookies=True) as client:
        response = await client.post(
            "/api/auth/login", json={"username": "admin", "api_key": ADMIN_KEY}
        )
        assert _cookie(response, "jji_session")["secure"] is True
        assert _cookie(response, "jji_username")["secure"] is True


async def test_login_failures(settings, pg, redis):
    async with await _app(settings) as client:
        wrong = await client.post("/api/auth/login", json={"username": "admin", "api_key": "nope"})
        assert wrong.status == 401
        assert (await wrong.json())["error_code"] == "UNAUTHORIZED"
        assert _cookie(wrong, "jji_session") is None
        missing = await client.post("/api/auth/login", json={"username": "admin"})
        assert missing.status == 400
        bad_json = await client.post(
            "/api/auth/login", data=b"{", headers={"Content-Type": "application/json"}
        )
        assert bad_json.status == 400
        unknown = await client.post(
            "/api/auth/login", json={"username": "bob", "api_key": "k" * 20}
        )
        assert unknown.status == 401


async def test_login_without_bootstrap_key_configured_fails(settings, pg, redis):
    async with await _app(settings, admin_key=SecretStr("")) as client:
        response = await client.post("/api/auth/login", json={"username": "admin", "api_key": ""})
        assert response.status == 400
        response = await client.post("/api/auth/login", json={"username": "admin", "api_key": "x"})
        assert response.status == 401


async def test_me_anonymous_and_cookie_username(client):
    anonymous = await client.get("/api/auth/me")
    assert await anonymous.json() == {"username": "", "role": "user", "is_admin": False}
    client.session.cookie_jar.update_cookies({"jji_username": "alice"})
    named = await client.get("/api/auth/me")
    assert await named.json() == {"username": "alice", "role": "user", "is_admin": False}


async def test_logout_clears_session_but_not_username(settings, pg, redis):
    async with await _app(settings) as client:
        await client.post("/api/auth/login", json={"username": "admin", "api_key": ADMIN_KEY})
        response = await client.post("/api/auth/logout")
        assert await response.json() == {"ok": True}
        cleared = _cookie(response, "jji_session")
        assert cleared is not None and cleared.value == ""
        assert _cookie(response, "jji_username") is None
        assert await pg.fetchval("select count(*) from sessions") == 0
        me = await client.get("/api/auth/me")
        assert (await me.json())["is_admin"] is False


async def test_session_expiry_slides(settings, pg, redis):
    async with await _app(settings, session_ttl_s=3600) as client:
        await client.post("/api/auth/login", json={"username": "admin", "api_key": ADMIN_KEY})
        # Fresh sessions are not rewritten on every request.
        quiet = await client.get("/api/auth/me")
        assert _cookie(quiet, "jji_session") is None
        await pg.execute("update sessions set expires_at = now() + interval '10 minutes'")
        response = await client.get("/api/auth/me")
        assert (await response.json())["is_admin"] is True
        refreshed = _cookie(response, "jji_session")
        assert refreshed is not None and int(refreshed["max-age"]) == 3600
        assert refreshed["httponly"] is True
        left = await pg.fetchval("select extract(epoch from expires_at - now()) from sessions")
        assert left > 3500


async def test_expired_session_is_anonymous(settings, pg, redis):
    async with await _app(settings) as client:
        await client.post("/api/auth/login", json={"username": "admin", "api_key": ADMIN_KEY})
        await pg.execute("update sessions set expires_at = now() - interval '1 second'")
        me = await client.get("/api/auth/me")
        assert (await me.json())["is_admin"] is False
        assert (await client.get("/api/admin/users")).status == 403


async def test_user_tokens_need_a_username(client):
    response = await client.get("/api/user/tokens")
    assert response.status == 401
    response = await client.put("/api/user/tokens", json={"github_token": "x"})
    assert response.status == 401


async def test_user_tokens_round_trip_encrypted(client, pg):
    client.session.cookie_jar.update_cookies({"jji_username": "alice"})
    empty = await client.get("/api/user/tokens")  # also tracks alice
    assert empty.status == 200
    assert empty.headers["Cache-Control"] == "no-store"
    assert await empty.json() == {"github_token": "", "jira_email": "", "jira_token": ""}

    body = {"github_token": "ghp_secret_value_1", "jira_email": "a@x.io", "jira_token": "jt_2"}
    saved = await client.put("/api/user/tokens", json=body)
    assert saved.status == 200 and await saved.json() == {"ok": True}
    assert saved.headers["Cache-Control"] == "no-store"
    got = await client.get("/api/user/tokens")
    assert await got.json() == body

    row = await pg.fetchrow("select * from users where username = 'alice'")
    assert b"ghp_secret_value_1" not in bytes(row["github_token_enc"])
    assert b"jt_2" not in bytes(row["jira_token_enc"])

    # Only the fields sent change; an empty string clears one.
    await client.put("/api/user/tokens", json={"jira_token": ""})
    got = await client.get("/api/user/tokens")
    assert await got.json() == {**body, "jira_token": ""}
    assert await pg.fetchval("select jira_token_enc from users where username='alice'") is None


async def test_user_tokens_bad_bodies(client):
    client.session.cookie_jar.update_cookies({"jji_username": "alice"})
    await client.get("/api/user/tokens")
    for data in (b"[1]", b"{"):
        response = await client.put(
            "/api/user/tokens", data=data, headers={"Content-Type": "application/json"}
        )
        assert response.status == 400


async def test_put_tokens_for_untracked_user_is_404(client, pg):
    client.session.cookie_jar.update_cookies({"jji_username": "ghost"})
    await client.get("/api/auth/me")
    await pg.execute("delete from users")
    response = await client.put("/api/user/tokens", json={"github_token": "x"})
    assert response.status == 404

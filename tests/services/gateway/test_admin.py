"""Admin users (seed 003 rules) and scoped API keys."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from services.gateway.app import create_app

ADMIN_KEY = "bootstrap-admin-key-0123456789abcdef"
ROOT = {"Authorization": f"Bearer {ADMIN_KEY}"}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
async def admin_client(settings, pg, redis):
    settings.admin_key = SecretStr(ADMIN_KEY)
    async with TestClient(TestServer(create_app(settings))) as client:
        yield client


async def _create(client, username: str) -> str:
    response = await client.post("/api/admin/users", json={"username": username}, headers=ROOT)
    assert response.status == 200, await response.text()
    assert response.headers["Cache-Control"] == "no-store"
    body = await response.json()
    assert body["username"] == username and body["role"] == "admin"
    return body["api_key"]


async def test_create_user_and_use_its_key(admin_client, pg):
    key = await _create(admin_client, "release-manager")
    # Stored only as a hash.
    stored = await pg.fetchval("select api_key_hash from users where username='release-manager'")
    assert stored and key not in stored
    me = await admin_client.get("/api/auth/me", headers=bearer(key))
    assert await me.json() == {"username": "release-manager", "role": "admin", "is_admin": True}
    listed = await admin_client.get("/api/admin/users", headers=bearer(key))
    users = (await listed.json())["users"]
    assert [u["username"] for u in users] == ["release-manager"]
    assert set(users[0]) == {"id", "username", "role", "created_at", "last_seen"}
    login = await admin_client.post(
        "/api/auth/login", json={"username": "release-manager", "api_key": key}
    )
    assert login.status == 200


@pytest.mark.parametrize(
    "username", ["admin", "ADMIN", "a", "-lead", "x" * 51, "has space", "semi;colon", ""]
)
async def test_create_user_rejects_bad_names(admin_client, username):
    response = await admin_client.post(
        "/api/admin/users", json={"username": username}, headers=ROOT
    )
    assert response.status == 400, username


async def test_create_user_duplicate_and_forbidden(admin_client):
    await _create(admin_client, "bob")
    dup = await admin_client.post("/api/admin/users", json={"username": "bob"}, headers=ROOT)
    assert dup.status == 400
    anonymous = await admin_client.post("/api/admin/users", json={"username": "carol"})
    assert anonymous.status == 403
    wrong = await admin_client.get("/api/admin/users", headers=bearer("wrong-key-123456789"))
    assert wrong.status == 403


async def test_delete_rules(admin_client, pg):
    alice = await _create(admin_client, "alice")
    login = await admin_client.post("/api/auth/login", json={"username": "alice", "api_key": alice})
    assert login.status == 200
    admin_client.session.cookie_jar.clear()
    # The last admin cannot go; nor can you delete yourself.
    last = await admin_client.delete("/api/admin/users/alice", headers=ROOT)
    assert last.status == 400
    bob = await _create(admin_client, "bob")
    own = await admin_client.delete("/api/admin/users/bob", headers=bearer(bob))
    assert own.status == 400
    missing = await admin_client.delete("/api/admin/users/nobody", headers=ROOT)
    assert missing.status == 404
    deleted = await admin_client.delete("/api/admin/users/alice", headers=bearer(bob))
    assert await deleted.json() == {"deleted": "alice"}
    assert await pg.fetchval("select count(*) from sessions where username='alice'") == 0
    gone = await admin_client.get("/api/admin/users", headers=bearer(alice))
    assert gone.status == 403


async def test_role_changes(admin_client, pg):
    alice = await _create(admin_client, "alice")
    # Track a plain user through the username cookie, then promote them.
    await admin_client.get("/api/auth/me", cookies={"jji_username": "carol"})
    promoted = await admin_client.put(
        "/api/admin/users/carol/role", json={"role": "admin"}, headers=ROOT
    )
    assert promoted.status == 200, await promoted.text()
    assert promoted.headers["Cache-Control"] == "no-store"
    body = await promoted.json()
    assert body["username"] == "carol" and body["role"] == "admin" and body["api_key"]
    carol = body["api_key"]
    await admin_client.post("/api/auth/login", json={"username": "carol", "api_key": carol})
    admin_client.session.cookie_jar.clear()

    same = await admin_client.put(
        "/api/admin/users/carol/role", json={"role": "admin"}, headers=ROOT
    )
    assert same.status == 400
    invalid = await admin_client.put(
        "/api/admin/users/carol/role", json={"role": "boss"}, headers=ROOT
    )
    assert invalid.status == 400
    reserved = await admin_client.put(
        "/api/admin/users/admin/role", json={"role": "user"}, headers=ROOT
    )
    assert reserved.status == 400
    own = await admin_client.put(
        "/api/admin/users/carol/role", json={"role": "user"}, headers=bearer(carol)
    )
    assert own.status == 400
    missing = await admin_client.put(
        "/api/admin/users/zed/role", json={"role": "admin"}, headers=ROOT
    )
    assert missing.status == 404

    demoted = await admin_client.put(
        "/api/admin/users/carol/role", json={"role": "user"}, headers=bearer(alice)
    )
    assert await demoted.json() == {"username": "carol", "role": "user"}
    assert await pg.fetchval("select api_key_hash from users where username='carol'") is None
    assert await pg.fetchval("select count(*) from sessions where username='carol'") == 0
    assert (await admin_client.get("/api/admin/users", headers=bearer(carol))).status == 403

    last = await admin_client.put(
        "/api/admin/users/alice/role", json={"role": "user"}, headers=ROOT
    )
    assert last.status == 400


async def test_rotate_key(admin_client, pg):
    old = await _create(admin_client, "alice")
    await admin_client.post("/api/auth/login", json={"username": "alice", "api_key": old})
    admin_client.session.cookie_jar.clear()
    rotated = await admin_client.post("/api/admin/users/alice/rotate-key", headers=ROOT)
    assert rotated.status == 200, await rotated.text()
    assert rotated.headers["Cache-Control"] == "no-store"
    new = (await rotated.json())["new_api_key"]
    assert new != old
    assert await pg.fetchval("select count(*) from sessions where username='alice'") == 0
    assert (await admin_client.get("/api/admin/users", headers=bearer(old))).status == 403
    assert (await admin_client.get("/api/admin/users", headers=bearer(new))).status == 200

    short = await admin_client.post(
        "/api/admin/users/alice/rotate-key", json={"new_key": "short"}, headers=ROOT
    )
    assert short.status == 400
    not_object = await admin_client.post(
        "/api/admin/users/alice/rotate-key", json=[1], headers=ROOT
    )
    assert not_object.status == 400
    custom = "jji_custom_admin_key_123456"
    chosen = await admin_client.post(
        "/api/admin/users/alice/rotate-key", json={"new_key": custom}, headers=ROOT
    )
    assert await chosen.json() == {"username": "alice", "new_api_key": custom}
    assert (await admin_client.get("/api/admin/users", headers=bearer(custom))).status == 200
    missing = await admin_client.post("/api/admin/users/bob/rotate-key", headers=ROOT)
    assert missing.status == 404


async def test_scoped_api_keys(settings, pg, redis):
    settings.admin_key = SecretStr(ADMIN_KEY)
    settings.require_auth = True
    async with TestClient(TestServer(create_app(settings))) as client:
        created = await client.post(
            "/api/admin/api-keys",
            json={"name": "ci-reader", "scopes": ["analysis:read"]},
            headers=ROOT,
        )
        assert created.status == 201, await created.text()
        assert created.headers["Cache-Control"] == "no-store"
        body = await created.json()
        secret = body["api_key"]
        assert body["scopes"] == ["analysis:read"] and secret.startswith(body["prefix"])
        stored = await pg.fetchrow("select * from api_keys")
        assert secret not in stored["key_hash"]

        listed = await (await client.get("/api/admin/api-keys", headers=ROOT)).json()
        assert "api_key" not in listed["api_keys"][0]
        assert secret not in str(listed)

        assert (await client.get("/results", headers=bearer(secret))).status == 200
        assert (await client.get("/health")).status == 200
        assert (await client.get("/results")).status == 401
        write = await client.post(
            "/analyze-failures?wait=false",
            json={"failures": [{"test_name": "t"}]},
            headers=bearer(secret),
        )
        assert write.status == 403
        assert (await write.json())["error_code"] == "FORBIDDEN"
        assert (await client.get("/api/admin/users", headers=bearer(secret))).status == 403

        writer = await (
            await client.post(
                "/api/admin/api-keys",
                json={"name": "ci", "scopes": ["analysis:write", "analysis:read"]},
                headers=ROOT,
            )
        ).json()
        queued = await client.post(
            "/analyze-failures?wait=false",
            json={"failures": [{"test_name": "t"}]},
            headers=bearer(writer["api_key"]),
        )
        assert queued.status == 202

        revoked = await client.delete(f"/api/admin/api-keys/{body['id']}", headers=ROOT)
        assert await revoked.json() == {"revoked": body["id"]}
        assert (await client.get("/results", headers=bearer(secret))).status == 401
        again = await client.delete(f"/api/admin/api-keys/{body['id']}", headers=ROOT)
        assert again.status == 404
        bad = await client.post(
            "/api/admin/api-keys", json={"name": "x", "scopes": ["root"]}, headers=ROOT
        )
        assert bad.status == 422


async def test_admin_scoped_key_is_an_admin(admin_client):
    created = await admin_client.post(
        "/api/admin/api-keys", json={"name": "ops", "scopes": ["admin"]}, headers=ROOT
    )
    secret = (await created.json())["api_key"]
    assert (await admin_client.get("/api/admin/users", headers=bearer(secret))).status == 200

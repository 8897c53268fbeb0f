"""With VERDICT_REQUIRE_AUTH on, the pages have exactly the REST API's permissions."""

from __future__ import annotations

import re

import pytest
from pydantic import SecretStr

from tests.services.gateway.history_support import ADMIN_KEY, Fail, create_job
from tests.services.gateway.pages.test_csrf import BROWSER, origin


@pytest.fixture
async def job(pg):
    return await create_job(pg, failures=[Fail("t.test_a"), Fail("t.test_b")], job_name="j")


@pytest.fixture
def settings(base_settings):
    return base_settings.model_copy(
        update={"admin_key": SecretStr(ADMIN_KEY), "require_auth": True}
    )


async def test_with_auth_required_pages_ask_for_a_login(client, job):
    page = await client.get(f"/results/{job}", headers={"Accept": BROWSER}, allow_redirects=False)
    assert page.status == 303
    assert page.headers["Location"] == f"/login?next=/results/{job}"
    login = await client.get("/login", headers={"Accept": BROWSER})
    assert login.status == 200
    # The JSON API keeps answering 401 in the error shape.
    api = await client.get(f"/results/{job}", headers={"Accept": "application/json"})
    assert api.status == 401


async def test_a_read_only_key_cannot_write_through_the_pages(client, job):
    created = await client.post(
        "/api/admin/api-keys",
        json={"name": "reader", "scopes": ["analysis:read"]},
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    )
    key = (await created.json())["api_key"]
    reader = {"Authorization": f"Bearer {key}"}
    page = await client.get(f"/results/{job}", headers={**reader, "Accept": BROWSER})
    assert page.status == 200
    text = await page.text()
    assert "needs a login or a key with" in text  # the page says why the buttons are off
    token = re.search(r'name="csrf-token" content="([0-9a-f]+)"', text).group(1)
    write = await client.post(
        f"/ui/results/{job}/reviewed",
        data={"analysis_id": "1", "reviewed": "true", "csrf_token": token},
        headers={**reader, **origin(client), "Accept": "application/json"},
    )
    assert write.status == 403
    rest = await client.put(
        f"/results/{job}/reviewed", json={"test_name": "t.test_a", "reviewed": True}, headers=reader
    )
    assert rest.status == 403


async def test_admin_pages_are_for_admins(client):
    nobody = await client.get("/admin/users", headers={"Accept": BROWSER}, allow_redirects=False)
    assert nobody.status == 303  # to the login page
    admin = await client.get(
        "/admin/users", headers={"Accept": BROWSER, "Authorization": f"Bearer {ADMIN_KEY}"}
    )
    assert admin.status == 200
    assert "New admin user" in await admin.text()

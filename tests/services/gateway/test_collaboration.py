"""Comments, reviews, review status and overrides against real Postgres."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import SecretStr

from tests.services.gateway.history_support import ADMIN, ADMIN_KEY, Fail, create_job, user

TIMEOUT = "requests.exceptions.ConnectTimeout: timed out after 30s"


@pytest.fixture
def settings(base_settings):
    return base_settings.model_copy(update={"admin_key": SecretStr(ADMIN_KEY)})


@pytest.fixture
async def job(pg):
    return await create_job(
        pg,
        failures=[
            Fail("t.test_a"),
            Fail("t.test_b"),
            Fail("t.test_c", TIMEOUT, "INFRASTRUCTURE"),
            Fail("t.test_a", child_job_name="child", child_build_number=7),
        ],
        job_name="folder/job",
        build_number=3,
    )


async def test_comment_roundtrip(client, job):
    created = await client.post(
        f"/results/{job}/comments",
        json={"test_name": "t.test_a", "comment": "seen before"},
        headers=user("alice"),
    )
    assert created.status == 201, await created.text()
    comment_id = (await created.json())["id"]
    assert isinstance(comment_id, int)

    listed = await (await client.get(f"/results/{job}/comments")).json()
    [comment] = listed["comments"]
    assert comment["id"] == comment_id
    assert comment["username"] == "alice"
    assert comment["test_name"] == "t.test_a"
    assert (comment["child_job_name"], comment["child_build_number"]) == ("", 0)
    assert len(comment["error_signature"]) == 64  # copied from the stored failure
    assert comment["job_id"] == str(job)
    assert listed["reviews"] == {}


async def test_comment_errors(client, pg, job):
    url = f"/results/{job}/comments"
    missing = await client.post(url, json={"test_name": "t.nope", "comment": "x"})
    assert missing.status == 404
    scope = await client.post(
        url, json={"test_name": "t.test_a", "comment": "x", "child_build_number": 3}
    )
    assert scope.status == 400
    assert (await client.post(url, json={"test_name": "t.test_a"})).status == 422
    negative = {"test_name": "t.test_a", "comment": "x", "child_build_number": -1}
    assert (await client.post(url, json=negative)).status == 422
    bad = await client.post(url, data=b"{", headers={"Content-Type": "application/json"})
    assert bad.status == 400
    unknown = await client.post(
        "/results/00000000-0000-0000-0000-000000000000/comments",
        json={"test_name": "t.test_a", "comment": "x"},
    )
    assert unknown.status == 404

    running = await create_job(pg, status="running")
    accepted = await client.post(
        f"/results/{running}/comments", json={"test_name": "t.test_a", "comment": "x"}
    )
    assert accepted.status == 202
    assert (await accepted.json())["status"] == "running"
    failed = await create_job(pg, status="failed")
    conflict = await client.post(
        f"/results/{failed}/comments", json={"test_name": "t.test_a", "comment": "x"}
    )
    assert conflict.status == 409
    assert (await conflict.json())["error_code"] == "CONFLICT"


async def test_child_comment_wildcard_build(client, job):
    ok = await client.post(
        f"/results/{job}/comments",
        json={"test_name": "t.test_a", "comment": "child", "child_job_name": "child"},
    )
    assert ok.status == 201
    wrong = await client.post(
        f"/results/{job}/comments",
        json={
            "test_name": "t.test_a",
            "comment": "x",
            "child_job_name": "child",
            "child_build_number": 8,
        },
    )
    assert wrong.status == 404


async def test_delete_comment_owner_admin_and_anonymous(client, job):
    url = f"/results/{job}/comments"
    body = {"test_name": "t.test_a", "comment": "mine"}
    first = (await (await client.post(url, json=body, headers=user("alice"))).json())["id"]
    second = (await (await client.post(url, json=body, headers=user("alice"))).json())["id"]

    assert (await client.delete(f"{url}/{first}")).status == 401
    assert (await client.delete(f"{url}/{first}", headers=user("bob"))).status == 404
    deleted = await client.delete(f"{url}/{first}", headers=user("alice"))
    assert deleted.status == 200
    assert await deleted.json() == {"status": "deleted"}
    assert (await client.delete(f"{url}/{first}", headers=user("alice"))).status == 404
    admin = await client.delete(f"{url}/{second}", headers={**ADMIN, **user("root")})
    assert admin.status == 200
    assert (await (await client.get(url)).json())["comments"] == []


async def test_reviews_and_review_status(client, job):
    url = f"/results/{job}/reviewed"
    done = await client.put(
        url, json={"test_name": "t.test_a", "reviewed": True}, headers=user("alice")
    )
    assert done.status == 200
    assert await done.json() == {"status": "ok", "reviewed_by": "alice"}
    child = await client.put(
        url,
        json={
            "test_name": "t.test_a",
            "reviewed": True,
            "child_job_name": "child",
            "child_build_number": 7,
        },
    )
    assert child.status == 200
    assert (await child.json())["reviewed_by"] == ""
    await client.post(f"/results/{job}/comments", json={"test_name": "t.test_b", "comment": "c"})

    reviews = (await (await client.get(f"/results/{job}/comments")).json())["reviews"]
    assert set(reviews) == {"t.test_a", "child#7::t.test_a"}
    assert reviews["t.test_a"]["reviewed"] is True
    assert reviews["t.test_a"]["username"] == "alice"
    assert reviews["t.test_a"]["updated_at"]

    status = await (await client.get(f"/results/{job}/review-status")).json()
    assert status == {"total_failures": 4, "reviewed_count": 2, "comment_count": 1}

    undone = await client.put(url, json={"test_name": "t.test_a", "reviewed": False})
    assert await undone.json() == {"status": "ok", "reviewed_by": ""}
    status = await (await client.get(f"/results/{job}/review-status")).json()
    assert status["reviewed_count"] == 1

    assert (await client.put(url, json={"test_name": "nope", "reviewed": True})).status == 404
    assert (await client.put(url, json={"test_name": "t.test_a"})).status == 422
    missing = await client.get("/results/00000000-0000-0000-0000-000000000000/review-status")
    assert missing.status == 404


async def test_concurrent_reviewers_leave_one_whole_row(client, pg, job):
    url = f"/results/{job}/reviewed"
    calls = [
        client.put(
            url,
            json={"test_name": "t.test_b", "reviewed": i % 2 == 0},
            headers=user(f"reviewer{i}"),
        )
        for i in range(20)
    ]
    responses = await asyncio.gather(*calls)
    assert {r.status for r in responses} == {200}
    rows = await pg.fetch("select reviewed, username from reviews where job_id = $1", job)
    assert len(rows) == 1
    [row] = rows
    # Whoever wrote last, the row is theirs alone: state and name agree.
    assert row["reviewed"] == (int(row["username"].removeprefix("reviewer")) % 2 == 0)


async def test_override_applies_to_group_history_and_result(client, pg, job):
    response = await client.put(
        f"/results/{job}/override-classification",
        json={"test_name": "t.test_a", "classification": "PRODUCT BUG"},
        headers=user("alice"),
    )
    assert response.status == 200, await response.text()
    assert await response.json() == {"status": "ok", "classification": "PRODUCT BUG"}

    rows = await pg.fetch(
        "select test_name, child_job_name, classification from failures where job_id = $1"
        " order by test_name, child_job_name",
        job,
    )
    got = {(r["test_name"], r["child_job_name"]): r["classification"] for r in rows}
    # The whole top-level group moved; the other group and the child scope did not.
    assert got == {
        ("t.test_a", ""): "PRODUCT BUG",
        ("t.test_a", "child"): "CODE ISSUE",
        ("t.test_b", ""): "PRODUCT BUG",
        ("t.test_c", ""): "INFRASTRUCTURE",
    }
    envelope = await (await client.get(f"/results/{job}")).json()
    by_name = {f["test_name"]: f["analysis"] for f in envelope["result"]["failures"]}
    assert by_name["t.test_a"]["classification"] == "PRODUCT BUG"
    assert by_name["t.test_b"]["classification"] == "PRODUCT BUG"
    assert by_name["t.test_b"]["code_fix"] is False
    assert by_name["t.test_c"]["classification"] == "INFRASTRUCTURE"
    child = envelope["result"]["child_job_analyses"][0]["failures"][0]["analysis"]
    assert child["classification"] == "CODE ISSUE"

    listed = await (
        await client.get("/history/classifications", params={"job_id": str(job)})
    ).json()
    names = sorted(c["test_name"] for c in listed["classifications"])
    assert names == ["t.test_a", "t.test_b"]
    first = listed["classifications"][0]
    assert first["created_by"] == "alice"
    assert first["parent_job_name"] == "folder/job"
    assert first["classification"] == "PRODUCT BUG"
    source = await pg.fetchval(
        "select source from analyses where job_id = $1 and classification = 'PRODUCT BUG'", job
    )
    assert source == "human"


async def test_override_child_scope_rules(client, pg, job):
    url = f"/results/{job}/override-classification"
    wildcard = await client.put(
        url,
        json={
            "test_name": "t.test_a",
            "classification": "INFRASTRUCTURE",
            "child_job_name": "child",
        },
    )
    assert wildcard.status == 400  # an override names one child build
    orphan = {"test_name": "t.test_a", "classification": "INFRASTRUCTURE"}
    assert (await client.put(url, json={**orphan, "child_build_number": 7})).status == 400
    child = await client.put(
        url, json={**orphan, "child_job_name": "child", "child_build_number": 7}
    )
    assert child.status == 200
    envelope = await (await client.get(f"/results/{job}")).json()
    analysis = envelope["result"]["child_job_analyses"][0]["failures"][0]["analysis"]
    assert analysis["classification"] == "INFRASTRUCTURE"
    assert analysis["code_fix"] is False and analysis["product_bug_report"] is False
    top = {f["test_name"]: f for f in envelope["result"]["failures"]}
    assert top["t.test_a"]["analysis"]["classification"] == "CODE ISSUE"

    bad = await client.put(url, json={"test_name": "t.test_a", "classification": "FLAKY"})
    assert bad.status == 422
    assert (await client.put(url, json={**orphan, "test_name": "nope"})).status == 404
    running = await create_job(pg, status="pending")
    pending = await client.put(f"/results/{running}/override-classification", json=orphan)
    assert pending.status == 202
    failed = await create_job(pg, status="failed")
    conflict = await client.put(f"/results/{failed}/override-classification", json=orphan)
    assert conflict.status == 409


async def test_override_racing_comments(client, pg, job):
    """Overrides and comments on the same group at once: all succeed, nothing is lost."""
    override = {"test_name": "t.test_b", "classification": "INFRASTRUCTURE"}
    calls = []
    for i in range(10):
        calls.append(client.put(f"/results/{job}/override-classification", json=override))
        calls.append(
            client.post(
                f"/results/{job}/comments",
                json={"test_name": "t.test_b", "comment": f"c{i}"},
                headers=user("alice"),
            )
        )
    responses = await asyncio.gather(*calls)
    assert sorted(r.status for r in responses) == [200] * 10 + [201] * 10
    comments = await pg.fetch("select error_signature from comments where job_id = $1", job)
    assert len(comments) == 10
    assert len({c["error_signature"] for c in comments}) == 1
    envelope = await (await client.get(f"/results/{job}")).json()
    classes = {
        f["test_name"]: f["analysis"]["classification"] for f in envelope["result"]["failures"]
    }
    assert classes["t.test_a"] == classes["t.test_b"] == "INFRASTRUCTURE"
    status = await (await client.get(f"/results/{job}/review-status")).json()
    assert status["comment_count"] == 10


async def test_comments_cursor_pages(client, job):
    url = f"/results/{job}/comments"
    ids = []
    for i in range(5):
        r = await client.post(url, json={"test_name": "t.test_a", "comment": f"c{i}"})
        ids.append((await r.json())["id"])
    first = await (await client.get(url, params={"limit": "2"})).json()
    assert [c["id"] for c in first["comments"]] == ids[:2]
    assert first["pagination"]["has_more"] is True
    second = await (
        await client.get(url, params={"limit": "2", "after": first["pagination"]["next_cursor"]})
    ).json()
    assert [c["id"] for c in second["comments"]] == ids[2:4]
    back = await (
        await client.get(url, params={"limit": "2", "before": second["pagination"]["prev_cursor"]})
    ).json()
    assert [c["id"] for c in back["comments"]] == ids[:2]
    assert (await client.get(url, params={"after": "garbage"})).status == 422

"""The /history endpoints against real Postgres."""

from __future__ import annotations

import pytest

from tests.services.gateway.history_support import Fail, Totals, create_job, user
from verdict.history.flakiness import flakiness

TIMEOUT = "requests.exceptions.ConnectTimeout: timed out after 30s"


@pytest.fixture
async def builds(pg):
    """Job "ci/main": six builds, newest last; t.flip fails in builds 0, 2, 4."""
    ids = []
    for n in range(6):
        fails = [Fail("t.always")]
        if n % 2 == 0:
            fails.append(Fail("t.flip", TIMEOUT, "INFRASTRUCTURE"))
        flaky = ["t.retry"] if n in (1, 3) else []
        ids.append(
            await create_job(
                pg,
                failures=fails,
                job_name="ci/main",
                build_number=n + 1,
                totals=Totals(total=50, passed=50 - len(fails), flaky_tests=flaky),
            )
        )
    return ids


async def test_failures_filters_and_pages(client, pg, builds):
    await create_job(pg, failures=[Fail("other.test_x")], job_name="other/job")
    everything = await (await client.get("/history/failures")).json()
    assert everything["total"] == 10
    row = everything["failures"][0]
    assert set(row) == {
        "id",
        "job_id",
        "job_name",
        "build_number",
        "test_name",
        "error_message",
        "error_signature",
        "classification",
        "child_job_name",
        "child_build_number",
        "analyzed_at",
    }
    assert row["test_name"] == "other.test_x"  # newest first

    by_job = await (await client.get("/history/failures", params={"job_name": "ci/main"})).json()
    assert by_job["total"] == 9
    by_class = await (
        await client.get("/history/failures", params={"classification": "INFRASTRUCTURE"})
    ).json()
    assert by_class["total"] == 3
    found = await (await client.get("/history/failures", params={"search": "timed out"})).json()
    assert found["total"] == 3
    by_name = await (await client.get("/history/failures", params={"search": "other/"})).json()
    assert by_name["total"] == 1
    literal = await (await client.get("/history/failures", params={"search": "%"})).json()
    assert literal["total"] == 0  # wildcards are literal

    page = await (
        await client.get("/history/failures", params={"limit": "4", "offset": "4"})
    ).json()
    assert [r["id"] for r in page["failures"]] == [r["id"] for r in everything["failures"][4:8]]
    assert page["offset"] == 4

    seen, after = [], None
    while True:
        params = {"limit": "3", **({"after": after} if after else {})}
        body = await (await client.get("/history/failures", params=params)).json()
        seen += [r["id"] for r in body["failures"]]
        after = body["pagination"]["next_cursor"]
        if not after:
            break
    assert seen == [r["id"] for r in everything["failures"]]

    assert (await client.get("/history/failures", params={"limit": "201"})).status == 422
    assert (await client.get("/history/failures", params={"offset": "-1"})).status == 422
    assert (await client.get("/history/failures", params={"limit": "x"})).status == 422


async def test_test_history_with_rates_and_flakiness(client, pg, builds):
    await client.post(
        f"/results/{builds[4]}/comments", json={"test_name": "t.flip", "comment": "net again"}
    )
    body = await (await client.get("/history/test/t.flip", params={"job_name": "ci/main"})).json()
    assert body["failures"] == 3
    assert body["total_runs"] == 6
    assert body["passes"] == 3
    assert body["failure_rate"] == 0.5
    assert body["last_classification"] == "INFRASTRUCTURE"
    assert body["classifications"] == {"INFRASTRUCTURE": 3}
    assert len(body["recent_runs"]) == 3
    assert body["recent_runs"][0]["build_number"] == 5
    assert body["comments"][0]["comment"] == "net again"
    assert body["first_seen"] and body["last_seen"]
    # newest build (6) passed: no streak; flips on every build boundary.
    assert body["consecutive_failures"] == 0
    flaky = body["flakiness"]
    expected = flakiness(6, [1, 3, 5], 0)
    assert flaky["flip_rate"] == expected.flip_rate == 1.0
    assert flaky["flaky"] is True and flaky["job_name"] == "ci/main"

    always = await (await client.get("/history/test/t.always")).json()
    assert always["consecutive_failures"] == 6
    assert always["failure_rate"] == 1.0  # without job_name: the test's own jobs' totals
    assert always["passes"] == 0

    limited = await (await client.get("/history/test/t.always", params={"limit": "2"})).json()
    assert len(limited["recent_runs"]) == 2
    excluded = await (
        await client.get("/history/test/t.always", params={"exclude_job_id": str(builds[5])})
    ).json()
    assert excluded["failures"] == 5

    never = await (await client.get("/history/test/t.never")).json()
    assert never["total_runs"] == 0 and never["recent_runs"] == []
    assert (await client.get("/history/test/t.flip", params={"limit": "101"})).status == 422


async def test_test_history_path_names_and_no_totals(client, pg):
    await create_job(pg, failures=[Fail("pkg/mod.py::test_x")])
    await pg.execute("delete from test_runs")
    body = await (await client.get("/history/test/pkg/mod.py::test_x")).json()
    assert body["failures"] == 1
    assert body["passes"] is None and body["failure_rate"] is None


async def test_pass_on_retry(client, builds):
    body = await (await client.get("/history/stats/ci/main")).json()
    retry = next(t for t in body["flaky_tests"] if t["test_name"] == "t.retry")
    assert retry["retry_passes"] == 2
    assert retry["pass_on_retry_rate"] == 1.0
    assert retry["flaky"] is True
    flip = next(t for t in body["flaky_tests"] if t["test_name"] == "t.flip")
    assert flip["flip_rate"] == flakiness(6, [1, 3, 5], 0).flip_rate
    assert flip["failed_builds"] == 3
    always = next(t for t in body["flaky_tests"] if t["test_name"] == "t.always")
    assert always["flip_rate"] == 0.0 and always["flaky"] is False


async def test_stats(client, pg, builds):
    await create_job(pg, job_name="ci/main", build_number=7)  # a green build
    body = await (await client.get("/history/stats/ci/main")).json()
    assert body["job_name"] == "ci/main"
    assert body["total_builds_analyzed"] == 7
    assert body["builds_with_failures"] == 6
    assert body["overall_failure_rate"] == round(6 / 7, 4)
    assert body["most_common_failures"][0] == {
        "test_name": "t.always",
        "count": 6,
        "classification": "CODE ISSUE",
    }
    assert body["recent_trend"] == "worsening"  # 6 failing builds this week, 0 before
    assert body["test_totals"]["builds"] == 7
    await pg.execute(
        "update jobs set completed_at = now() - interval '10 days'"
        " where job_name = 'ci/main' and build_number <= 6"
    )
    body = await (await client.get("/history/stats/ci/main")).json()
    assert body["recent_trend"] == "improving"
    excluded = await (
        await client.get("/history/stats/ci/main", params={"exclude_job_id": str(builds[0])})
    ).json()
    assert excluded["total_builds_analyzed"] == 6
    empty = await (await client.get("/history/stats/nope/none")).json()
    assert empty["total_builds_analyzed"] == 0 and empty["recent_trend"] == "stable"


async def test_search_by_signature(client, pg, builds):
    sig = await pg.fetchval("select error_signature from failures where test_name = 't.flip'")
    await client.post(
        f"/results/{builds[0]}/comments", json={"test_name": "t.flip", "comment": "x"}
    )
    body = await (await client.get("/history/search", params={"signature": sig})).json()
    assert body["signature"] == sig
    assert body["total_occurrences"] == 3
    assert body["unique_tests"] == 1
    assert body["tests"] == [{"test_name": "t.flip", "occurrences": 3}]
    assert body["last_classification"] == "INFRASTRUCTURE"
    assert [c["comment"] for c in body["comments"]] == ["x"]
    excluded = await (
        await client.get(
            "/history/search", params={"signature": sig, "exclude_job_id": str(builds[0])}
        )
    ).json()
    assert excluded["total_occurrences"] == 2 and excluded["comments"] == []
    none = await (await client.get("/history/search", params={"signature": "0" * 64})).json()
    assert none["total_occurrences"] == 0 and none["tests"] == []
    assert (await client.get("/history/search")).status == 422


async def test_classify_rules_and_visibility(client, pg, builds):
    job = str(builds[4])
    human = await client.post(
        "/history/classify",
        json={"test_name": " t.flip ", "classification": "flaky", "job_id": job, "reason": "net"},
        headers=user("alice"),
    )
    assert human.status == 201, await human.text()
    label_id = (await human.json())["id"]
    row = await pg.fetchrow("select * from classifications where id = $1", label_id)
    assert (row["kind"], row["classification"], row["created_by"], row["visible"]) == (
        "history",
        "FLAKY",
        "alice",
        True,
    )
    assert row["parent_job_name"] == "ci/main" and row["test_name"] == "t.flip"
    # Visible at once: mirrored into the history.
    mirrored = await (
        await client.get("/history/failures", params={"classification": "FLAKY"})
    ).json()
    assert mirrored["total"] == 1

    ai = await client.post(
        "/history/classify",
        json={"test_name": "t.always", "classification": "REGRESSION", "job_id": job},
    )
    assert ai.status == 201
    ai_row = await pg.fetchrow(
        "select * from classifications where id = $1", (await ai.json())["id"]
    )
    assert (ai_row["created_by"], ai_row["visible"]) == ("ai", False)
    hidden = await (
        await client.get("/history/failures", params={"classification": "REGRESSION"})
    ).json()
    assert hidden["total"] == 0

    from verdict.storage.labels import reveal_labels_for_job

    async with pg.acquire() as conn:
        await reveal_labels_for_job(conn, builds[4])
    shown = await (
        await client.get("/history/failures", params={"classification": "REGRESSION"})
    ).json()
    assert shown["total"] == 1

    # History labels never show in the primary reader.
    listed = await (await client.get("/history/classifications")).json()
    assert listed["classifications"] == []

    bad = [
        ({"test_name": "  ", "classification": "FLAKY", "job_id": job}, 400),
        ({"test_name": "t.a", "classification": "KNOWN_BUG", "job_id": job}, 400),
        ({"test_name": "t.a", "classification": "NOPE", "job_id": job}, 422),
        ({"test_name": "t.a", "classification": "FLAKY"}, 422),
        ({"test_name": "t.a", "classification": "FLAKY", "job_id": "x"}, 422),
        (
            {"test_name": "t.a", "classification": "FLAKY", "job_id": job, "child_build_number": 2},
            400,
        ),
        (
            {
                "test_name": "t.a",
                "classification": "FLAKY",
                "job_id": "00000000-0000-0000-0000-000000000000",
            },
            404,
        ),
    ]
    for body, status in bad:
        response = await client.post("/history/classify", json=body, headers=user("alice"))
        assert response.status == status, (body, await response.text())
    known = await client.post(
        "/history/classify",
        json={
            "test_name": "t.a",
            "classification": "KNOWN_BUG",
            "job_id": job,
            "references": "PROJ-1",
        },
        headers=user("alice"),
    )
    assert known.status == 201


async def test_classifications_filters_and_cursor(client, pg, builds):
    for n, job in enumerate(builds[:3]):
        await client.put(
            f"/results/{job}/override-classification",
            json={"test_name": "t.always", "classification": "PRODUCT BUG"},
            headers=user(f"u{n}"),
        )
    body = await (await client.get("/history/classifications")).json()
    rows = body["classifications"]
    assert [r["created_by"] for r in rows] == ["u2", "u1", "u0"]
    assert set(rows[0]) == {
        "id",
        "test_name",
        "job_name",
        "parent_job_name",
        "classification",
        "reason",
        "references_info",
        "created_by",
        "job_id",
        "child_build_number",
        "created_at",
    }
    params = [
        ({"test_name": "t.always"}, 3),
        ({"test_name": "t.flip"}, 0),
        ({"classification": "PRODUCT BUG"}, 3),
        ({"classification": "CODE ISSUE"}, 0),
        ({"parent_job_name": "ci/main"}, 3),
        ({"job_name": "child"}, 0),
        ({"job_id": str(builds[1])}, 1),
        ({"job_id": "not-a-uuid"}, 0),
    ]
    for query, count in params:
        got = await (await client.get("/history/classifications", params=query)).json()
        assert len(got["classifications"]) == count, query
    first = await (await client.get("/history/classifications", params={"limit": "2"})).json()
    assert first["pagination"]["has_more"] is True
    rest = await (
        await client.get(
            "/history/classifications", params={"after": first["pagination"]["next_cursor"]}
        )
    ).json()
    assert [r["created_by"] for r in rest["classifications"]] == ["u0"]

"""Run identity on direct uploads: accepted, validated, stored, filterable, shown."""

from __future__ import annotations

import pytest

from tests.conftest import RunWorker
from tests.services.gateway.pages.test_csrf import BROWSER

FAILURE = {"test_name": "t.test_a", "error_message": "AssertionError: expected 200 got 500"}
GITLAB_RUN = {
    "job_name": "acme/shop/e2e",
    "build_number": 13,
    "run_id": "998877",
    "branch": "feature/cart",
    "commit": "0123456789abcdef0123456789abcdef01234567",
    "pull_request": 42,
    "run_url": "https://gitlab.example.com/acme/shop/-/jobs/998877",
    "ci": "gitlab",
    "labels": {"repository": "acme/shop", "suite": "smoke"},
}


async def _analyse(client, run_analyzer: RunWorker, **fields) -> str:
    body = {"failures": [FAILURE], **fields}
    queued = await client.post("/analyze-failures?wait=false", json=body)
    assert queued.status == 202, await queued.text()
    await run_analyzer()
    return str((await queued.json())["job_id"])


async def test_identity_is_stored_on_the_job_and_shown_in_the_result(
    client, pg, run_analyzer: RunWorker
):
    job_id = await _analyse(client, run_analyzer, **GITLAB_RUN, unknown_field="ignored")
    row = await pg.fetchrow("select * from jobs where id = $1::uuid", job_id)
    assert (row["job_name"], row["build_number"], row["run_id"]) == ("acme/shop/e2e", 13, "998877")
    assert (row["branch"], row["commit_sha"], row["pull_request"]) == (
        "feature/cart",
        GITLAB_RUN["commit"],
        42,
    )
    assert (row["ci"], row["run_url"]) == ("gitlab", GITLAB_RUN["run_url"])
    assert row["labels"] == {"repository": "acme/shop", "suite": "smoke"}
    assert row["run_key"] == "build:13"
    # The identity is in columns, not repeated in request_params; unknown fields vanish.
    assert "branch" not in row["request_params"]
    assert "unknown_field" not in row["request_params"]

    result = (await (await client.get(f"/results/{job_id}")).json())["result"]
    assert result["job_name"] == "acme/shop/e2e" and result["build_number"] == 13
    assert result["run"] == GITLAB_RUN
    history = await (await client.get("/history/failures")).json()
    assert history["failures"][0]["job_name"] == "acme/shop/e2e"
    assert history["failures"][0]["build_number"] == 13


async def test_filters_on_results_dashboard_and_history(client, run_analyzer: RunWorker):
    gitlab = await _analyse(client, run_analyzer, **GITLAB_RUN)
    github = await _analyse(
        client,
        run_analyzer,
        job_name="acme/shop/unit",
        run_id="5550001",
        branch="main",
        commit="fedcba9876543210fedcba9876543210fedcba98",
        ci="github-actions",
        labels=["team=shop", "nightly"],
    )
    plain = await _analyse(client, run_analyzer)

    async def ids(path: str, **params: str) -> list[str]:
        response = await client.get(path, params=params)
        assert response.status == 200, await response.text()
        body = await response.json()
        rows = body["failures"] if path == "/history/failures" else body
        return [r["job_id"] for r in rows]

    assert await ids("/results") == [plain, github, gitlab]
    assert await ids("/results", branch="main") == [github]
    assert await ids("/results", ci="gitlab") == [gitlab]
    assert await ids("/results", pull_request="42") == [gitlab]
    assert await ids("/results", commit="fedcba98") == [github]  # a sha prefix
    assert await ids("/results", commit="fedcba9") == [github]
    assert await ids("/results", run_id="998877") == [gitlab]
    assert await ids("/results", build_number="13") == [gitlab]
    assert await ids("/results", job_name="acme/shop/unit") == [github]
    assert await ids("/results", label="nightly") == [github]  # has the label
    assert await ids("/results", label="team=shop") == [github]
    assert await ids("/results", label="suite:smoke") == [gitlab]
    assert await ids("/results", label="team=web") == []
    assert await ids("/api/dashboard", ci="github-actions") == [github]
    assert await ids("/api/dashboard", branch="feature/cart", label="repository") == [gitlab]
    assert await ids("/history/failures", branch="main") == [github]
    assert await ids("/history/failures", pull_request="42", job_name="acme/shop/e2e") == [gitlab]

    rows = await (await client.get("/api/dashboard")).json()
    by_id = {r["job_id"]: r for r in rows}
    assert by_id[github]["run"]["labels"] == {"team": "shop", "nightly": ""}
    assert by_id[gitlab]["build_number"] == 13
    assert "run" not in by_id[plain]
    listed = {r["job_id"]: r for r in await (await client.get("/results")).json()}
    assert listed[gitlab]["run"]["branch"] == "feature/cart" and "run" not in listed[plain]


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("build_number", "x", "build_number"),
        ("build_number", True, "not a boolean"),
        ("build_number", -1, "build_number"),
        ("build_number", 2**31, "build_number"),
        ("pull_request", 0, "pull_request"),
        ("ci", "travis", "ci"),
        ("run_url", "javascript:alert(1)", "http:// or https://"),
        ("commit", "abc def", "commit"),
        ("branch", "main\nx", "control characters"),
        ("job_name", "x" * 513, "at most 512"),
        ("labels", {"bad key": "v"}, "label key"),
        ("labels", {f"k{i}": "v" for i in range(33)}, "at most 32 labels"),
        ("labels", [1, 2], "labels as a list"),
    ],
)
async def test_bad_identity_is_a_clear_422(client, pg, field, value, says):
    response = await client.post("/analyze-failures", json={"failures": [FAILURE], field: value})
    assert response.status == 422
    body = await response.json()
    assert body["error_code"] == "VALIDATION_FAILED"
    assert says in body["detail"] and field in body["detail"]
    assert await pg.fetchval("select count(*) from jobs") == 0  # nothing stored


async def test_bad_filters_are_a_clear_422(client, pg):
    for params, says in (
        ({"build_number": "abc"}, "query.build_number"),
        ({"pull_request": "0"}, "query.pull_request"),
        ({"ci": "travis"}, "query.ci"),
        ({"label": "bad key"}, "label key"),
    ):
        for path in ("/results", "/api/dashboard", "/history/failures"):
            response = await client.get(path, params=params)
            assert response.status == 422, (path, params)
            assert says in (await response.json())["detail"]


async def test_openapi_and_capabilities_document_the_fields(client):
    spec = await (await client.get("/openapi.json")).json()
    request = spec["components"]["schemas"]["AnalyzeFailuresRequest"]["properties"]
    assert set(GITLAB_RUN) <= set(request)
    assert set(request["ci"]["anyOf"][0]["enum"]) >= {"github-actions", "gitlab", "other"}
    params = {p["name"] for p in spec["paths"]["/results"]["get"]["parameters"]}
    assert {"branch", "commit", "pull_request", "ci", "label", "run_id"} <= params
    caps = await (await client.get("/api/capabilities")).json()
    assert set(GITLAB_RUN) == set(caps["run_identity"]["fields"])


async def test_ui_shows_and_filters_the_run(client, run_analyzer: RunWorker):
    gitlab = await _analyse(client, run_analyzer, **GITLAB_RUN)
    await _analyse(client, run_analyzer, job_name="other/job", branch="main", ci="jenkins")
    page = await client.get("/", params={"branch": "feature/cart"}, headers={"Accept": BROWSER})
    text = await page.text()
    assert page.status == 200
    assert "acme/shop/e2e" in text and "other/job" not in text
    assert "feature/cart" in text and "01234567" in text and "!42" in text
    assert 'name="branch" value="feature/cart"' in text
    report = await (await client.get(f"/results/{gitlab}", headers={"Accept": BROWSER})).text()
    assert "Merge request" in report and GITLAB_RUN["commit"] in report
    assert GITLAB_RUN["run_url"] in report and "suite=smoke" in report

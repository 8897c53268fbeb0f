"""POST /results/{id}/push-reportportal against a fake Report Portal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr

from tests.conftest import RunWorker
from tests.fakes import reportportal as fake_rp
from tests.fakes.jira import serve
from tests.services.tracker.fixtures import completed_job, tracker_worker
from verdict.settings import Settings

__all__ = ["tracker_worker"]


def _items() -> list[dict[str, Any]]:
    items = [
        fake_rp.fake_item(
            1, 7, "test_admin_login", code_ref="tests.api.test_login.test_admin_login"
        ),
        fake_rp.fake_item(2, 7, "tests.api.test_login.test_user_login"),
        fake_rp.fake_item(3, 7, "test_query"),
        fake_rp.fake_item(4, 7, "test_not_in_verdict"),
        fake_rp.fake_item(5, 7, "test_passed", status="PASSED"),
    ]
    # Enough extra failures of one test group to need two pages and two PUT batches.
    items += [
        fake_rp.fake_item(100 + n, 8, "tests.api.test_login.test_admin_login") for n in range(350)
    ]
    return items


@pytest.fixture
async def rp_app() -> AsyncIterator[tuple[web.Application, str]]:
    app = fake_rp.make_fake_reportportal(
        launches=[
            fake_rp.fake_launch(7, "nightly", build=12),
            fake_rp.fake_launch(6, "nightly", build=11),
            fake_rp.fake_launch(8, "big", build=1),
        ],
        items=_items(),
    )
    async with serve(app) as url:
        yield app, url


@pytest.fixture
def settings(base_settings: Settings, rp_app: tuple[web.Application, str]) -> Settings:
    return base_settings.model_copy(
        update={
            "reportportal_url": rp_app[1],
            "reportportal_project": fake_rp.PROJECT,
            "reportportal_api_token": SecretStr(fake_rp.TOKEN),
            "public_base_url": "https://verdict.example.com",
            "tracker_call_timeout_s": 10.0,
        }
    )


@pytest.fixture
async def job(client: Any, run_analyzer: RunWorker, tracker_worker: Any, pg: Any) -> str:
    job_id = await completed_job(client, run_analyzer)
    await pg.execute(
        "update jobs set job_name = 'nightly', build_number = 12 where id = $1::uuid", job_id
    )
    return job_id


async def test_push_finds_the_launch_and_maps_classifications(client, job, rp_app):
    response = await client.post(f"/results/{job}/push-reportportal")
    assert response.status == 200, await response.text()
    result = await response.json()
    assert result == {
        "pushed": 3,
        "unmatched": ["test_not_in_verdict"],
        "errors": [],
        "launch_id": 7,
    }
    state = rp_app[0][fake_rp.STATE]
    issues = {i["id"]: i["issue"] for i in state.items if i["launchId"] == 7}
    analysis = await (await client.get(f"/results/{job}")).json()
    by_test = {
        f["test_name"]: f["analysis"]["classification"] for f in analysis["result"]["failures"]
    }
    locator = {"PRODUCT BUG": "pb001", "CODE ISSUE": "ab001", "INFRASTRUCTURE": "si001"}
    assert issues[1]["issueType"] == locator[by_test["tests.api.test_login.test_admin_login"]]
    assert issues[3]["issueType"] == locator[by_test["tests.api.test_db.test_query"]]
    assert issues[4]["issueType"] == "ti001"  # untouched
    assert f"https://verdict.example.com/results/{job}" in issues[1]["comment"]
    assert issues[1]["comment"].startswith("Verdict: ")


async def test_push_in_batches_of_300_and_reports_a_failed_batch(client, job, rp_app):
    state = rp_app[0][fake_rp.STATE]
    state.fail_put_batches = {2}
    response = await client.post(f"/results/{job}/push-reportportal?launch_id=8")
    result = await response.json()
    assert response.status == 200
    assert [len(batch) for batch in state.puts] == [300, 50]
    assert result["pushed"] == 300 and result["launch_id"] == 8
    assert len(result["errors"]) == 1 and "301-350" in result["errors"][0]


async def test_push_problems_are_200_with_errors(client, job, pg, settings):
    await pg.execute("update jobs set build_number = 99 where id = $1::uuid", job)
    missing = await client.post(f"/results/{job}/push-reportportal")
    assert missing.status == 200
    assert (await missing.json())["errors"] == ["no Report Portal launch found for nightly"]

    settings.reportportal_api_token = SecretStr("wrong")
    denied = await (await client.post(f"/results/{job}/push-reportportal")).json()
    assert denied["pushed"] == 0 and "rejected the token" in denied["errors"][0]


async def test_push_status_codes(client, job, settings):
    url = f"/results/{job}/push-reportportal"
    assert (await client.post(url + "?child_job_name=child")).status == 400
    assert (await client.post(url + "?child_build_number=x")).status == 422
    unknown = "/results/00000000-0000-0000-0000-000000000000/push-reportportal"
    assert (await client.post(unknown)).status == 404
    settings.public_base_url = ""
    assert (await client.post(url)).status == 400
    settings.reportportal_url = ""
    assert (await client.post(url)).status == 400

"""POST /analyze end to end against a fake Jenkins speaking the corpus's wire format:
gateway -> Postgres -> arq -> analyzer -> Jenkins -> row -> GET /results."""

from __future__ import annotations

import copy
import json
import re
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from tests.conftest import DATA
from tests.fakes.jenkins import FAKE_JENKINS, FakeBuild, FakeJenkinsState, make_fake_jenkins
from tests.fakes.llm import FakeLLM, Reply, answer_json, openai_app, start

CORPUS = DATA / "jenkins"


def corpus(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CORPUS / name).read_text())
    return data


def build_json(name: str, number: int, result: str | None = "FAILURE", **extra: Any) -> dict:
    """A freestyle build JSON in the corpus's shape, for job `name`."""
    info = copy.deepcopy(corpus("jk_build-apache-lucene-failure.json"))
    path = "/".join(f"job/{p}" for p in name.split("/"))
    info.update(
        number=number,
        result=result,
        building=False,
        url=f"http://jenkins.invalid/{path}/{number}/",
        **extra,
    )
    return info


def report(*cases: tuple[str, str, str]) -> dict:
    """A testReport (hudson.tasks.junit.TestResult) with failed cases (class, name, message)."""
    return {
        "_class": "hudson.tasks.junit.TestResult",
        "failCount": len(cases),
        "skipCount": 1,
        "passCount": 10,
        "totalCount": 11 + len(cases),
        "suites": [
            {
                "cases": [
                    {
                        "className": cls,
                        "name": name,
                        "status": "FAILED",
                        "errorDetails": message,
                        "errorStackTrace": f"{message}\n\tat com.acme.Client.call(Client.java:42)",
                        "duration": 0.5,
                    }
                    for cls, name, message in cases
                ]
            }
        ],
    }


def sub_builds(*children: tuple[str, int, str]) -> list[dict]:
    """Multijob `subBuilds` entries as the corpus writes them (URLs relative to Jenkins)."""
    template = corpus("jk_multijob-building.json")["subBuilds"][0]
    out = []
    for job, number, result in children:
        entry = {k: v for k, v in template.items() if k != "build"}
        entry.update(
            jobName=job,
            buildNumber=number,
            result=result,
            url=f"job/{job}/{number}/",
            phaseName="Tests",
        )
        out.append(entry)
    return out


StartJenkins = Callable[..., Awaitable[FakeJenkinsState]]


@pytest.fixture
async def jenkins(settings) -> AsyncIterator[StartJenkins]:
    """Start a fake Jenkins with the given builds and point the settings at it."""
    servers: list[TestServer] = []

    async def run(builds: dict, **kwargs: Any) -> FakeJenkinsState:
        app = make_fake_jenkins(builds, **kwargs)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        settings.jenkins_url = str(server.make_url("/"))
        return app[FAKE_JENKINS]

    yield run
    for server in servers:
        await server.close()


async def analyze(client, body: dict) -> str:
    response = await client.post("/analyze", json=body)
    assert response.status == 202, await response.text()
    queued = await response.json()
    assert queued["status"] == "queued"
    assert queued["result_url"] == f"/results/{queued['job_id']}"
    return str(queued["job_id"])


async def result_of(client, job_id: str) -> dict:
    response = await client.get(f"/results/{job_id}")
    envelope: dict = await response.json()
    return envelope


async def test_failed_build_is_analysed_from_its_test_report(client, run_analyzer, jenkins, pg):
    await jenkins(
        {
            ("folder/api-tests", 7): FakeBuild(
                info=build_json("folder/api-tests", 7),
                test_report=report(
                    ("t.Login", "test_admin", "AssertionError: expected 200 got 500"),
                    ("t.Login", "test_user", "AssertionError: expected 200 got 500"),
                    ("t.Db", "test_conn", "java.net.ConnectException: Connection refused"),
                ),
                console=b"Started\n[ERROR] Tests run: 14, Failures: 3\nFinished: FAILURE\n",
            )
        }
    )
    job_id = await analyze(client, {"job_name": "folder/api-tests", "build_number": 7})
    assert (await client.get(f"/results/{job_id}")).status == 202

    await run_analyzer()
    envelope = await result_of(client, job_id)
    assert envelope["status"] == "completed", envelope
    result = envelope["result"]
    assert result["job_name"] == "folder/api-tests" and result["build_number"] == 7
    assert result["jenkins_url"].endswith("/job/folder/job/api-tests/7/")
    assert [f["test_name"] for f in result["failures"]] == [
        "t.Login.test_admin",
        "t.Login.test_user",
        "t.Db.test_conn",
    ]
    a, b, c = result["failures"]
    assert a["error_signature"] == b["error_signature"] != c["error_signature"]
    assert c["analysis"]["classification"] == "INFRASTRUCTURE"
    assert result["child_job_analyses"] == []
    assert result["summary"].startswith("3 failures in 2 groups")
    assert [p["phase"] for p in result["progress_log"]] == ["analyzing", "saving"]
    assert result["request_params"]["job_name"] == "folder/api-tests"
    runs = await pg.fetch("select total, failed, skipped from test_runs")
    assert [tuple(r) for r in runs] == [(14, 3, 1)]


async def test_children_recursively_with_one_answer_per_cause(
    client, run_analyzer, jenkins, settings, pg
):
    llm = FakeLLM(Reply(text=answer_json("PRODUCT BUG", 0.9)))
    llm_server = await start(openai_app(llm))
    settings.openai_base_url = str(llm_server.make_url("/v1"))
    settings.openai_api_key = SecretStr("sk-test")
    settings.jenkins_child_concurrency = 3
    same_cause = "RuntimeError: checkout service returned 503 for order {n}"
    builds: dict = {
        ("pipeline", 40): FakeBuild(
            info=build_json(
                "pipeline",
                40,
                subBuilds=sub_builds(
                    *[(f"component-{i}", 100 + i, "FAILURE") for i in range(12)],
                    ("lint", 5, "SUCCESS"),
                ),
            ),
            console=b"Finished: FAILURE\n",
        )
    }
    for i in range(12):
        builds[(f"component-{i}", 100 + i)] = FakeBuild(
            info=build_json(f"component-{i}", 100 + i),
            test_report=report((f"c{i}.Shop", "test_checkout", same_cause.format(n=1000 + i))),
        )
    # One child triggered a grandchild through parameterized-trigger.
    builds[("component-0", 100)].info["actions"] = [
        {
            "_class": "hudson.plugins.parameterizedtrigger.BuildInfoExporterAction",
            "triggeredBuilds": [
                {"number": 3, "url": "job/deep/3/", "result": "UNSTABLE"},
            ],
        }
    ]
    builds[("deep", 3)] = FakeBuild(
        info=build_json("deep", 3, result="UNSTABLE"),
        test_report=report(("d.Deep", "test_x", "AssertionError: value was None")),
    )
    state = await jenkins(builds)
    try:
        job_id = await analyze(
            client,
            {"job_name": "pipeline", "build_number": 40, "ai_provider": "openai", "ai_model": "m"},
        )
        await run_analyzer()
    finally:
        await llm_server.close()

    result = (await result_of(client, job_id))["result"]
    assert result["status"] == "completed", result
    children = result["child_job_analyses"]
    assert [c["job_name"] for c in children] == [f"component-{i}" for i in range(12)]
    assert all(len(c["failures"]) == 1 for c in children)
    assert children[0]["failed_children"][0]["job_name"] == "deep"
    assert children[0]["failed_children"][0]["failures"][0]["test_name"] == "d.Deep.test_x"
    signatures = {c["failures"][0]["error_signature"] for c in children}
    assert len(signatures) == 1  # the same cause in twelve children...
    assert len(llm.requests) == 2  # ...is analysed once (plus the grandchild's own cause)
    assert not any("lint" in r for r in state.requests)  # passing children are not read
    assert "13 failed child job(s)" in result["summary"]  # twelve and the grandchild
    # Totals per scope that has a report: the 13 children (the pipeline has none).
    assert await pg.fetchval("select count(*) from test_runs") == 13
    rows = await pg.fetch("select distinct child_job_name from failures")
    assert len(rows) == 13


async def test_depth_limit_is_noted_and_console_lines_find_children(
    client, run_analyzer, jenkins, settings
):
    settings.jenkins_max_depth = 1
    console = (
        b"[Pipeline] build\n"
        b"Scheduling project: integration\n"
        b"Starting building: integration #12\n"
        b"Build integration #12 completed: FAILURE\n"
        b"Finished: FAILURE\n"
    )
    await jenkins(
        {
            ("release", 9): FakeBuild(info=build_json("release", 9), console=console),
            ("integration", 12): FakeBuild(
                info=build_json(
                    "integration", 12, subBuilds=sub_builds(("too-deep", 1, "FAILURE"))
                ),
                test_report=report(("i.Api", "test_x", "AssertionError: boom")),
            ),
        }
    )
    job_id = await analyze(client, {"job_name": "release", "build_number": 9})
    await run_analyzer()
    result = (await result_of(client, job_id))["result"]
    (child,) = result["child_job_analyses"]
    assert (child["job_name"], child["build_number"]) == ("integration", 12)
    assert child["failures"][0]["test_name"] == "i.Api.test_x"
    assert child["failed_children"] == []
    assert "below depth 1" in child["note"] and "VERDICT_JENKINS_MAX_DEPTH" in child["note"]


async def test_build_failing_without_tests_is_analysed_from_its_console(
    client, run_analyzer, jenkins
):
    console = (
        b"Building...\n"
        b"npm ERR! code ENOTFOUND\n"
        b"ERROR: getaddrinfo ENOTFOUND registry.npmjs.org\n"
        b"Finished: FAILURE\n"
    )
    await jenkins({("build-only", 3): FakeBuild(info=build_json("build-only", 3), console=console)})
    job_id = await analyze(client, {"job_name": "build-only", "build_number": 3})
    await run_analyzer()
    result = (await result_of(client, job_id))["result"]
    (failure,) = result["failures"]
    assert failure["test_name"] == "build-only #3 (console)"
    assert "ENOTFOUND" in failure["error"]
    assert failure["analysis"]["classification"] == "INFRASTRUCTURE"


async def test_running_build_waits_without_holding_a_worker_then_is_analysed(
    client, run_analyzer, jenkins, settings, pg
):
    settings.poll_interval_minutes = 0.005  # 0.3 s
    state = await jenkins(
        {
            ("nightly", 5): FakeBuild(
                info=build_json("nightly", 5),
                test_report=report(("n.T", "test_a", "AssertionError: nope")),
                building_polls=2,
            )
        }
    )
    job_id = await analyze(client, {"job_name": "nightly", "build_number": 5})
    # One burst run: poll (building) -> waiting + deferred -> poll (building) -> deferred
    # -> poll (done) -> analysed. Each poll is its own short arq job.
    await run_analyzer()
    assert state.polls[("nightly", 5)] == 3
    envelope = await result_of(client, job_id)
    assert envelope["status"] == "completed", envelope
    phases = [p["phase"] for p in envelope["result"]["progress_log"]]
    assert phases == ["waiting_for_jenkins", "analyzing", "saving"]
    row = await pg.fetchrow("select attempts, lease_until from jobs")
    assert row["attempts"] == 3 and row["lease_until"] is None


@pytest.fixture
async def engine_ctx(settings, pg, redis) -> AsyncIterator[dict[str, Any]]:
    """The analyzer's own startup: pool, HTTP session and engine, without a worker loop."""
    from services.analyzer.worker import shutdown, startup

    ctx: dict[str, Any] = {"settings": settings, "redis": redis}  # arq always sets redis
    await startup(ctx)
    yield ctx
    await shutdown(ctx)


async def test_waiting_job_is_marked_waiting_with_a_lease_past_its_next_poll(
    client, jenkins, settings, pg, redis, engine_ctx
):
    from verdict.analysis.jenkins import run_jenkins_analysis
    from verdict.reconcile import reconcile

    settings.poll_interval_minutes = 10
    await jenkins({("nightly", 6): FakeBuild(info=build_json("nightly", 6), building_polls=99)})
    job_id = await analyze(client, {"job_name": "nightly", "build_number": 6})
    await redis.flushdb()  # only the deferred poll below is in the queue
    outcome = await run_jenkins_analysis(engine_ctx["engine"], redis, uuid.UUID(job_id))
    assert outcome.startswith("waiting")
    envelope = await result_of(client, job_id)
    assert envelope["status"] == "waiting"
    assert envelope["result"]["progress_phase"] == "waiting_for_jenkins"
    left = await pg.fetchval("select extract(epoch from lease_until - now()) from jobs")
    assert left > 600  # the next poll in 10 minutes, plus the reconciler's slack
    deferred = await redis.zrange(settings.queue_name("analyze"), 0, -1, withscores=True)
    assert len(deferred) == 1
    assert deferred[0][1] / 1000 - time.time() > 590  # deferred, not sleeping in a slot

    # Redis is flushed while the job waits: once its lease runs out, the reconciler
    # enqueues it again and the plain (token-less) arq job may claim it.
    await redis.flushdb()
    await pg.execute("update jobs set lease_until = now() - interval '1 second'")
    assert await reconcile(pg, redis, settings) == 1
    outcome = await run_jenkins_analysis(engine_ctx["engine"], redis, uuid.UUID(job_id))
    assert outcome.startswith("waiting")
    assert await pg.fetchval("select attempts from jobs") == 2
    assert [p["phase"] for p in (await result_of(client, job_id))["result"]["progress_log"]] == [
        "waiting_for_jenkins"
    ]


async def test_a_stale_poll_cannot_start_a_second_poll_chain(
    client, jenkins, settings, redis, engine_ctx
):
    from verdict.analysis.jenkins import run_jenkins_analysis

    settings.poll_interval_minutes = 10
    await jenkins({("nightly", 8): FakeBuild(info=build_json("nightly", 8), building_polls=99)})
    jid = uuid.UUID(await analyze(client, {"job_name": "nightly", "build_number": 8}))
    engine = engine_ctx["engine"]
    assert (await run_jenkins_analysis(engine, redis, jid)).startswith("waiting")
    # The row waits with poll token 1 and a live lease: a duplicate of the first job,
    # or a poll with a stale token, leaves it alone; the scheduled poll takes it.
    assert (await run_jenkins_analysis(engine, redis, jid)).startswith("not claimed")
    assert (await run_jenkins_analysis(engine, redis, jid, 0)).startswith("not claimed")
    assert (await run_jenkins_analysis(engine, redis, jid, 1)).startswith("waiting")
    assert (await run_jenkins_analysis(engine, redis, jid, 1)).startswith("not claimed")


async def test_max_wait_ends_the_job_with_a_clear_message(client, run_analyzer, jenkins, settings):
    settings.poll_interval_minutes = 0.002
    settings.max_wait_minutes = 0.008  # about half a second
    await jenkins({("slowpoke", 1): FakeBuild(info=build_json("slowpoke", 1), building_polls=999)})
    job_id = await analyze(client, {"job_name": "slowpoke", "build_number": 1})
    await run_analyzer()
    envelope = await result_of(client, job_id)
    assert envelope["status"] == "failed"
    error = envelope["result"]["error"]
    assert "still running" in error and "max_wait_minutes" in error


async def test_wait_for_completion_false_analyses_a_running_build_as_it_is(
    client, run_analyzer, jenkins
):
    await jenkins(
        {
            ("nightly", 9): FakeBuild(
                info=build_json("nightly", 9),
                test_report=report(("n.T", "test_a", "AssertionError: partial")),
                building_polls=99,
            )
        }
    )
    job_id = await analyze(
        client, {"job_name": "nightly", "build_number": 9, "wait_for_completion": False}
    )
    await run_analyzer()
    result = (await result_of(client, job_id))["result"]
    assert result["status"] == "completed"
    assert len(result["failures"]) == 1


async def test_passing_build_answers_quickly_unless_forced(client, run_analyzer, jenkins):
    state = await jenkins(
        {
            ("green", 2): FakeBuild(
                info=build_json("green", 2, result="SUCCESS"), test_report=report()
            )
        }
    )
    job_id = await analyze(client, {"job_name": "green", "build_number": 2})
    await run_analyzer()
    result = (await result_of(client, job_id))["result"]
    assert result["status"] == "completed" and result["failures"] == []
    assert "passed (SUCCESS): nothing to analyze" in result["summary"]
    assert not any("testReport" in r or "consoleText" in r for r in state.requests)

    forced = await analyze(client, {"job_name": "green", "build_number": 2, "force": True})
    await run_analyzer()
    result = (await result_of(client, forced))["result"]
    assert result["status"] == "completed"
    assert result["summary"] == "No failures to analyze"
    assert any("testReport" in r for r in state.requests)


async def test_unknown_build_fails_the_job_with_a_clear_message(client, run_analyzer, jenkins):
    await jenkins({})
    job_id = await analyze(client, {"job_name": "folder/nope", "build_number": 404})
    await run_analyzer()
    envelope = await result_of(client, job_id)
    assert envelope["status"] == "failed"
    assert "has no build folder/nope #404" in envelope["result"]["error"]


async def test_missing_child_is_a_note_not_a_failed_job(client, run_analyzer, jenkins):
    await jenkins(
        {
            ("parent", 1): FakeBuild(
                info=build_json(
                    "parent",
                    1,
                    subBuilds=sub_builds(("gone", 1, "FAILURE"), ("here", 2, "FAILURE")),
                )
            ),
            ("here", 2): FakeBuild(
                info=build_json("here", 2), test_report=report(("h.T", "t", "AssertionError"))
            ),
        }
    )
    job_id = await analyze(client, {"job_name": "parent", "build_number": 1})
    await run_analyzer()
    result = (await result_of(client, job_id))["result"]
    assert result["status"] == "completed"
    gone, here = result["child_job_analyses"]
    assert "could not read this child build" in gone["note"] and gone["failures"] == []
    assert len(here["failures"]) == 1


async def start_app(app: web.Application, settings) -> TestServer:
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    settings.jenkins_url = str(server.make_url("/"))
    return server


async def test_broken_jenkins_fails_the_job_with_its_answer(client, run_analyzer, settings):
    async def login_page(request: web.Request) -> web.Response:
        return web.Response(text="<html>Please sign in</html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/{tail:.*}", login_page)
    server = await start_app(app, settings)
    try:
        job_id = await analyze(client, {"job_name": "x", "build_number": 1})
        await run_analyzer()
    finally:
        await server.close()
    envelope = await result_of(client, job_id)
    assert envelope["status"] == "failed"
    assert "instead of JSON" in envelope["result"]["error"]


async def test_slow_and_flaky_jenkins_still_gets_analysed(client, run_analyzer, jenkins, settings):
    import asyncio

    settings.jenkins_timeout_s = 5
    state = await jenkins(
        {
            ("flaky", 1): FakeBuild(
                info=build_json("flaky", 1),
                test_report=report(("f.T", "t", "AssertionError: x")),
                console=b"x" * 300_000 + b"\nERROR: it broke\n",
            )
        },
        drop_connections=1,  # the first connection is cut without an answer
        chunk_size=1024,  # and the console trickles in small chunks
    )
    job_id = await analyze(client, {"job_name": "flaky", "build_number": 1})
    await asyncio.wait_for(run_analyzer(), 60)
    result = (await result_of(client, job_id))["result"]
    assert result["status"] == "completed", result
    assert state.drop_connections == 0


async def test_unreachable_jenkins_times_out_into_a_failed_job(client, run_analyzer, settings):
    import asyncio

    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/{tail:.*}", hang)
    settings.jenkins_timeout_s = 0.05
    server = await start_app(app, settings)
    try:
        job_id = await analyze(client, {"job_name": "x", "build_number": 1})
        await run_analyzer()
    finally:
        await server.close()
    envelope = await result_of(client, job_id)
    assert envelope["status"] == "failed"
    assert "unreachable" in envelope["result"]["error"]


async def test_request_credentials_are_used_but_never_stored_or_returned(
    client, run_analyzer, jenkins, pg
):
    await jenkins(
        {("secure", 1): FakeBuild(info=build_json("secure", 1), test_report=report())},
        user="ci-bot",
        token="s3cr3t-api-token",
    )
    job_id = await analyze(
        client,
        {
            "job_name": "secure",
            "build_number": 1,
            "jenkins_user": "ci-bot",
            "jenkins_password": "s3cr3t-api-token",
            "jira_api_token": "jira-s3cr3t",
        },
    )
    await run_analyzer()
    response = await client.get(f"/results/{job_id}")
    text = await response.text()
    assert json.loads(text)["status"] == "completed"
    assert "s3cr3t" not in text and "ci-bot" not in text
    params = await pg.fetchval("select request_params from jobs")
    assert not {"jenkins_user", "jenkins_password", "jira_api_token"} & set(params)
    payload = await pg.fetchval("select payload from job_inputs")
    assert json.loads(zlib.decompress(payload))["jenkins_password"] == "s3cr3t-api-token"


async def test_server_credentials_are_not_sent_to_another_jenkins(
    client, run_analyzer, jenkins, settings
):
    # This Jenkins accepts only the server's credentials: a job that used them would pass.
    await jenkins(
        {("j", 1): FakeBuild(info=build_json("j", 1, result="SUCCESS"))},
        user="server",
        token="server-token",
    )
    other = settings.jenkins_url
    settings.jenkins_url = "http://127.0.0.2:1/"  # the server's own Jenkins is elsewhere
    settings.jenkins_user, settings.jenkins_password = "server", SecretStr("server-token")
    settings.allowed_hosts = ["127.0.0.1"]
    job_id = await analyze(client, {"job_name": "j", "build_number": 1, "jenkins_url": other})
    await run_analyzer()
    envelope = await result_of(client, job_id)
    assert envelope["status"] == "failed"
    assert "refused access (401)" in envelope["result"]["error"]


async def test_artifacts_feed_the_console_text_when_asked(client, run_analyzer, jenkins, settings):
    llm = FakeLLM(Reply(text=answer_json("INFRASTRUCTURE", 0.9)))
    llm_server = await start(openai_app(llm))
    settings.openai_base_url = str(llm_server.make_url("/v1"))
    settings.openai_api_key = SecretStr("sk-test")
    await jenkins(
        {
            ("art", 1): FakeBuild(
                info=build_json("art", 1),
                test_report=report(("a.T", "t", "AssertionError: x")),
                artifacts={
                    "logs/server.log": b"boot ok\nERROR OutOfMemoryError in worker-3\nbye\n",
                    "big.bin": b"\0" * (2 * 1024 * 1024),
                },
            )
        }
    )
    try:
        job_id = await analyze(
            client,
            {
                "job_name": "art",
                "build_number": 1,
                "get_job_artifacts": True,
                "jenkins_artifacts_max_size_mb": 1,
                "ai_provider": "openai",
                "ai_model": "m",
            },
        )
        await run_analyzer()
    finally:
        await llm_server.close()
    assert (await result_of(client, job_id))["status"] == "completed"
    (prompt,) = llm.prompts()
    assert "logs/server.log" in prompt
    assert "ERROR OutOfMemoryError in worker-3" in prompt
    assert "artifact cap" in prompt


@pytest.mark.parametrize(
    "body",
    [
        {"jenkins_url": "http://169.254.169.254/latest/"},
        {"jenkins_url": "http://localhost:5432/"},
        {"jira_url": "https://evil.example.com"},
        {"tests_repo_url": "https://evil.example.com/org/tests.git:main"},
        {"additional_repos": [{"name": "p", "url": "http://10.0.0.1/repo.git"}]},
        {"jenkins_url": "file:///etc/passwd"},
    ],
)
async def test_urls_outside_the_allow_list_are_400(client, settings, pg, body):
    settings.jenkins_url = "https://jenkins.example.com"
    response = await client.post("/analyze", json={"job_name": "j", "build_number": 1, **body})
    assert response.status == 400, await response.text()
    error = await response.json()
    assert error["error_code"] == "BAD_REQUEST"
    assert await pg.fetchval("select count(*) from jobs") == 0


async def test_allowed_hosts_admit_another_jenkins(client, settings, pg):
    settings.jenkins_url = "https://jenkins.example.com"
    settings.allowed_hosts = ["*.ci.example.org"]
    for url, status in [
        ("https://jenkins.example.com/", 202),
        ("https://east.ci.example.org/jenkins/", 202),
        ("https://ci.example.org.evil.com/", 400),
    ]:
        response = await client.post(
            "/analyze", json={"job_name": "j", "build_number": 1, "jenkins_url": url}
        )
        assert response.status == status, (url, await response.text())


async def test_analyze_validation(client, settings):
    settings.jenkins_url = ""
    response = await client.post("/analyze", json={"job_name": "j", "build_number": 1})
    assert response.status == 400
    assert "no Jenkins URL" in (await response.json())["detail"]
    settings.jenkins_url = "https://jenkins.example.com"
    for body in [
        {"build_number": 1},
        {"job_name": "j"},
        {"job_name": "j", "build_number": 1, "poll_interval_minutes": 0},
        {"job_name": "j", "build_number": 1, "max_wait_minutes": -1},
    ]:
        response = await client.post("/analyze", json=body)
        assert response.status == 422, body
    response = await client.post(
        "/analyze", json={"job_name": "j", "build_number": 1, "ai_provider": "nope"}
    )
    assert response.status == 400
    response = await client.post("/analyze", json={"job_name": "a/../b", "build_number": 1})
    assert response.status == 400


def test_corpus_is_where_the_tests_expect_it() -> None:
    assert Path(CORPUS / "jk_multijob-building.json").exists()


async def test_a_builds_identity_maps_onto_the_run_columns(client, run_analyzer, jenkins, pg):
    git = {
        "_class": "hudson.plugins.git.util.BuildData",
        "lastBuiltRevision": {
            "SHA1": "89abcdef0123456789abcdef0123456789abcdef",
            "branch": [{"SHA1": "89abcdef0123456789abcdef0123456789abcdef", "name": "origin/main"}],
        },
    }
    params = {"parameters": [{"name": "CHANGE_ID", "value": "17"}]}
    info = build_json("shop/e2e", 4)
    info["actions"] = [params, git, *info.get("actions", [])]
    await jenkins(
        {("shop/e2e", 4): FakeBuild(info=info, test_report=report(("t.A", "test_x", "boom")))}
    )
    job_id = await analyze(client, {"job_name": "shop/e2e", "build_number": 4})
    await run_analyzer()
    row = await pg.fetchrow("select * from jobs where id = $1::uuid", job_id)
    assert (row["ci"], row["branch"], row["pull_request"]) == ("jenkins", "main", 17)
    assert row["commit_sha"] == "89abcdef0123456789abcdef0123456789abcdef"
    assert row["run_url"] == row["jenkins_url"] and row["run_url"].endswith("/job/e2e/4/")
    run = (await result_of(client, job_id))["result"]["run"]
    assert run["ci"] == "jenkins" and run["branch"] == "main" and run["build_number"] == 4
    assert [r["job_id"] for r in await (await client.get("/results?ci=jenkins")).json()] == [job_id]


@pytest.mark.parametrize("url", ["http://127.0.0.2.:8771/", "http://[::1].:8771/"])
async def test_an_ip_with_a_trailing_dot_is_a_400_not_a_stuck_job(client, settings, pg, url):
    """Issue 15 (low): the URL raised InvalidUrlClientError inside the worker and the job
    stayed pending through its retries; it is refused when the request arrives."""
    settings.allowed_hosts = ["127.0.0.2:8771", "[::1]:8771"]
    response = await client.post(
        "/analyze", json={"job_name": "j", "build_number": 1, "jenkins_url": url}
    )
    assert response.status == 400, await response.text()
    assert re.search("trailing dot|malformed", (await response.json())["detail"])
    assert await pg.fetchval("select count(*) from jobs") == 0

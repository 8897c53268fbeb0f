"""raw_xml through the whole system: gateway -> analyzer -> rows -> enriched_xml."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest

from tests.libs.junit.conftest import corpus_files
from tests.libs.junit.test_corpus import REJECTED, independent_failures
from tests.waits import until_queued
from verdict.junit import parse_report


def corpus_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8-sig")


def post_json(client, path: str, body: dict):
    # A stream, not bytes: aiohttp warns (and we fail on warnings) for big raw bodies.
    data = io.BytesIO(json.dumps(body).encode())
    return client.post(path, data=data, headers={"Content-Type": "application/json"})


async def analyze(client, run_analyzer, body: dict, query: str = ""):
    post = asyncio.create_task(post_json(client, f"/analyze-failures{query}", body))
    await until_queued(client)
    await run_analyzer()
    return await asyncio.wait_for(post, 30)


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
async def test_every_corpus_file_through_the_api(client, run_analyzer, pg, path: Path):
    text = corpus_text(path)
    response = await analyze(client, run_analyzer, {"raw_xml": text})
    body = await response.json()
    if path.name in REJECTED:
        assert response.status == 400, body
        assert body["error_code"] == "INVALID_INPUT"
        assert REJECTED[path.name] in body["detail"]
        return

    assert response.status == 200, body
    expected = independent_failures(path)
    assert len(body["failures"]) == len(expected)
    stored = await pg.fetch("select classname, name from failures")
    assert {(r["classname"], r["name"]) for r in stored} == {(c, n) for _, c, n in expected}

    # Round trip: the enriched report parses with the same parser to the same failures.
    enriched = body["enriched_xml"]
    assert enriched and enriched.startswith("<?xml")
    again = parse_report(enriched)
    assert {c.identity for c in again.failures} == {(c, n) for _, c, n in expected}
    if expected:
        assert "ai_classification" in enriched and "--- AI Analysis ---" in enriched


async def test_totals_and_flaky_tests_are_recorded(client, run_analyzer, pg):
    path = next(p for p in corpus_files() if p.name == "jp_surefire-flakyFailure.xml")
    response = await analyze(client, run_analyzer, {"raw_xml": corpus_text(path)})
    assert response.status == 200
    run = await pg.fetchrow("select total, passed, failed, skipped, flaky from test_runs")
    report = parse_report(corpus_text(path))
    assert (run["total"], run["flaky"]) == (report.tests, report.flaky_count)
    assert report.flaky_count > 0
    flaky = await pg.fetchval("select count(*) from test_outcomes where outcome = 'flaky'")
    assert flaky == report.flaky_count


async def test_report_url_on_every_suite_when_public_url_is_set(settings, pg, redis):
    from aiohttp.test_utils import TestClient, TestServer

    from services.analyzer.worker import worker_options
    from services.gateway.app import create_app

    settings.public_base_url = "https://verdict.example.com"
    xml = (
        '<testsuites><testsuite name="s"><testcase classname="a.B" name="t[1]">'
        '<failure message="boom">Traceback</failure></testcase></testsuite></testsuites>'
    )
    async with TestClient(TestServer(create_app(settings))) as client:
        response = await client.post("/analyze-failures?wait=false", json={"raw_xml": xml})
        job_id = (await response.json())["job_id"]
        from arq.worker import Worker

        worker = Worker(**{**worker_options(settings), "burst": True, "handle_signals": False})
        try:
            await worker.main()
        finally:
            await worker.close()
        envelope = await (await client.get(f"/results/{job_id}")).json()
    assert envelope.get("status") == "completed", envelope
    enriched = envelope["result"]["enriched_xml"]
    assert f"https://verdict.example.com/results/{job_id}" in enriched
    assert envelope["result_url"] == f"https://verdict.example.com/results/{job_id}"


async def test_declared_encoding_of_text_is_ignored(client, run_analyzer):
    # The JSON string is already text: its prolog's ISO-8859-1 claim is stale.
    xml = (
        '<?xml version="1.0" encoding="ISO-8859-1"?><testsuite name="s">'
        '<testcase classname="pkg.Größe" name="tëst ✓"><failure message="ünïcode">x</failure>'
        "</testcase></testsuite>"
    )
    response = await analyze(client, run_analyzer, {"raw_xml": xml})
    assert response.status == 200, await response.text()
    body = await response.json()
    assert [f["test_name"] for f in body["failures"]] == ["pkg.Größe.tëst ✓"]
    assert body["failures"][0]["error"] == "ünïcode"


@pytest.mark.parametrize(
    ("xml", "needle"),
    [
        ("<testsuite><testcase name='a'></testsuite>", "line 1, column"),
        ("", "empty"),
        ("just some text", "line 1"),
        (
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            "<testsuite><testcase name='&e;'/></testsuite>",
            "DOCTYPE",
        ),
        # Issue 15 #10: a byte-order mark hid the DOCTYPE; the entity was expanded.
        (
            '\ufeff<!DOCTYPE r [<!ENTITY e "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA">'
            '<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;">]>'
            "<testsuite><testcase classname='c' name='&f;'><failure message='&f;'/>"
            "</testcase></testsuite>",
            "DOCTYPE",
        ),
    ],
)
async def test_bad_xml_is_400_and_the_job_is_failed(client, run_analyzer, pg, xml, needle):
    response = await analyze(client, run_analyzer, {"raw_xml": xml})
    assert response.status == 400
    body = await response.json()
    assert body["error_code"] == "INVALID_INPUT"
    assert needle in body["detail"]
    assert await pg.fetchval("select status from jobs") == "failed"
    assert await pg.fetchval("select count(*) from failures") == 0


async def test_over_fifty_million_characters_is_refused_before_parsing(client, pg):
    raw = "<testsuite>" + "x" * 50_000_000 + "</testsuite>"
    response = await post_json(client, "/analyze-failures", {"raw_xml": raw})
    assert response.status == 422
    body = await response.json()
    assert body["error_code"] == "VALIDATION_FAILED"
    assert "raw_xml" in body["detail"]
    assert await pg.fetchval("select count(*) from jobs") == 0

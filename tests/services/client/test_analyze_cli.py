"""`verdict analyze` as a subprocess against the real gateway and analyzer."""

from __future__ import annotations

import json
import socket

import aiohttp
from lxml import etree
from pydantic import SecretStr

from tests.services.client.support import (
    REPORT,
    Fault,
    Proxy,
    analyzer,
    clean_env,
    gateway,
    proxy,
    run_verdict,
    start_gateway,
)

__all__ = ["analyzer", "gateway", "proxy"]  # fixtures


async def stored(gateway: str, job_id: str) -> dict:
    async with aiohttp.ClientSession() as session, session.get(f"{gateway}/results/{job_id}") as r:
        assert r.status == 200
        return await r.json()


def classes(result: dict) -> dict[str, int]:
    out: dict[str, int] = {}
    for failure in result["failures"]:
        label = failure["analysis"]["classification"]
        out[label] = out.get(label, 0) + 1
    return out


async def test_progress_summary_and_every_output(gateway, analyzer, tmp_path, pg):
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "junit.xml").write_text(REPORT)
    done = await run_verdict(
        "reports/*.xml",
        "--server",
        gateway,
        "--junit-out",
        "enriched.xml",
        "--markdown",
        "summary.md",
        "--json-out",
        "verdict.json",
        cwd=tmp_path,
    )
    assert done.code == 0, done.stderr
    data = json.loads((tmp_path / "verdict.json").read_text())
    envelope = await stored(gateway, data["job_id"])
    result = envelope["result"]

    # Progress, on stderr, as plain lines (stderr is not a terminal here), in order.
    lines = done.stderr.splitlines()
    expected = [
        "uploading 1 file",
        f"job {data['job_id']} queued",
        "phase analyzing",
        "groups analysed",
        "phase saving",
        "analysis completed",
    ]
    at = [next(i for i, line in enumerate(lines) if want in line) for want in expected]
    assert at == sorted(at), done.stderr

    # The summary: one headline, one section per class, the report's URL.
    found = classes(result)
    assert sum(found.values()) == 4
    out = done.stdout.splitlines()
    assert out[0].startswith("Verdict: 4 failures in ")
    for label, count in found.items():
        assert any(line.startswith(f"{label}: {count} test") for line in out), done.stdout
    assert out[-1] == f"Report: {gateway}/results/{data['job_id']}"
    assert (
        "tests.api.test_login.test_admin_login (+1 more): AssertionError: POST /api/login"
        in done.stdout
    )

    # --json-out: the verdict and the server's own result.
    assert data["status"] == "completed" and data["exit_code"] == 0
    assert {k: v["tests"] for k, v in data["counts"].items()} == found
    assert data["result"]["failures"] == result["failures"]
    assert "enriched_xml" not in data["result"]
    assert sum(g["tests_total"] for g in data["groups"]) == 4

    # --junit-out is the server's enriched XML, byte for byte; --markdown has the table.
    assert (tmp_path / "enriched.xml").read_text() == result["enriched_xml"]
    tree = etree.fromstring((tmp_path / "enriched.xml").read_bytes())
    assert len(tree.findall(".//testcase")) == 5
    markdown = (tmp_path / "summary.md").read_text()
    for label, count in found.items():
        assert f"| {label} | {count} |" in markdown
    assert f"[Full report]({gateway}/results/{data['job_id']})" in markdown
    assert await pg.fetchval("select count(*) from jobs") == 1


async def test_json_on_stdout_and_the_fail_on_policy(gateway, analyzer, tmp_path):
    (tmp_path / "r.xml").write_text(REPORT)
    as_json = await run_verdict(
        "r.xml", "--server", gateway, "--json", "--fail-on", "product-bug", cwd=tmp_path
    )
    data = json.loads(as_json.stdout)  # nothing but the JSON on stdout
    result = (await stored(gateway, data["job_id"]))["result"]
    has_bug = "PRODUCT BUG" in classes(result)
    assert has_bug  # the report's HTTP 500s are the product's
    assert (as_json.code, data["exit_code"], data["matched"]) == (1, 1, ["PRODUCT BUG"])

    absent = {"CODE ISSUE": "code-issue", "INFRASTRUCTURE": "infrastructure"}
    missing = [flag for label, flag in absent.items() if label not in classes(result)]
    for flag in missing:
        assert (
            await run_verdict("r.xml", "--server", gateway, "-q", "--fail-on", flag, cwd=tmp_path)
        ).code == 0
    anything = await run_verdict("r.xml", "--server", gateway, "--fail-on", "any", cwd=tmp_path)
    assert anything.code == 1 and "--fail-on matched" in anything.stderr


async def test_several_files_are_one_job(gateway, analyzer, tmp_path, pg):
    (tmp_path / "a.xml").write_text(REPORT)
    (tmp_path / "b.xml").write_text(
        '<testsuites><testsuite name="b"><testcase classname="b" name="test_b">'
        '<failure message="AssertionError: POST /api/login returned 500 Internal Server Error"/>'
        "</testcase></testsuite></testsuites>"
    )
    done = await run_verdict("a.xml", "b.xml", "--server", gateway, "--json", cwd=tmp_path)
    assert done.code == 0, done.stderr
    data = json.loads(done.stdout)
    names = {f["test_name"] for f in data["result"]["failures"]}
    assert {"b.test_b", "tests.api.test_login.test_admin_login"} <= names
    assert len(names) == 5
    # The same cause in two files is one group, analysed once.
    login = next(g for g in data["groups"] if "b.test_b" in g["tests"])
    assert login["tests_total"] == 3
    assert await pg.fetchval("select count(*) from jobs") == 1


async def test_live_progress_redraws_one_line(gateway, analyzer, tmp_path):
    (tmp_path / "r.xml").write_text(REPORT)
    done = await run_verdict("r.xml", "--server", gateway, "--progress", "live", cwd=tmp_path)
    assert done.code == 0
    assert "\r\x1b[2Kverdict: " in done.stderr


async def test_a_report_the_server_cannot_read_exits_3(gateway, analyzer, tmp_path):
    (tmp_path / "broken.xml").write_text('<testsuite><testcase name="a"><failure>')
    done = await run_verdict("broken.xml", "--server", gateway, cwd=tmp_path)
    assert done.code == 3, done.stderr
    assert "the analysis failed" in done.stderr


async def test_usage_errors_exit_2(gateway, tmp_path):
    none = await run_verdict("reports/*.xml", "--server", gateway, cwd=tmp_path)
    assert none.code == 2 and "no report files match reports/*.xml" in none.stderr
    allowed = await run_verdict(
        "reports/*.xml", "--server", gateway, "--allow-no-files", cwd=tmp_path
    )
    assert allowed.code == 0
    (tmp_path / "r.xml").write_text(REPORT)
    bad = await run_verdict("r.xml", "--server", gateway, "--fail-on", "flaky", cwd=tmp_path)
    assert bad.code == 2 and "unknown flaky" in bad.stderr
    no_server = await run_verdict("r.xml", cwd=tmp_path)
    assert no_server.code == 2 and "no server" in no_server.stderr


async def test_an_unreachable_server_exits_4(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens once closed
    (tmp_path / "r.xml").write_text(REPORT)
    done = await run_verdict(
        "r.xml", "--server", f"http://127.0.0.1:{port}", "--retries", "1", cwd=tmp_path
    )
    assert done.code == 4
    assert "retry 1 of 1" in done.stderr and "cannot reach the server" in done.stderr


async def test_credentials_from_the_environment_and_exit_5(settings, pg, redis, analyzer, tmp_path):
    secured = settings.model_copy(
        update={
            "require_auth": True,
            "admin_key": SecretStr("client-test-admin-key-0123456789abcdef"),
        }
    )
    runner, url = await start_gateway(secured)
    try:
        (tmp_path / "r.xml").write_text(REPORT)
        refused = await run_verdict("r.xml", "--server", url, cwd=tmp_path)
        assert refused.code == 5 and "check --api-key" in refused.stderr
        env = clean_env(
            tmp_path, VERDICT_URL=url, VERDICT_API_KEY="client-test-admin-key-0123456789abcdef"
        )
        accepted = await run_verdict("r.xml", "-q", env=env, cwd=tmp_path)
        assert accepted.code == 0, accepted.stderr
    finally:
        await runner.cleanup()


async def test_a_profile_file_names_the_server_and_the_policy(gateway, analyzer, tmp_path):
    (tmp_path / ".config" / "verdict").mkdir(parents=True)
    (tmp_path / ".config" / "verdict" / "config.toml").write_text(
        f'[default]\nserver = "local"\n[servers.local]\nurl = "{gateway}"\n'
        'fail_on = "product-bug"\n'
    )
    (tmp_path / "r.xml").write_text(REPORT)
    assert (await run_verdict("r.xml", "-q", cwd=tmp_path)).code == 1
    # A flag overrides the profile's policy.
    assert (await run_verdict("r.xml", "-q", "--fail-on", "none", cwd=tmp_path)).code == 0


async def test_identity_from_the_ci_environment_is_sent_gzipped(proxy: Proxy, analyzer, tmp_path):
    (tmp_path / "r.xml").write_text(REPORT)
    env = clean_env(
        tmp_path,
        GITLAB_CI="true",
        CI_PROJECT_PATH="acme/shop",
        CI_JOB_NAME="e2e",
        CI_PIPELINE_IID="12",
        CI_PIPELINE_ID="900",
        CI_COMMIT_BRANCH="main",
        CI_COMMIT_SHA="a" * 40,
        CI_JOB_URL="https://gitlab.example.com/acme/shop/-/jobs/1",
        VERDICT_URL=proxy.url,
    )
    done = await run_verdict(
        "r.xml", "--build", "13", "--label", "suite=smoke", env=env, cwd=tmp_path
    )
    assert done.code == 0, done.stderr
    [post] = proxy.requests("POST", "/analyze-failures")
    assert post.path_qs == "/analyze-failures?wait=false"
    assert post.headers["Content-Encoding"] == "gzip"
    assert post.headers["Transfer-Encoding"] == "chunked"
    assert len(post.headers["Idempotency-Key"]) == 32
    sent = post.json()
    assert sent["raw_xml"] == REPORT[REPORT.index("<testsuite") :]
    assert {k: v for k, v in sent.items() if k != "raw_xml"} == {
        "job_name": "acme/shop/e2e",
        "build_number": 13,  # the flag wins over CI_PIPELINE_IID
        "run_id": "900",
        "branch": "main",
        "commit": "a" * 40,
        "run_url": "https://gitlab.example.com/acme/shop/-/jobs/1",
        "ci": "gitlab",
        "labels": {"repository": "acme/shop", "suite": "smoke"},
    }
    # It followed the stream, then read the result.
    assert proxy.requests("GET", "/results/")[0].path_qs.endswith("/progress")
    assert proxy.requests("GET", "/api/capabilities")


async def test_no_gzip(proxy: Proxy, analyzer, tmp_path):
    (tmp_path / "r.xml").write_text(REPORT)
    done = await run_verdict("r.xml", "--server", proxy.url, "--no-gzip", "-q", cwd=tmp_path)
    assert done.code == 0
    [post] = proxy.requests("POST", "/analyze-failures")
    assert "Content-Encoding" not in post.headers and post.json()["raw_xml"].startswith(
        "<testsuite"
    )


async def test_503_and_429_are_retried_after_retry_after(proxy: Proxy, analyzer, tmp_path, pg):
    proxy.faults = [
        Fault("POST", "/analyze-failures", "503", retry_after="1"),
        Fault("GET", "/results/", "429", retry_after="1"),
    ]
    (tmp_path / "r.xml").write_text(REPORT)
    done = await run_verdict("r.xml", "--server", proxy.url, cwd=tmp_path)
    assert done.code == 0, done.stderr
    assert "POST /analyze-failures?wait=false: HTTP 503; retry 1 of 5 in 1.0 s" in done.stderr
    assert "HTTP 429; retry 1 of 5 in 1.0 s" in done.stderr
    first, second = proxy.requests("POST", "/analyze-failures")
    assert second.at - first.at >= 0.9  # it waited what Retry-After asked
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert await pg.fetchval("select count(*) from jobs") == 1


async def test_a_lost_answer_is_retried_and_analysed_once(proxy: Proxy, analyzer, tmp_path, pg):
    # The gateway stores the job, then its 202 is lost on the way back (a 504 from the
    # balancer): the retry carries the same Idempotency-Key and gets the first answer.
    proxy.faults = [Fault("POST", "/analyze-failures", "lose")]
    (tmp_path / "r.xml").write_text(REPORT)
    done = await run_verdict("r.xml", "--server", proxy.url, "--json", cwd=tmp_path)
    assert done.code == 0, done.stderr
    first, second = proxy.requests("POST", "/analyze-failures")
    assert first.body == second.body
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert second.upstream_headers.get("Idempotent-Replayed") == "true"
    assert await pg.fetchval("select count(*) from jobs") == 1
    assert json.loads(done.stdout)["job_id"] == str(await pg.fetchval("select id from jobs"))


async def test_a_cut_stream_resumes_after_the_last_event(proxy: Proxy, analyzer, tmp_path):
    proxy.faults = [Fault("GET", "/results/", "cut")]
    (tmp_path / "r.xml").write_text(REPORT)
    done = await run_verdict("r.xml", "--server", proxy.url, cwd=tmp_path)
    assert done.code == 0, done.stderr
    first, second = [
        s for s in proxy.requests("GET", "/results/") if s.path_qs.endswith("/progress")
    ][:2]
    assert "Last-Event-ID" not in first.headers
    assert second.headers["Last-Event-ID"]  # the id of the one event read before the cut
    # No event shown twice: the server resumed after it.
    phases = [line for line in done.stderr.splitlines() if "phase analyzing" in line]
    assert len(phases) == 1
    assert "analysis completed" in done.stderr


async def test_without_a_progress_stream_it_polls(proxy: Proxy, analyzer, tmp_path):
    proxy.faults = [Fault("GET", "/results/", "404")]
    (tmp_path / "r.xml").write_text(REPORT)
    done = await run_verdict("r.xml", "--server", proxy.url, "--json", cwd=tmp_path)
    assert done.code == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "completed"
    polls = [s for s in proxy.requests("GET", "/results/") if not s.path_qs.endswith("/progress")]
    assert len(polls) >= 2  # polled until the job was done, then read the result


async def test_an_analysis_that_does_not_finish_in_time_exits_4(gateway, tmp_path, pg):
    # No analyzer runs: the job stays queued.
    (tmp_path / "r.xml").write_text(REPORT)
    done = await run_verdict("r.xml", "--server", gateway, "--timeout", "2", cwd=tmp_path)
    assert done.code == 4
    assert "did not finish within --timeout" in done.stderr
    assert await pg.fetchval("select status from jobs") == "pending"

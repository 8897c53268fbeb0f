import base64

import pytest

from tests.libs.integrations.jenkins.conftest import corpus
from verdict.errors import BadRequest
from verdict.integrations.jenkins import sansio
from verdict.integrations.jenkins.exceptions import (
    JenkinsError,
    JenkinsNotFound,
    JenkinsUnauthorized,
)

BASE = "https://jenkins.example.com/ci/"


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("job", "job/job"),
        ("folder/sub/job", "job/folder/job/sub/job/job"),
        ("/folder/job/", "job/folder/job/job"),
        ("my folder/job #1", "job/my%20folder/job/job%20%231"),
        ("a?b/c%d", "job/a%3Fb/job/c%25d"),
        ("matrix/nodes=debian9-64", "job/matrix/nodes=debian9-64"),
        ("x=y", "job/x%3Dy"),  # a first segment is always a job, even with '='
    ],
)
def test_job_path(name: str, path: str) -> None:
    assert sansio.job_path(name) == path


@pytest.mark.parametrize("name", ["", "/", "a/../b", "./a"])
def test_job_path_rejects(name: str) -> None:
    with pytest.raises(BadRequest):
        sansio.job_path(name)


@pytest.mark.parametrize(
    "url",
    [
        "https://ci.nodejs.org/job/node-test-commit-linux/nodes=debian9-64/19446/",
        "job/node-test-commit/40219/",
        "https://jenkins.example.com/ci/job/my%20folder/job/job%20%231/7/",
    ],
)
def test_job_name_round_trips_through_urls(url: str) -> None:
    name = sansio.job_name_from_url(url)
    assert name is not None
    assert sansio.job_path(name) in url


def test_urls() -> None:
    assert sansio.build_url(BASE, "f/j", 12) == f"{BASE}job/f/job/j/12/"
    assert sansio.build_url(BASE.rstrip("/"), "j", 1) == f"{BASE}job/j/1/"
    info = sansio.build_info_url(BASE, "j", 3)
    assert info.startswith(f"{BASE}job/j/3/api/json?tree=")
    assert "subBuilds[" in info and "runs[" in info and "triggeredBuilds[" in info
    assert "/testReport/api/json?tree=" in sansio.test_report_url(BASE, "j", 3)
    assert sansio.console_url(BASE, "j", 3) == f"{BASE}job/j/3/consoleText"
    assert (
        sansio.artifact_url(BASE, "j", 3, "out/a b.log") == f"{BASE}job/j/3/artifact/out/a%20b.log"
    )
    with pytest.raises(BadRequest):
        sansio.build_url(BASE, "j", -1)


def test_headers_basic_auth() -> None:
    headers = sansio.create_headers("alice", "t0ken")
    scheme, _, value = headers["Authorization"].partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(value) == b"alice:t0ken"
    assert "Authorization" not in sansio.create_headers("alice", None)
    assert sansio.create_headers(accept="text/plain")["Accept"] == "text/plain"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, JenkinsUnauthorized),
        (403, JenkinsUnauthorized),
        (404, JenkinsNotFound),
        (302, JenkinsError),
        (500, JenkinsError),
    ],
)
def test_status_mapping(status: int, error: type[JenkinsError]) -> None:
    with pytest.raises(error) as info:
        sansio.decode_json(status, {}, b"<html>boom</html>", url="u")
    assert info.value.jenkins_status == status
    assert type(info.value) is error


def test_status_codes_and_slugs() -> None:
    assert JenkinsNotFound().status == 404
    assert JenkinsUnauthorized().status == 502
    assert JenkinsUnauthorized().body()["error"] == "jenkins_unauthorized"


def test_html_instead_of_json_is_a_clear_error() -> None:
    with pytest.raises(JenkinsError, match="instead of JSON"):
        sansio.decode_json(200, {"Content-Type": "text/html"}, b"<html>login</html>")


def test_test_report_404_is_none() -> None:
    assert sansio.decode_test_report(404, {}, b"Not found") is None


def test_parse_build_info_from_corpus() -> None:
    info = sansio.parse_build_info(corpus("jk_build-info-badge-emptyaction.json"))
    assert (info.number, info.result, info.building) == (10, "SUCCESS", False)
    assert info.parameters == {"bear": True, "fish": "salmon"}
    assert info.causes == ("Started by user anonymous",)
    assert [a.relative_path for a in info.artifacts] == ["fish.txt"]
    assert info.duration_ms == 60750


def test_parse_building_multijob() -> None:
    info = sansio.parse_build_info(corpus("jk_multijob-building.json"))
    assert info.building and info.result is None
    assert info.url == "https://ci.nodejs.org/job/node-test-pull-request/32777/"


def test_parse_plain_report() -> None:
    report = sansio.parse_test_report(
        {
            "failCount": 3,
            "passCount": 1,
            "skipCount": 0,
            "suites": [
                {
                    "cases": [
                        {"className": "pkg.T", "name": "ok", "status": "PASSED"},
                        {"className": "pkg.T", "name": "fixed", "status": "FIXED"},
                        {
                            "className": "pkg.T",
                            "name": "test_a",
                            "status": "REGRESSION",
                            "errorDetails": "expected 1",
                            "errorStackTrace": "Traceback...",
                            "duration": 0.25,
                        },
                        {"className": "", "name": "bare", "status": "FAILED", "duration": None},
                        {"className": "pkg.U", "name": "err", "status": "ERROR"},
                    ]
                }
            ],
        }
    )
    assert report.total_count == 4
    first = report.failures[0].to_dict()
    assert first == {
        "test_name": "pkg.T.test_a",
        "class_name": "pkg.T",
        "name": "test_a",
        "error_message": "expected 1",
        "stack_trace": "Traceback...",
        "duration": 0.25,
        "status": "REGRESSION",
        "child_url": None,
    }
    assert [f.test_name for f in report.failures[1:]] == ["bare", "pkg.U.err"]


def test_parse_matrix_reports_from_corpus() -> None:
    small = sansio.parse_test_report(corpus("jk_testreport-matrix-small.json"))
    assert [f.name for f in small.failures] == ["through2-v4.0.2"] * 3
    assert {f.child_url for f in small.failures} == {
        f"https://ci.nodejs.org/job/citgm-smoker-nobuild/nodes={n}/866/"
        for n in ("win2016-vs2017", "aix71-ppc64", "win10-vs2019")
    }
    big = sansio.parse_test_report(corpus("jk_testreport-matrix-citgm-2400.json"))
    assert len(big.failures) == big.fail_count == 21  # FIXED/SKIPPED/PASSED left out
    assert (big.total_count, big.skip_count) == (848, 233)

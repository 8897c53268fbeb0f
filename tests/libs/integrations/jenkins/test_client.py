"""The client (abc + aiohttp adapter) against a real HTTP fake Jenkins."""

import io
import socket
import zipfile
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.jenkins import FAKE_JENKINS, FakeBuild, make_fake_jenkins
from tests.libs.integrations.jenkins.conftest import FastJenkins, StartServer, corpus
from verdict.integrations.jenkins.abc import JenkinsAPI
from verdict.integrations.jenkins.exceptions import (
    JenkinsNotFound,
    JenkinsUnauthorized,
    JenkinsUnreachable,
)
from verdict.integrations.jenkins.models import Artifact

MB = 1024 * 1024
USER, TOKEN = "alice", "api-token"

CONSOLE = (
    b"Started by user alice\n"
    + b"".join(b"[INFO] step %d\n" % i for i in range(5000))
    + b"Starting building: qa \xc2\xbb e2e #5\n"
    + b"Build qa \xc2\xbb e2e #5 completed: FAILURE\n"
    + b"ERROR: script returned exit code 1\n"
    + b"Finished: FAILURE\n"
)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _builds() -> dict[tuple[str, int], FakeBuild]:
    pipeline = corpus("jk_workflowrun-changesets.json")
    return {
        ("qa/pipeline", 7): FakeBuild(
            info=pipeline,
            console=CONSOLE,
            artifacts={
                "a.log": b"a" * (400 * 1024),
                "logs.zip": _zip({"inner/x.log": b"hello"}),
                "slip.zip": _zip({"../../evil": b"pwned"}),
                "b.log": b"b" * (400 * 1024),
                "c.log": b"c" * (400 * 1024),
                "d.log": b"d",
            },
        ),
        ("node-test-commit-linux", 19446): FakeBuild(
            info=corpus("jk_matrixbuild-runs.json"),
            test_report=corpus("jk_testreport-matrix-small.json"),
        ),
        ("slow", 1): FakeBuild(
            info={"number": 1, "building": False, "result": "UNSTABLE"}, building_polls=2
        ),
    }


@pytest.fixture
async def jenkins(start_server: StartServer, session: aiohttp.ClientSession) -> FastJenkins:
    base = await start_server(make_fake_jenkins(_builds(), user=USER, token=TOKEN, chunk_size=4096))
    return FastJenkins(session, base, user=USER, token=TOKEN)


async def test_build_info_through_folders(jenkins: FastJenkins) -> None:
    info = await jenkins.build_info("qa/pipeline", 7)
    assert (info.number, info.result, info.building) == (2483, "FAILURE", False)


async def test_wrong_token_is_typed(
    start_server: StartServer, session: aiohttp.ClientSession
) -> None:
    base = await start_server(make_fake_jenkins(_builds(), user=USER, token=TOKEN))
    client = FastJenkins(session, base, user=USER, token="wrong")
    with pytest.raises(JenkinsUnauthorized) as info:
        await client.build_info("qa/pipeline", 7)
    assert info.value.jenkins_status == 401
    with pytest.raises(JenkinsUnauthorized):
        await client.console("qa/pipeline", 7)


async def test_missing_build_is_not_found(jenkins: FastJenkins) -> None:
    with pytest.raises(JenkinsNotFound):
        await jenkins.build_info("qa/pipeline", 8)


async def test_test_report(jenkins: FastJenkins) -> None:
    assert await jenkins.test_report("qa/pipeline", 7) is None  # 404: no report
    report = await jenkins.test_report("node-test-commit-linux", 19446)
    assert report is not None and len(report.failures) == 3


async def test_console_stream_and_child_fallback(jenkins: FastJenkins) -> None:
    reader = await jenkins.console("qa/pipeline", 7)
    summary = reader.summary()
    assert summary.total_bytes == len(CONSOLE)
    assert "ERROR: script returned exit code 1" in summary.excerpt
    info = await jenkins.build_info("qa/pipeline", 7)
    [child] = jenkins.failed_children(info, reader)
    assert (child.job_name, child.build_number, child.result) == ("qa/e2e", 5, "FAILURE")
    assert child.url == f"{jenkins.base_url}job/qa/job/e2e/5/"


async def test_matrix_children_from_json(jenkins: FastJenkins) -> None:
    info = await jenkins.build_info("node-test-commit-linux", 19446)
    assert [c.job_name for c in jenkins.failed_children(info)] == [
        "node-test-commit-linux/nodes=debian9-64"
    ]


async def test_wait_for_build_polls(jenkins: FastJenkins) -> None:
    info = await jenkins.wait_for_build("slow", 1, poll_interval_s=120)
    assert (info.building, info.result) == (False, "UNSTABLE")
    assert jenkins.slept == [120, 120]


async def test_wait_gives_up_after_max_wait(jenkins: FastJenkins) -> None:
    info = await jenkins.wait_for_build("slow", 1, poll_interval_s=60, max_wait_s=60)
    assert info.building


async def test_artifacts_cap_and_archives(jenkins: FastJenkins, tmp_path: Path) -> None:
    got = await jenkins.download_artifacts("qa/pipeline", 7, tmp_path, max_size_mb=1)
    names = sorted(p.relative_to(tmp_path).as_posix() for p in got.files)
    assert names == ["a.log", "b.log", "logs.zip", "logs.zip.extracted/inner/x.log", "slip.zip"]
    assert got.total_bytes <= MB
    assert not (tmp_path / "c.log").exists() and not (tmp_path / "d.log").exists()
    assert any("1 MB artifact cap" in n and "1 more" in n for n in got.notes)
    assert any("not extracted slip.zip" in n for n in got.notes)
    assert not list(tmp_path.parent.glob("evil"))


async def test_unsafe_artifact_path_skipped(jenkins: FastJenkins, tmp_path: Path) -> None:
    arts = [Artifact("../../etc/cron.d/x", "x"), Artifact("a.log", "a.log")]
    got = await jenkins.download_artifacts(
        "qa/pipeline", 7, tmp_path / "d", max_size_mb=1, artifacts=arts
    )
    assert [p.name for p in got.files] == ["a.log"]
    assert "refused path" in got.notes[0]


async def test_dropped_connections_are_retried(
    start_server: StartServer, session: aiohttp.ClientSession
) -> None:
    app = make_fake_jenkins(_builds(), drop_connections=2)
    client = FastJenkins(session, await start_server(app))
    info = await client.build_info("qa/pipeline", 7)
    assert info.number == 2483
    # aiohttp itself may retry a dropped request once, so 1 or 2 failures show up.
    assert client.slept in ([0.5], [0.5, 1.0])
    assert app[FAKE_JENKINS].drop_connections == 0


async def test_five_dropped_connections_make_jenkins_unreachable(
    start_server: StartServer, session: aiohttp.ClientSession
) -> None:
    app = make_fake_jenkins(_builds(), drop_connections=1000)
    client = FastJenkins(session, await start_server(app))
    with pytest.raises(JenkinsUnreachable, match="5 connection errors in a row"):
        await client.build_info("qa/pipeline", 7)
    assert len(client.slept) == 4


async def test_refused_port_is_unreachable(session: aiohttp.ClientSession) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = FastJenkins(session, f"http://127.0.0.1:{port}/")
    with pytest.raises(JenkinsUnreachable, match=r"127\.0\.0\.1"):
        await client.console("x", 1)


async def test_an_unusable_url_fails_at_once(
    start_server: StartServer, session: aiohttp.ClientSession
) -> None:
    """Issue 15 (low): `http://127.0.0.2.:8771/` raised aiohttp's InvalidUrlClientError,
    which no retry fixes, and the job stayed pending through its retries."""
    from verdict.integrations.jenkins.exceptions import JenkinsError

    port = (await start_server(make_fake_jenkins(_builds()))).rsplit(":", 1)[1].rstrip("/")
    client = FastJenkins(session, f"http://127.0.0.2.:{port}/")
    with pytest.raises(JenkinsError, match="cannot be used") as caught:
        await client.build_info("qa/pipeline", 7)
    assert not isinstance(caught.value, JenkinsUnreachable) and client.slept == []


class Scripted(JenkinsAPI):
    """Transport stub: the gidgethub way of testing the client logic alone."""

    def __init__(self, answers: list[object]) -> None:
        super().__init__("https://jenkins.example.com")
        self.answers = answers
        self.slept: list[float] = []

    async def _request(
        self, method: str, url: str, headers: Mapping[str, str]
    ) -> tuple[int, Mapping[str, str], bytes]:
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, bytes)
        return 200, {}, answer

    async def _stream(self, url: str, headers: Mapping[str, str]) -> AsyncIterator[bytes]:
        yield b""

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


async def test_success_resets_the_consecutive_count() -> None:
    ok = b'{"number": 1, "building": false}'
    down = ConnectionError("refused")
    client = Scripted([down, down, down, down, ok, down, down, down, down, ok])
    await client.build_info("j", 1)
    await client.build_info("j", 1)  # 4 + 4 failures, never 5 in a row
    assert client.slept == [0.5, 1.0, 2.0, 4.0] * 2
    client.answers = [down] * 5
    with pytest.raises(JenkinsUnreachable):
        await client.build_info("j", 1)


async def test_ssl_verify_option(session: aiohttp.ClientSession) -> None:
    assert FastJenkins(session, "https://j/", ssl_verify=False)._ssl is False
    assert FastJenkins(session, "https://j/")._ssl is True

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from verdict.triage.workspace import (
    InvalidRepo,
    prepare_repo_context,
    split_repo_ref,
    validate_repo_name,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/acme/tests.git:main", ("https://github.com/acme/tests.git", "main")),
        ("https://github.com/acme/tests.git", ("https://github.com/acme/tests.git", "")),
        ("https://git.acme.io:8443/qe/tests.git", ("https://git.acme.io:8443/qe/tests.git", "")),
        (
            "https://git.acme.io:8443/qe/tests.git:release/4.1",
            ("https://git.acme.io:8443/qe/tests.git", "release/4.1"),
        ),
        ("git@github.com:acme/tests.git", ("git@github.com:acme/tests.git", "")),
        ("git@github.com:acme/tests.git:v1.2", ("git@github.com:acme/tests.git", "v1.2")),
        ("ssh://git@host:2222/acme/tests.git:dev", ("ssh://git@host:2222/acme/tests.git", "dev")),
        ("file:///tmp/r.git:main", ("file:///tmp/r.git", "main")),
        ("https://github.com/acme/tests.git:", ("https://github.com/acme/tests.git", "")),
    ],
)
def test_split_repo_ref(url: str, expected: tuple[str, str]) -> None:
    assert split_repo_ref(url) == expected


@pytest.mark.parametrize(
    "name", ["", "  ", "a/b", "a\\b", "..", "x..y", ".hidden", "tests-repo", "Build-Artifacts"]
)
def test_bad_repo_names(name: str) -> None:
    with pytest.raises(InvalidRepo) as info:
        validate_repo_name(name, set())
    assert info.value.status == 400


def test_duplicate_repo_name() -> None:
    taken: set[str] = set()
    assert validate_repo_name("product-repo", taken) == "product-repo"
    with pytest.raises(InvalidRepo, match="twice"):
        validate_repo_name("Product-Repo", taken)


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def make_repo(tmp_path: Path, name: str, files: dict[str, str], branch: str = "main") -> str:
    """A bare repo at tmp/<name>.git with one commit on `branch`; returns its file:// URL."""
    work = tmp_path / f"{name}-work"
    work.mkdir()
    git("init", "-q", "-b", branch, cwd=work)
    for rel, text in files.items():
        path = work / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git("add", ".", cwd=work)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init", cwd=work)
    bare = tmp_path / f"{name}.git"
    git("clone", "-q", "--bare", str(work), str(bare), cwd=tmp_path)
    return f"file://{bare}"


async def test_clones_tests_repo_and_extras(tmp_path: Path) -> None:
    tests_url = make_repo(
        tmp_path,
        "tests",
        {
            "tests/api/test_login.py": "def test_x(): pass\n",
            "JOB_INSIGHT_PROMPT.md": "Timeouts in setup are INFRASTRUCTURE.\n",
            "README.md": "hi\n",
        },
        branch="release",
    )
    product_url = make_repo(tmp_path, "product", {"src/app.py": "x = 1\n"})
    ctx = await prepare_repo_context(
        f"{tests_url}:release",
        "",
        [{"name": "product-repo", "url": product_url, "ref": ""}],
        tmp_path / "ws",
        allowed_hosts=(),
        allowed_protocols=("file",),
    )
    assert ctx.errors == []
    assert ctx.tests_repo_ref == "release"
    assert ctx.tests_repo is not None and (ctx.tests_repo / "tests/api/test_login.py").is_file()
    assert (ctx.repos["product-repo"] / "src/app.py").is_file()
    assert ctx.custom_prompt == "Timeouts in setup are INFRASTRUCTURE.\n"
    assert "top level: JOB_INSIGHT_PROMPT.md, README.md, tests/" in ctx.summary
    assert "test directories: tests/" in ctx.summary
    assert "product-repo/" in ctx.summary


async def test_failed_clone_is_recorded_not_fatal(tmp_path: Path) -> None:
    ctx = await prepare_repo_context(
        f"file://{tmp_path}/missing.git",
        "main",
        [],
        tmp_path / "ws",
        allowed_hosts=(),
        allowed_protocols=("file",),
    )
    assert ctx.tests_repo is None
    assert len(ctx.errors) == 1 and ctx.errors[0].startswith("tests-repo:")


async def test_file_transport_refused_by_default(tmp_path: Path) -> None:
    url = make_repo(tmp_path, "tests", {"a.txt": "a"})
    ctx = await prepare_repo_context(url, "", [], tmp_path / "ws", allowed_hosts=())
    assert ctx.tests_repo is None and ctx.errors


async def test_bad_name_rejected_before_cloning(tmp_path: Path) -> None:
    with pytest.raises(InvalidRepo):
        await prepare_repo_context(
            None,
            "",
            [{"name": "../etc", "url": "https://x/y.git"}],
            tmp_path / "ws",
            allowed_hosts=["x"],
        )
    assert not (tmp_path / "ws").exists()


class _Recorder(ThreadingHTTPServer):
    """A real HTTP server that records each request (path, Host) and answers `reply`."""

    def __init__(self, reply: tuple[int, dict[str, str]]) -> None:
        self.hits: list[tuple[str, str]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.hits.append((self.path, self.headers.get("Host", "")))
                status, headers = recorder.reply
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value.format(path=self.path))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.reply = reply
        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.server_address[1])


@pytest.fixture
def servers() -> Iterator[list[_Recorder]]:
    started: list[_Recorder] = []
    yield started
    for server in started:
        server.shutdown()
        server.server_close()


async def test_clone_does_not_follow_a_redirect(tmp_path: Path, servers: list[_Recorder]) -> None:
    """Issue 15 #5: an allowed host answered 301 to a host the allow-list does not name,
    and git followed it there."""
    inside = _Recorder((404, {}))
    allowed = _Recorder((301, {"Location": f"http://127.0.0.1:{inside.port}/internal{{path}}"}))
    servers += [inside, allowed]
    ctx = await prepare_repo_context(
        f"http://127.0.0.1:{allowed.port}/acme/tests.git",
        "",
        [],
        tmp_path / "ws",
        allowed_hosts=[f"127.0.0.1:{allowed.port}"],
        allowed_protocols=("http",),
    )
    assert allowed.hits, "git never asked the allowed host"
    assert inside.hits == []
    assert ctx.tests_repo is None and "301" in ctx.errors[0]


async def test_plain_http_is_refused_unless_allowed(
    tmp_path: Path, servers: list[_Recorder]
) -> None:
    server = _Recorder((404, {}))
    servers.append(server)
    url = f"http://127.0.0.1:{server.port}/acme/tests.git"
    ctx = await prepare_repo_context(
        url, "", [], tmp_path / "ws", allowed_hosts=[f"127.0.0.1:{server.port}"]
    )
    assert ctx.tests_repo is None and "not allowed" in ctx.errors[0]
    assert server.hits == []


def _hosts(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    """A resolver answering from a fixed table, like a hosts file: DNS is an outside
    service, so the test decides what a name resolves to."""

    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError(f"unknown host {host}")
        return table[host]

    return resolve


async def test_git_connects_only_to_the_checked_address(
    tmp_path: Path, servers: list[_Recorder]
) -> None:
    """The name is resolved once, by us, and git is pinned to that answer: this name
    does not exist in any real DNS, yet git reaches the address we checked."""
    server = _Recorder((404, {}))
    servers.append(server)
    ctx = await prepare_repo_context(
        f"http://git.verdict-test.invalid:{server.port}/acme/tests.git",
        "",
        [],
        tmp_path / "ws",
        allowed_hosts=["git.verdict-test.invalid"],
        allowed_protocols=("http",),
        resolve=_hosts({"git.verdict-test.invalid": ["127.0.0.1"]}),
    )
    assert ctx.tests_repo is None  # the server has no repository
    assert server.hits and server.hits[0][1] == f"git.verdict-test.invalid:{server.port}"


async def test_a_wildcard_name_resolving_inside_is_not_cloned(
    tmp_path: Path, servers: list[_Recorder]
) -> None:
    server = _Recorder((404, {}))
    servers.append(server)
    ctx = await prepare_repo_context(
        f"https://rebound.example.com:{server.port}/acme/tests.git",
        "",
        [],
        tmp_path / "ws",
        allowed_hosts=["*.example.com"],
        resolve=_hosts({"rebound.example.com": ["127.0.0.1", "169.254.169.254"]}),
    )
    assert ctx.tests_repo is None
    assert "resolves only to addresses the server may not connect to" in ctx.errors[0]
    assert server.hits == []

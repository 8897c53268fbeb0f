from __future__ import annotations

import subprocess
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
        f"file://{tmp_path}/missing.git", "main", [], tmp_path / "ws", allowed_protocols=("file",)
    )
    assert ctx.tests_repo is None
    assert len(ctx.errors) == 1 and ctx.errors[0].startswith("tests-repo:")


async def test_file_transport_refused_by_default(tmp_path: Path) -> None:
    url = make_repo(tmp_path, "tests", {"a.txt": "a"})
    ctx = await prepare_repo_context(url, "", [], tmp_path / "ws")
    assert ctx.tests_repo is None and ctx.errors


async def test_bad_name_rejected_before_cloning(tmp_path: Path) -> None:
    with pytest.raises(InvalidRepo):
        await prepare_repo_context(
            None, "", [{"name": "../etc", "url": "https://x/y.git"}], tmp_path / "ws"
        )
    assert not (tmp_path / "ws").exists()

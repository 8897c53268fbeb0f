"""Clone the tests repo (and extra repos) into a temporary workspace for AI context.

Clones are shallow, non-interactive (`GIT_TERMINAL_PROMPT=0`), time-bounded, limited
to allowed transports (https; http only when the operator allows it; `file://` only
when a caller allows it, as tests do) and checked out with `core.symlinks=false`, so a
hostile repo cannot plant a link to a server file for a CLI's read tool to follow.

An allowed host must not be able to send git elsewhere: redirects are refused
(`http.followRedirects=false`), and an http(s) host name is resolved here, its addresses
checked (urlguard.connect_addresses) and the connection pinned to them with
`http.curloptResolve`, so neither a redirect nor a DNS answer that changes between the
check and the connect leads git into the server's network. A clone that fails is
recorded and skipped: repo context improves an analysis but is never required for one.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import structlog

from verdict.errors import BadRequest
from verdict.triage.providers.errors import ProviderTimeout
from verdict.triage.providers.subprocess_run import run_cli, scrubbed_env
from verdict.urlguard import Resolve, connect_addresses, parse_ip, system_resolve

log = structlog.get_logger(__name__)

TESTS_REPO_DIR = "tests-repo"
PROMPT_FILE = "JOB_INSIGHT_PROMPT.md"
RESERVED_NAMES = frozenset({TESTS_REPO_DIR, "build-artifacts", PROMPT_FILE.lower()})
MAX_PROMPT_FILE = 64_000
MAX_TOP_LEVEL = 40
TEST_DIR_NAMES = frozenset({"test", "tests", "e2e", "integration", "functional", "testing", "spec"})


class InvalidRepo(BadRequest):
    """An additional repository entry is not acceptable."""

    error = "invalid_repo"


class RepoSpec(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def url(self) -> str: ...

    @property
    def ref(self) -> str: ...


@dataclass
class RepoContext:
    workdir: Path
    tests_repo: Path | None = None
    tests_repo_ref: str = ""
    repos: dict[str, Path] = field(default_factory=dict)
    custom_prompt: str = ""
    summary: str = ""
    errors: list[str] = field(default_factory=list)


def split_repo_ref(url: str) -> tuple[str, str]:
    """`https://h/o/r.git:main` -> (`https://h/o/r.git`, `main`).

    Only a colon inside the path counts: `https://host:8443/...` has a port and
    `git@host:org/repo.git` an scp-style separator, neither is a ref. Git forbids `:`
    in ref names, so the last colon in the path is the split.
    """
    url = url.strip()
    if "://" in url:
        scheme_end = url.index("://") + 3
        slash = url.find("/", scheme_end)
        path_start = len(url) if slash < 0 else slash
    else:
        colon, slash = url.find(":"), url.find("/")
        path_start = colon + 1 if colon >= 0 and (slash < 0 or colon < slash) else 0
    cut = url.rfind(":", path_start)
    if cut < 0 or cut == len(url) - 1:
        return url.rstrip(":") if cut >= 0 else url, ""
    return url[:cut], url[cut + 1 :]


def validate_repo_name(name: str, taken: set[str]) -> str:
    clean = name.strip()
    if not clean:
        raise InvalidRepo("additional_repos: name must not be blank")
    if "/" in clean or "\\" in clean or ".." in clean or clean.startswith("."):
        raise InvalidRepo(
            f"additional_repos: name {name!r} must not contain /, \\ or .., nor start with ."
        )
    if clean.lower() in RESERVED_NAMES:
        raise InvalidRepo(f"additional_repos: name {name!r} is reserved")
    if clean.lower() in taken:
        raise InvalidRepo(f"additional_repos: name {name!r} is used twice")
    taken.add(clean.lower())
    return clean


async def prepare_repo_context(
    tests_repo_url: str | None,
    ref: str,
    additional_repos: Sequence[RepoSpec | Mapping[str, str]],
    workdir: Path,
    *,
    allowed_hosts: Collection[str],
    timeout_s: float = 120.0,
    allowed_protocols: Sequence[str] = ("https",),
    resolve: Resolve = system_resolve,
) -> RepoContext:
    """Clone into `workdir` (the caller owns and deletes it); `ref` is the default when
    `tests_repo_url` carries no `:ref` suffix. Names are validated before any clone.
    http(s) URLs must name a host of `allowed_hosts`; git connects only to the
    addresses checked for it (`resolve` is the system resolver outside tests)."""
    extras = [_spec(repo) for repo in additional_repos]
    taken: set[str] = set()
    extras = [(validate_repo_name(name, taken), url, r) for name, url, r in extras]
    ctx = RepoContext(workdir=workdir)
    jobs: list[tuple[str, str, str, Path]] = []
    if tests_repo_url and tests_repo_url.strip():
        url, suffix_ref = split_repo_ref(tests_repo_url)
        ctx.tests_repo_ref = suffix_ref or ref
        jobs.append((TESTS_REPO_DIR, url, ctx.tests_repo_ref, workdir / TESTS_REPO_DIR))
    jobs += [(name, url, r, workdir / name) for name, url, r in extras]
    await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
    gate = _Gate(allowed_hosts, allowed_protocols, resolve)
    results = await asyncio.gather(
        *(_clone(url, r, dest, timeout_s, gate) for _, url, r, dest in jobs)
    )
    for (name, _url, _ref, dest), error in zip(jobs, results, strict=True):
        if error:
            ctx.errors.append(f"{name}: {error}")
            log.warning("workspace.clone_failed", repo=name, error=error)
        elif name == TESTS_REPO_DIR:
            ctx.tests_repo = dest
        else:
            ctx.repos[name] = dest
    ctx.custom_prompt, ctx.summary = await asyncio.to_thread(_describe, ctx, jobs)
    return ctx


def _spec(repo: RepoSpec | Mapping[str, str]) -> tuple[str, str, str]:
    if isinstance(repo, Mapping):
        return str(repo.get("name", "")), str(repo.get("url", "")), str(repo.get("ref", "") or "")
    return repo.name, repo.url, repo.ref or ""


@dataclass(frozen=True)
class _Gate:
    """What a clone may reach: hosts, transports, and how names are resolved."""

    allowed_hosts: Collection[str]
    protocols: Sequence[str]
    resolve: Resolve


async def _pinning(url: str, gate: _Gate) -> list[str]:
    """git -c options that pin an http(s) URL's host to its checked addresses."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in ("http", "https"):
        return []  # other transports: GIT_ALLOW_PROTOCOL decides (file:// in tests)
    if scheme not in gate.protocols:
        return []  # git refuses the transport itself, with its own message
    host, port, addresses = await connect_addresses(url, gate.allowed_hosts, gate.resolve)
    if parse_ip(host) is not None:
        return []
    pinned = ",".join(f"[{a}]" if ":" in a else a for a in addresses)
    return ["-c", f"http.curloptResolve={host}:{port}:{pinned}"]


async def _clone(url: str, ref: str, dest: Path, timeout_s: float, gate: _Gate) -> str:
    """Clone; return "" on success or a short error text."""
    if not url or url.startswith("-"):
        return "invalid url"
    try:
        pin = await _pinning(url, gate)
    except BadRequest as exc:
        return exc.detail
    argv = ["git", "-c", "core.symlinks=false", "-c", "http.followRedirects=false", *pin]
    argv += ["clone", "--quiet", "--depth", "1", "--single-branch", "--no-tags"]
    if ref:
        argv += ["--branch", ref]
    argv += ["--", url, str(dest)]
    allow = ":".join(gate.protocols)
    env = scrubbed_env((), {"GIT_TERMINAL_PROMPT": "0", "GIT_ALLOW_PROTOCOL": allow})
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    try:
        result = await run_cli(argv, "", env=env, timeout_s=timeout_s)
    except ProviderTimeout:
        return f"git clone timed out after {timeout_s:g}s"
    except OSError as exc:
        return f"git could not run: {exc}"
    if result.returncode != 0:
        return (
            result.stderr.strip().splitlines()[-1][:300] if result.stderr.strip() else "git failed"
        )
    return ""


def _describe(ctx: RepoContext, jobs: list[tuple[str, str, str, Path]]) -> tuple[str, str]:
    prompt = ""
    lines: list[str] = []
    urls = {name: (url, r) for name, url, r, _ in jobs}
    if ctx.tests_repo is not None:
        prompt_path = ctx.tests_repo / PROMPT_FILE
        if prompt_path.is_file() and not prompt_path.is_symlink():
            prompt = prompt_path.read_text(errors="replace")[:MAX_PROMPT_FILE]
        url, r = urls[TESTS_REPO_DIR]
        lines += _repo_lines("Tests repository", TESTS_REPO_DIR, url, r, ctx.tests_repo)
    for name, path in ctx.repos.items():
        url, r = urls[name]
        lines += _repo_lines("Additional repository", name, url, r, path)
    return prompt, "\n".join(lines)


def _repo_lines(kind: str, name: str, url: str, ref: str, path: Path) -> list[str]:
    entries = sorted(p for p in os.listdir(path) if p != ".git")
    shown = [f"{e}/" if (path / e).is_dir() else e for e in entries[:MAX_TOP_LEVEL]]
    more = f" (+{len(entries) - MAX_TOP_LEVEL} more)" if len(entries) > MAX_TOP_LEVEL else ""
    lines = [f"{kind} {url}" + (f" @ {ref}" if ref else "") + f" in {name}/"]
    lines.append("  top level: " + ", ".join(shown) + more)
    test_dirs = _test_dirs(path)
    if test_dirs:
        lines.append("  test directories: " + ", ".join(test_dirs))
    return lines


def _test_dirs(root: Path, max_depth: int = 3) -> list[str]:
    found: list[str] = []
    for dirpath, dirnames, _ in os.walk(root):
        rel = Path(dirpath).relative_to(root)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        if len(rel.parts) >= max_depth:
            dirnames[:] = []
        if rel.parts and rel.parts[-1].lower() in TEST_DIR_NAMES:
            found.append(f"{rel.as_posix()}/")
            dirnames[:] = []  # one entry per test tree is enough for the prompt
    return found[:20]

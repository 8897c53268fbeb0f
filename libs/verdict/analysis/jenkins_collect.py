"""Read a Jenkins build and its failed children into scopes: failures, totals, console.

Children come from `subBuilds`, `triggeredBuilds`, matrix `runs` and, when the
JSON names none, the console's "Build X #N completed: FAILURE" lines. They are
read recursively up to `max_depth`, at most `concurrency` builds at a time (the
bound holds only a build's own requests, never its children's, so it cannot
deadlock). A child that cannot be read becomes a note, not a failed job.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from verdict.analysis.model import FailureInput
from verdict.integrations.jenkins import (
    BuildInfo,
    ChildRef,
    ConsoleReader,
    JenkinsAPI,
    JenkinsError,
    TestReport,
)
from verdict.integrations.jenkins.console import ERROR_RE
from verdict.storage.analyses import RunTotals

# How much console text each scope contributes to the one `console=` of the job.
TOP_CONSOLE_CHARS = 48 * 1024
CHILD_CONSOLE_CHARS = 12 * 1024
TOTAL_CONSOLE_CHARS = 160 * 1024
ARTIFACT_EVIDENCE_CHARS = 24 * 1024

ChildSeen = Callable[["Scope"], Awaitable[None]]


@dataclass
class Scope:
    """One build of the tree: the top build (child_job_name "") or a child."""

    job_name: str
    build_number: int
    url: str
    depth: int
    result: str | None = None
    failures: list[FailureInput] = field(default_factory=list)
    totals: RunTotals | None = None
    console: str = ""
    children: list[Scope] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, int]:
        return (self.job_name, self.build_number) if self.depth else ("", 0)

    def walk(self) -> list[Scope]:
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


@dataclass
class Collector:
    api: JenkinsAPI
    max_depth: int
    concurrency: int
    on_child: ChildSeen | None = None
    _seen: set[tuple[str, int]] = field(default_factory=set)
    _slots: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self._slots = asyncio.Semaphore(self.concurrency)

    async def top(self, job_name: str, number: int, info: BuildInfo) -> Scope:
        self._seen.add((job_name, number))
        scope = Scope(job_name, number, info.url, 0, info.result)
        reader = await self._console(scope, job_name, number)
        report = await self.api.test_report(job_name, number)
        await self._fill(scope, info, report, reader)
        return scope

    async def _child(self, ref: ChildRef, depth: int, inherited: list[FailureInput]) -> Scope:
        scope = Scope(ref.job_name, ref.build_number, ref.url, depth, ref.result)
        try:
            async with self._slots:
                info = await self.api.build_info(ref.job_name, ref.build_number)
                scope.url, scope.result = info.url or ref.url, info.result or ref.result
                reader = await self._console(scope, ref.job_name, ref.build_number)
                report = None if inherited else await self.api.test_report(*scope.key)
        except JenkinsError as exc:
            scope.notes.append(f"could not read this child build: {exc.detail}")
            if self.on_child:
                await self.on_child(scope)
            return scope
        await self._fill(scope, info, report, reader, inherited)
        return scope

    async def _fill(
        self,
        scope: Scope,
        info: BuildInfo,
        report: TestReport | None,
        reader: ConsoleReader,
        inherited: list[FailureInput] | None = None,
    ) -> None:
        summary = reader.summary()
        scope.notes.extend(summary.notes)
        cap = CHILD_CONSOLE_CHARS if scope.depth else TOP_CONSOLE_CHARS
        scope.console = summary.excerpt[-cap:]
        refs = [
            r
            for r in self.api.failed_children(info, reader)
            if (r.job_name, r.build_number) not in self._seen
        ]
        # A matrix build's report holds its cells' failures: each goes to its cell.
        by_cell: dict[str, list[FailureInput]] = {r.url.rstrip("/"): [] for r in refs if r.url}
        own: list[FailureInput] = list(inherited or [])
        cname, cnum = scope.key
        for tf in report.failures if report else ():
            cell = (tf.child_url or "").rstrip("/")
            target = by_cell.get(cell) if cell else None
            item = FailureInput(
                test_name=tf.test_name,
                error_message=tf.error_message,
                stack_trace=tf.stack_trace,
                classname=tf.class_name,
                name=tf.name,
            )
            if target is not None:
                target.append(item)
            else:
                own.append(_in_scope(item, cname, cnum))
        if report is not None:
            passed = max(report.total_count - report.fail_count - report.skip_count, 0)
            scope.totals = RunTotals(
                cname, cnum, report.total_count, passed, report.fail_count, report.skip_count
            )
        if refs and scope.depth >= self.max_depth:
            scope.notes.append(
                f"{len(refs)} failed child job(s) below depth {self.max_depth} were not "
                "analysed (VERDICT_JENKINS_MAX_DEPTH)"
            )
            refs = []
        for ref in refs:
            self._seen.add((ref.job_name, ref.build_number))
        if scope.depth and self.on_child:
            await self.on_child(scope)
        scope.children = list(
            await asyncio.gather(
                *(
                    self._child(
                        r,
                        scope.depth + 1,
                        [
                            _in_scope(f, r.job_name, r.build_number)
                            for f in by_cell.get(r.url.rstrip("/"), [])
                        ],
                    )
                    for r in refs
                )
            )
        )
        if not own and not scope.children and scope.result not in (None, "SUCCESS"):
            own.append(_console_failure(scope, summary.excerpt))
        scope.failures = own

    async def _console(self, scope: Scope, job_name: str, number: int) -> ConsoleReader:
        reader = ConsoleReader()
        try:
            return await self.api.console(job_name, number, reader)
        except JenkinsError as exc:
            scope.notes.append(f"console not read: {exc.detail}")
            reader.close()
            return reader


def _in_scope(item: FailureInput, job_name: str, number: int) -> FailureInput:
    return FailureInput(
        test_name=item.test_name,
        error_message=item.error_message,
        stack_trace=item.stack_trace,
        error_type=item.error_type,
        classname=item.classname,
        name=item.name,
        child_job_name=job_name,
        child_build_number=number,
    )


def _console_failure(scope: Scope, excerpt: str) -> FailureInput:
    """A build that failed without failing tests: its console is the failure."""
    error_lines = []
    if excerpt.startswith("--- error lines"):
        section = excerpt.split("\n--- last ", 1)[0]
        error_lines = [ln.split(": ", 1)[-1] for ln in section.splitlines()[1:] if ": " in ln]
    # "Finished: FAILURE" says that it failed, not why.
    first = next(
        (
            ln
            for ln in error_lines
            if ERROR_RE.search(ln.encode()) and not ln.lstrip().startswith("Finished:")
        ),
        "",
    )
    message = first.strip() or f"Build finished with result {scope.result or 'UNKNOWN'}"
    name, number = scope.key
    return FailureInput(
        test_name=f"{scope.job_name} #{scope.build_number} (console)",
        error_message=message[:2000],
        stack_trace="\n".join(error_lines)[:4000],
        child_job_name=name,
        child_build_number=number,
    )


def console_text(top: Scope, artifacts: str = "") -> str:
    """The one console text of the job: the top build, then each child, then artifacts."""
    parts: list[str] = []
    size = 0
    for scope in top.walk():
        if not scope.console:
            continue
        header = (
            "" if not scope.depth else f"=== child {scope.job_name} #{scope.build_number} ===\n"
        )
        piece = header + scope.console
        if size + len(piece) > TOTAL_CONSOLE_CHARS:
            break
        parts.append(piece)
        size += len(piece)
    if artifacts:
        parts.append("--- artifacts ---\n" + artifacts)
    return "\n".join(parts)


async def artifact_evidence(
    api: JenkinsAPI, job_name: str, number: int, info: BuildInfo, max_size_mb: int
) -> str:
    """A short listing and the error lines of the build's artifacts (downloaded to a
    temporary directory, removed before this returns)."""
    if not info.artifacts:
        return ""
    with tempfile.TemporaryDirectory(prefix="verdict-artifacts-") as tmp:
        try:
            got = await api.download_artifacts(
                job_name, number, Path(tmp), max_size_mb=max_size_mb, artifacts=info.artifacts
            )
        except JenkinsError as exc:
            return f"artifacts not downloaded: {exc.detail}"
        return await asyncio.to_thread(_evidence, Path(tmp), got.files, got.notes)


_TEXT_SUFFIXES = (".log", ".txt", ".out", ".err", ".xml", ".json", ".yaml", ".yml", ".html")


def _evidence(root: Path, files: list[Path], notes: list[str]) -> str:
    lines = [f"{len(files)} artifact file(s):"]
    for path in files[:50]:
        with contextlib.suppress(OSError):
            lines.append(f"  {path.relative_to(root)} ({path.stat().st_size} bytes)")
    if len(files) > 50:
        lines.append(f"  ... {len(files) - 50} more")
    lines.extend(f"note: {n}" for n in notes[:10])
    kept = 0
    for path in files:
        if kept >= 200 or not path.name.lower().endswith(_TEXT_SUFFIXES):
            continue
        try:
            if path.stat().st_size > 5 * 1024 * 1024:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        hits = [ln for ln in data.splitlines() if ERROR_RE.search(ln)][:20]
        if hits:
            lines.append(f"--- {path.relative_to(root)} ---")
            lines.extend(h.decode("utf-8", "replace")[:300] for h in hits)
            kept += len(hits)
    return "\n".join(lines)[:ARTIFACT_EVIDENCE_CHARS]

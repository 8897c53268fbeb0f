"""The Jenkins client logic over an abstract transport (gidgethub's `abc.py` pattern).

Adapters implement `_request`, `_stream` and `sleep`; everything else (URLs,
auth, decoding, retries on connection errors, caps) lives here or in `sansio`.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from verdict.integrations.jenkins import sansio
from verdict.integrations.jenkins.artifacts import (
    ArchiveLimits,
    CappedWriter,
    UnsafeArchive,
    extract_archive,
    is_archive,
    target_in,
)
from verdict.integrations.jenkins.children import failed_children
from verdict.integrations.jenkins.console import ConsoleReader
from verdict.integrations.jenkins.exceptions import (
    JenkinsNotFound,
    JenkinsStreamInterrupted,
    JenkinsUnreachable,
)
from verdict.integrations.jenkins.models import Artifact, BuildInfo, ChildRef, TestReport

MIB = 1024 * 1024
# Short: a Jenkins that drops five connections in a row is down, not busy.
BACKOFF = (0.5, 1.0, 2.0, 4.0)


@dataclass(slots=True)
class DownloadedArtifacts:
    directory: Path
    files: list[Path] = field(default_factory=list)
    total_bytes: int = 0
    notes: list[str] = field(default_factory=list)


class JenkinsAPI(abc.ABC):
    """Fetch builds, test reports, consoles and artifacts from one Jenkins."""

    def __init__(
        self,
        base_url: str,
        *,
        user: str | None = None,
        token: str | None = None,
        max_connection_errors: int = 5,
        backoff: Sequence[float] = BACKOFF,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self._user, self._token = user, token
        self.max_connection_errors = max_connection_errors
        self.backoff = tuple(backoff) or (0.0,)
        self._connection_errors = 0

    @abc.abstractmethod
    async def _request(
        self, method: str, url: str, headers: Mapping[str, str]
    ) -> tuple[int, Mapping[str, str], bytes]:
        """One HTTP exchange; raise ConnectionError when no answer came back."""

    @abc.abstractmethod
    def _stream(self, url: str, headers: Mapping[str, str]) -> AsyncIterator[bytes]:
        """Body chunks of a GET; raise a sansio error for non-2xx, ConnectionError if cut."""

    @abc.abstractmethod
    async def sleep(self, seconds: float) -> None: ...

    # -- public API -----------------------------------------------------------------

    async def build_info(self, job_name: str, number: int) -> BuildInfo:
        url = sansio.build_info_url(self.base_url, job_name, number)
        status, headers, body = await self._call("GET", url, self._headers())
        return sansio.decode_build_info(status, headers, body, url=url)

    async def wait_for_build(
        self, job_name: str, number: int, *, poll_interval_s: float, max_wait_s: float = 0
    ) -> BuildInfo:
        """Poll until the build stops building; after `max_wait_s` (0 = no limit)
        return the still-building info and let the caller decide."""
        waited = 0.0
        info = await self.build_info(job_name, number)
        while info.building and (not max_wait_s or waited < max_wait_s):
            await self.sleep(poll_interval_s)
            waited += poll_interval_s
            info = await self.build_info(job_name, number)
        return info

    async def test_report(self, job_name: str, number: int) -> TestReport | None:
        """Failures of the build's test report; None when the build has none."""
        url = sansio.test_report_url(self.base_url, job_name, number)
        status, headers, body = await self._call("GET", url, self._headers())
        return sansio.decode_test_report(status, headers, body, url=url)

    async def console(
        self, job_name: str, number: int, reader: ConsoleReader | None = None
    ) -> ConsoleReader:
        """Stream `consoleText` through a bounded reader; a cut stream keeps what came."""
        reader = reader or ConsoleReader()
        url = sansio.console_url(self.base_url, job_name, number)
        try:
            await self._stream_into(url, _feeding(reader), accept="text/plain")
        except JenkinsStreamInterrupted as exc:
            reader.note(exc.detail)
        reader.close()
        return reader

    def failed_children(
        self, build: BuildInfo, console: ConsoleReader | None = None
    ) -> list[ChildRef]:
        """Failed/unstable direct children; console lines only if the JSON names none."""
        lines = console.summary().child_lines if console else ()
        return failed_children(build.raw, lines, base_url=self.base_url)

    async def download_artifacts(
        self,
        job_name: str,
        number: int,
        dest: Path,
        *,
        max_size_mb: int,
        artifacts: Sequence[Artifact] | None = None,
        extract: bool = True,
        archive_limits: ArchiveLimits | None = None,
    ) -> DownloadedArtifacts:
        """Stream artifacts into `dest` (the caller's temp dir) until `max_size_mb`.

        The first artifact that would cross the cap is dropped and the rest are
        not fetched (Jenkins does not list sizes, so there is no picking ahead).
        """
        if artifacts is None:
            artifacts = (await self.build_info(job_name, number)).artifacts
        limits = archive_limits or ArchiveLimits(max_total_bytes=max_size_mb * MIB)
        out = DownloadedArtifacts(directory=dest)
        remaining = max_size_mb * MIB
        for index, artifact in enumerate(artifacts):
            try:
                target = target_in(dest, artifact.relative_path)
            except UnsafeArchive as exc:
                out.notes.append(f"skipped artifact: {exc.detail}")
                continue
            url = sansio.artifact_url(self.base_url, job_name, number, artifact.relative_path)
            writer = CappedWriter(target, remaining)
            try:
                complete = await self._stream_into(url, writer.write, accept="*/*")
            except (JenkinsNotFound, JenkinsStreamInterrupted) as exc:
                writer.discard()
                out.notes.append(f"skipped {artifact.relative_path}: {exc.detail}")
                continue
            except BaseException:
                writer.discard()
                raise
            if not complete:
                writer.discard()
                left = len(artifacts) - index - 1
                out.notes.append(
                    f"stopped at {artifact.relative_path}: the {max_size_mb} MB artifact cap "
                    f"was reached; {left} more artifact(s) not downloaded"
                )
                break
            writer.close()
            remaining = writer.remaining
            out.total_bytes += writer.written
            out.files.append(target)
            if extract and is_archive(target.name):
                await self._extract(target, limits, out)
        return out

    # -- internals ------------------------------------------------------------------

    def _headers(self, accept: str = "application/json") -> dict[str, str]:
        return sansio.create_headers(self._user, self._token, accept=accept)

    async def _call(
        self, method: str, url: str, headers: Mapping[str, str]
    ) -> tuple[int, Mapping[str, str], bytes]:
        while True:
            try:
                answer = await self._request(method, url, headers)
            except ConnectionError as exc:
                await self._connection_failed(exc)
                continue
            self._connection_errors = 0
            return answer

    async def _stream_into(self, url: str, sink: Callable[[bytes], bool], *, accept: str) -> bool:
        """Push chunks into `sink` until it returns False (→ False) or the body ends."""
        headers = self._headers(accept)
        while True:
            received = False
            chunks = self._stream(url, headers)
            try:
                async for chunk in chunks:
                    received = True
                    self._connection_errors = 0
                    if not sink(chunk):
                        return False
                self._connection_errors = 0
                return True
            except ConnectionError as exc:
                if received:
                    # Retrying would replay bytes the sink already has.
                    raise JenkinsStreamInterrupted(
                        f"connection to Jenkins lost while reading {url}: {exc}"
                    ) from exc
                await self._connection_failed(exc)
            finally:
                # Release the HTTP response even when we stop early.
                if isinstance(chunks, AsyncGenerator):
                    await chunks.aclose()

    async def _connection_failed(self, exc: BaseException) -> None:
        self._connection_errors += 1
        count = self._connection_errors
        if count >= self.max_connection_errors:
            raise JenkinsUnreachable(
                f"Jenkins at {self.base_url} is unreachable: {count} connection errors in a "
                f"row (last: {exc or type(exc).__name__}); check the Jenkins URL and network"
            ) from exc
        await self.sleep(self.backoff[min(count, len(self.backoff)) - 1])

    async def _extract(
        self, archive: Path, limits: ArchiveLimits, out: DownloadedArtifacts
    ) -> None:
        dest = archive.with_name(archive.name + ".extracted")
        try:
            result = await asyncio.to_thread(extract_archive, archive, dest, limits)
        except UnsafeArchive as exc:
            out.notes.append(f"not extracted {archive.name}: {exc.detail}")
            return
        out.files.extend(result.files)
        out.notes.extend(f"{archive.name}: {note}" for note in result.notes)


def _feeding(reader: ConsoleReader) -> Callable[[bytes], bool]:
    def sink(chunk: bytes) -> bool:
        reader.feed(chunk)
        return True

    return sink

"""Report files: found by glob, read as text one chunk at a time, several merged into one.

Several files become **one** report, one request and one job: a CI run is one run of
the suite, whatever number of files its runner wrote, so history counts one run with
the totals of all files, and one root cause seen in several files is analysed once.
The merged document is `<testsuites>` holding each file's root element in the order
given (Verdict's parser reads testsuite and testcase elements at any depth). Each
file's prolog (XML declaration, comments, DOCTYPE) is dropped: the text is sent
decoded, so a declared encoding would no longer be true. A single file is sent as its
root element alone, unwrapped, so the enriched XML keeps the file's shape.
"""

from __future__ import annotations

import codecs
import dataclasses
import glob
import re
from collections.abc import Iterator
from pathlib import Path

CHUNK_BYTES = 256 * 1024
# The prolog (before the root element) may be at most this long, as the server requires.
PROLOG_LIMIT = 1 << 20
MERGE_ROOTS = frozenset({"testsuites", "testsuite"})
_GLOB_CHARS = re.compile(r"[*?\[]")
_DECLARED = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class ReportError(Exception):
    """A report file cannot be found, read or merged."""


def find(patterns: list[str]) -> list[Path]:
    """Files named, matched by a glob (`**` recurses), or `*.xml` under a directory.

    Order: the patterns' order, each glob's matches sorted; a file named twice counts once.
    """
    found: list[Path] = []
    for pattern in patterns:
        if _GLOB_CHARS.search(pattern):
            found.extend(Path(p) for p in sorted(glob.glob(pattern, recursive=True)))
        elif Path(pattern).is_dir():
            found.extend(sorted(Path(pattern).rglob("*.xml")))
        elif Path(pattern).is_file():
            found.append(Path(pattern))
        else:
            raise ReportError(f"{pattern}: no such file or directory")
    unique: dict[Path, Path] = {}
    for path in found:
        if path.is_file():
            unique.setdefault(path.resolve(), path)
    return list(unique.values())


def _encoding(head: bytes) -> str:
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    declared = _DECLARED.match(head.lstrip())
    if declared:
        name = declared.group(1).decode("ascii")
        try:
            codecs.lookup(name)
        except LookupError:
            raise ReportError(f"unknown encoding {name!r} declared") from None
        return name
    return "utf-8"


def _root_start(text: str) -> int | None:
    """Where the root element starts in `text`, None if the prolog goes on past it."""
    at = 0
    while True:
        while at < len(text) and text[at] in " \t\r\n\ufeff":
            at += 1
        if at >= len(text):
            return None
        if text.startswith("<?", at):
            end = text.find("?>", at)
            if end < 0:
                return None
            at = end + 2
        elif text.startswith("<!--", at):
            end = text.find("-->", at)
            if end < 0:
                return None
            at = end + 3
        elif text.startswith("<!", at):
            end = _doctype_end(text, at)
            if end < 0:
                return None
            at = end + 1
        elif text.startswith("<", at):
            return at
        else:
            raise ReportError("text before the root element: not an XML document")


def _doctype_end(text: str, at: int) -> int:
    """Index of the `>` closing a DOCTYPE at `at` (its internal subset in [...] skipped)."""
    depth = 0
    for index in range(at, len(text)):
        char = text[index]
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == ">" and depth <= 0:
            return index
    return -1


def root_name(text: str) -> str:
    match = re.match(r"<([A-Za-z_][\w.:-]*)", text)
    return match.group(1) if match else ""


@dataclasses.dataclass(frozen=True)
class Report:
    """One file, read from its root element on, decoded."""

    path: Path
    size: int
    encoding: str
    root: str

    @classmethod
    def open(cls, path: Path) -> Report:
        try:
            with path.open("rb") as handle:
                head = handle.read(PROLOG_LIMIT + 1024)
            size = path.stat().st_size
        except OSError as exc:
            raise ReportError(f"{path}: {exc.strerror or exc}") from None
        try:
            encoding = _encoding(head)
            text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head)
            start = _root_start(text)
        except ReportError as exc:
            raise ReportError(f"{path}: {exc}") from None
        if start is None:
            raise ReportError(f"{path}: no root element in its first {PROLOG_LIMIT} bytes")
        return cls(path, size, encoding, root_name(text[start:]))

    def chunks(self, size: int = CHUNK_BYTES) -> Iterator[str]:
        """The document from its root element to its end, read `size` bytes at a time."""
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="replace")
        pending: str | None = ""  # the text read while still looking for the root
        with self.path.open("rb") as handle:
            while True:
                raw = handle.read(size)
                text = decoder.decode(raw, final=not raw)
                if pending is not None:
                    pending += text
                    start = _root_start(pending)
                    if start is None:
                        if not raw:
                            return
                        continue
                    text, pending = pending[start:], None
                if text:
                    yield text
                if not raw:
                    return


def open_all(paths: list[Path]) -> list[Report]:
    reports = [Report.open(path) for path in paths]
    if len(reports) > 1:
        for report in reports:
            if report.root not in MERGE_ROOTS:
                raise ReportError(
                    f"{report.path}: root <{report.root}> is not JUnit "
                    "(<testsuites> or <testsuite>); send a file of another kind on its own"
                )
    return reports


def document(reports: list[Report], chunk_bytes: int = CHUNK_BYTES) -> Iterator[str]:
    """The text to send: one file as it is, several inside one <testsuites>."""
    if len(reports) == 1:
        yield from reports[0].chunks(chunk_bytes)
        return
    yield "<testsuites>\n"
    for report in reports:
        yield from report.chunks(chunk_bytes)
        yield "\n"
    yield "</testsuites>\n"

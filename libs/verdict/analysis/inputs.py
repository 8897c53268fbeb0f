"""Decode a stored job input into FailureInputs (and run totals where the input has them)."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field

from verdict.analysis.model import FailureInput
from verdict.contracts.requests import TestFailure
from verdict.errors import InvalidInput
from verdict.storage.analyses import RunTotals

JSON_FAILURES = "application/vnd.verdict.failures+json"
JUNIT_XML = "application/xml"


class ZlibReader:
    """A file-like view of zlib-compressed bytes, decompressed as it is read.

    A 50 MB report is stored compressed (~5 MB); parsing and enriching read it
    through this, so its decompressed form never sits in memory whole.
    """

    _CHUNK = 1 << 16

    def __init__(self, compressed: bytes) -> None:
        self._source = memoryview(compressed)
        self._pos = 0
        self._inflate = zlib.decompressobj()
        self._buffer = bytearray()
        self._eof = False

    def read(self, size: int = -1) -> bytes:
        want = size if size is not None and size >= 0 else 1 << 62
        while len(self._buffer) < want and not self._eof:
            chunk = self._source[self._pos : self._pos + self._CHUNK]
            self._pos += len(chunk)
            if chunk:
                self._buffer += self._inflate.decompress(chunk)
            else:
                self._buffer += self._inflate.flush()
                self._eof = True
        out = bytes(self._buffer[:want])
        del self._buffer[:want]  # CPython drops a bytearray's head without copying the rest
        return out


@dataclass(frozen=True)
class StoredXml:
    """The report as stored: zlib-compressed UTF-8 (whatever its prolog claims)."""

    compressed: bytes

    def open(self) -> ZlibReader:
        return ZlibReader(self.compressed)


@dataclass
class DecodedInput:
    failures: list[FailureInput]
    totals: list[RunTotals] = field(default_factory=list)
    flaky_tests: list[tuple[str, int, str]] = field(default_factory=list)
    xml: StoredXml | None = None


def encode_failures(failures: list[TestFailure]) -> bytes:
    return json.dumps([f.model_dump(mode="json") for f in failures]).encode("utf-8")


def decode_input(content_type: str, stored: bytes, *, max_output_bytes: int) -> DecodedInput:
    """Decode a job input as job_inputs stores it (zlib-compressed)."""
    if content_type == JSON_FAILURES:
        return _decode_json_failures(zlib.decompress(stored))
    if content_type == JUNIT_XML:
        return _decode_junit(StoredXml(stored), max_output_bytes=max_output_bytes)
    raise InvalidInput(f"unsupported stored input type {content_type!r}")


def _decode_json_failures(payload: bytes) -> DecodedInput:
    items = [TestFailure.model_validate(item) for item in json.loads(payload)]
    failures = [
        FailureInput(
            test_name=item.test_name,
            error_message=item.error_message,
            stack_trace=item.stack_trace,
        )
        for item in items
    ]
    # A JSON list only names failures: the totals we know are the failures.
    return DecodedInput(failures, [RunTotals(total=len(failures), failed=len(failures))])


def _decode_junit(xml: StoredXml, *, max_output_bytes: int) -> DecodedInput:
    from verdict.junit import parse_report

    # Streamed from the compressed bytes: they are the UTF-8 encoding of the `raw_xml`
    # text, so the prolog's declared encoding is stale.
    report = parse_report(xml.open(), max_output_bytes=max_output_bytes, encoding="utf-8")
    failures = [
        FailureInput(
            test_name=case.test_name,
            error_message=case.message,
            stack_trace=case.stack_trace,
            error_type=case.error_type,
            classname=case.classname,
            name=case.name,
        )
        for case in report.failures
    ]
    totals = RunTotals(
        total=report.tests,
        passed=report.passed,
        failed=report.failed + report.errors,
        skipped=report.skipped,
        flaky=report.flaky_count,
    )
    flaky = [("", 0, case.test_name) for case in report.flaky]
    return DecodedInput(failures, [totals], flaky, xml=xml)

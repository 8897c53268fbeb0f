"""Decode a stored job input into FailureInputs (and run totals where the input has them)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from verdict.analysis.model import FailureInput
from verdict.contracts.requests import TestFailure
from verdict.errors import InvalidInput
from verdict.storage.analyses import RunTotals

JSON_FAILURES = "application/vnd.verdict.failures+json"
JUNIT_XML = "application/xml"


@dataclass
class DecodedInput:
    failures: list[FailureInput]
    totals: list[RunTotals] = field(default_factory=list)
    flaky_tests: list[tuple[str, int, str]] = field(default_factory=list)
    xml: bytes | None = None  # the report as stored: UTF-8, whatever its prolog claims


def encode_failures(failures: list[TestFailure]) -> bytes:
    return json.dumps([f.model_dump(mode="json") for f in failures]).encode("utf-8")


def decode_input(content_type: str, payload: bytes, *, max_output_bytes: int) -> DecodedInput:
    if content_type == JSON_FAILURES:
        return _decode_json_failures(payload)
    if content_type == JUNIT_XML:
        return _decode_junit(payload, max_output_bytes=max_output_bytes)
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


def _decode_junit(payload: bytes, *, max_output_bytes: int) -> DecodedInput:
    from verdict.junit import parse_report

    # Parse the stored bytes directly (no decoded twin of a 50 MB report): they are the
    # UTF-8 encoding of the `raw_xml` text, so the prolog's declared encoding is stale.
    report = parse_report(payload, max_output_bytes=max_output_bytes, encoding="utf-8")
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
    return DecodedInput(failures, [totals], flaky, xml=payload)

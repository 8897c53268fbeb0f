"""parse_report: one streaming pass from a JUnit document to its failures.

Reruns and repeated testcases
-----------------------------
Producers record reruns in two ways, and both mean the same thing:

* Surefire puts the attempts inside one testcase: ``<flakyFailure>``/``<flakyError>``
  children on a testcase without ``<failure>`` mean "failed, then passed on a rerun"
  (outcome "flaky", not a failure); ``<rerunFailure>``/``<rerunError>`` beside a
  ``<failure>`` mean "failed the reruns too" (a failure; the reruns become
  ``extra_failures``).
* pytest-rerunfailures, @web/test-runner and others repeat the testcase element.
  Within one ``<testsuite>`` element, a testcase whose (classname, name) already
  failed earlier in that suite is another attempt of the same test:

  - a later attempt that passes (or is Surefire-flaky) turns the test flaky: it leaves
    ``failures`` and joins ``flaky`` with the failed attempts as its details;
  - a later attempt that fails again keeps one failure (first attempt's place and
    primary message) and appends that attempt to ``extra_failures``;
  - a later skipped attempt changes nothing.

  The test is counted once. The same identity in *different* suites is never merged:
  that is usually one test run in several environments (browsers, platforms), where a
  pass in one does not excuse a failure in another.

Identity is exact (classname, name); ``class`` stands in when ``classname`` is
absent (PHPUnit 3). Counts come from testcases; a passing testcase that a report
repeats without an earlier failure is counted each time (tracking every passing
identity would make memory grow with the report, not with its failures).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from verdict.junit.errors import JUnitError
from verdict.junit.model import CaseResult, FailureDetail, JUnitReport, SuiteResult
from verdict.junit.source import BinaryStream, iter_events
from verdict.junit.values import bound_text, first_line, parse_time

# Attribute values this module reads are refused above this size: no test name or
# message needs a megabyte, and a hostile one should not reach the analyzer.
MAX_ATTRIBUTE_CHARS = 1 << 20

FAILED_TAGS = frozenset({"failure", "error"})
FLAKY_TAGS = frozenset({"flakyFailure", "flakyError"})
RERUN_TAGS = frozenset({"rerunFailure", "rerunError"})

_OUTSIDE_ANY_SUITE = -2  # depth of the pseudo-suite holding stray testcases


def parse_report(
    data: bytes | str | BinaryStream,
    *,
    max_output_bytes: int = 65536,
    max_depth: int = 256,
    encoding: str | None = None,
) -> JUnitReport:
    """Parse a JUnit XML report into its failures, flaky tests and counts.

    `data` as str is already decoded (its declared encoding is ignored); as bytes its
    BOM or declared encoding is honoured. Memory grows with the failures, not with
    the document: every element is cleared as soon as it has been read.
    `encoding` overrides the encoding bytes declare (see source.iter_events).
    """
    builder = _ReportBuilder(max_output_bytes)
    depth = 0
    held = 0  # depth of the element being read whole (a testcase or suite child)
    for event, element in iter_events(
        data, ("start", "end"), max_depth=max_depth, encoding=encoding
    ):
        if event == "start":
            depth += 1
            if held:
                continue
            tag = element.tag
            if tag == "testcase":
                held = depth
            elif tag == "testsuite":
                builder.open_suite(element, depth)
            elif depth == builder.suite.depth + 1:
                held = depth
            continue
        if held:
            if depth != held:
                depth -= 1
                continue
            held = 0
            if element.tag == "testcase":
                builder.add_case(element)
            else:
                builder.add_suite_child(element)
        elif element.tag == "testsuite":
            builder.close_suite()
        depth -= 1
        # Free what has been read: the element's content and its earlier siblings.
        element.clear(keep_tail=False)
        parent = element.getparent()
        if parent is not None:
            while element.getprevious() is not None:
                del parent[0]
    return builder.finish()


@dataclasses.dataclass
class _Suite:
    name: str
    depth: int
    properties: dict[str, str] = dataclasses.field(default_factory=dict)
    system_out: str = ""
    system_err: str = ""
    errors: list[FailureDetail] = dataclasses.field(default_factory=list)
    has_failures: bool = False
    # identity -> key in _ReportBuilder.failed of that test's failed attempt(s)
    attempts: dict[tuple[str, str], int] = dataclasses.field(default_factory=dict)


class _ReportBuilder:
    def __init__(self, max_output_bytes: int) -> None:
        self.limit = max_output_bytes
        self.suite = _Suite(name="", depth=_OUTSIDE_ANY_SUITE)
        self.stack: list[_Suite] = []
        self.saw_junit = False
        # Insertion-ordered, so failures stay in document order when reruns remove some.
        self.failed: dict[int, CaseResult] = {}
        self.next_key = 0
        self.report = JUnitReport()

    # -- suites ---------------------------------------------------------------
    def open_suite(self, element: Any, depth: int) -> None:
        self.saw_junit = True
        self.stack.append(self.suite)
        self.suite = _Suite(name=_attr(element, "name"), depth=depth)

    def close_suite(self) -> None:
        suite = self.suite
        self.suite = self.stack.pop()
        if suite.has_failures or suite.errors:
            self.report.suites.append(
                SuiteResult(
                    name=suite.name,
                    properties=suite.properties,
                    system_out=suite.system_out,
                    system_err=suite.system_err,
                    errors=tuple(suite.errors),
                )
            )

    def add_suite_child(self, element: Any) -> None:
        tag = element.tag
        suite = self.suite
        if tag == "properties":
            suite.properties.update(_properties(element))
        elif tag == "system-out":
            suite.system_out = bound_text(suite.system_out + (element.text or ""), self.limit)
        elif tag == "system-err":
            suite.system_err = bound_text(suite.system_err + (element.text or ""), self.limit)
        elif tag in FAILED_TAGS:
            suite.errors.append(_detail(element, self.limit))

    # -- testcases ------------------------------------------------------------
    def add_case(self, element: Any) -> None:
        self.saw_junit = True
        report = self.report
        if not len(element):  # the common case: passed, nothing to read
            if self.suite.attempts:
                self._passed_again(_identity(element))
            report.passed += 1
            return
        failures: list[Any] = []
        reruns: list[Any] = []
        flaky: list[Any] = []
        skipped = False
        for child in element:
            tag = child.tag
            if tag in FAILED_TAGS:
                failures.append(child)
            elif tag in RERUN_TAGS:
                reruns.append(child)
            elif tag in FLAKY_TAGS:
                flaky.append(child)
            elif tag == "skipped":
                skipped = True
        if failures:
            self._failed_run(element, failures + reruns)
        elif flaky:
            self._flaky_run(element, flaky)
        elif skipped:
            if _identity(element) not in self.suite.attempts:
                report.skipped += 1
        else:
            if self.suite.attempts:
                self._passed_again(_identity(element))
            report.passed += 1

    def _failed_run(self, element: Any, children: list[Any]) -> None:
        suite = self.suite
        suite.has_failures = True
        identity = _identity(element)
        details = [_detail(child, self.limit) for child in children]
        earlier = suite.attempts.get(identity)
        if earlier is not None:
            first = self.failed[earlier]
            self.failed[earlier] = dataclasses.replace(
                first, extra_failures=(*first.extra_failures, *details)
            )
            return
        case = self._case(element, identity, details[0].kind, details)
        key = self.next_key
        self.next_key += 1
        self.failed[key] = case
        suite.attempts[identity] = key
        if case.outcome == "error":
            self.report.errors += 1
        else:
            self.report.failed += 1

    def _flaky_run(self, element: Any, children: list[Any]) -> None:
        self.suite.has_failures = True
        identity = _identity(element)
        details = [_detail(child, self.limit) for child in children]
        if identity in self.suite.attempts:
            self._passed_again(identity, details)
        else:
            self.report.flaky.append(self._case(element, identity, "flaky", details))
            self.report.flaky_count += 1
        self.report.passed += 1

    def _passed_again(
        self, identity: tuple[str, str], details: list[FailureDetail] | None = None
    ) -> None:
        """A failed test passed on a later attempt: move it from failures to flaky."""
        key = self.suite.attempts.pop(identity, None)
        if key is None:
            return
        case = self.failed.pop(key)
        report = self.report
        if case.outcome == "error":
            report.errors -= 1
        else:
            report.failed -= 1
        extra = (*case.extra_failures, *(details or ()))
        report.flaky.append(dataclasses.replace(case, outcome="flaky", extra_failures=extra))
        report.flaky_count += 1

    def _case(
        self,
        element: Any,
        identity: tuple[str, str],
        outcome: str,
        details: list[FailureDetail],
    ) -> CaseResult:
        classname, name = identity
        system_out: list[str] = []
        system_err: list[str] = []
        properties: dict[str, str] = {}
        for child in element:
            tag = child.tag
            if tag == "system-out":
                system_out.append(child.text or "")
            elif tag == "system-err":
                system_err.append(child.text or "")
            elif tag == "properties":
                properties.update(_properties(child))
        primary = details[0]
        return CaseResult(
            classname=classname,
            name=name,
            test_name=f"{classname}.{name}" if classname else name,
            outcome=outcome,  # type: ignore[arg-type]
            message=primary.message,
            error_type=primary.error_type,
            stack_trace=primary.stack_trace,
            system_out=bound_text("".join(system_out), self.limit),
            system_err=bound_text("".join(system_err), self.limit),
            time=parse_time(_attr(element, "time", None)),
            suite=self.suite.name,
            properties=properties,
            extra_failures=tuple(details[1:]),
        )

    def finish(self) -> JUnitReport:
        if not self.saw_junit:
            raise JUnitError(
                "The document holds no <testsuite> or <testcase> element: it is not a "
                "JUnit XML report."
            )
        report = self.report
        report.failures = list(self.failed.values())
        report.tests = report.passed + report.failed + report.errors + report.skipped
        return report


def _identity(element: Any) -> tuple[str, str]:
    classname = _attr(element, "classname", None)
    if classname is None:
        classname = _attr(element, "class")
    return (classname, _attr(element, "name"))


def _attr(element: Any, name: str, default: str | None = "") -> Any:
    value = element.get(name)
    if value is None:
        return default
    if len(value) > MAX_ATTRIBUTE_CHARS:
        raise JUnitError(
            f"The attribute {name!r} at line {element.sourceline} is larger than "
            f"{MAX_ATTRIBUTE_CHARS} characters."
        )
    return value


def _detail(element: Any, limit: int) -> FailureDetail:
    text = element.text or ""
    if not text.strip():
        # Surefire rerun/flaky attempts keep the trace in a <stackTrace> child.
        trace = element.find("stackTrace")
        if trace is not None:
            text = trace.text or ""
    text = text.strip()
    message = _attr(element, "message")
    if not message.strip():
        message = first_line(text)
    return FailureDetail(
        kind=element.tag,
        message=message,
        error_type=_attr(element, "type"),
        stack_trace=bound_text(text, limit),
    )


def _properties(element: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for prop in element:
        if prop.tag != "property":
            continue
        value = _attr(prop, "value", None)
        if value is None:
            value = (prop.text or "").strip()
        found[_attr(prop, "name")] = value
    return found

"""Turn Jenkins testReport JSON into failures (plain, matrix and aggregated reports)."""

from __future__ import annotations

from typing import Any

from verdict.integrations.jenkins.models import TestFailure, TestReport

_CASE = "cases[className,name,status,errorDetails,errorStackTrace,duration]"
_COUNTS = "failCount,skipCount,passCount,totalCount"
# Matrix (MatrixTestResult) and aggregated reports nest full reports in childReports.
TEST_REPORT_TREE = (
    f"{_COUNTS},suites[{_CASE}],childReports[child[url],result[{_COUNTS},suites[{_CASE}]]]"
)

# REGRESSION = failing now, passing last time; ERROR is what some tools emit.
FAILED_STATUSES = frozenset({"FAILED", "REGRESSION", "ERROR"})
_MAX_NESTING = 4


def parse_test_report(data: dict[str, Any]) -> TestReport:
    failures: list[TestFailure] = []
    _collect(data, None, failures, 0)
    fail = _count(data, "failCount")
    skip = _count(data, "skipCount")
    total = _count(data, "totalCount") or fail + skip + _count(data, "passCount")
    return TestReport(tuple(failures), fail_count=fail, skip_count=skip, total_count=total)


def _collect(report: Any, child_url: str | None, out: list[TestFailure], depth: int) -> None:
    if not isinstance(report, dict) or depth > _MAX_NESTING:
        return
    for suite in _list(report.get("suites")):
        for case in _list(suite.get("cases")) if isinstance(suite, dict) else []:
            if isinstance(case, dict) and str(case.get("status", "")).upper() in FAILED_STATUSES:
                out.append(_failure(case, child_url))
    for child in _list(report.get("childReports")):
        if isinstance(child, dict):
            ref = child.get("child")
            url = ref.get("url") if isinstance(ref, dict) else None
            _collect(
                child.get("result"), url if isinstance(url, str) else child_url, out, depth + 1
            )


def _failure(case: dict[str, Any], child_url: str | None) -> TestFailure:
    class_name = str(case.get("className") or "")
    name = str(case.get("name") or "")
    duration = case.get("duration")
    return TestFailure(
        test_name=f"{class_name}.{name}" if class_name else name,
        class_name=class_name,
        name=name,
        error_message=str(case.get("errorDetails") or ""),
        stack_trace=str(case.get("errorStackTrace") or ""),
        duration=float(duration) if isinstance(duration, int | float) else 0.0,
        status=str(case.get("status")).upper(),
        child_url=child_url,
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _count(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    return value if isinstance(value, int) else 0

"""What a parsed report holds: plain frozen values, nothing tied to lxml."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Outcome = Literal["failure", "error", "flaky"]


@dataclass(frozen=True)
class FailureDetail:
    """One <failure>/<error>/<flakyFailure>/<rerunFailure>... child of a testcase."""

    kind: str
    message: str
    error_type: str
    stack_trace: str


@dataclass(frozen=True)
class CaseResult:
    """A testcase that failed, errored, or passed only on a rerun (flaky)."""

    classname: str
    name: str
    test_name: str
    outcome: Outcome
    message: str
    error_type: str
    stack_trace: str
    system_out: str = ""
    system_err: str = ""
    time: float | None = None
    suite: str = ""
    properties: dict[str, str] = field(default_factory=dict)
    # Every further failure of the same test: more <failure> children, Surefire
    # rerun attempts, or earlier attempts of a test the report lists more than once.
    extra_failures: tuple[FailureDetail, ...] = ()

    @property
    def identity(self) -> tuple[str, str]:
        return (self.classname, self.name)


@dataclass(frozen=True)
class SuiteResult:
    """Context of a testsuite that holds a failure: kept only for those suites, so
    memory grows with the failures and not with the number of suites."""

    name: str
    properties: dict[str, str]
    system_out: str
    system_err: str
    # <failure>/<error> placed directly in a <testsuite> (no testcase): a setup or
    # collection failure. Not a failed test, so not in JUnitReport.failures.
    errors: tuple[FailureDetail, ...] = ()


@dataclass
class JUnitReport:
    """Failures and counts of one report. Counts come from the testcases themselves;
    the suites' tests=/failures= attributes are often wrong and are ignored."""

    failures: list[CaseResult] = field(default_factory=list)
    flaky: list[CaseResult] = field(default_factory=list)
    suites: list[SuiteResult] = field(default_factory=list)
    tests: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    flaky_count: int = 0

    @property
    def suite_properties(self) -> dict[str, dict[str, str]]:
        """Properties of each kept suite by suite name (a later same-named suite wins)."""
        return {suite.name: suite.properties for suite in self.suites}

"""JUnit XML: a safe streaming parse and an enrichment writer. Pure functions, no I/O."""

from verdict.junit.enrich import enrich_report, enrich_report_to
from verdict.junit.errors import JUnitError
from verdict.junit.model import CaseResult, FailureDetail, JUnitReport, SuiteResult
from verdict.junit.parse import parse_report

__all__ = [
    "CaseResult",
    "FailureDetail",
    "JUnitError",
    "JUnitReport",
    "SuiteResult",
    "enrich_report",
    "enrich_report_to",
    "parse_report",
]

"""Every real third-party file: failures found equal an independent lxml count."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from tests.libs.junit.conftest import corpus_files
from verdict.junit import JUnitError, enrich_report, parse_report

# Files that must be refused, and why (see corpus/SOURCES.tsv).
REJECTED = {
    "dt_nunit3-NOT-JUNIT.xml": "NUnit 3",
    "jp_xxe-malicious.xml": "DOCTYPE",
    # A template with time="<<computed>>": an unescaped '<' makes it malformed XML.
    "mp_web-test-runner-retries.xml": "line 9, column",
}


def independent_failures(path: Path) -> set[tuple[str, str, str]]:
    """(suite, classname, name) of testcases with a <failure>/<error> child, minus the
    ones a later same-identity testcase of the same suite shows passing (a retry)."""
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    failed: set[tuple[str, str, str]] = set()
    for suite in tree.iter("testsuite"):
        state: dict[tuple[str, str], str] = {}
        for case in suite.findall("testcase"):
            identity = (case.get("classname", case.get("class", "")), case.get("name", ""))
            tags = {child.tag for child in case}
            if tags & {"failure", "error"}:
                state.setdefault(identity, "failed")
            elif identity in state and not tags & {"skipped"}:
                state[identity] = "passed-later"
        failed |= {(suite.get("name", ""), *key) for key, v in state.items() if v == "failed"}
    for case in tree.iter("testcase"):  # testcases outside any suite
        outside = case.getparent() is None or case.getparent().tag != "testsuite"
        if outside and {child.tag for child in case} & {"failure", "error"}:
            failed.add(("", case.get("classname", ""), case.get("name", "")))
    return failed


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_corpus_file(path: Path) -> None:
    data = path.read_bytes()
    if path.name in REJECTED:
        with pytest.raises(JUnitError) as caught:
            parse_report(data)
        assert REJECTED[path.name] in caught.value.detail
        assert caught.value.status == 400
        return
    report = parse_report(data)
    found = {(case.suite, case.classname, case.name) for case in report.failures}
    assert found == independent_failures(path)
    assert len(found) == len(report.failures)
    assert report.tests == report.passed + report.failed + report.errors + report.skipped

    analyses = {
        case.identity: {"test_name": case.test_name, "analysis": {"classification": "CODE ISSUE"}}
        for case in report.failures
    }
    enriched = enrich_report(data, analyses, report_url="https://verdict/r/1")
    again = parse_report(enriched)
    assert [(c.identity, c.message, c.error_type) for c in again.failures] == [
        (c.identity, c.message, c.error_type) for c in report.failures
    ]
    assert (again.tests, again.skipped, again.flaky_count) == (
        report.tests,
        report.skipped,
        report.flaky_count,
    )
    assert enrich_report(enriched, analyses, report_url="https://verdict/r/1") == enriched

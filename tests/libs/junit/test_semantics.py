"""Reruns, outputs, times, encodings, enrichment details."""

# XML fixtures read best on one line each.
# ruff: noqa: E501

from __future__ import annotations

from pathlib import Path

import pytest

from verdict.junit import JUnitError, enrich_report, parse_report


def test_surefire_flaky_failure_is_flaky_not_failed(corpus: Path) -> None:
    report = parse_report((corpus / "jp_surefire-flakyFailure.xml").read_bytes())
    assert report.failures == []
    assert [case.outcome for case in report.flaky] == ["flaky"]
    assert report.flaky[0].message == "obvious fail"
    assert report.flaky[0].extra_failures[0].message == "try one more time maybe"
    assert report.flaky_count == 1


def test_surefire_rerun_failure_stays_failed(corpus: Path) -> None:
    report = parse_report((corpus / "jp_surefire-rerunFailure.xml").read_bytes())
    (case,) = report.failures
    assert case.outcome == "failure"
    assert {extra.kind for extra in case.extra_failures} <= {"rerunFailure", "rerunError"}
    assert case.extra_failures


def test_repeated_testcase_failed_then_passed_is_flaky(corpus: Path) -> None:
    report = parse_report((corpus / "mp_flaky-repeated-testcases.xml").read_bytes())
    assert report.failures == []
    (flaky,) = report.flaky
    assert flaky.identity == ("test_foo.TestFoo", "test_foo")
    assert flaky.message == "it failed"
    assert [extra.message for extra in flaky.extra_failures] == ["it broke"]
    assert (report.tests, report.passed, report.flaky_count) == (3, 3, 1)


def test_retry_in_another_suite_does_not_excuse_a_failure() -> None:
    xml = """<testsuites>
      <testsuite name="chrome"><testcase classname="c" name="t"><failure message="m"/></testcase></testsuite>
      <testsuite name="firefox"><testcase classname="c" name="t"/></testsuite>
    </testsuites>"""
    report = parse_report(xml)
    assert [(case.suite, case.identity) for case in report.failures] == [("chrome", ("c", "t"))]


def test_repeated_failures_collapse_into_one() -> None:
    xml = """<testsuite name="s">
      <testcase classname="c" name="t"><failure message="one"/></testcase>
      <testcase classname="c" name="t"><error message="two"/></testcase>
    </testsuite>"""
    report = parse_report(xml)
    (case,) = report.failures
    assert (case.message, [e.message for e in case.extra_failures]) == ("one", ["two"])
    assert (report.tests, report.failed, report.errors) == (1, 1, 0)


def test_case_fields_outputs_and_properties() -> None:
    xml = """<testsuites><testsuite name="outer"><testsuite name="inner">
      <properties><property name="env" value="ci"/></properties>
      <testcase classname="a.b" name="t[x/y.z]" time="1,234.5">
        <properties><property name="owner">team</property></properties>
        <failure type="E"><![CDATA[
first line
  at frame]]></failure>
        <system-out>out</system-out><system-err>err</system-err>
      </testcase>
      <system-out>suite out</system-out>
    </testsuite></testsuite></testsuites>"""
    report = parse_report(xml)
    (case,) = report.failures
    assert case.test_name == "a.b.t[x/y.z]"
    assert (case.message, case.error_type, case.stack_trace) == (
        "first line",
        "E",
        "first line\n  at frame",
    )
    assert (case.system_out, case.system_err, case.time) == ("out", "err", 1234.5)
    assert (case.suite, case.properties) == ("inner", {"owner": "team"})
    assert report.suite_properties == {"inner": {"env": "ci"}}
    assert report.suites[0].system_out == "suite out"


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("1.7e-05", 1.7e-05), ("2,503.1", 2503.1), ("1,5", 1.5), (None, None), ("x", None)],
)
def test_time_values(raw: str | None, seconds: float | None) -> None:
    attr = "" if raw is None else f' time="{raw}"'
    report = parse_report(f'<testsuite><testcase name="t"{attr}><error/></testcase></testsuite>')
    assert report.failures[0].time == seconds


def test_output_is_bounded_with_a_marker() -> None:
    xml = f'<testsuite><testcase name="t"><failure/><system-out>{"x" * 5000}</system-out></testcase></testsuite>'
    case = parse_report(xml, max_output_bytes=1000).failures[0]
    assert case.system_out == "x" * 1000 + "\n[... truncated 4000 bytes ...]"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "iso-8859-1", "cp1252"])
def test_bytes_honour_the_declared_encoding(encoding: str) -> None:
    declared = encoding.replace("-sig", "")
    xml = f'<?xml version="1.0" encoding="{declared}"?><testsuite><testcase classname="é" name="ü"><failure message="ß"/></testcase></testsuite>'
    case = parse_report(xml.encode(encoding)).failures[0]
    assert (case.classname, case.name, case.message) == ("é", "ü", "ß")


def test_text_ignores_the_declared_encoding() -> None:
    xml = '\ufeff<?xml version="1.0" encoding="UTF-16"?><testsuite><testcase name="€"><failure/></testcase></testsuite>'
    assert parse_report(xml).failures[0].name == "€"


def test_enrich_adds_properties_summary_and_report_url() -> None:
    xml = """<testsuite name="s"><testcase classname="a.b" name="c.d"><failure message="m">trace</failure><system-out>mine</system-out></testcase><testcase classname="a" name="b.c.d"><failure message="n"/></testcase></testsuite>"""
    analysis = {
        "test_name": "a.b.c.d",
        "error": "m",
        "analysis": {
            "classification": "PRODUCT BUG",
            "details": "why",
            "affected_tests": ["x", "y"],
            "code_fix": False,
            "product_bug_report": {
                "title": "T",
                "severity": "high",
                "component": "api",
                "description": "D",
                "jira_matches": [
                    {
                        "key": "J-1",
                        "summary": "S",
                        "status": "Open",
                        "url": "u",
                        "priority": "P",
                        "score": 0.5,
                    }
                ],
            },
        },
    }
    once = enrich_report(xml, {("a.b", "c.d"): analysis}, report_url="https://v/r/1")
    twice = enrich_report(once, {("a.b", "c.d"): analysis}, report_url="https://v/r/1")
    assert once == twice
    assert once.count('name="ai_classification" value="PRODUCT BUG"') == 1  # not on ("a","b.c.d")
    for expected in (
        'name="ai_affected_tests" value="x, y"',
        'name="ai_jira_match_1_key" value="J-1"',
        'name="ai_jira_match_1_score" value="0.5"',
        'name="report_url" value="https://v/r/1"',
    ):
        assert expected in once
    assert "ai_code_fix_file" not in once
    case = parse_report(once).failures[0]
    assert case.system_out.startswith("mine\n\n--- AI Analysis ---\nClassification: PRODUCT BUG")
    assert case.system_out.count("--- AI Analysis ---") == 1


def test_enrich_keeps_everything_else() -> None:
    xml = """<?xml version="1.0"?>
<!-- head -->
<testsuites xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" a="1">
  <testsuite name="s" xsi:x="y"><!-- c --><?pi data?>
    <testcase name="p" odd="&lt;&amp;"/>
    <testcase name="f"><failure><![CDATA[a < b]]></failure></testcase>
  </testsuite>
</testsuites>"""
    out = enrich_report(xml, {})
    for kept in (
        "<!-- c -->",
        "<?pi data?>",
        'odd="&lt;&amp;"',
        "<![CDATA[a < b]]>",
        'xsi:x="y"',
        'a="1"',
    ):
        assert kept in out
    assert out.count("xmlns:xsi") == 1


def test_parse_rejects_what_is_not_junit() -> None:
    with pytest.raises(JUnitError, match="not a JUnit"):
        parse_report("<html><body/></html>")

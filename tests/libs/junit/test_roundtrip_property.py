"""Property: parse -> enrich -> parse keeps every failure, for random reports."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from hypothesis import given, settings
from hypothesis import strategies as st

from verdict.junit import enrich_report, parse_report

# XML-legal text with the characters names really hold: dots, brackets, slashes, unicode.
_chars = st.characters(
    blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff\ufffe\uffff"
) | st.sampled_from(list("./[]\\<>&\"' é€漢"))
names = st.text(_chars, max_size=12)
outcomes = st.sampled_from(["pass", "failure", "error", "skipped"])
cases = st.lists(st.tuples(names, names, outcomes, names), max_size=6)
suites = st.recursive(
    st.builds(lambda c: ("suite", c, []), cases),
    lambda inner: st.builds(lambda c, kids: ("suite", c, kids), cases, st.lists(inner, max_size=3)),
    max_leaves=6,
)


def render(suite: tuple[str, list[tuple[str, str, str, str]], list[object]], index: int = 0) -> str:
    _, suite_cases, children = suite
    body = []
    for classname, name, outcome, message in suite_cases:
        attrs = f"classname={quoteattr(classname)} name={quoteattr(name)}"
        if outcome == "pass":
            body.append(f"<testcase {attrs}/>")
        else:
            body.append(f"<testcase {attrs}><{outcome} message={quoteattr(message)}/></testcase>")
    body.extend(render(child, index + 1 + i) for i, child in enumerate(children))  # type: ignore[arg-type]
    return f'<testsuite name="s{index}">' + "".join(body) + "</testsuite>"


@settings(max_examples=60, deadline=None)
@given(suites, st.sampled_from(["utf-8", "utf-16", "str"]))
def test_parse_enrich_parse_is_stable(tree: object, encoding: str) -> None:
    xml = "<testsuites>" + render(tree) + "</testsuites>"  # type: ignore[arg-type]
    data: bytes | str = xml
    if encoding != "str":
        data = f'<?xml version="1.0" encoding="{encoding}"?>{xml}'.encode(encoding)
    report = parse_report(data)
    analyses = {
        case.identity: {"analysis": {"classification": "CODE ISSUE", "details": case.name}}
        for case in report.failures
    }
    enriched = enrich_report(data, analyses, report_url="https://v/r?a=1&b=2")
    again = parse_report(enriched)
    key = [(c.suite, c.identity, c.outcome, c.message, c.error_type) for c in report.failures]
    assert key == [
        (c.suite, c.identity, c.outcome, c.message, c.error_type) for c in again.failures
    ]
    assert [c.identity for c in again.flaky] == [c.identity for c in report.flaky]
    assert (again.tests, again.passed, again.skipped) == (
        report.tests,
        report.passed,
        report.skipped,
    )
    assert enrich_report(enriched, analyses, report_url="https://v/r?a=1&b=2") == enriched

"""PRODUCT BUGs inside child jobs are searched and get their matches too."""

from __future__ import annotations

from verdict.analysis.jira_enrich import _apply, _bug_groups, all_failures, has_product_bugs


def failure(test: str, sig: str, classification: str = "PRODUCT BUG") -> dict:
    report = {"title": "Login answers 500", "jira_search_keywords": ["login", "500"]}
    return {
        "test_name": test,
        "error": "HTTP 500",
        "error_signature": sig,
        "analysis": {
            "classification": classification,
            "product_bug_report": report if classification == "PRODUCT BUG" else False,
        },
    }


RESULT = {
    "failures": [failure("top.a", "s1", "CODE ISSUE")],
    "child_job_analyses": [
        {
            "failures": [failure("child.b", "s2")],
            "failed_children": [{"failures": [failure("grandchild.c", "s2")]}],
        }
    ],
}


def test_child_failures_are_walked_and_patched() -> None:
    assert [f["test_name"] for f in all_failures(RESULT)] == ["top.a", "child.b", "grandchild.c"]
    assert has_product_bugs(RESULT)
    groups = _bug_groups(RESULT)
    assert [g.group_id for g in groups] == ["s2"]  # one search for the shared signature
    match = {"key": "PROJ-1", "summary": "", "status": "", "priority": "", "url": "", "score": 1}
    _apply(RESULT, {"s2": [match]})
    nested = RESULT["child_job_analyses"][0]["failed_children"][0]["failures"][0]
    assert nested["analysis"]["product_bug_report"]["jira_matches"] == [match]

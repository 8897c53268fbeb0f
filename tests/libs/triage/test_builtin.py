"""The builtin classifier: precedence, structure fallback, evidence and reports.

Cases here are hand-written (not from the dev corpus) to show the rules generalise.
"""

# ruff: noqa: E501  (realistic log lines are long; wrapping them would hide them)

from __future__ import annotations

import pytest

from verdict.triage.builtin import CODE_ISSUE, INFRASTRUCTURE, PRODUCT_BUG, classify
from verdict.triage.structure import analyze, is_test_path

HANDWRITTEN = [
    # infrastructure
    (
        "INFRASTRUCTURE",
        "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='auth.internal.example', port=443): Max retries exceeded (Caused by NameResolutionError: Failed to resolve 'auth.internal.example')",
        "",
        "",
    ),
    ("INFRASTRUCTURE", "Error: ENOSPC: no space left on device, write", "", ""),
    (
        "INFRASTRUCTURE",
        'Job failed: pod "runner-abc" status is "Failed"',
        "",
        'Warning  Failed  kubelet  Failed to pull image "registry.example/app:1.2": rpc error: ErrImagePull',
    ),
    (
        "INFRASTRUCTURE",
        "[ERROR] Failed to execute goal: Could not transfer artifact com.acme:lib:jar:1.0 from/to nexus (https://nexus.acme.io/repo): Connect timed out",
        "",
        "",
    ),
    ("INFRASTRUCTURE", "script returned exit code 137", "", ""),
    # code issues
    ("CODE ISSUE", "E       fixture 'db_session' not found", "", ""),
    ("CODE ISSUE", "TimeoutError: locator.fill: Timeout 15000ms exceeded.", "", ""),
    (
        "CODE ISSUE",
        "NameError: name 'respones' is not defined",
        "Traceback (most recent call last):\n  File \"/ci/app/tests/api/test_login.py\", line 31, in test_login\n    assert respones.status_code == 200\nNameError: name 'respones' is not defined",
        "",
    ),
    ("CODE ISSUE", "›  1 snapshot failed from 1 test suite.", "", ""),
    ("CODE ISSUE", "AttributeError: 'called_once_with' is not a valid assertion.", "", ""),
    # product bugs
    ("PRODUCT BUG", "AssertionError: assert 500 == 200", "", ""),
    (
        "PRODUCT BUG",
        "==31==ERROR: AddressSanitizer: stack-buffer-overflow on address 0x7ffd1c",
        "",
        "",
    ),
    (
        "PRODUCT BUG",
        "KeyError: 'currency'",
        "Traceback (most recent call last):\n  File \"/ci/app/tests/test_invoice.py\", line 12, in test_total\n    invoice.total()\n  File \"/ci/app/billing/invoice.py\", line 88, in total\n    rate = RATES[self.data['currency']]\nKeyError: 'currency'",
        "",
    ),
    (
        "PRODUCT BUG",
        "panic: runtime error: invalid memory address or nil pointer dereference",
        "goroutine 7 [running]:\ngithub.com/acme/ledger.(*Book).Post(0x0, 0xc0001)\n\t/src/ledger/book.go:120 +0x1d\ngithub.com/acme/ledger.TestPost(0xc000)\n\t/src/ledger/book_test.go:44 +0x55",
        "",
    ),
    ("PRODUCT BUG", "WARNING: ThreadSanitizer: data race (pid=8812)", "", ""),
]


@pytest.mark.parametrize(("label", "message", "stack", "console"), HANDWRITTEN)
def test_handwritten_cases(label: str, message: str, stack: str, console: str) -> None:
    verdict = classify(message, stack, console)
    assert verdict.classification == label, (verdict.rule_id, verdict.details)
    assert verdict.evidence
    assert 0.0 <= verdict.confidence <= 1.0
    assert verdict.rule_id


def test_specific_rule_beats_generic_rule() -> None:
    # Both the registry-5xx rule (0.9) and the product HTTP 500 rule (0.75) match.
    verdict = classify(
        'error https://registry.yarnpkg.com/a/-/a-1.0.0.tgz: Request failed "500 Internal Server Error"'
    )
    assert verdict.classification == INFRASTRUCTURE
    assert verdict.rule_id == "infra.package_registry_5xx"
    assert "registry.yarnpkg.com" in verdict.details and "500" in verdict.details


def test_structure_beats_a_weaker_generic_rule() -> None:
    stack = (
        "goroutine 9 [running]:\ntesting.tRunner.func1.2({0x1, 0x2})\n\t/usr/local/go/src/testing/testing.go:1209 +0x24e\n"
        "github.com/acme/queue.TestDrain.func3(0xc0)\n\t/src/queue/drain_test.go:159 +0x1bd\n"
    )
    verdict = classify("panic: runtime error: index out of range [0] with length 0", stack)
    assert verdict.classification == CODE_ISSUE
    assert verdict.rule_id.startswith("structure.")
    assert verdict.code_fix is not None and verdict.code_fix["file"].endswith("drain_test.go")
    assert verdict.code_fix["line"] == "159"


def test_details_fill_named_groups() -> None:
    verdict = classify(
        "fatal: unable to access 'https://git.acme.io/x.git/': Couldn't resolve host 'git.acme.io'"
    )
    assert "git.acme.io" in verdict.details


def test_structure_test_double_connection_refused_is_code() -> None:
    stack = 'Traceback (most recent call last):\n  File "/ci/tests/test_sync.py", line 40, in _fake_server_handshake\n    sock.connect(addr)\nConnectionRefusedError: [Errno 111] Connection refused'
    verdict = classify("ConnectionRefusedError: [Errno 111] Connection refused", stack)
    assert verdict.classification == CODE_ISSUE


def test_fixture_assertion_is_code_issue() -> None:
    stack = "@pytest.fixture\ndef seeded(db):\n>   assert db.count() == 3\nE   assert 0 == 3"
    assert classify("AssertionError: assert 0 == 3", stack).classification == CODE_ISSUE


def test_assertion_on_product_call_is_a_product_vote() -> None:
    # Structure reads the asserted expression: its vote names the product call. The
    # learned blend weighs that vote (on the corpus, most bare assertions are the
    # test's), so the vote is checked here, not the final class.
    stack = (
        ">       assert pricing.quote(sku='A1', qty=3) == Decimal('29.97')\nE       AssertionError"
    )
    finding = analyze("AssertionError", stack)
    assert finding.category == PRODUCT_BUG
    assert "pricing.quote" in finding.details


def test_unknown_failure_is_low_confidence_with_specific_details() -> None:
    verdict = classify("the widget count looked odd")
    assert "the widget count looked odd" in verdict.details
    # No signal at all: whatever the class, it must ask for a human.
    assert verdict.confidence < 0.6


def test_product_bug_report_shape() -> None:
    stack = '  File "/ci/app/billing/invoice.py", line 88, in total\n    x = 1 / n\nZeroDivisionError: division by zero'
    verdict = classify(
        "ZeroDivisionError: division by zero", stack, test_name="tests/test_invoice.py::test_total"
    )
    report = verdict.product_bug_report
    assert verdict.classification == PRODUCT_BUG and report is not None
    assert set(report) == {
        "title",
        "severity",
        "component",
        "description",
        "evidence",
        "jira_search_keywords",
    }
    assert report["component"] == "billing"
    assert "ZeroDivisionError" in report["jira_search_keywords"]
    assert not any(any(ch.isdigit() for ch in word) for word in report["jira_search_keywords"])


def test_code_fix_from_test_id_when_no_frame() -> None:
    verdict = classify(
        "E       fixture 'mocker' not found", test_name="tests/unit/test_api.py::test_get"
    )
    assert verdict.code_fix == {
        "file": "tests/unit/test_api.py",
        "line": "",
        "change": "Install the plugin providing 'mocker' in the test dependencies, or define it in conftest.py.",
    }


def test_tests_repo_layout_marks_test_code() -> None:
    stack = "Traceback (most recent call last):\n  File \"/qa/suites/checkout/flows.py\", line 9, in place_order\n    cart.add(item)\nAttributeError: 'NoneType' object has no attribute 'add'"
    message = "AttributeError: 'NoneType' object has no attribute 'add'"
    assert classify(message, stack).classification == PRODUCT_BUG
    assert classify(message, stack, tests_repo_layout=["qa/suites"]).classification == CODE_ISSUE


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests/test_api.py", True),
        ("pkg/store/cache_test.go", True),
        ("src/test/java/com/x/OrderServiceTest.java", True),
        ("web/src/__tests__/Cart.tsx", True),
        ("web/src/cart.spec.ts", True),
        ("spec/models/user_spec.rb", True),
        ("app/billing/invoice.py", False),
        ("src/main/java/com/x/OrderService.java", False),
        ("pkg/store/cache.go", False),
    ],
)
def test_test_path_conventions(path: str, expected: bool) -> None:
    assert is_test_path(path) is expected

"""The shipped rule base, RuleSet merging, custom-rule validation and match_text."""

# ruff: noqa: E501  (realistic log lines are long; wrapping them would hide them)

from __future__ import annotations

import re

import pytest

from verdict.errors import ValidationFailed
from verdict.triage.builtin import CLASSIFICATIONS, classify
from verdict.triage.rules import Rule, build_ruleset, load_builtin_rules, match_text

RULES = load_builtin_rules()
EXAMPLES = [(rule, example) for rule in RULES for example in rule.examples]


def _fields(rule: Rule, text: str) -> dict[str, str]:
    target = "message" if rule.target == "any" else rule.target
    return {"message": "", target: text}


def test_rule_base_is_broad() -> None:
    assert len(RULES) >= 60
    assert len({rule.id for rule in RULES}) == len(RULES)
    for category in CLASSIFICATIONS:
        assert sum(rule.category == category for rule in RULES) >= 15, category
    assert all(rule.examples for rule in RULES)
    assert all(rule.source == "builtin" for rule in RULES)


@pytest.mark.parametrize(
    ("rule", "example"), EXAMPLES, ids=[f"{r.id}-{i}" for i, (r, _) in enumerate(EXAMPLES)]
)
def test_every_example_matches_its_rule_and_category(rule: Rule, example: str) -> None:
    fields = _fields(rule, example)
    hits = [m for m in match_text(build_ruleset(), **fields) if m.rule.id == rule.id]
    assert hits, f"{rule.id} does not match its example"
    verdict = classify(**fields)
    assert verdict.classification == rule.category, (verdict.rule_id, verdict.details)
    assert "{" not in hits[0].explanation  # every placeholder was filled


def test_rules_do_not_name_corpus_projects() -> None:
    # Rules describe failure modes; a project or test name in a pattern is a defect.
    banned = re.compile(
        r"scylla|consul|omegaup|cypress-io|zephyr|kubernetes/kubernetes|nghttp|redpanda", re.I
    )
    assert not [rule.id for rule in RULES if banned.search(rule.pattern)]


def test_custom_rule_overrides_builtin_by_id() -> None:
    original = next(r for r in RULES if r.id == "infra.disk_full")
    ruleset = build_ruleset(
        [{**original.model_dump(exclude={"source"}), "category": "CODE ISSUE", "confidence": 0.99}]
    )
    rule = ruleset.get("infra.disk_full")
    assert rule is not None and rule.source == "custom" and rule.category == "CODE ISSUE"
    assert len(ruleset.rules) == len(RULES)
    assert classify("No space left on device", rules=ruleset).classification == "CODE ISSUE"


def test_custom_rule_can_disable_builtin() -> None:
    original = next(r for r in RULES if r.id == "infra.disk_full")
    ruleset = build_ruleset([{**original.model_dump(exclude={"source"}), "enabled": False}])
    assert len(ruleset) == len(RULES) - 1
    assert classify("No space left on device", rules=ruleset).rule_id != "infra.disk_full"


def test_new_custom_rule_is_added_and_fills_groups() -> None:
    ruleset = build_ruleset(
        [
            Rule(
                id="team.flaky_fixture",
                category="CODE ISSUE",
                pattern=r"warehouse fixture (?P<name>\w+) not seeded",
                explanation="Seed data {name} is missing from the warehouse fixture.",
                confidence=0.97,
                source="builtin",  # forced to custom: users cannot ship "builtin" rules
            )
        ]
    )
    verdict = classify("warehouse fixture orders not seeded", rules=ruleset)
    assert verdict.rule_id == "team.flaky_fixture"
    assert verdict.details.startswith("Seed data orders is missing")
    assert ruleset.get("team.flaky_fixture").source == "custom"  # type: ignore[union-attr]


def test_invalid_regex_is_rejected_clearly() -> None:
    with pytest.raises(ValidationFailed) as info:
        build_ruleset(
            [
                {
                    "id": "bad",
                    "category": "INFRASTRUCTURE",
                    "pattern": "(unclosed",
                    "explanation": "x",
                    "confidence": 0.5,
                }
            ]
        )
    assert "not a valid regular expression" in info.value.detail
    assert "bad" in info.value.detail
    assert info.value.extra["errors"][0]["loc"] == "pattern"


def test_unknown_placeholder_is_rejected() -> None:
    with pytest.raises(ValidationFailed, match="no such named group"):
        build_ruleset(
            [
                {
                    "id": "bad",
                    "category": "PRODUCT BUG",
                    "pattern": "boom",
                    "explanation": "{host}",
                    "confidence": 0.5,
                }
            ]
        )


@pytest.mark.parametrize(
    "patch",
    [
        {"category": "MAYBE"},
        {"confidence": 1.5},
        {"target": "everywhere"},
        {"id": ""},
        {"pattern": ""},
    ],
)
def test_invalid_fields_are_rejected(patch: dict[str, object]) -> None:
    base = {
        "id": "x",
        "category": "CODE ISSUE",
        "pattern": "x",
        "explanation": "x",
        "confidence": 0.5,
    }
    with pytest.raises(ValidationFailed):
        build_ruleset([{**base, **patch}])


def test_match_text_reports_target_span_and_line() -> None:
    stack = 'Traceback (most recent call last):\n  File "a.py", line 3, in f\nOSError: [Errno 28] No space left on device'
    matches = {m.rule.id: m for m in match_text(build_ruleset(), "build failed", stack, "")}
    hit = matches["infra.disk_full"]
    assert hit.target == "stack"
    assert stack[hit.start : hit.end] == "No space left on device"
    assert hit.line == "OSError: [Errno 28] No space left on device"


def test_match_text_respects_rule_target() -> None:
    ruleset = build_ruleset(
        [
            {
                "id": "c.only",
                "category": "CODE ISSUE",
                "pattern": "needle",
                "target": "console",
                "explanation": "x",
                "confidence": 0.5,
            }
        ]
    )
    assert not [m for m in match_text(ruleset, "needle", "needle", "") if m.rule.id == "c.only"]
    hits = [m for m in match_text(ruleset, "", "", "hay\nneedle here") if m.rule.id == "c.only"]
    assert hits and (hits[0].target, hits[0].start, hits[0].line) == ("console", 4, "needle here")


@pytest.mark.parametrize(
    ("pattern", "construct"),
    [
        (r"^(?=.*\b429\b).*registry", "lookahead (?=...)"),
        (r"(?<!\[signal )SIGSEGV", "negative lookbehind (?<!...)"),
        (r"(?P<n>\d+) of (?P=n)", "named backreference (?P=name)"),
        (r"(a)\1", "backreference"),
        (r"a*+b", "possessive"),
    ],
)
def test_rules_re2_cannot_run_are_refused_naming_the_construct(
    pattern: str, construct: str
) -> None:
    rule = {
        "id": "team.x",
        "category": "CODE ISSUE",
        "pattern": pattern,
        "explanation": "x",
        "confidence": 0.5,
    }
    with pytest.raises(ValidationFailed) as info:
        build_ruleset([rule])
    assert info.value.status == 422
    assert construct in info.value.detail and "RE2" in info.value.detail


def test_equal_groups_replace_a_backreference() -> None:
    ruleset = build_ruleset()
    same = [m.rule.id for m in ruleset.matches("Total test cases: 12  Failed test cases: 12")]
    differ = [m.rule.id for m in ruleset.matches("Total test cases: 12  Failed test cases: 1")]
    assert "product.all_cases_failed" in same and "product.all_cases_failed" not in differ


def test_group_alias_fills_the_placeholder_from_either_side() -> None:
    ruleset = build_ruleset()
    for text in (
        "npm ERR! 429 Too Many Requests - GET https://registry.npmjs.org/x",
        "GET https://registry.npmjs.org/x: HTTP 429",
    ):
        hit = next(m for m in ruleset.matches(text) if m.rule.id == "infra.package_registry_429")
        assert "registry.npmjs.org" in hit.explanation


def test_set_prefilter_and_one_by_one_agree() -> None:
    ruleset = build_ruleset()
    for rule in RULES:
        for example in rule.examples:
            fields = _fields(rule, example)
            fast = [(m.rule.id, m.target, m.start, m.groups) for m in ruleset.matches(**fields)]
            slow = [
                (m.rule.id, m.target, m.start, m.groups)
                for m in ruleset.matches_one_by_one(**fields)
            ]
            assert fast == slow, rule.id


def test_long_fields_are_bounded_to_head_and_tail() -> None:
    from verdict.triage.rules import MAX_FIELD, bounded

    text = "start\n" + "x" * (3 * MAX_FIELD) + "\nNo space left on device"
    assert len(bounded(text)) <= MAX_FIELD + 1
    assert any(m.rule.id == "infra.disk_full" for m in build_ruleset().matches("", "", text))

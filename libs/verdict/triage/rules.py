"""The rule base: known failure causes as regexes, shipped as data, extendable by users.

A RuleSet is the shipped rules with custom rules merged over them (a custom rule
with a shipped rule's id replaces it, which is also how a team disables one). Regexes
are compiled once when the set is built, never per failure.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from verdict.errors import ValidationFailed

__all__ = [
    "TARGETS",
    "Rule",
    "RuleMatch",
    "RuleSet",
    "build_ruleset",
    "load_builtin_rules",
    "match_text",
    "merge_rules",
    "render_explanation",
]

Category = Literal["CODE ISSUE", "PRODUCT BUG", "INFRASTRUCTURE"]
Target = Literal["message", "stack", "console", "any"]
TARGETS: tuple[str, ...] = ("message", "stack", "console")

# Matching is bounded: a rule sees at most this much of each field. Logs can be
# huge and a user-supplied regex can be slow; the cause is near the head or tail.
MAX_FIELD = 64_000
_BUILTIN_FILE = "builtin_rules.json"


class Rule(BaseModel):
    """One known failure cause."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
    category: Category
    pattern: str = Field(min_length=1, max_length=2000)
    target: Target = "any"
    explanation: str = Field(min_length=1, max_length=1000)
    confidence: float = Field(ge=0.0, le=1.0)
    enabled: bool = True
    source: Literal["builtin", "custom"] = "custom"
    ignore_case: bool = True
    # What to change, for CODE ISSUE rules (becomes code_fix.change); may use groups.
    fix: str = Field(default="", max_length=1000)
    # For PRODUCT BUG rules: how bad the defect is (crash > wrong answer).
    severity: Literal["critical", "high", "medium", "low"] = "medium"
    # Texts the rule must match and classify into its category (tested for every rule).
    examples: tuple[str, ...] = ()

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"pattern is not a valid regular expression: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _placeholders_are_groups(self) -> Rule:
        # A placeholder without a matching named group would render literally;
        # reject it when the rule is written, not when it first fires.
        groups = set(re.compile(self.pattern).groupindex)
        names = {
            name
            for template in (self.explanation, self.fix)
            for _, name, _, _ in string.Formatter().parse(template)
            if name
        }
        unknown = sorted(names - groups)
        if unknown:
            raise ValueError(
                f"explanation uses {{{'}, {'.join(unknown)}}} but the pattern has no such "
                "named group"
            )
        return self

    def compile(self) -> re.Pattern[str]:
        flags = re.MULTILINE | (re.IGNORECASE if self.ignore_case else 0)
        return re.compile(self.pattern, flags)


@dataclass(frozen=True)
class RuleMatch:
    """Where one rule matched: the field, the span inside it and the whole line."""

    rule: Rule
    target: str
    start: int
    end: int
    line: str
    groups: dict[str, str] = field(default_factory=dict)

    @property
    def explanation(self) -> str:
        return render_explanation(self.rule, self.groups)


class RuleSet:
    """Enabled rules with their compiled regexes, in precedence-neutral file order."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        self._compiled = tuple((rule, rule.compile()) for rule in self.rules if rule.enabled)

    def __len__(self) -> int:
        return len(self._compiled)

    def get(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)

    def matches(self, message: str, stack: str = "", console: str = "") -> list[RuleMatch]:
        """The first match of every enabled rule, searching its target field(s)."""
        fields = {"message": message, "stack": stack, "console": console}
        found: list[RuleMatch] = []
        for rule, regex in self._compiled:
            for target in TARGETS if rule.target == "any" else (rule.target,):
                hit = _search(regex, fields[target])
                if hit is not None:
                    found.append(_to_match(rule, target, fields[target], hit))
                    break
        return found


def _search(regex: re.Pattern[str], text: str) -> re.Match[str] | None:
    if not text:
        return None
    return regex.search(text[:MAX_FIELD])


def _to_match(rule: Rule, target: str, text: str, hit: re.Match[str]) -> RuleMatch:
    start, end = hit.span()
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line = text[line_start : line_end if line_end != -1 else len(text)].strip()
    groups = {k: v.strip() for k, v in hit.groupdict().items() if v}
    return RuleMatch(rule, target, start, end, line[:500], groups)


class _Groups(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"  # an optional group that did not take part in the match


def render_explanation(rule: Rule, groups: Mapping[str, str], template: str = "") -> str:
    """Fill the rule's explanation (or another of its templates) with the match's groups."""
    values = _Groups({k: v[:200] for k, v in groups.items()})
    return string.Formatter().vformat(template or rule.explanation, (), values)


@lru_cache(maxsize=1)
def load_builtin_rules() -> list[Rule]:
    """The rules shipped in rules_data/builtin_rules.json (cached; Rules are frozen)."""
    data = (
        resources.files("verdict.triage").joinpath("rules_data", _BUILTIN_FILE).read_text("utf-8")
    )
    return [Rule.model_validate({**raw, "source": "builtin"}) for raw in json.loads(data)["rules"]]


def parse_rule(raw: Rule | Mapping[str, Any]) -> Rule:
    """A custom rule from a model or a mapping; invalid input → ValidationFailed."""
    if isinstance(raw, Rule):
        return raw.model_copy(update={"source": "custom"})
    try:
        return Rule.model_validate({**raw, "source": "custom"})
    except ValidationError as exc:
        errors = [
            {"loc": ".".join(str(part) for part in err["loc"]), "msg": err["msg"]}
            for err in exc.errors(include_url=False)
        ]
        rule_id = raw.get("id", "?")
        summary = "; ".join(f"{e['loc'] or 'rule'}: {e['msg']}" for e in errors)
        raise ValidationFailed(
            f"invalid rule {rule_id!r}: {summary}", extra={"errors": errors}
        ) from exc


def merge_rules(custom: Sequence[Rule | Mapping[str, Any]] = ()) -> list[Rule]:
    """The rules in effect: shipped rules with custom rules merged over them by id (a
    custom rule takes its shipped namesake's place); new ids are appended. The one merge:
    the classifier and the rule listing both use it."""
    merged: dict[str, Rule] = {rule.id: rule for rule in load_builtin_rules()}
    for raw in custom:
        rule = parse_rule(raw)
        merged[rule.id] = rule
    return list(merged.values())


def build_ruleset(custom: Sequence[Rule | Mapping[str, Any]] = ()) -> RuleSet:
    """The merged rules (merge_rules), compiled."""
    return RuleSet(merge_rules(custom))


def match_text(
    ruleset: RuleSet, message: str, stack: str = "", console: str = ""
) -> list[RuleMatch]:
    """Which rules match pasted text, and where (for POST /api/rules/test)."""
    return ruleset.matches(message, stack, console)

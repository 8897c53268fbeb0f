"""The rule base: known failure causes as regexes, shipped as data, extendable by users.

A RuleSet is the shipped rules with custom rules merged over them (a custom rule
with a shipped rule's id replaces it, which is also how a team disables one). Regexes
are compiled once when the set is built, never per failure.

Every pattern, shipped or a team's, runs on RE2 (google-re2): matching time is
linear in the text, so no pattern can stall the analyzer (Python's backtracking
engine took minutes on one shipped rule at 64 KB). RE2 has no lookaround and no
backreferences; a team rule that uses them is refused when it is written (422,
naming the construct). What backreferences did, two fields do instead:
`equal_groups` (the match counts only when those named groups are equal) and
group aliases (`path__2` fills `{path}`, as RE2 allows each name once).
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any, Literal

import re2
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

# Matching is bounded: a rule sees at most this much of each field (its head and
# its tail: the cause is near one end of a log). RE2 keeps even this linear.
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

    # Named groups that must capture the same text for the match to count
    # (what a backreference like (?P=total) said; RE2 has none).
    equal_groups: tuple[str, ...] = ()

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        compile_pattern(value, ignore_case=True)
        return value

    @model_validator(mode="after")
    def _placeholders_are_groups(self) -> Rule:
        # A placeholder without a matching named group would render literally;
        # reject it when the rule is written, not when it first fires.
        groups = {_base_name(name) for name in self.compile().groupindex}
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
        missing = sorted(set(self.equal_groups) - set(self.compile().groupindex))
        if missing:
            raise ValueError(f"equal_groups names {', '.join(missing)}: no such named group")
        return self

    def compile(self) -> Any:
        return _compiled(self.pattern, self.ignore_case)


_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
# RE2's own unsupported-syntax messages, in words a rule author can act on.
_CONSTRUCTS = (
    ("(?=", "lookahead (?=...)"),
    ("(?!", "negative lookahead (?!...)"),
    ("(?<=", "lookbehind (?<=...)"),
    ("(?<!", "negative lookbehind (?<!...)"),
    ("operator: (?P", "named backreference (?P=name)"),
    ("(?>", "atomic group (?>...)"),
    ("(?#", "inline comment (?#...)"),
    ("invalid escape sequence", "backreference or unsupported escape"),
    ("bad repetition operator", "possessive or doubled quantifier"),
    ("invalid repetition size", "repetition count above 1000"),
)


def compile_pattern(pattern: str, *, ignore_case: bool) -> Any:
    """Compile for RE2 (multi-line ^/$); ValueError naming an unsupported construct."""
    flags = "(?mi)" if ignore_case else "(?m)"
    try:
        return re2.compile(flags + pattern, _OPTIONS)
    except re2.error as exc:
        raw = exc.args[0] if exc.args else exc
        detail = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        construct = next((name for key, name in _CONSTRUCTS if key in detail), "")
        if not construct:
            raise ValueError(f"pattern is not a valid regular expression: {detail}") from exc
        raise ValueError(
            f"pattern uses {construct}, which the linear-time matcher (RE2) does not "
            f"support ({detail}); rewrite it without lookaround or backreferences "
            "(equal_groups replaces a backreference)"
        ) from exc


@lru_cache(maxsize=4096)
def _compiled(pattern: str, ignore_case: bool) -> Any:
    # Shared across rule sets (one is built per job): RE2 builds its DFA lazily,
    # and a warm DFA is what makes matching fast.
    return compile_pattern(pattern, ignore_case=ignore_case)


# The set's DFA cache: at RE2's default 8 MB the ~100 shipped patterns evict each
# other's states and every search rebuilds them (~75x slower, measured).
_SET_MAX_MEM = 64 << 20


@lru_cache(maxsize=8)
def _pattern_set(patterns: tuple[str, ...]) -> Any:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = _SET_MAX_MEM
    matcher = re2.Set.SearchSet(options)
    for pattern in patterns:
        matcher.Add(pattern)
    matcher.Compile()
    return matcher


def _base_name(group: str) -> str:
    """`path__2` is an alias of `path` (RE2 allows each group name once)."""
    return group.split("__", 1)[0]


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
    """Enabled rules with their compiled regexes, in precedence-neutral file order.

    All patterns are also compiled into one RE2 set: one linear pass per field says
    which rules can match, and only those run their own regex (for span and groups).
    """

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        self._compiled = tuple((rule, rule.compile()) for rule in self.rules if rule.enabled)

    def __len__(self) -> int:
        return len(self._compiled)

    def get(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)

    @cached_property
    def _set(self) -> Any:
        # Cached by pattern list: jobs with the same team rules share a warm set.
        return _pattern_set(
            tuple(("(?mi)" if r.ignore_case else "(?m)") + r.pattern for r, _ in self._compiled)
        )

    def matches(self, message: str, stack: str = "", console: str = "") -> list[RuleMatch]:
        """The first match of every enabled rule, searching its target field(s)."""
        fields = {"message": bounded(message), "stack": bounded(stack), "console": bounded(console)}
        hits = {
            name: set(self._set.Match(text) or ()) if text else set()
            for name, text in fields.items()
        }
        found: list[RuleMatch] = []
        for index, (rule, regex) in enumerate(self._compiled):
            for target in TARGETS if rule.target == "any" else (rule.target,):
                if index not in hits[target]:
                    continue
                match = _first_match(rule, regex, fields[target], target)
                if match is not None:
                    found.append(match)
                    break
        return found

    def matches_one_by_one(
        self, message: str, stack: str = "", console: str = ""
    ) -> list[RuleMatch]:
        """The same answer without the set prefilter (for the matcher benchmark)."""
        fields = {"message": bounded(message), "stack": bounded(stack), "console": bounded(console)}
        found: list[RuleMatch] = []
        for rule, regex in self._compiled:
            for target in TARGETS if rule.target == "any" else (rule.target,):
                match = (
                    _first_match(rule, regex, fields[target], target) if fields[target] else None
                )
                if match is not None:
                    found.append(match)
                    break
        return found


def bounded(text: str) -> str:
    """At most MAX_FIELD characters: the head and the tail of a longer text."""
    if len(text) <= MAX_FIELD:
        return text
    half = MAX_FIELD // 2
    return text[:half] + "\n" + text[-half:]


def _first_match(rule: Rule, regex: Any, text: str, target: str) -> RuleMatch | None:
    for hit in regex.finditer(text) if rule.equal_groups else [regex.search(text)]:
        if hit is None:
            return None
        values = {hit.group(name) for name in rule.equal_groups}
        if len(values) <= 1:
            return _to_match(rule, target, text, hit)
    return None


def _to_match(rule: Rule, target: str, text: str, hit: Any) -> RuleMatch:
    start, end = hit.span()
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line = text[line_start : line_end if line_end != -1 else len(text)].strip()
    groups: dict[str, str] = {}
    for name, value in hit.groupdict().items():
        if value:
            groups.setdefault(_base_name(name), value.strip())
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

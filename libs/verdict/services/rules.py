"""Team rules for the builtin classifier: list, read, write (admins), and a tester.

The rules in effect are the shipped ones with the team's merged over them by id
(verdict.triage.rules.merge_rules, the same merge the classifier uses): a team rule with a
shipped rule's id overrides, or disables, it.
"""

from __future__ import annotations

from typing import Any

from verdict.contracts.rules import RuleTestRequest
from verdict.errors import Conflict, NotFound
from verdict.services.deps import Deps
from verdict.services.identity import Identity
from verdict.storage import rules as rules_repo
from verdict.triage import builtin
from verdict.triage.rules import (
    Rule,
    build_ruleset,
    load_builtin_rules,
    match_text,
    merge_rules,
    parse_rule,
)


def _public(rule: Rule) -> dict[str, Any]:
    return rule.model_dump(mode="json")


async def team_rules(deps: Deps) -> list[Rule]:
    async with deps.pool.acquire() as conn:
        rows = await rules_repo.list_rules(conn)
    return [parse_rule(rules_repo.as_rule_dict(r)) for r in rows]


async def list_rules(deps: Deps, source: str = "") -> dict[str, Any]:
    """Every rule in effect; `source` ("builtin" or "custom") filters."""
    rules = merge_rules(await team_rules(deps))
    if source:
        rules = [r for r in rules if r.source == source]
    return {"rules": [_public(r) for r in rules], "total": len(rules)}


async def get_rule(deps: Deps, rule_id: str) -> dict[str, Any]:
    async with deps.pool.acquire() as conn:
        row = await rules_repo.get_rule(conn, rule_id)
    if row is not None:
        return _public(parse_rule(rules_repo.as_rule_dict(row)))
    for rule in load_builtin_rules():
        if rule.id == rule_id:
            return _public(rule)
    raise NotFound(f"rule {rule_id!r} not found")


def team_rule(data: dict[str, Any], rule_id: str | None = None) -> Rule:
    """A team rule from a request body (the path's id wins); 422 naming the bad field."""
    if rule_id is not None:
        data["id"] = rule_id
    data["source"] = "custom"
    return parse_rule(data)


async def create_rule(deps: Deps, identity: Identity, rule: Rule) -> dict[str, Any]:
    identity.require_admin()
    async with deps.pool.acquire() as conn:
        if await rules_repo.get_rule(conn, rule.id) is not None:
            raise Conflict(f"rule {rule.id!r} exists; PUT /api/rules/{rule.id} replaces it")
        await rules_repo.save_rule(conn, rule.model_dump(), identity.username)
    return _public(rule)


async def replace_rule(deps: Deps, identity: Identity, rule: Rule) -> tuple[dict[str, Any], bool]:
    """Create or replace a team rule; True when it was created."""
    identity.require_admin()
    async with deps.pool.acquire() as conn:
        row = await rules_repo.save_rule(conn, rule.model_dump(), identity.username)
    return _public(rule), bool(row["inserted"])


async def delete_rule(deps: Deps, identity: Identity, rule_id: str) -> dict[str, str]:
    identity.require_admin()
    async with deps.pool.acquire() as conn:
        if not await rules_repo.remove_rule(conn, rule_id):
            raise NotFound(f"team rule {rule_id!r} not found")
    return {"deleted": rule_id}


async def test_rules(deps: Deps, body: RuleTestRequest) -> dict[str, Any]:
    """Which rules match pasted text, where, and what the builtin classifier concludes."""
    ruleset = build_ruleset(await team_rules(deps))
    matches = match_text(ruleset, body.message, body.stack, body.console)
    verdict = builtin.classify(
        body.message, body.stack, body.console, body.test_name, rules=ruleset
    )
    return {
        "matches": [
            {
                "rule_id": m.rule.id,
                "category": m.rule.category,
                "source": m.rule.source,
                "confidence": m.rule.confidence,
                "target": m.target,
                "start": m.start,
                "end": m.end,
                "line": m.line,
                "groups": m.groups,
                "explanation": m.explanation,
            }
            for m in matches
        ],
        "verdict": {
            "classification": verdict.classification,
            "details": verdict.details,
            "evidence": verdict.evidence,
            "confidence": verdict.confidence,
            "rule_id": verdict.rule_id,
        },
    }

"""Team rules for the builtin classifier: `/api/rules` (writes admin-only) and a tester."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from services.gateway.body import read_json, read_model
from services.gateway.identity import require_admin
from services.gateway.keys import PG
from services.gateway.openapi import documented
from services.gateway.routes.results import int_query
from verdict.errors import Conflict, InvalidJSON, NotFound
from verdict.storage import reuse as reuse_repo
from verdict.storage import rules as rules_repo
from verdict.triage import builtin
from verdict.triage.rules import Rule, build_ruleset, load_builtin_rules, match_text, parse_rule

routes = web.RouteTableDef()


class RuleList(BaseModel):
    rules: list[Rule]
    total: int


class RuleDeleted(BaseModel):
    deleted: str


class RuleMatchOut(BaseModel):
    rule_id: str
    category: str
    source: str
    confidence: float
    target: str
    start: int
    end: int
    line: str
    groups: dict[str, str]
    explanation: str


class RuleVerdict(BaseModel):
    classification: str
    details: str
    evidence: str
    confidence: float
    rule_id: str


class RuleTestResponse(BaseModel):
    matches: list[RuleMatchOut]
    verdict: RuleVerdict


class UsageRow(BaseModel):
    day: str
    provider: str
    model: str
    calls: int
    reuse_hits: int
    input_tokens: int
    output_tokens: int
    cost_usd: float


class UsageResponse(BaseModel):
    days: int
    usage: list[UsageRow]
    totals: dict[str, float]


class UsageQuery(BaseModel):
    days: int = Field(default=30, ge=1, le=366)


class RuleQuery(BaseModel):
    source: str = ""


class RuleTestRequest(BaseModel):
    message: str = Field(default="", max_length=1_000_000)
    stack: str = Field(default="", max_length=1_000_000)
    console: str = Field(default="", max_length=1_000_000)
    test_name: str = ""


def _public(rule: Rule) -> dict[str, Any]:
    return rule.model_dump(mode="json")


async def _custom_rules(request: web.Request) -> list[Rule]:
    async with request.app[PG].acquire() as conn:
        rows = await rules_repo.list_rules(conn)
    return [parse_rule(rules_repo.as_rule_dict(r)) for r in rows]


@routes.get("/api/rules")
@documented(
    query=RuleQuery, responses={200: RuleList}, summary="Every rule in effect", tags=["rules"]
)
async def list_rules(request: web.Request) -> web.Response:
    """Every rule in effect: shipped ones, with team rules merged over them."""
    custom = await _custom_rules(request)
    overridden = {r.id for r in custom}
    shipped = [r for r in load_builtin_rules() if r.id not in overridden]
    source = request.query.get("source", "")
    rules = [*shipped, *custom]
    if source:
        rules = [r for r in rules if r.source == source]
    return web.json_response({"rules": [_public(r) for r in rules], "total": len(rules)})


@routes.get("/api/rules/{rule_id}")
@documented(responses={200: Rule}, summary="One rule", tags=["rules"])
async def get_rule(request: web.Request) -> web.Response:
    rule_id = request.match_info["rule_id"]
    async with request.app[PG].acquire() as conn:
        row = await rules_repo.get_rule(conn, rule_id)
    if row is not None:
        return web.json_response(_public(parse_rule(rules_repo.as_rule_dict(row))))
    for rule in load_builtin_rules():
        if rule.id == rule_id:
            return web.json_response(_public(rule))
    raise NotFound(f"rule {rule_id!r} not found")


async def _read_rule(request: web.Request, rule_id: str | None = None) -> Rule:
    data = await read_json(request)
    if not isinstance(data, dict):
        raise InvalidJSON("the request body must be a JSON object")
    if rule_id is not None:
        data["id"] = rule_id
    data["source"] = "custom"
    return parse_rule(data)  # 422 with the offending field for a bad regex or template


@routes.post("/api/rules")
@documented(request=Rule, responses={201: Rule}, summary="Add a team rule (admin)", tags=["rules"])
async def create_rule(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    rule = await _read_rule(request)
    async with request.app[PG].acquire() as conn:
        if await rules_repo.get_rule(conn, rule.id) is not None:
            raise Conflict(f"rule {rule.id!r} exists; PUT /api/rules/{rule.id} replaces it")
        await rules_repo.save_rule(conn, rule.model_dump(), identity.username)
    return web.json_response(_public(rule), status=201)


@routes.put("/api/rules/{rule_id}")
@documented(
    request=Rule,
    responses={200: Rule, 201: Rule},
    summary="Create or replace a team rule (admin)",
    tags=["rules"],
)
async def replace_rule(request: web.Request) -> web.Response:
    """Create or replace a team rule; a shipped rule's id overrides (or disables) it."""
    identity = await require_admin(request)
    rule = await _read_rule(request, request.match_info["rule_id"])
    async with request.app[PG].acquire() as conn:
        row = await rules_repo.save_rule(conn, rule.model_dump(), identity.username)
    return web.json_response(_public(rule), status=201 if row["inserted"] else 200)


@routes.delete("/api/rules/{rule_id}")
@documented(responses={200: RuleDeleted}, summary="Delete a team rule (admin)", tags=["rules"])
async def delete_rule(request: web.Request) -> web.Response:
    await require_admin(request)
    rule_id = request.match_info["rule_id"]
    async with request.app[PG].acquire() as conn:
        if not await rules_repo.remove_rule(conn, rule_id):
            raise NotFound(f"team rule {rule_id!r} not found")
    return web.json_response({"deleted": rule_id})


@routes.post("/api/rules/test")
@documented(
    request=RuleTestRequest,
    responses={200: RuleTestResponse},
    summary="Which rules match pasted text, and where",
    tags=["rules"],
)
async def test_rules(request: web.Request) -> web.Response:
    """Which rules match pasted text, where, and what the builtin classifier concludes."""
    body = await read_model(request, RuleTestRequest)
    ruleset = build_ruleset(await _custom_rules(request))
    matches = match_text(ruleset, body.message, body.stack, body.console)
    verdict = builtin.classify(
        body.message, body.stack, body.console, body.test_name, rules=ruleset
    )
    return web.json_response(
        {
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
    )


@routes.get("/api/usage")
@documented(
    query=UsageQuery, responses={200: UsageResponse}, summary="AI usage per day", tags=["usage"]
)
async def usage(request: web.Request) -> web.Response:
    """AI calls, tokens, cost and reuse hits per day and provider/model."""
    days = int_query(request, "days", 30, lo=1, hi=366)
    async with request.app[PG].acquire() as conn:
        rows = await reuse_repo.usage_by_day(conn, days)
    items = [
        {
            "day": row["day"].isoformat(),
            "provider": row["provider"],
            "model": row["model"],
            "calls": row["calls"],
            "reuse_hits": row["reuse_hits"],
            "input_tokens": row["input_tokens"],
            "output_tokens": row["output_tokens"],
            "cost_usd": round(row["cost_usd"], 6),
        }
        for row in rows
    ]
    totals = {
        key: sum(i[key] for i in items)
        for key in ("calls", "reuse_hits", "input_tokens", "output_tokens")
    }
    totals["cost_usd"] = round(sum(i["cost_usd"] for i in items), 6)
    return web.json_response({"days": days, "usage": items, "totals": totals})

"""Team rules for the builtin classifier: `/api/rules` (writes admin-only), a tester,
and AI usage (`/api/usage`)."""

from __future__ import annotations

from aiohttp import web

from services.gateway.body import read_model
from services.gateway.identity import require_admin
from services.gateway.keys import deps_of
from services.gateway.openapi import documented
from services.gateway.params import int_query
from services.gateway.routes.auth import read_object
from verdict.contracts.rules import (
    RuleDeleted,
    RuleList,
    RuleQuery,
    RuleTestRequest,
    RuleTestResponse,
    UsageQuery,
    UsageResponse,
)
from verdict.services import rules
from verdict.services import usage as usage_service
from verdict.triage.rules import Rule

routes = web.RouteTableDef()
TAGS = ["rules"]


@routes.get("/api/rules")
@documented(query=RuleQuery, responses={200: RuleList}, summary="Every rule in effect", tags=TAGS)
async def list_rules(request: web.Request) -> web.Response:
    """Every rule in effect: shipped ones, with team rules merged over them."""
    source = request.query.get("source", "")
    return web.json_response(await rules.list_rules(deps_of(request), source))


@routes.get("/api/rules/{rule_id}")
@documented(responses={200: Rule}, summary="One rule", tags=TAGS)
async def get_rule(request: web.Request) -> web.Response:
    return web.json_response(await rules.get_rule(deps_of(request), request.match_info["rule_id"]))


@routes.post("/api/rules")
@documented(request=Rule, responses={201: Rule}, summary="Add a team rule (admin)", tags=TAGS)
async def create_rule(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    rule = rules.team_rule(await read_object(request))
    return web.json_response(await rules.create_rule(deps_of(request), identity, rule), status=201)


@routes.put("/api/rules/{rule_id}")
@documented(
    request=Rule,
    responses={200: Rule, 201: Rule},
    summary="Create or replace a team rule (admin)",
    tags=TAGS,
)
async def replace_rule(request: web.Request) -> web.Response:
    """Create or replace a team rule; a shipped rule's id overrides (or disables) it."""
    identity = await require_admin(request)
    rule = rules.team_rule(await read_object(request), request.match_info["rule_id"])
    saved, created = await rules.replace_rule(deps_of(request), identity, rule)
    return web.json_response(saved, status=201 if created else 200)


@routes.delete("/api/rules/{rule_id}")
@documented(responses={200: RuleDeleted}, summary="Delete a team rule (admin)", tags=TAGS)
async def delete_rule(request: web.Request) -> web.Response:
    identity = await require_admin(request)
    rule_id = request.match_info["rule_id"]
    return web.json_response(await rules.delete_rule(deps_of(request), identity, rule_id))


@routes.post("/api/rules/test")
@documented(
    request=RuleTestRequest,
    responses={200: RuleTestResponse},
    summary="Which rules match pasted text, and where",
    tags=TAGS,
)
async def test_rules(request: web.Request) -> web.Response:
    """Which rules match pasted text, where, and what the builtin classifier concludes."""
    body = await read_model(request, RuleTestRequest)
    return web.json_response(await rules.test_rules(deps_of(request), body))


@routes.get("/api/usage")
@documented(
    query=UsageQuery, responses={200: UsageResponse}, summary="AI usage per day", tags=["usage"]
)
async def usage(request: web.Request) -> web.Response:
    """AI calls, tokens, cost and reuse hits per day and provider/model."""
    days = int_query(request, "days", 30, lo=1, hi=366)
    return web.json_response(await usage_service.usage_by_day(deps_of(request), days))

"""The rules page, `/rules`: the shipped and team rules in effect, and a box that tests
pasted failure text against them (`/ui/rules/test`, which only reads)."""

from __future__ import annotations

from aiohttp import web

from services.gateway.keys import deps_of
from services.gateway.pages import forms
from services.gateway.pages.render import render
from verdict.contracts.rules import RuleTestRequest
from verdict.services import rules

routes = web.RouteTableDef()


@routes.get("/rules")
async def rules_page(request: web.Request) -> web.Response:
    source = request.query.get("source", "")
    found = await rules.list_rules(
        deps_of(request), source if source in ("builtin", "custom") else ""
    )
    return await render(request, "rules.html", {"rules": found["rules"], "source": source})


@routes.post("/ui/rules/test")
async def test_rules(request: web.Request) -> web.Response:
    form = await forms.fields(request)
    body = RuleTestRequest.model_validate(
        {k: form.get(k, "") for k in ("message", "stack", "console", "test_name")}
    )
    found = await rules.test_rules(deps_of(request), body)
    if forms.wants_json(request):
        return web.json_response(found)
    return await render(request, "rules_test.html", {"body": body, "found": found})

"""The web UI: server-rendered pages on the API's own URLs (see negotiate.py), the forms
they post to (`/ui/…`), and their static assets. Each handler parses the request, calls
one service operation (the one its REST twin calls) and renders a template."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Middleware

from services.gateway.keys import SETTINGS
from services.gateway.openapi import documented
from services.gateway.pages import (  # noqa: F401  (importing registers the negotiated pages)
    actions,
    admin,
    csrf,
    dashboard,
    history,
    login,
    negotiate,
    render,
    report,
    rules,
    status,
)

# Outermost first: browsers get error pages; cross-site writes are refused before anything.
OUTER: list[Middleware] = [negotiate.html_errors(render.error_page), csrf.protect]
# Innermost: after authentication, scopes and rate limits, a page instead of the JSON.
INNER: list[Middleware] = [negotiate.dispatch]


def setup(app: web.Application) -> None:
    render.setup(app)
    app[csrf.CSRF_KEY] = csrf.derive_key(app[SETTINGS])
    for table in (status.routes, actions.routes, login.routes, rules.routes, admin.routes):
        for route in table:
            if isinstance(route, web.RouteDef):
                documented(hidden=True)(
                    route.handler
                )  # pages are not the API: not in /openapi.json
        app.add_routes(table)
    static = documented(hidden=True)(render.static_file)
    app.router.add_get("/static/{name}", static, name="static")

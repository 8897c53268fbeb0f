"""Rendering a page: one Jinja environment (autoescape on), the layout's context, and the
headers every page carries (a Content-Security-Policy that allows no inline script)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import aiohttp_jinja2
import jinja2
from aiohttp import web

from services.gateway.identity import current_identity
from services.gateway.keys import SETTINGS
from services.gateway.pages import csrf, formats

WEB = Path(__file__).resolve().parent.parent / "web"
TEMPLATES = WEB / "templates"
STATIC = WEB / "static"
ASSETS = web.AppKey("asset_versions", dict)

# Everything a page uses comes from the gateway itself: no CDN, no inline script, no
# inline style (charts are SVG with presentation attributes), no framing.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
FLASH_COOKIE = "verdict_flash"


def setup(app: web.Application) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # every value is text unless a template says otherwise
        # Stored documents vary (a code fix may or may not carry matches): a missing
        # key renders as nothing rather than failing the page.
        undefined=jinja2.Undefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    formats.install(env)
    # A content hash per asset: URLs change when the file does, so they cache forever.
    app[ASSETS] = {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in STATIC.iterdir()
        if path.is_file()
    }
    env.globals["asset"] = lambda name: f"/static/{name}?v={app[ASSETS].get(name, '0')}"


async def context(request: web.Request) -> dict[str, Any]:
    """What the layout needs on every page: who is calling, the form token, a notice."""
    identity = await current_identity(request)
    settings = request.app[SETTINGS]
    return {
        "identity": identity,
        "csrf_token": csrf.token_for(request),
        "flash": unquote(request.cookies.get(FLASH_COOKIE, ""))[:300],
        "require_auth": settings.require_auth,
        "path_qs": request.path_qs,
        # The header's mention badge: filled by the mentions service (the jji helper's,
        # see notes/jji-facts.md) once it exists; None shows no badge.
        "mentions": None,
    }


async def render(
    request: web.Request, template: str, values: dict[str, Any], *, status: int = 200
) -> web.Response:
    page = {**await context(request), **values}
    response = aiohttp_jinja2.render_template(template, request, page, status=status)
    finish(request, response)
    return response


def finish(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(PAGE_HEADERS)
    csrf.set_cookie_if_new(request, response)
    if FLASH_COOKIE in request.cookies:
        response.del_cookie(FLASH_COOKIE, path="/")


async def static_file(request: web.Request) -> web.StreamResponse:
    """One of the pages' own assets (a fixed list: nothing else is ever served from disk),
    cached for good when asked for with its content hash, as the pages link it."""
    name = request.match_info["name"]
    version = request.app[ASSETS].get(name)
    if version is None:
        raise web.HTTPNotFound()
    fresh = request.query.get("v") == version
    cache = "public, max-age=31536000, immutable" if fresh else "no-cache"
    return web.FileResponse(
        STATIC / name, headers={"Cache-Control": cache, "X-Content-Type-Options": "nosniff"}
    )


def redirect(request: web.Request, location: str, notice: str = "") -> web.Response:
    """303 back to a page after a form's write, with a one-time notice for it."""
    response = web.Response(status=303, headers={"Location": location, **PAGE_HEADERS})
    if notice:
        response.set_cookie(
            FLASH_COOKIE, quote(notice[:300]), path="/", httponly=True, samesite="Strict"
        )
    return response


def error_page(request: web.Request, status: int, detail: str) -> web.Response:
    """The page a browser gets where the API would answer an error (rendered without
    awaiting anything, so it never fails itself)."""
    response = aiohttp_jinja2.render_template(
        "error.html",
        request,
        {
            "status": status,
            "detail": detail,
            "identity": None,
            "csrf_token": "",
            "flash": "",
            "require_auth": False,
            "path_qs": request.path_qs,
            "mentions": None,
        },
        status=status,
    )
    finish(request, response)
    return response

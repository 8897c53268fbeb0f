"""Reading a page's form, and answering it: JSON for the page's fetch(), a redirect for a
plain form (the page then shows a one-time notice)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from services.gateway.pages.render import PAGE_HEADERS, redirect
from verdict.errors import ValidationFailed


async def fields(request: web.Request) -> dict[str, str]:
    form = await request.post()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def text(form: dict[str, str], name: str, default: str = "") -> str:
    return form.get(name, default).strip()


def number(form: dict[str, str], name: str, default: int = 0) -> int:
    raw = form.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed(f"form.{name}: must be an integer") from None


def wants_json(request: web.Request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def answer(
    request: web.Request, data: dict[str, Any], *, location: str, notice: str = ""
) -> web.Response:
    if wants_json(request):
        return web.json_response(data, headers=PAGE_HEADERS)
    return redirect(request, location, notice)


def back_to(request: web.Request, fallback: str) -> str:
    """Where a form came from (a path of ours only), else `fallback`."""
    target = request.query.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return target
    return fallback

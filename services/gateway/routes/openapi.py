"""GET /openapi.json and the interactive docs at /docs, served from local files.

Swagger UI comes from the `swagger-ui-py` package's static files (no CDN: the
machines may be offline). Without that package, /docs serves a small explorer
that renders the same spec.
"""

from __future__ import annotations

import importlib.util
from importlib import metadata
from pathlib import Path

from aiohttp import web

from services.gateway.openapi import build_spec, documented

routes = web.RouteTableDef()

_HERE = Path(__file__).resolve().parent.parent / "docs"
_ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png"}


def _swagger_dir() -> Path | None:
    """The static files of `swagger-ui-py`, found without importing its framework glue."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        return None
    static = Path(next(iter(spec.submodule_search_locations))) / "static"
    return static if (static / "swagger-ui-bundle.js").is_file() else None


def _version() -> str:
    try:
        return metadata.version("verdict")
    except metadata.PackageNotFoundError:
        return "0.1.0"


@routes.get("/openapi.json")
@documented(hidden=True)
async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(build_spec(request.app, version=_version()))


@routes.get("/docs")
@documented(hidden=True)
async def docs(_request: web.Request) -> web.FileResponse:
    page = "index.html" if _swagger_dir() is not None else "explorer.html"
    return web.FileResponse(_HERE / page, headers={"Content-Type": "text/html; charset=utf-8"})


@routes.get("/docs/static/{name}")
@documented(hidden=True)
async def docs_asset(request: web.Request) -> web.FileResponse:
    name = request.match_info["name"]
    static = _swagger_dir()
    if static is None or name not in _ASSETS:
        raise web.HTTPNotFound()
    return web.FileResponse(static / name, headers={"Cache-Control": "public, max-age=86400"})

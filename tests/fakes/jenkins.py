"""A small real Jenkins over HTTP for tests, serving the wire format of the corpus.

    app = make_fake_jenkins({("folder/job", 12): FakeBuild(info=..., console=b"...")})
    server = TestServer(app, host="127.0.0.1", port=0)

Serves `/job/<a>/job/<b>/<n>/api/json` (the stored JSON whatever `tree=` says),
`.../testReport/api/json` (404 without a report), `.../consoleText` (streamed in
chunks), `.../artifact/<path>`; checks Basic auth when a user is set; can keep a
build "building" for N polls and drop the next N connections.
"""

from __future__ import annotations

import base64
import copy
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import web


@dataclass
class FakeBuild:
    info: dict[str, Any]
    test_report: dict[str, Any] | None = None
    console: bytes = b""
    artifacts: dict[str, bytes] = field(default_factory=dict)
    # Answer "building": true, "result": null for this many build-info requests.
    building_polls: int = 0


@dataclass
class FakeJenkinsState:
    builds: dict[tuple[str, int], FakeBuild]
    user: str | None = None
    token: str | None = None
    chunk_size: int = 64 * 1024
    drop_connections: int = 0
    requests: list[str] = field(default_factory=list)
    polls: Counter[tuple[str, int]] = field(default_factory=Counter)


FAKE_JENKINS = web.AppKey("fake_jenkins", FakeJenkinsState)


def make_fake_jenkins(
    builds: Mapping[tuple[str, int], FakeBuild | dict[str, Any]],
    *,
    user: str | None = None,
    token: str | None = None,
    chunk_size: int = 64 * 1024,
    drop_connections: int = 0,
) -> web.Application:
    state = FakeJenkinsState(
        builds={k: v if isinstance(v, FakeBuild) else FakeBuild(info=v) for k, v in builds.items()},
        user=user,
        token=token,
        chunk_size=chunk_size,
        drop_connections=drop_connections,
    )
    app = web.Application(middlewares=[_drop, _auth])
    app[FAKE_JENKINS] = state
    app.router.add_get("/{tail:.*}", _handle)
    return app


@web.middleware
async def _drop(request: web.Request, handler: Any) -> web.StreamResponse:
    state = request.app[FAKE_JENKINS]
    state.requests.append(request.path_qs)
    if state.drop_connections > 0:
        state.drop_connections -= 1
        # Cut the TCP connection without an answer: the client sees a disconnect.
        assert request.transport is not None
        request.transport.abort()
        raise web.HTTPServiceUnavailable()
    result: web.StreamResponse = await handler(request)
    return result


@web.middleware
async def _auth(request: web.Request, handler: Any) -> web.StreamResponse:
    state = request.app[FAKE_JENKINS]
    if state.user is not None:
        expected = base64.b64encode(f"{state.user}:{state.token}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            raise web.HTTPUnauthorized(headers={"WWW-Authenticate": 'Basic realm="Jenkins"'})
    result: web.StreamResponse = await handler(request)
    return result


def _split(path: str) -> tuple[str, int, list[str]] | None:
    """`/job/a/job/b/nodes=x/12/rest` → ("a/b/nodes=x", 12, ["rest"])."""
    segments = [unquote(s) for s in path.split("/") if s]
    names: list[str] = []
    i = 0
    while i < len(segments):
        if segments[i] == "job" and i + 1 < len(segments):
            names.append(segments[i + 1])
            i += 2
        elif names and "=" in segments[i]:
            names.append(segments[i])
            i += 1
        else:
            break
    if not names or i >= len(segments) or not segments[i].isdigit():
        return None
    return "/".join(names), int(segments[i]), segments[i + 1 :]


async def _handle(request: web.Request) -> web.StreamResponse:
    state = request.app[FAKE_JENKINS]
    parsed = _split(request.raw_path.split("?", 1)[0])
    build = state.builds.get(parsed[:2]) if parsed else None
    if parsed is None or build is None:
        raise web.HTTPNotFound(text="Not Found")
    key, rest = parsed[:2], parsed[2]
    if rest == ["api", "json"]:
        state.polls[key] += 1
        info = copy.deepcopy(build.info)
        if state.polls[key] <= build.building_polls:
            info.update(building=True, result=None)
        if build.artifacts and "artifacts" not in info:
            info["artifacts"] = [
                {
                    "displayPath": p.rsplit("/", 1)[-1],
                    "fileName": p.rsplit("/", 1)[-1],
                    "relativePath": p,
                }
                for p in build.artifacts
            ]
        return web.json_response(info)
    if rest == ["testReport", "api", "json"]:
        if build.test_report is None:
            raise web.HTTPNotFound(text="Not Found")
        return web.json_response(build.test_report)
    if rest == ["consoleText"]:
        return await _stream(request, build.console, state.chunk_size, "text/plain")
    if rest[:1] == ["artifact"] and "/".join(rest[1:]) in build.artifacts:
        data = build.artifacts["/".join(rest[1:])]
        return await _stream(request, data, state.chunk_size, "application/octet-stream")
    raise web.HTTPNotFound(text="Not Found")


async def _stream(
    request: web.Request, data: bytes, chunk_size: int, content_type: str
) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": content_type})
    await resp.prepare(request)
    view = memoryview(data)
    for start in range(0, len(data), chunk_size):
        await resp.write(bytes(view[start : start + chunk_size]))
    await resp.write_eof()
    return resp

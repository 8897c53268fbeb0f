"""How the client sends a report, by what the server advertises; and what it imports.

The raw-XML upload is the client's side of a later server change: a server that
advertises `"uploads": {"raw_xml": true}` in GET /api/capabilities takes the report
itself as the body, the run identity as query parameters. The fake below speaks that
designed wire format (and today's for the rest: 202 + job id, SSE, the result).
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from urllib.parse import parse_qs, urlsplit

from aiohttp import web

from tests.conftest import ROOT
from tests.services.client.support import REPORT, run_verdict

JOB = str(uuid.uuid4())


def fake_verdict(capabilities: dict, refuse_raw: bool = False) -> tuple[web.Application, list]:
    seen: list[tuple[str, dict, bytes]] = []

    async def caps(_request: web.Request) -> web.Response:
        return web.json_response(capabilities)

    async def submit(request: web.Request) -> web.Response:
        raw = await request.read()  # aiohttp has undone Content-Encoding: gzip
        seen.append((request.path_qs, dict(request.headers), raw))
        if refuse_raw and request.content_type == "application/xml":
            return web.json_response({"detail": "unsupported"}, status=415)
        return web.json_response(
            {"status": "queued", "job_id": JOB, "result_url": f"/results/{JOB}"}, status=202
        )

    async def progress(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(b'id: 1-0\nevent: done\ndata: {"status": "completed"}\n\n')
        await response.write_eof()
        return response

    async def result(_request: web.Request) -> web.Response:
        failure = {
            "test_name": "t.a",
            "error": "boom",
            "error_signature": "s",
            "analysis": {"classification": "PRODUCT BUG"},
        }
        return web.json_response(
            {
                "job_id": JOB,
                "status": "completed",
                "result_url": f"/results/{JOB}",
                "result": {"job_id": JOB, "status": "completed", "failures": [failure]},
            }
        )

    app = web.Application()
    app.router.add_get("/api/capabilities", caps)
    app.router.add_post("/analyze-failures", submit)
    app.router.add_get("/results/{id}/progress", progress)
    app.router.add_get("/results/{id}", result)
    return app, seen


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def test_raw_xml_upload_when_the_server_advertises_it(tmp_path):
    app, seen = fake_verdict({"uploads": {"raw_xml": True, "content_encodings": ["gzip"]}})
    runner, url = await serve(app)
    try:
        (tmp_path / "r.xml").write_text(REPORT)
        done = await run_verdict(
            "r.xml",
            "--server",
            url,
            "--job-name",
            "shop-e2e",
            "--build",
            "4",
            "--label",
            "a=b",
            "--fail-on",
            "product-bug",
            cwd=tmp_path,
        )
    finally:
        await runner.cleanup()
    assert done.code == 1, done.stderr
    [(path_qs, headers, raw)] = seen
    assert (headers["Content-Type"], headers["Content-Encoding"]) == ("application/xml", "gzip")
    assert raw.decode() == REPORT[REPORT.index("<testsuite") :]
    query = parse_qs(urlsplit(path_qs).query)
    assert query == {
        "wait": ["false"],
        "job_name": ["shop-e2e"],
        "build_number": ["4"],
        "labels": [json.dumps({"a": "b"})],
    }


async def test_a_415_falls_back_to_json(tmp_path):
    app, seen = fake_verdict({"uploads": {"raw_xml": True}}, refuse_raw=True)
    runner, url = await serve(app)
    try:
        (tmp_path / "r.xml").write_text(REPORT)
        done = await run_verdict("r.xml", "--server", url, cwd=tmp_path)
    finally:
        await runner.cleanup()
    assert done.code == 0, done.stderr
    assert [h["Content-Type"] for _p, h, _r in seen] == ["application/xml", "application/json"]
    assert "sending again" in done.stderr
    assert json.loads(seen[1][2])["raw_xml"].startswith("<testsuite")


async def test_gzip_is_not_sent_to_a_server_that_lists_other_encodings(tmp_path):
    app, seen = fake_verdict({"uploads": {"content_encodings": []}})
    runner, url = await serve(app)
    try:
        (tmp_path / "r.xml").write_text(REPORT)
        assert (await run_verdict("r.xml", "--server", url, "-q", cwd=tmp_path)).code == 0
    finally:
        await runner.cleanup()
    [(_path, headers, raw)] = seen
    assert "Content-Encoding" not in headers and json.loads(raw)["raw_xml"].startswith("<testsuite")


def test_start_up_imports_no_server_code():
    probe = (
        "import json, sys\n"
        "from services.cli import main\n"
        "try:\n    main(['analyze', '--help'])\nexcept SystemExit:\n    pass\n"
        "help_modules = set(sys.modules)\n"
        "import verdict.client.analyze, verdict.client.transport\n"
        "print(json.dumps([sorted(help_modules), sorted(sys.modules)]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout.splitlines()
    at_help, at_run = json.loads(out[-1])
    server = (
        "aiohttp",
        "asyncpg",
        "arq",
        "redis",
        "pydantic",
        "structlog",
        "lxml",
        "asyncio",
        "verdict.settings",
        "verdict.storage",
        "services.gateway",
    )
    for modules in (at_help, at_run):
        assert not [m for m in modules if m.split(".")[0] in server or m.startswith(server)]
    assert "urllib.request" not in at_help  # --help does not even load the HTTP client

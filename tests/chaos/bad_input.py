"""The hostile inputs of issue 19: each must be a 4xx in the one error shape, never a 5xx
or a reset connection. One request each against a private stack."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import secrets
import time
import zlib
from dataclasses import dataclass, field

import aiohttp

from tests.chaos.stack import ADMIN_KEY, Stack

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
ERROR_FIELDS = {"error", "error_code", "detail", "request_id"}
LONG_NAME_WAIT_S = 200.0


def _cursor(at: str, ident: object) -> str:
    raw = json.dumps([at, ident]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


CURSORS = {
    "huge id": _cursor("2024-01-01T00:00:00+00:00", 10**30),
    "non-uuid id": _cursor("2024-01-01T00:00:00+00:00", "not-a-uuid"),
    "extreme timestamp": _cursor("0001-01-01T00:00:00+14:00", 1),
}
NESTED = ('{"failures": ' + "[" * 1000 + "]" * 1000 + "}").encode()
BODY = json.dumps({"failures": [{"test_name": "t", "error_message": "boom"}]}).encode()


@dataclass
class Case:
    name: str
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    want_allow: bool = False  # a 405 must say what is allowed


@dataclass
class Answer:
    case: Case
    status: int  # 0: no answer (connection reset)
    passed: bool  # a 4xx in the error shape (or, for a valid input, stored)
    note: str = ""


def cases(job_id: str) -> list[Case]:
    json_type = {"Content-Type": "application/json"}
    found: list[Case] = [
        Case(f"nested JSON x1000 {path}", "POST", path, NESTED, json_type)
        for path in ("/analyze-failures", "/api/rules/test", "/history/classify", "/api/auth/login")
    ]
    found += [
        Case("NUL in query /history/failures", "GET", "/history/failures?search=a%00b"),
        Case("NUL in path /history/test", "GET", "/history/test/a%00b"),
        Case("NUL in query /history/search", "GET", "/history/search?signature=a%00b"),
        Case("NUL in path /api/rules", "GET", "/api/rules/a%00b"),
        Case("NUL in path /history/stats", "GET", "/history/stats/a%00b"),
    ]
    for label, token in CURSORS.items():
        for path in (
            "/api/dashboard",
            "/history/failures",
            "/history/classifications",
            f"/results/{job_id}/comments",
        ):
            found.append(
                Case(f"cursor {label} {path.split('/')[-1]}", "GET", f"{path}?after={token}")
            )
    big = "99999999999999999999"
    found += [
        Case(
            "id > int64 DELETE comment",
            "DELETE",
            f"/results/{job_id}/comments/{big}",
            headers=ADMIN,
        ),
        Case("id > int64 GET webhook", "GET", f"/api/webhooks/{big}", headers=ADMIN),
        Case(
            "id > int64 webhook deliveries", "GET", f"/api/webhooks/{big}/deliveries", headers=ADMIN
        ),
        Case("DELETE api-key '³'", "DELETE", "/api/admin/api-keys/%C2%B3", headers=ADMIN),
        Case(
            "corrupt gzip body",
            "POST",
            "/analyze-failures",
            b"\x1f\x8b\x08\x00garbage-not-gzip",
            {**json_type, "Content-Encoding": "gzip"},
        ),
        Case(
            "truncated gzip body",
            "POST",
            "/analyze-failures",
            gzip.compress(BODY)[:-12],
            {**json_type, "Content-Encoding": "gzip"},
        ),
        Case(
            "truncated deflate body",
            "POST",
            "/analyze-failures",
            zlib.compress(BODY)[:-6],
            {**json_type, "Content-Encoding": "deflate"},
        ),
        Case(
            "Content-Encoding br",
            "POST",
            "/analyze-failures",
            BODY,
            {**json_type, "Content-Encoding": "br"},
        ),
        Case("over-long URL", "GET", "/results?job_name=" + "a" * 20000),
        Case("TRACE /results", "TRACE", "/results", want_allow=True),
        Case("usage days=-1", "GET", "/api/usage?days=-1"),
        Case("usage days=abc", "GET", "/api/usage?days=abc"),
        Case("usage days=10^9", "GET", "/api/usage?days=1000000000"),
        Case("results limit=-1", "GET", "/results?limit=-1"),
        Case("results limit=abc", "GET", "/results?limit=abc"),
    ]
    return found


async def _ask(http: aiohttp.ClientSession, base: str, case: Case) -> Answer:
    try:
        async with http.request(
            case.method,
            base + case.path,
            data=case.body,
            headers=case.headers,
            skip_auto_headers=["Content-Type"] if case.body is None else [],
            compress=None,
        ) as answer:
            raw = await answer.read()
            allow = answer.headers.get("Allow")
            status = answer.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        return Answer(case, 0, False, f"no answer: {exc.__class__.__name__}")
    try:
        body = json.loads(raw)
        shaped = isinstance(body, dict) and body.keys() >= ERROR_FIELDS
    except ValueError:
        shaped = False
    note = "" if shaped else f"body {raw[:60]!r}"
    if case.want_allow and not allow:
        shaped, note = False, "405 without Allow"
    return Answer(case, status, 400 <= status < 500 and shaped, note)


async def long_test_name(http: aiohttp.ClientSession, base: str) -> Answer:
    """A 3,000-character test name: stored (completed) or refused (4xx), never a failed
    job carrying Postgres's own error text. Random characters: a repeated one would
    compress below the btree row limit and hide the problem. Queued, then polled (the
    failing case retries for minutes), for at most LONG_NAME_WAIT_S."""
    case = Case("3,000-char test name", "POST", "/analyze-failures?wait=false")
    name = "t." + secrets.token_hex(1500)
    body = {"failures": [{"test_name": name, "error_message": "AssertionError"}]}
    try:
        async with http.post(base + case.path, json=body) as answer:
            status, payload = answer.status, await answer.json(content_type=None)
        if 400 <= status < 500:
            return Answer(case, status, set(payload) >= ERROR_FIELDS, "refused")
        deadline = time.monotonic() + LONG_NAME_WAIT_S
        while payload.get("status") not in ("completed", "failed"):
            if time.monotonic() > deadline:
                return Answer(case, status, False, f"still {payload.get('status')!r}")
            await asyncio.sleep(2)
            async with http.get(f"{base}/results/{payload['job_id']}") as answer:
                status, payload = answer.status, await answer.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError) as exc:
        return Answer(case, 0, False, f"no answer: {exc.__class__.__name__}")
    if payload["status"] == "completed":
        return Answer(case, status, True, "stored")
    text = json.dumps(payload)
    leaked = any(word in text for word in ("index row", "btree", "asyncpg"))
    note = "job failed" + (", Postgres error text in the answer" if leaked else "")
    return Answer(case, status, False, note)


async def run_bad_inputs(stack: Stack) -> list[Answer]:
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout, auto_decompress=False) as http:
        async with http.post(
            f"{stack.base_url}/analyze-failures",
            json={"failures": [{"test_name": "chaos.seed", "error_message": "boom"}]},
        ) as seeded:
            job_id = (await seeded.json())["job_id"]
        answers = [await _ask(http, stack.base_url, c) for c in cases(job_id)]
    async with aiohttp.ClientSession(timeout=timeout) as http:  # this one reads answers
        answers.append(await long_test_name(http, stack.base_url))
    return answers

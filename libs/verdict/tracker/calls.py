"""The gateway ⇄ tracker worker protocol for synchronous calls.

A call is one arq job, `tracker.call(op, params, sealed, deadline)`, on the tracker
queue. Credentials travel sealed: encrypted with the key every process shares
(VERDICT_ENCRYPTION_KEY, required), never in plain text through Redis. The answer
is `{"ok": true, "data": ...}` or `{"ok": false, "status": 4xx/5xx, "detail": ...}`, so
the gateway raises the same error class the worker met. `deadline` (epoch seconds) lets
the worker skip a call whose caller has stopped waiting.
"""

from __future__ import annotations

import json
from typing import Any

from verdict.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    UpstreamError,
    VerdictError,
)
from verdict.security.crypto import TokenCipher
from verdict.settings import Settings

TRACKER_CALL = "tracker.call"
WEBHOOK_DELIVER = "tracker.deliver_webhook"

_BY_STATUS: dict[int, type[VerdictError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
}


def seal(settings: Settings, secrets: dict[str, str]) -> dict[str, Any]:
    secrets = {k: v for k, v in secrets.items() if v}
    if not secrets:
        return {}
    blob = TokenCipher.from_settings(settings).encrypt(json.dumps(secrets))
    return {"enc": (blob or b"").decode("ascii")}


def unseal(settings: Settings, sealed: dict[str, Any]) -> dict[str, str]:
    if "enc" in sealed:
        text = TokenCipher.from_settings(settings).decrypt(str(sealed["enc"]).encode("ascii"))
        return {str(k): str(v) for k, v in (json.loads(text) if text else {}).items()}
    return {}


def ok(data: Any) -> dict[str, Any]:
    return {"ok": True, "data": data}


def failed(exc: VerdictError) -> dict[str, Any]:
    return {"ok": False, "status": exc.status, "error": exc.error, "detail": exc.detail}


def raise_for(answer: Any) -> Any:
    """The data of an answer, or the error it carries, raised as the matching class."""
    if not isinstance(answer, dict) or "ok" not in answer:
        raise UpstreamError("the tracker worker gave an answer this gateway cannot read")
    if answer["ok"]:
        return answer.get("data")
    cls = _BY_STATUS.get(int(answer.get("status") or 502), UpstreamError)
    raise cls(str(answer.get("detail") or "tracker call failed"))

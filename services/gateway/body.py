"""Reading request bodies: invalid JSON is a 400, a failed schema a 422.

What a small request may cost is bounded before anything is built from it:

* A compressed body (`Content-Encoding: gzip` or `deflate`) is inflated here, not by
  aiohttp, and only up to VERDICT_MAX_DECOMPRESSED_MB (413 beyond; 0 refuses
  compressed bodies, 415, as it does any other encoding): 44 KB of gzip can no longer
  become 18 MB of JSON.
* JSON objects are counted while the parser builds them: a body with more than
  VERDICT_MAX_FAILURES_PER_REQUEST (+ OBJECT_SLACK) objects stops parsing at once
  (413), so a list of a million tiny failures never exists in memory; a `failures`
  list longer than the setting is a 422.
* Nesting deeper than MAX_JSON_DEPTH is a 400, whether the parser itself gives up
  (RecursionError) or later code would.
"""

from __future__ import annotations

import asyncio
import json
import re
import zlib
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel

from services.gateway.keys import SETTINGS
from verdict.errors import InvalidJSON, PayloadTooLarge, UnsupportedMediaType

Model = TypeVar("Model", bound=BaseModel)

# Above this size JSON decoding and validation run in a thread, so one 50 MB
# report does not stall every other request on the event loop.
_THREAD_THRESHOLD = 1 << 20
_MB = 1024 * 1024

MAX_JSON_DEPTH = 64
# Objects a body may hold beyond one per failure: the body itself, peer configs,
# additional repos, and the like.
OBJECT_SLACK = 1000

_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}

# JSON may escape characters no Postgres text can hold: NUL, and lone UTF-16
# surrogates. Only bodies that contain such an escape are inspected further.
_UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


async def read_body(request: web.Request) -> bytes:
    """The request body as sent, inflated when it is compressed (within the cap)."""
    raw = await request.read()
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding in ("", "identity"):
        return raw
    limit_mb = request.app[SETTINGS].max_decompressed_mb
    if encoding not in _WBITS or limit_mb <= 0:
        accepted = "gzip or deflate, or none" if limit_mb > 0 else "none"
        raise UnsupportedMediaType(
            f"Content-Encoding {encoding!r} is not accepted here; send {accepted}"
        )
    if len(raw) > _THREAD_THRESHOLD:
        return await asyncio.to_thread(_inflate, raw, encoding, limit_mb)
    return _inflate(raw, encoding, limit_mb)


def _inflate(raw: bytes, encoding: str, limit_mb: int) -> bytes:
    inflater = zlib.decompressobj(_WBITS[encoding])
    try:
        out = inflater.decompress(raw, limit_mb * _MB + 1)
    except zlib.error as exc:
        raise InvalidJSON(f"the {encoding} request body cannot be decompressed: {exc}") from None
    if len(out) > limit_mb * _MB:
        raise PayloadTooLarge(
            f"the {encoding} request body inflates to more than {limit_mb} MB "
            "(VERDICT_MAX_DECOMPRESSED_MB); send it uncompressed or smaller"
        )
    if not inflater.eof:
        raise InvalidJSON(f"the {encoding} request body is truncated")
    return out


async def read_json(request: web.Request) -> Any:
    raw = await read_body(request)
    if not raw.strip():
        raise InvalidJSON("the request body is empty; send a JSON object")
    max_objects = request.app[SETTINGS].max_failures_per_request + OBJECT_SLACK
    if len(raw) > _THREAD_THRESHOLD:
        data = await asyncio.to_thread(_decode, raw, max_objects)
    else:
        data = _decode(raw, max_objects)
    if _UNSTORABLE_ESCAPE.search(raw) and _has_unstorable_text(data):
        raise InvalidJSON(
            "the request body contains a NUL character or an unpaired surrogate, "
            "which cannot be stored"
        )
    return data


class _TooManyObjects(Exception):
    pass


def _decode(raw: bytes, max_objects: int) -> Any:
    count = 0

    def counted(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal count
        count += 1
        if count > max_objects:
            raise _TooManyObjects
        return dict(pairs)

    try:
        data = json.loads(raw, object_pairs_hook=counted)
    except _TooManyObjects:
        raise PayloadTooLarge(
            f"the request body holds more than {max_objects} JSON objects; at most "
            "VERDICT_MAX_FAILURES_PER_REQUEST failures are accepted in one request"
        ) from None
    except RecursionError:
        raise _too_deep() from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidJSON(f"the request body is not valid JSON: {exc}") from None
    if _depth(data) > MAX_JSON_DEPTH:
        raise _too_deep()
    return data


def _too_deep() -> InvalidJSON:
    return InvalidJSON(f"the request body nests JSON deeper than {MAX_JSON_DEPTH} levels")


def _depth(value: Any) -> int:
    """How deep containers nest, counted without recursion (the parser may have gone
    nearly as deep as Python's own recursion limit)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > MAX_JSON_DEPTH:
            break
        children = item.values() if isinstance(item, dict) else item
        stack.extend((c, level + 1) for c in children if isinstance(c, dict | list))
    return deepest


def _has_unstorable_text(value: Any) -> bool:
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_unstorable_text(k) or _has_unstorable_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_unstorable_text(v) for v in value)
    return False


async def read_model(request: web.Request, model: type[Model]) -> Model:
    data = await read_json(request)
    if not isinstance(data, dict):
        raise InvalidJSON("the request body must be a JSON object")
    # The limits a model checks against the server's settings (see contracts.requests).
    context = {"max_failures": request.app[SETTINGS].max_failures_per_request}
    if request.content_length and request.content_length > _THREAD_THRESHOLD:
        return await asyncio.to_thread(model.model_validate, data, context=context)
    return model.model_validate(data, context=context)

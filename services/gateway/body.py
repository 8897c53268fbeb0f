"""Reading request bodies: invalid JSON is a 400, a failed schema a 422."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel

from verdict.errors import InvalidJSON

Model = TypeVar("Model", bound=BaseModel)

# Above this size JSON decoding and validation run in a thread, so one 50 MB
# report does not stall every other request on the event loop.
_THREAD_THRESHOLD = 1 << 20


# JSON may escape characters no Postgres text can hold: NUL, and lone UTF-16
# surrogates. Only bodies that contain such an escape are inspected further.
_UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


async def read_json(request: web.Request) -> Any:
    raw = await request.read()
    if not raw.strip():
        raise InvalidJSON("the request body is empty; send a JSON object")
    try:
        if len(raw) > _THREAD_THRESHOLD:
            data = await asyncio.to_thread(json.loads, raw)
        else:
            data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidJSON(f"the request body is not valid JSON: {exc}") from None
    if _UNSTORABLE_ESCAPE.search(raw) and _has_unstorable_text(data):
        raise InvalidJSON(
            "the request body contains a NUL character or an unpaired surrogate, "
            "which cannot be stored"
        )
    return data


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
    if request.content_length and request.content_length > _THREAD_THRESHOLD:
        return await asyncio.to_thread(model.model_validate, data)
    return model.model_validate(data)

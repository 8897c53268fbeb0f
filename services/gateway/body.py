"""Reading request bodies: invalid JSON is a 400, a failed schema a 422."""

from __future__ import annotations

import asyncio
import json
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel

from verdict.errors import InvalidJSON

Model = TypeVar("Model", bound=BaseModel)

# Above this size JSON decoding and validation run in a thread, so one 50 MB
# report does not stall every other request on the event loop.
_THREAD_THRESHOLD = 1 << 20


async def read_json(request: web.Request) -> Any:
    raw = await request.read()
    if not raw.strip():
        raise InvalidJSON("the request body is empty; send a JSON object")
    try:
        if len(raw) > _THREAD_THRESHOLD:
            return await asyncio.to_thread(json.loads, raw)
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidJSON(f"the request body is not valid JSON: {exc}") from None


async def read_model(request: web.Request, model: type[Model]) -> Model:
    data = await read_json(request)
    if not isinstance(data, dict):
        raise InvalidJSON("the request body must be a JSON object")
    if request.content_length and request.content_length > _THREAD_THRESHOLD:
        return await asyncio.to_thread(model.model_validate, data)
    return model.model_validate(data)

"""Request ids, and the one error shape for everything that goes wrong."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import structlog
from aiohttp import web
from pydantic import ValidationError

from verdict.errors import (
    BadRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
    VerdictError,
)
from verdict.logging import get_logger

log = get_logger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
REQUEST_ID = "X-Request-ID"
REQUEST_ID_KEY = web.RequestKey("request_id", str)


def error_response(exc: VerdictError, request_id: str) -> web.Response:
    return web.json_response(
        exc.body(request_id), status=exc.status, headers={REQUEST_ID: request_id}
    )


def validation_error(exc: ValidationError) -> ValidationFailed:
    errors = [
        {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
        for e in exc.errors(include_url=False, include_input=False)
    ]
    readable = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in errors
    )
    return ValidationFailed(readable, extra={"errors": errors})


def _from_http(exc: web.HTTPException) -> VerdictError:
    if isinstance(exc, web.HTTPNotFound):
        return NotFound("no such route")
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return MethodNotAllowed(f"method {exc.method} is not allowed here")
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        return PayloadTooLarge(exc.text or "request body too large")
    return BadRequest(exc.reason) if exc.status < 500 else VerdictError(exc.reason)


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = request.headers.get(REQUEST_ID) or uuid.uuid4().hex
    # Echo only a sane id; a client cannot inject log lines through this header.
    if len(request_id) > 128 or not request_id.isprintable():
        request_id = uuid.uuid4().hex
    structlog.contextvars.bind_contextvars(request_id=request_id)
    request[REQUEST_ID_KEY] = request_id
    try:
        try:
            response = await handler(request)
        except VerdictError as exc:
            return error_response(exc, request_id)
        except ValidationError as exc:
            return error_response(validation_error(exc), request_id)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            return error_response(_from_http(exc), request_id)
        except Exception:
            log.exception("unhandled error", path=request.path)
            return error_response(VerdictError("internal server error"), request_id)
        response.headers[REQUEST_ID] = request_id
        return response
    finally:
        structlog.contextvars.unbind_contextvars("request_id")

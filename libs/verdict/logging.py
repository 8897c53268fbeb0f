"""structlog, configured here and nowhere else.

Every line carries the contextvars bound for the current request or job
(`request_id`, `job_id`), so one grep follows a job through every process.
"""

from __future__ import annotations

import logging
import sys

import structlog
from structlog.typing import EventDict, WrappedLogger

from verdict.contracts.requests import is_secret_key
from verdict.settings import Settings

REDACTED = "[redacted]"
# Besides the contract's stripped keys and *_token/_password/_pat/_secret: keys, cookies
# and credentials under the names this service itself uses.
_ALSO_SECRET = frozenset(
    {
        "api_key",
        "new_key",
        "new_api_key",
        "admin_key",
        "authorization",
        "cookie",
        "set-cookie",
        "password",
        "token",
        "secret",
        "encryption_key",
    }
)


def _is_secret(key: object) -> bool:
    return isinstance(key, str) and (key.lower() in _ALSO_SECRET or is_secret_key(key.lower()))


def _scrub(value: object, depth: int = 0) -> object:
    if depth > 8:
        return value
    if isinstance(value, dict):
        return {k: REDACTED if _is_secret(k) else _scrub(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v, depth + 1) for v in value]
    return value


def redact_secrets(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    """Replace the value of every secret-named field, at any depth, before rendering."""
    for key, value in list(event.items()):
        event[key] = REDACTED if _is_secret(key) else _scrub(value)
    return event


def configure_logging(settings: Settings, *, service: str) -> None:
    level = logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.INFO)
    renderer: structlog.types.Processor
    if settings.env == "production":
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        redact_secrets,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service)
    # Libraries (aiohttp, arq, asyncpg) log through stdlib logging: route them through
    # the same renderer so a process never prints two formats.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger

"""JSON as the contract writes it: rows made JSON-ready, and JSON text Postgres already
wrote (json_agg, format) spliced into an answer without being parsed and re-encoded."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from verdict.contracts.envelope import timestamp


def jsonable(row: Any) -> dict[str, Any]:  # a Record, or a Mapping
    """A row as the contract writes it: ids as strings, timestamps as "YYYY-MM-DD HH:MM:SS"."""
    out: dict[str, Any] = {}
    for key, value in dict(row).items():
        if isinstance(value, uuid.UUID):
            value = str(value)
        elif isinstance(value, datetime):
            value = timestamp(value)
        out[key] = value
    return out


class Raw:
    """JSON text Postgres already wrote, spliced into an answer unparsed."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def dumps(value: Any) -> str:
    """json.dumps, with `Raw` values (at any depth of dicts) inserted as they are."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {dumps(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)

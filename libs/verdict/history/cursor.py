"""Opaque keyset cursors for list endpoints (`after`, `before`, `limit`, `next_cursor`).

A cursor is the sort key of one row, `(timestamp, id)`, as URL-safe base64 of a small
JSON array. Clients treat it as opaque; a cursor that does not decode is a 422.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from verdict.errors import ValidationFailed


@dataclass(frozen=True)
class Key:
    """The sort key of a row: its timestamp `at`, ties broken by `id`."""

    at: datetime
    id: int | str


def encode(key: Key) -> str:
    raw = json.dumps([key.at.isoformat(), key.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token: str, *, name: str = "cursor") -> Key:
    try:
        padded = token + "=" * (-len(token) % 4)
        at, ident = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(ident, int | str) or isinstance(ident, bool):
            raise ValueError("bad id")
        when = datetime.fromisoformat(at)
        if when.tzinfo is None:
            raise ValueError("naive timestamp")
        return Key(when, ident)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed(f"query.{name}: not a cursor this server issued") from None


@dataclass(frozen=True)
class PageRequest:
    """`after`: the rows that follow the key in the list's order (the next page);
    `before`: the rows that precede it (the previous page)."""

    limit: int
    after: Key | None = None
    before: Key | None = None

    @property
    def backwards(self) -> bool:
        return self.before is not None

    @property
    def key(self) -> Key | None:
        return self.before or self.after


def page(rows: list[Any], request: PageRequest, key_of: Any) -> tuple[list[Any], dict[str, Any]]:
    """Trim the `limit + 1` rows a query fetched and say where the neighbours are.

    Queries fetch in the direction of travel (against the list's order when paging
    backwards), so a backwards page is reversed here and every page reads in list order.
    """
    more = len(rows) > request.limit
    rows = rows[: request.limit]
    if request.backwards:
        rows.reverse()
    first = key_of(rows[0]) if rows else None
    last = key_of(rows[-1]) if rows else None
    return rows, page_info(request, more=more, first=first, last=last)


def page_info(
    request: PageRequest, *, more: bool, first: Key | None, last: Key | None
) -> dict[str, Any]:
    """`pagination` for a page whose first and last rows (in list order) have these keys;
    `more`: the query found a row past the page in the direction of travel."""
    # Forward: more rows past the last one when the query found an extra row. Backward:
    # rows past the last one always exist (the cursor row itself), and the extra row
    # says whether there are newer ones before the first.
    has_next = more if not request.backwards else last is not None
    has_prev = request.after is not None if not request.backwards else more
    return {
        "has_more": has_next,
        "next_cursor": encode(last) if last is not None and has_next else None,
        "prev_cursor": encode(first) if first is not None and has_prev else None,
    }

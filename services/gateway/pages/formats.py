"""How values read on a page: times, classifications (never by colour alone), numbers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import jinja2
from markupsafe import Markup, escape

# Each classification has a word, a short code and a shape, so it reads without colour.
CLASSES: dict[str, tuple[str, str, str]] = {
    "CODE ISSUE": ("code", "CODE", "◆"),
    "PRODUCT BUG": ("bug", "BUG", "▲"),
    "INFRASTRUCTURE": ("infra", "INFRA", "●"),
}
CLASSIFICATIONS = tuple(CLASSES)


def badge(classification: str) -> Markup:
    slug, _, shape = CLASSES.get(classification, ("none", "?", "○"))
    label = classification or "UNCLASSIFIED"
    return Markup(
        f'<span class="badge badge-{slug}"><span aria-hidden="true">{shape}</span> '
        f"{escape(label)}</span>"
    )


def when(value: Any) -> str:
    """'2026-04-18 10:20 UTC' from a datetime or the contract's timestamp text."""
    if value is None or value == "":
        return "—"
    moment: datetime
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def epoch(value: Any) -> str:
    """A progress-log timestamp (seconds since the epoch) as its UTC time of day."""
    try:
        return datetime.fromtimestamp(float(value), UTC).strftime("%H:%M:%S")
    except (TypeError, ValueError, OverflowError):
        return ""


def iso(value: Any) -> str:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return str(value or "")


def ago(value: Any, now: datetime | None = None) -> str:
    if not isinstance(value, datetime):
        return ""
    now = now or datetime.now(UTC)
    seconds = (now - (value if value.tzinfo else value.replace(tzinfo=UTC))).total_seconds()
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return "just now"


def duration(start: Any, end: Any) -> str:
    if not (isinstance(start, datetime) and isinstance(end, datetime)):
        return ""
    seconds = int((end - start).total_seconds())
    minutes, seconds = divmod(max(seconds, 0), 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def percent(value: Any) -> str:
    if value is None:
        return "—"
    return f"{float(value) * 100:.0f}%"


# The mention syntax jji uses (notes/jji-facts.md): `x@y.com` is not a mention.
_MENTION = re.compile(r"(?<![a-zA-Z0-9.])@([a-zA-Z0-9_-]+)")


def mentions(text: str) -> Markup:
    """Comment text, escaped, with @name marked up (the name itself escaped too)."""
    escaped = str(escape(text))
    return Markup(_MENTION.sub(r'<span class="mention">@\1</span>', escaped))


def safe_url(value: Any) -> str:
    """A link target from stored data: http(s) only, never javascript: or data:."""
    url = str(value or "").strip()
    return url if url.lower().startswith(("https://", "http://")) else "#"


def install(env: jinja2.Environment) -> None:
    env.filters.update(
        badge=badge,
        when=when,
        iso=iso,
        epoch=epoch,
        ago=ago,
        percent=percent,
        mentions=mentions,
        url=safe_url,
    )
    env.globals.update(duration=duration, CLASSIFICATIONS=CLASSIFICATIONS)

"""Rank Jira candidates against one failure without any AI call.

text similarity: TF-IDF cosine over normalized tokens, IDF taken from the candidate
set itself (words every candidate shares - the product name, "error" - weigh
little). Two views are compared and blended (the stronger counts most):
  - the bug title against the issue summary (a near-duplicate report),
  - title + failure text against summary + description (same trace, other words).
The text score is then scaled by status (open above done) and recency, so an
unrelated issue scores ~0 however fresh or open it is.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from verdict.integrations.jira.models import Issue
from verdict.integrations.jira.sansio import browse_url

__all__ = ["DEFAULT_THRESHOLD", "Match", "score_candidates", "tokenize"]

DEFAULT_THRESHOLD = 0.25
RECENCY_HALF_LIFE_DAYS = 180.0

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_WORD = re.compile(r"[a-z0-9]+")
_STOPWORD_TEXT = (
    "a an and are as at be by for from has have in into is it its of on or that the "
    "this to was were will with when while not no does did do can cannot after before "
    "should"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True, slots=True)
class Match:
    """One jira_matches[] item of the contract."""

    key: str
    summary: str
    status: str
    priority: str
    url: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _stem(token: str) -> str:
    # Just enough to make "timeouts"/"timed"/"failing" meet "timeout"/"time"/"fail".
    for suffix in ("ing", "ed", "es", "s"):
        if len(token) > len(suffix) + 3 and token.endswith(suffix):
            return token[: -len(suffix)]
    return token


def tokenize(text: str) -> list[str]:
    words = _WORD.findall(_CAMEL.sub(" ", text).lower())
    return [_stem(w) for w in words if len(w) > 1 and not w.isdigit() and w not in _STOPWORDS]


def _vector(tokens: Iterable[str], idf: dict[str, float]) -> dict[str, float]:
    # Sublinear tf: a long description repeating a word must not drown the summary.
    return {t: (1 + math.log(n)) * idf.get(t, 1.0) for t, n in Counter(tokens).items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(w * b[t] for t, w in a.items() if t in b)
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norm if norm else 0.0


def _recency(updated: datetime | None, now: datetime) -> float:
    if updated is None:
        return 0.5
    if updated.tzinfo is None:
        updated = updated.replace(tzinfo=UTC)
    age_days = max(0.0, (now - updated).total_seconds() / 86400)
    return float(0.5 ** (age_days / RECENCY_HALF_LIFE_DAYS))


def score_candidates(
    failure_text: str,
    bug_title: str,
    candidates: Sequence[Issue],
    *,
    jira_url: str,
    max_results: int = 5,
    threshold: float = DEFAULT_THRESHOLD,
    now: datetime | None = None,
) -> list[Match]:
    """The best `max_results` candidates scoring at least `threshold`, best first."""
    if not candidates or max_results <= 0:
        return []
    now = now or datetime.now(UTC)
    title = tokenize(bug_title)
    query = title + tokenize(failure_text)
    docs = [(tokenize(c.summary), tokenize(c.description)) for c in candidates]

    df: Counter[str] = Counter()
    for summary, description in docs:
        df.update(set(summary) | set(description))
    df.update(set(query))
    n = len(docs) + 1
    idf = {t: math.log((n + 1) / (d + 1)) + 1 for t, d in df.items()}

    title_vec, query_vec = _vector(title, idf), _vector(query, idf)
    scored: list[tuple[float, Issue]] = []
    for issue, (summary, description) in zip(candidates, docs, strict=True):
        by_title = _cosine(title_vec, _vector(summary, idf))
        by_text = _cosine(query_vec, _vector(summary + summary + description, idf))
        text = 0.75 * max(by_title, by_text) + 0.25 * min(by_title, by_text)
        status = 1.0 if issue.is_open else 0.0
        score = text * (0.8 + 0.12 * status + 0.08 * _recency(issue.updated, now))
        scored.append((round(min(1.0, score), 3), issue))

    scored.sort(key=lambda pair: (-pair[0], not pair[1].is_open, pair[1].key))
    return [
        Match(
            key=issue.key,
            summary=issue.summary,
            status=issue.status,
            priority=issue.priority,
            url=browse_url(jira_url, issue.key),
            score=score,
        )
        for score, issue in scored[:max_results]
        if score >= threshold
    ]

"""Safe JQL for duplicate search: every value quoted, every text term escaped twice.

A keyword travels through two parsers. JQL reads the quoted string literal (so `"`
and `\\` get a backslash), then Jira's Lucene text search reads the result, where
`+ - & | ! ( ) { } [ ] ^ ~ * ? : \\ /` are operators and AND/OR/NOT are keywords.
Each keyword is therefore sent as a Lucene *phrase* with its specials escaped:
inside a phrase the operator words are plain words, and multi-word keywords
("connection refused") match as written instead of as any-of-the-words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

__all__ = [
    "MAX_TERMS",
    "build_jql",
    "jql_string",
    "lucene_phrase",
    "normalize_keywords",
    "text_literal",
]

MAX_TERMS = 8  # a bounded query: Jira caps JQL complexity, and more terms add noise
MAX_TERM_CHARS = 100
LUCENE_SPECIAL = frozenset('+-&|!(){}[]^~*?:\\/"')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_PROJECT_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
_WORDY = re.compile(r"\w")


def jql_string(value: str) -> str:
    """A JQL string literal: double-quoted, with `\\` and `"` escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lucene_phrase(term: str) -> str:
    """A Lucene phrase query for `term`, its operator characters escaped."""
    return '"' + "".join(f"\\{c}" if c in LUCENE_SPECIAL else c for c in term) + '"'


def text_literal(term: str) -> str:
    """What follows `summary ~`: the phrase, then quoted for JQL."""
    return jql_string(lucene_phrase(term))


def _clean(term: str) -> str:
    term = " ".join(_CONTROL.sub(" ", term).split())
    if len(term) > MAX_TERM_CHARS:
        term = term[:MAX_TERM_CHARS].rsplit(" ", 1)[0]
    return term


def normalize_keywords(keywords: Iterable[str]) -> tuple[str, ...]:
    """Cleaned, case-insensitively de-duplicated, at most MAX_TERMS, order kept.

    Jira's text search ignores case, so casefolding loses nothing and lets
    "Timeout" and "timeout" share a search (and a cache entry).
    """
    out: dict[str, None] = {}
    for raw in keywords:
        term = _clean(str(raw)).casefold()
        # A term of punctuation only leaves Lucene nothing to search for.
        if term and _WORDY.search(term):
            out.setdefault(term, None)
        if len(out) >= MAX_TERMS:
            break
    return tuple(out)


def build_jql(
    keywords: Sequence[str],
    project_key: str | None,
    issue_types: Sequence[str] = ("Bug",),
    *,
    fields: Sequence[str] = ("summary", "description"),
) -> str:
    """`project = ... AND issuetype in (...) AND (summary ~ ... OR ...)`, newest first.

    Raises ValueError when no usable keyword is left (a query without text terms
    would match the whole project) or when the project key is not a key.
    """
    terms = normalize_keywords(keywords)
    if not terms:
        raise ValueError("no usable search keywords")
    clauses = []
    if project_key:
        if not _PROJECT_KEY.match(project_key):
            raise ValueError(f"not a Jira project key: {project_key!r}")
        clauses.append(f"project = {jql_string(project_key)}")
    types = [t.strip() for t in issue_types if t and t.strip()]
    if types:
        clauses.append(f"issuetype in ({', '.join(jql_string(t) for t in types)})")
    text = " OR ".join(f"{field} ~ {text_literal(term)}" for term in terms for field in fields)
    clauses.append(f"({text})")
    return " AND ".join(clauses) + " ORDER BY updated DESC"

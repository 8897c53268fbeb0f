"""Duplicate-bug search: safe JQL, AI-free scoring, a search cache, batch matching."""

from verdict.jira_match.cache import MemorySearchCache, SearchCache, SearchKey
from verdict.jira_match.finder import BugGroup, GroupMatches, find_matches
from verdict.jira_match.jql import build_jql, normalize_keywords
from verdict.jira_match.scoring import DEFAULT_THRESHOLD, Match, score_candidates

__all__ = [
    "DEFAULT_THRESHOLD",
    "BugGroup",
    "GroupMatches",
    "Match",
    "MemorySearchCache",
    "SearchCache",
    "SearchKey",
    "build_jql",
    "find_matches",
    "normalize_keywords",
    "score_candidates",
]

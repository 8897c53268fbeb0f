"""Finding one failure in a job's stored result (after overrides), by test and child scope."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def find_failure(
    result: Any, test_name: str, child_job_name: str = "", child_build_number: int = 0
) -> dict[str, Any] | None:
    """The stored failure dict, or None. Build number 0 in a child scope is a wildcard."""
    for failure, _scope in iter_failures(result, child_job_name, child_build_number):
        if failure.get("test_name") == test_name:
            return failure
    return None


def iter_failures(
    result: Any, child_job_name: str = "", child_build_number: int = 0
) -> Iterator[tuple[dict[str, Any], tuple[str, int]]]:
    """Failures of one scope: the top level (no child name) or the matching child builds."""
    if not isinstance(result, dict):
        return
    if not child_job_name:
        for failure in _dicts(result.get("failures")):
            yield failure, ("", 0)
        return
    yield from _children(result.get("child_job_analyses"), child_job_name, child_build_number)


def all_failures(result: Any) -> Iterator[tuple[dict[str, Any], tuple[str, int]]]:
    """Every failure of the result, top level and every child build, with its scope."""
    if not isinstance(result, dict):
        return
    for failure in _dicts(result.get("failures")):
        yield failure, ("", 0)
    yield from _children(result.get("child_job_analyses"), None, 0)


def _children(
    children: Any, name: str | None, build: int
) -> Iterator[tuple[dict[str, Any], tuple[str, int]]]:
    for child in _dicts(children):
        child_name = str(child.get("job_name") or "")
        child_build = int(child.get("build_number") or 0)
        if name is None or (child_name == name and build in (0, child_build)):
            for failure in _dicts(child.get("failures")):
                yield failure, (child_name, child_build)
        yield from _children(child.get("failed_children"), name, build)


def _dicts(items: Any) -> Iterator[dict[str, Any]]:
    if isinstance(items, list):
        yield from (i for i in items if isinstance(i, dict))

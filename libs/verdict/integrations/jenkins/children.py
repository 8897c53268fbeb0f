"""Find the child builds of a build: from its JSON first, from its console as a fallback.

Pure functions. Only direct children are returned: the caller fetches each child
and discovers its children in turn, so recursion depth stays the caller's choice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urljoin

from verdict.integrations.jenkins.models import ChildRef
from verdict.integrations.jenkins.sansio import build_url, job_name_from_url

FAILED_RESULTS = frozenset({"FAILURE", "UNSTABLE"})

# Console formats, newest plugins first. Folder paths print as "a » b".
_CONSOLE_PATTERNS = (
    # pipeline `build` step
    re.compile(r"Starting building: (?P<job>.+?) #(?P<num>\d+)"),
    re.compile(r"Build (?P<job>.+?) #(?P<num>\d+) completed: (?P<result>[A-Z_]+)"),
    # parameterized-trigger (blocking)
    re.compile(r"^(?P<job>.+?) #(?P<num>\d+) completed\. Result was (?P<result>[A-Z_]+)"),
    # multijob
    re.compile(
        r"Finished Build : #(?P<num>\d+) of Job : (?P<job>.+?) with status : (?P<result>[A-Z_]+)"
    ),
)
# Cheap pre-filter so a console reader can keep only lines worth parsing.
CHILD_LINE_RE = re.compile(
    r"Starting building: |Build .+ #\d+ completed: "
    r"| #\d+ completed\. Result was |Finished Build : #"
)
# Timestamper prefixes ("[2024-01-02T03:04:05.678Z] ", "03:04:05 ") hide the line start.
_PREFIX_RE = re.compile(r"^(?:\[[^\]]*\]\s*|\d{2}:\d{2}:\d{2}(?:\.\d+)?\s+)")
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def children_from_build(build: Mapping[str, Any], *, base_url: str = "") -> list[ChildRef]:
    """Every direct child named in a build JSON, deduplicated, in document order."""
    refs: list[ChildRef] = []
    for sub in _dicts(build.get("subBuilds")):  # multijob phases
        num = sub.get("buildNumber")
        url = _abs(base_url, sub.get("url"))
        job = job_name_from_url(url) or sub.get("jobName")
        if isinstance(num, int) and isinstance(job, str):
            refs.append(ChildRef(job, num, url, _result(sub)))
    parent_number = build.get("number")
    for run in _dicts(build.get("runs")):  # matrix cells
        num = run.get("number")
        # A cell not rebuilt this time shows its older run; that is not this build's child.
        if isinstance(parent_number, int) and num != parent_number:
            continue
        refs.extend(_ref_from_url(run, base_url))
    for action in _dicts(build.get("actions")):  # parameterized-trigger
        for trig in _dicts(action.get("triggeredBuilds")):
            refs.extend(_ref_from_url(trig, base_url))
    return _dedup(refs)


def children_from_console(lines: Iterable[str], *, base_url: str = "") -> list[ChildRef]:
    """Children named in console lines; a later "completed" line sets the result."""
    found: dict[tuple[str, int], str | None] = {}
    for raw in lines:
        line = _PREFIX_RE.sub("", _ANSI_RE.sub("", raw.rstrip("\r\n")))
        for pattern in _CONSOLE_PATTERNS:
            m = pattern.search(line)
            if not m:
                continue
            job = "/".join(p.strip() for p in m["job"].split(" » "))
            key = (job, int(m["num"]))
            result = m.groupdict().get("result")
            if result or key not in found:
                found[key] = result
            break
    return [
        ChildRef(job, num, build_url(base_url, job, num) if base_url else "", result)
        for (job, num), result in found.items()
    ]


def failed_children(
    build: Mapping[str, Any], console_lines: Iterable[str] = (), *, base_url: str = ""
) -> list[ChildRef]:
    """Failed or unstable direct children; the console is read only if the JSON names none."""
    refs = children_from_build(build, base_url=base_url)
    if not refs:
        refs = children_from_console(console_lines, base_url=base_url)
    return [r for r in refs if r.result in FAILED_RESULTS]


def _ref_from_url(entry: dict[str, Any], base_url: str) -> list[ChildRef]:
    num = entry.get("number")
    url = _abs(base_url, entry.get("url"))
    job = job_name_from_url(url)
    return [ChildRef(job, num, url, _result(entry))] if isinstance(num, int) and job else []


def _abs(base_url: str, url: Any) -> str:
    # Multijob writes URLs relative to the Jenkins root ("job/x/12/").
    if not isinstance(url, str):
        return ""
    return urljoin(base_url.rstrip("/") + "/", url) if base_url else url


def _result(entry: dict[str, Any]) -> str | None:
    result = entry.get("result")
    return result if isinstance(result, str) else None


def _dedup(refs: list[ChildRef]) -> list[ChildRef]:
    seen: dict[tuple[str, int], ChildRef] = {}
    for ref in refs:
        key = (ref.job_name, ref.build_number)
        # Keep the entry that knows the result when the same build is listed twice.
        if key not in seen or (seen[key].result is None and ref.result is not None):
            seen[key] = ref
    return list(seen.values())


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []

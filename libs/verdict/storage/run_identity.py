"""A job's run identity (migration 0020) in SQL: as the `run` object answers carry, and
as filters (conditions on a `jobs` alias).

One definition for /results, /api/dashboard, the dashboard page and /history/failures,
so a filter means the same everywhere. Each condition has an index (0020).
"""

from __future__ import annotations

from collections.abc import Callable

from verdict.contracts.identity import RunFilter


def run_json(alias: str) -> str:
    """A jsonb expression: the run fields of `alias` that are set (`{}` when none is).

    The same keys as the request's (`commit`, not the column's `commit_sha`)."""
    a = alias
    return f"""jsonb_strip_nulls(jsonb_build_object(
        'job_name', nullif({a}.job_name, ''), 'build_number', nullif({a}.build_number, 0),
        'run_id', nullif({a}.run_id, ''), 'branch', nullif({a}.branch, ''),
        'commit', nullif({a}.commit_sha, ''), 'pull_request', {a}.pull_request,
        'run_url', nullif({a}.run_url, ''), 'ci', nullif({a}.ci, ''),
        'labels', case when {a}.labels = '{{}}' then null else {a}.labels end))"""


def conditions(flt: RunFilter, alias: str, arg: Callable[[object], str]) -> list[str]:
    """SQL conditions on `alias` (a jobs row) for `flt`; `arg(value)` returns its `$n`."""
    a = alias
    out: list[str] = []
    if flt.job_name:
        out.append(f"{a}.job_name = {arg(flt.job_name)}")
    if flt.build_number is not None:
        out.append(f"{a}.build_number = {arg(flt.build_number)}")
    if flt.run_id:
        out.append(f"{a}.run_id = {arg(flt.run_id)}")
    if flt.branch:
        out.append(f"{a}.branch = {arg(flt.branch)}")
    if flt.commit:
        # A short sha matches the commits it starts (git's own abbreviation).
        if len(flt.commit) < 40:
            pattern = flt.commit.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            out.append(f"{a}.commit_sha like {arg(pattern + '%')}")
        else:
            out.append(f"{a}.commit_sha = {arg(flt.commit)}")
    if flt.pull_request is not None:
        out.append(f"{a}.pull_request = {arg(flt.pull_request)}")
    if flt.ci:
        out.append(f"{a}.ci = {arg(flt.ci)}")
    for key, value in sorted(flt.labels.items()):
        if value is None:
            out.append(f"{a}.labels <> '{{}}' and {a}.labels ? {arg(key)}")
        else:
            # jsonb parameters go through the pool's codec (a dict in, JSON out).
            contains = arg({key: value})
            out.append(f"{a}.labels <> '{{}}' and {a}.labels @> {contains}::jsonb")
    return out


def numbered(args: list[object]) -> Callable[[object], str]:
    """An `arg` for `conditions` that appends to `args` and returns `$len(args)`."""

    def arg(value: object) -> str:
        args.append(value)
        return f"${len(args)}"

    return arg

"""What the web pages read: the dashboard with filters and totals, and a report grouped by
signature, one page of groups at a time (see verdict.storage.reports)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from verdict.errors import NotFound
from verdict.history import cursor
from verdict.services.deps import Deps
from verdict.services.identity import Identity
from verdict.services.jobs import require_completed
from verdict.storage import history as history_repo
from verdict.storage import reports as repo
from verdict.storage.reports import DashboardFilter

__all__ = ["DashboardFilter", "DashboardView", "ReportView", "dashboard", "report"]

# A group's card lists this many of its tests (the rest are counted, and the test
# history and signature pages list them all).
TESTS_PER_GROUP = 100


@dataclass(frozen=True)
class DashboardView:
    rows: list[dict[str, Any]]
    totals: dict[str, int]
    pagination: dict[str, Any]


async def dashboard(deps: Deps, flt: DashboardFilter, page: cursor.PageRequest) -> DashboardView:
    """One page of jobs matching `flt`, newest first, with their failures per class."""
    async with deps.pool.acquire() as conn:
        rows = await repo.dashboard_rows(conn, flt, page)
        shown, info = cursor.page(
            list(rows), page, lambda r: cursor.Key(r["created_at"], str(r["id"]))
        )
        counts = await repo.classification_counts(conn, [r["id"] for r in shown])
        totals = await repo.dashboard_totals(conn, flt)
    out = []
    for row in shown:
        item = dict(row)
        item["classes"] = counts.get(row["id"], {})
        out.append(item)
    return DashboardView(out, dict(totals), info)


@dataclass
class Group:
    """One signature group of a report: its header always, its body when on the page."""

    id: int
    anchor: str
    child_job_name: str
    child_build_number: int
    signature: str
    classification: str
    confidence: float
    source: str
    provider: str
    model: str
    failures: int
    reviewed: int
    first_test: str
    first_error: str
    page: int
    page_index: int  # its place on its page, from 0
    body: dict[str, Any] | None = None
    tests: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    override: dict[str, Any] | None = None

    @property
    def all_reviewed(self) -> bool:
        return self.failures > 0 and self.reviewed >= self.failures


@dataclass(frozen=True)
class Scope:
    """The top level, or one child job (its place in the tree and its groups)."""

    job_name: str
    build_number: int
    depth: int
    jenkins_url: str = ""
    summary: str = ""
    note: str = ""
    groups: list[Group] = field(default_factory=list)


@dataclass(frozen=True)
class ReportView:
    job: dict[str, Any]
    scopes: list[Scope]
    groups: list[Group]  # every group, in page order
    page: int
    pages: int
    per_page: int
    classes: dict[str, int]

    @property
    def shown(self) -> list[Group]:
        return [g for g in self.groups if g.body is not None]


async def report(deps: Deps, job_id: uuid.UUID, *, page: int, per_page: int) -> ReportView:
    """The job, every group's header, and the full cards of page `page` (from 1)."""
    async with deps.pool.acquire() as conn:
        job = await repo.report_job(conn, job_id)
        if job is None:
            raise NotFound(f"job {job_id} not found")
        rows = await repo.report_groups(conn, job_id)
        # The child tree is in the result document, costly to read: only when needed.
        has_children = any(r["child_job_name"] for r in rows)
        children = await repo.report_children(conn, job_id) if has_children else []
        groups = [
            Group(
                id=r["id"],
                anchor=f"g{r['id']}",
                child_job_name=r["child_job_name"],
                child_build_number=r["child_build_number"],
                signature=r["signature"],
                classification=r["classification"],
                confidence=r["confidence"],
                source=r["source"],
                provider=r["provider"],
                model=r["model"],
                failures=r["failures"],
                reviewed=r["reviewed"],
                first_test=r["first_test"],
                first_error=r["first_error"],
                page=i // per_page + 1,
                page_index=i % per_page,
            )
            for i, r in enumerate(rows)
        ]
        pages = max(1, -(-len(groups) // per_page))
        page = min(max(page, 1), pages)
        shown = [g for g in groups if g.page == page]
        bodies = await repo.group_bodies(
            conn, job_id, [g.id for g in shown], tests_per_group=TESTS_PER_GROUP
        )
    for group in shown:
        group.body = repo.as_dict(bodies.bodies.get(group.id))
        group.tests = [dict(t) for t in bodies.tests.get(group.id, [])]
        group.comments = [dict(c) for c in bodies.comments.get(group.id, [])]
        override = bodies.overrides.get(group.id)
        group.override = dict(override) if override is not None else None
    classes: dict[str, int] = {}
    for group in groups:
        classes[group.classification] = classes.get(group.classification, 0) + group.failures
    return ReportView(dict(job), _scopes(children, groups), groups, page, pages, per_page, classes)


def _scopes(children: list[Any], groups: list[Group]) -> list[Scope]:
    """The top level, then each child job in the result's tree order, with its groups."""
    by_scope: dict[tuple[str, int], list[Group]] = {}
    for group in groups:
        by_scope.setdefault((group.child_job_name, group.child_build_number), []).append(group)
    scopes = [Scope("", 0, 0, groups=by_scope.pop(("", 0), []))]
    for child in children:
        key = (child["job_name"], child["build_number"])
        scopes.append(
            Scope(
                child["job_name"],
                child["build_number"],
                len(child["path"]),
                child["jenkins_url"],
                child["summary"],
                child["note"],
                by_scope.pop(key, []),
            )
        )
    # Groups of a scope the tree does not name (a direct analysis has none) still show.
    for (name, build), rest in by_scope.items():
        scopes.append(Scope(name, build, 1, groups=rest))
    return scopes


async def job_state(deps: Deps, job_id: uuid.UUID) -> dict[str, Any]:
    """A job's row for its status page: status, phase, progress log, error, times."""
    async with deps.pool.acquire() as conn:
        job = await repo.report_job(conn, job_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    return dict(job)


async def set_group_reviewed(
    deps: Deps, identity: Identity, job_id: uuid.UUID, analysis_id: int, reviewed: bool
) -> dict[str, Any]:
    """Mark every test of one signature group reviewed (or not), as PUT /reviewed would
    one by one: only a completed job, attributed to the caller's username."""
    await require_completed(deps, job_id)
    async with deps.pool.acquire() as conn:
        written = await repo.set_group_reviewed(
            conn, job_id, analysis_id, reviewed=reviewed, username=identity.username
        )
    if not written:
        raise NotFound(f"group {analysis_id} not found in job {job_id}")
    return {
        "status": "ok",
        "reviewed": reviewed,
        "reviewed_by": identity.username if reviewed else "",
        "tests": written,
    }


async def signature(deps: Deps, sig: str, *, limit: int) -> dict[str, Any]:
    """Every occurrence of one error signature across jobs, and its classification
    history (each job's verdict, with who overrode it by hand)."""
    async with deps.pool.acquire() as conn:
        total, unique, last = await history_repo.signature_summary(conn, sig, None)
        tests = await history_repo.signature_tests(conn, sig, None, limit)
        comments = await history_repo.signature_comments(conn, sig, None, limit)
        occurrences = await repo.signature_occurrences(conn, sig, limit)
        verdicts = await repo.signature_verdicts(conn, sig, limit)
    return {
        "signature": sig,
        "total_occurrences": total,
        "unique_tests": unique,
        "last_classification": last,
        "tests": [dict(t) for t in tests],
        "comments": [dict(c) for c in comments],
        "occurrences": [dict(o) for o in occurrences],
        "verdicts": [dict(v) for v in verdicts],
    }

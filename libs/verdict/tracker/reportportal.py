"""Push stored classifications into Report Portal (run in the tracker worker).

1. Find the launch: `launch_id` when given; else the newest launch named after the
   job (the child job in a child scope) with the attribute `build:<number>`; else the
   newest launch whose description holds the Jenkins build URL.
2. Take the launch's FAILED steps and match each to a stored failure of the scope:
   same name, or one name ends with the other at a `.`, `::` or `/` boundary, or the
   item's codeRef is the test name.
3. Map CODE ISSUE → AUTOMATION_BUG, PRODUCT BUG → PRODUCT_BUG, INFRASTRUCTURE →
   SYSTEM_ISSUE, using the project's default subtype locator of each type.
4. Update in batches of at most 300 items; a failed batch is an entry in `errors`.
Unmatched items and unmappable failures are listed in `unmatched`; the answer is 200.
"""

from __future__ import annotations

import uuid
from typing import Any

from verdict.contracts.envelope import result_url
from verdict.contracts.tracker import ReportPortalPushResult
from verdict.errors import NotFound
from verdict.integrations.reportportal import (
    MAX_PAGE,
    Item,
    Launch,
    ReportPortalAPI,
    ReportPortalError,
)
from verdict.storage import jobs as jobs_repo
from verdict.tracker.content import analysis_of
from verdict.tracker.failures import all_failures, iter_failures
from verdict.tracker.issues import Deps

DEFECT_TYPE = {
    "CODE ISSUE": "AUTOMATION_BUG",
    "PRODUCT BUG": "PRODUCT_BUG",
    "INFRASTRUCTURE": "SYSTEM_ISSUE",
}
MAX_COMMENT = 1800


def _matches(item: Item, test_name: str) -> bool:
    names = {item.name, item.code_ref} - {""}
    for name in names:
        if name == test_name:
            return True
        for long, short in ((test_name, name), (name, test_name)):
            if long.endswith(short) and long[: -len(short)][-1:] in (".", ":", "/", "#"):
                return True
    return False


def _comment(analysis: dict[str, Any], url: str) -> str:
    details = str(analysis.get("details") or "").strip()
    if len(details) > MAX_COMMENT:
        details = details[: MAX_COMMENT - 1] + "…"
    text = f"Verdict: {analysis.get('classification')}"
    return f"{text}\n{details}\n{url}" if details else f"{text}\n{url}"


async def _find_launch(rp: ReportPortalAPI, row: Any, params: dict[str, Any]) -> Launch | None:
    if params.get("launch_id"):
        return await rp.launch(int(params["launch_id"]))
    name = params.get("child_job_name") or row["job_name"]
    build = int(params.get("child_build_number") or 0) or int(row["build_number"] or 0)
    if name:
        attribute = f"build:{build}" if build else ""
        launch = await rp.find_launch(name=name, attribute=attribute)
        if launch is not None:
            return launch
    if row["jenkins_url"] and not params.get("child_job_name"):
        return await rp.find_launch(description=row["jenkins_url"])
    return None


async def push(deps: Deps, params: dict[str, Any], secrets: dict[str, str]) -> Any:
    s = deps.settings
    job_id = uuid.UUID(params["job_id"])
    async with deps.pool.acquire() as conn:
        row = await jobs_repo.get_job(conn, job_id)
    if row is None:
        raise NotFound(f"job {job_id} not found")
    out = ReportPortalPushResult(pushed=0)
    rp = ReportPortalAPI(
        deps.session,
        s.reportportal_url,
        s.reportportal_project,
        s.reportportal_api_token.get_secret_value(),
        ssl_verify=s.reportportal_ssl_verify,
        timeout_s=s.reportportal_timeout_s,
    )
    try:
        launch = await _find_launch(rp, row, params)
    except ReportPortalError as exc:
        out.errors.append(f"finding the launch failed: {exc.detail}")
        return out.model_dump()
    if launch is None:
        what = params.get("child_job_name") or row["job_name"] or str(job_id)
        out.errors.append(f"no Report Portal launch found for {what}")
        return out.model_dump()
    out.launch_id = launch.id
    try:
        items = await rp.failed_items(launch.id)
    except ReportPortalError as exc:
        out.errors.append(f"reading the launch's items failed: {exc.detail}")
        return out.model_dump()
    try:
        locators = await rp.defect_locators()
    except ReportPortalError as exc:
        out.errors.append(f"reading the defect types failed, using the defaults: {exc.detail}")
        from verdict.integrations.reportportal import DEFAULT_LOCATORS

        locators = dict(DEFAULT_LOCATORS)

    child = str(params.get("child_job_name") or "")
    scope = (
        iter_failures(row["result"], child, int(params.get("child_build_number") or 0))
        if child
        else all_failures(row["result"])
    )
    failures = [f for f, _ in scope]
    url = result_url(s, str(job_id))
    updates: list[tuple[int, str, str]] = []
    for item in items:
        failure = next((f for f in failures if _matches(item, str(f.get("test_name")))), None)
        analysis = analysis_of(failure) if failure else {}
        defect = DEFECT_TYPE.get(str(analysis.get("classification") or ""))
        if failure is None or defect is None or defect not in locators:
            out.unmatched.append(item.name)
            continue
        updates.append((item.id, locators[defect], _comment(analysis, url)))
    for start in range(0, len(updates), MAX_PAGE):
        batch = updates[start : start + MAX_PAGE]
        try:
            await rp.update_issues(batch)
        except ReportPortalError as exc:
            out.errors.append(
                f"updating items {start + 1}-{start + len(batch)} failed: {exc.detail}"
            )
            continue
        out.pushed += len(batch)
    return out.model_dump()

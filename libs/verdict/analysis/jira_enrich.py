"""Find the existing Jira bug for every PRODUCT BUG group of a finished analysis.

The analyzer saves the analysis and hands the job over (phase enriching_jira);
this runs in the jira_enricher worker: one search per distinct keyword set,
scored without an AI call, matches written into the stored result, the group
rows and enriched_xml. Jira down or refusing never fails the job: the error is
recorded in the result and the job completes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import aiohttp
import asyncpg

from verdict.analysis.github_matches import apply_code_matches, find_tests_repo_matches
from verdict.analysis.secrets import unseal
from verdict.errors import VerdictError
from verdict.integrations.jira import JiraAPI, auth_for
from verdict.jira_match import BugGroup, MemorySearchCache, find_matches
from verdict.logging import get_logger
from verdict.settings import Settings
from verdict.storage import analyses as analyses_repo
from verdict.storage import inputs as inputs_repo
from verdict.storage import jobs as jobs_repo
from verdict.storage.analyses import JIRA_PHASE
from verdict.storage.inputs import CompressedOutput
from verdict.triage.builtin import PRODUCT_BUG

log = get_logger(__name__)


def jira_enabled(params: dict[str, Any], settings: Settings) -> bool:
    enabled = params.get("enable_jira")
    if enabled is None:
        enabled = settings.enable_jira
    return bool(enabled and (params.get("jira_url") or settings.jira_url))


def wants_enrichment(params: dict[str, Any], settings: Settings, result: dict[str, Any]) -> bool:
    """Whether a saved analysis goes to the jira_enricher before it completes: Jira for
    its PRODUCT BUGs, the tests repo's GitHub issues for its CODE ISSUEs."""
    from verdict.analysis.github_matches import wants_github

    return (jira_enabled(params, settings) and has_product_bugs(result)) or wants_github(
        params, settings, result
    )


def all_failures(result: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every FailureAnalysis of a result: top level, then child jobs at any depth."""
    yield from result.get("failures", [])
    for child in result.get("child_job_analyses", []) + result.get("failed_children", []):
        yield from all_failures(child)


def has_product_bugs(result: dict[str, Any]) -> bool:
    return any(
        f["analysis"].get("classification") == PRODUCT_BUG
        and f["analysis"].get("product_bug_report")
        for f in all_failures(result)
    )


def _bug_groups(result: dict[str, Any]) -> list[BugGroup]:
    groups: dict[str, BugGroup] = {}
    for failure in all_failures(result):
        analysis = failure["analysis"]
        report = analysis.get("product_bug_report")
        if analysis.get("classification") != PRODUCT_BUG or not report:
            continue
        sig = failure["error_signature"]
        if sig not in groups:
            keywords = report.get("jira_search_keywords") or report.get("title", "").split()[:6]
            groups[sig] = BugGroup(
                group_id=sig,
                keywords=keywords,
                bug_title=report.get("title", ""),
                failure_text=f"{failure['error']}\n{report.get('description', '')}",
            )
    return list(groups.values())


def _client(
    http: aiohttp.ClientSession, params: dict[str, Any], settings: Settings, secrets: dict[str, str]
) -> JiraAPI:
    token = secrets.get("jira_api_token") or settings.jira_api_token.get_secret_value()
    pat = secrets.get("jira_pat") or settings.jira_pat.get_secret_value()
    email = secrets.get("jira_email") or settings.jira_email
    ssl_verify = params.get("jira_ssl_verify")
    return JiraAPI(
        http,
        params.get("jira_url") or settings.jira_url,
        auth_for(token, email, pat),
        ssl_verify=settings.jira_ssl_verify if ssl_verify is None else bool(ssl_verify),
        timeout_s=settings.jira_timeout_s,
    )


async def enrich_with_jira(
    pool: asyncpg.Pool[asyncpg.Record],
    settings: Settings,
    http: aiohttp.ClientSession,
    cache: MemorySearchCache,
    job_id: uuid.UUID,
) -> str:
    async with pool.acquire() as conn:
        row = await jobs_repo.claim(conn, job_id, settings.job_lease_s, handed_off=JIRA_PHASE)
        if row is None:
            return "not claimed (not waiting for Jira)"
        secrets = unseal(settings, await inputs_repo.load_secrets(conn, job_id))
    params: dict[str, Any] = row["request_params"]
    result: dict[str, Any] = row["result"]
    groups = _bug_groups(result) if jira_enabled(params, settings) else []
    found: dict[str, list[dict[str, Any]]] = {}
    errors: list[str] = []
    if groups:
        await _search_jira(http, cache, settings, params, secrets, groups, found, errors)
    code_found, github_errors = await find_tests_repo_matches(
        http, settings, params, secrets, result
    )
    bug_reports = _apply(result, found)
    code_fixes = apply_code_matches(result, code_found)
    if errors:
        # Recorded, not raised: the analysis stands without the matches.
        result["jira_error"] = "; ".join(dict.fromkeys(errors))
    if github_errors:
        result["github_error"] = "; ".join(dict.fromkeys(github_errors))
    async with pool.acquire() as conn:
        outputs = await _re_enrich_xml(conn, job_id, result, settings)
        await analyses_repo.save_enrichment(conn, job_id, result, bug_reports, code_fixes, outputs)
        await inputs_repo.forget_secrets(conn, job_id)
    matched = sum(1 for v in found.values() if v)
    code_matched = sum(1 for v in code_found.values() if v)
    return (
        f"jira: {matched} of {len(groups)} bug groups matched; "
        f"tests repo: {code_matched} of {len(code_found)} code issue groups matched"
    )


async def _search_jira(
    http: aiohttp.ClientSession,
    cache: MemorySearchCache,
    settings: Settings,
    params: dict[str, Any],
    secrets: dict[str, str],
    groups: list[BugGroup],
    found: dict[str, list[dict[str, Any]]],
    errors: list[str],
) -> None:
    try:
        client = _client(http, params, settings, secrets)
        matches = await find_matches(
            client,
            groups,
            params.get("jira_project_key") or settings.jira_project_key or None,
            max_results=params.get("jira_max_results") or settings.jira_max_results,
            threshold=settings.jira_match_threshold,
            concurrency=settings.jira_concurrency,
            cache=cache,
            issue_types=settings.jira_issue_types,
        )
        for sig, group_matches in matches.items():
            found[sig] = [m.to_dict() for m in group_matches.matches]
            if group_matches.error is not None:
                errors.append(_describe(group_matches.error))
    except (VerdictError, ValueError, aiohttp.ClientError) as exc:
        errors.append(_describe(exc))


def _describe(exc: BaseException) -> str:
    detail = exc.detail if isinstance(exc, VerdictError) else str(exc)
    return f"Jira search failed: {detail}"


def _apply(result: dict[str, Any], found: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Put each group's matches in every failure of the group; return the group reports."""
    reports: dict[str, Any] = {}
    for failure in all_failures(result):
        sig = failure["error_signature"]
        report = failure["analysis"].get("product_bug_report")
        if sig in found and report:
            report["jira_matches"] = found[sig]
            reports[sig] = report
    return reports


async def _re_enrich_xml(
    conn: Any, job_id: uuid.UUID, result: dict[str, Any], settings: Settings
) -> list[CompressedOutput]:
    """Rewrite enriched_xml so its ai_jira_match_* properties carry the matches."""
    if "enriched_xml" not in await inputs_repo.output_names(conn, job_id):
        return []
    from verdict.analysis.direct import CompressingSink, report_url
    from verdict.analysis.inputs import StoredXml
    from verdict.junit import enrich_report_to

    _, stored = await inputs_repo.load_stored_input(conn, job_id)
    identities = await analyses_repo.junit_identities(conn, job_id)
    by_identity = {
        identities[f["test_name"]]: f for f in result["failures"] if f["test_name"] in identities
    }
    sink = CompressingSink()
    enrich_report_to(
        sink,
        StoredXml(stored).open(),
        by_identity,
        report_url=report_url(settings, job_id),
        encoding="utf-8",
    )
    return [CompressedOutput("enriched_xml", sink.size, sink.finish())]

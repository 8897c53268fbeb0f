"""storage.analyses against real Postgres: one transaction per save, idempotent re-runs,
the hand-on to the jira_enricher and its finish."""

from __future__ import annotations

from tests.libs.storage.support import analysed_groups, completed_job
from verdict.storage import analyses, jobs
from verdict.storage.analyses import RunTotals
from verdict.storage.inputs import CompressedOutput


async def _counts(conn) -> tuple[int, int, int]:
    return (
        await conn.fetchval("select count(*) from analyses"),
        await conn.fetchval("select count(*) from failures"),
        await conn.fetchval("select count(*) from test_runs"),
    )


async def test_save_completed_writes_groups_failures_totals_and_completes(pg):
    async with pg.acquire() as conn:
        job_id = await completed_job(conn, ("t.a", "boom"), ("t.b", "boom"), ("t.c", "other"))
        assert await _counts(conn) == (2, 3, 1)
        row = await jobs.get_job(conn, job_id)
        assert (row["status"], row["summary"]) == ("completed", "3 failures")
        groups = await analyses.job_groups(conn, job_id)
    assert [list(g["tests"]) for g in groups] == [["t.a", "t.b"], ["t.c"]]
    assert {g["classification"] for g in groups} == {"CODE ISSUE"}


async def test_saving_again_rewrites_the_same_rows(pg):
    async with pg.acquire() as conn:
        job_id = await completed_job(conn, ("t.a", "boom"), ("t.b", "other"))
        groups = analysed_groups(("t.a", "boom"), ("t.b", "other"), classification="PRODUCT BUG")
        await analyses.save_completed(
            conn,
            job_id,
            job_name="",
            build_number=1,
            groups=groups,
            result={"job_id": str(job_id)},
            summary="again",
            totals=[RunTotals(total=2, failed=2)],
        )
        assert await _counts(conn) == (2, 2, 1)
        labels = await conn.fetch("select distinct classification from failures")
    assert [r["classification"] for r in labels] == ["PRODUCT BUG"]


async def test_an_enrichment_completes_a_handed_on_job_with_its_matches(pg):
    async with pg.acquire() as conn:
        job_id = await completed_job(
            conn, ("t.a", "boom"), classification="PRODUCT BUG", jira_lease_s=600
        )
        signature = await conn.fetchval("select signature from analyses")
        report = {"title": "Boom", "jira_matches": [{"key": "BUG-1"}]}
        result = {"job_id": str(job_id), "matched": True}
        xml = CompressedOutput("enriched_xml", 5, b"<x/>!")
        await analyses.save_enrichment(conn, job_id, result, {signature: report}, {}, [xml])
        row = await jobs.get_job(conn, job_id)
        stored = await conn.fetchval("select product_bug_report from analyses")
    assert (row["status"], row["phase"], row["result"]) == ("completed", "saving", result)
    assert stored == report


async def test_giving_up_keeps_the_analysis_and_says_why(pg):
    async with pg.acquire() as conn:
        job_id = await completed_job(conn, ("t.a", "boom"), jira_lease_s=600)
        await analyses.give_up_enrichment(conn, job_id, "Jira down")
        row = await jobs.get_job(conn, job_id)
        # Only a job still handed on is finished: a second give-up changes nothing.
        await analyses.give_up_enrichment(conn, job_id, "again")
        again = await jobs.get_job(conn, job_id)
    assert row["status"] == "completed"
    assert row["result"] == {"job_id": str(job_id), "failures": [], "jira_error": "Jira down"}
    assert again["result"] == row["result"]

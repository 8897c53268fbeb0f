"""storage.jobs against real Postgres: creation, the one claim, leases, finishing."""

from __future__ import annotations

import asyncio

from tests.libs.storage.support import completed_job, new_job
from verdict.storage import inputs, jobs


async def test_create_job_writes_the_row_its_input_and_secrets(pg):
    async with pg.acquire() as conn:
        job_id = await jobs.create_job(conn, new_job(payload=b"payload", secrets=b"sealed"))
        row = await jobs.get_job(conn, job_id)
        assert row["status"] == "pending" and row["kind"] == "failures"
        assert await inputs.load_input(conn, job_id) == ("application/json", b"payload")
        assert await inputs.load_secrets(conn, job_id) == b"sealed"


async def test_a_webhook_build_is_one_job_however_often_it_is_notified(pg):
    async with pg.acquire() as conn:
        job = new_job("jenkins", job_name="app", build_number=7)
        first, created = await jobs.create_webhook_job(conn, job)
        again, created_again = await jobs.create_webhook_job(conn, job)
        api_job = await jobs.create_job(conn, job)
    assert created and not created_again and again == first
    assert api_job != first  # an API request for the same build is its own job


async def test_claim_takes_a_job_once_until_its_lease_expires(pg):
    async with pg.acquire() as conn:
        job_id = await jobs.create_job(conn, new_job())
        claimed = await jobs.claim(conn, job_id, 300, "analyzing")
        assert claimed is not None and claimed["attempts"] == 1
        assert await jobs.claim(conn, job_id, 300, "analyzing") is None  # leased
        await conn.execute("update jobs set lease_until = now() - interval '1 s'")
        again = await jobs.claim(conn, job_id, 300, "analyzing")
        assert again is not None and again["attempts"] == 2
        row = await jobs.get_job(conn, job_id)
    assert row["phase"] == "analyzing"
    assert [p["phase"] for p in row["progress_log"]] == ["analyzing", "analyzing"]


async def test_claim_filters_by_kind_and_honours_the_poll_token(pg):
    async with pg.acquire() as conn:
        job_id = await jobs.create_job(conn, new_job("jenkins", job_name="app", build_number=1))
        assert await jobs.claim(conn, job_id, 300, kind="failures") is None
        assert await jobs.claim(conn, job_id, 300, kind="jenkins") is not None
        token = await jobs.wait(conn, job_id, 600)
        assert token == 1
        # Waiting under a live lease: only the scheduled poll (its token) takes it.
        assert await jobs.claim(conn, job_id, 300, kind="jenkins", poll_token=0) is None
        polled = await jobs.claim(conn, job_id, 300, kind="jenkins", poll_token=token)
        assert polled is not None and polled["waited_s"] >= 0


async def test_a_handed_on_job_is_claimed_by_its_next_worker_only(pg):
    async with pg.acquire() as conn:
        job_id = await completed_job(conn, ("t.a", "boom"), jira_lease_s=600)
        state = await jobs.job_state(conn, job_id)
        assert (state["status"], state["phase"]) == ("running", "enriching_jira")
        assert await jobs.claim(conn, job_id, 300, "analyzing") is None  # lease is live
        taken = await jobs.claim(conn, job_id, 300, handed_off="enriching_jira")
        assert taken is not None and taken["result"]["job_id"] == str(job_id)
        assert await jobs.job_status(conn, job_id) == "running"


async def test_finishing_notifies_waiters_after_commit(pg, database):
    import asyncpg

    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(database)
    await listener.add_listener(jobs.DONE_CHANNEL, lambda *args: heard.put_nowait(args[3]))
    try:
        async with pg.acquire() as conn:
            job_id = await jobs.create_job(conn, new_job())
            await jobs.claim(conn, job_id, 300, "analyzing")
            await jobs.mark_failed(conn, job_id, "unusable", "INVALID_INPUT")
            row = await jobs.get_job(conn, job_id)
        assert await asyncio.wait_for(heard.get(), 5) == str(job_id)
    finally:
        await listener.close()
    assert (row["status"], row["error_code"]) == ("failed", "INVALID_INPUT")
    assert row["result"] == {
        "job_id": str(job_id),
        "status": "failed",
        "error": "unusable",
        "summary": "unusable",
    }


async def test_stale_jobs_release_counts_and_delete(pg):
    async with pg.acquire() as conn:
        pending = await jobs.create_job(conn, new_job())
        running = await jobs.create_job(conn, new_job())
        await jobs.claim(conn, running, 300, "analyzing")
        stale = {r["id"] for r in await jobs.stale_jobs(conn, 0)}
        assert stale == {pending}  # the running one holds a live lease
        await jobs.release(conn, running)
        assert await jobs.job_counts(conn) == {"pending": 2}
        assert await jobs.delete_job(conn, pending) is True
        assert await jobs.delete_job(conn, pending) is False
        assert await jobs.get_job(conn, pending) is None

"""storage.collaboration against real Postgres: comments need their failure, reviews,
and an override reclassifies the whole signature group everywhere it is stored."""

from __future__ import annotations

from tests.libs.storage.support import completed_job
from verdict.storage import collaboration as repo
from verdict.storage import jobs


async def test_a_comment_copies_its_failures_signature_or_is_refused(pg):
    async with pg.acquire() as conn:
        job_id = await completed_job(conn, ("t.a", "boom"))
        scope = {"child_job_name": "", "child_build_number": 0, "username": "ann"}
        comment_id = await repo.add_comment(conn, job_id, test_name="t.a", comment="hi", **scope)
        missing = await repo.add_comment(conn, job_id, test_name="t.zz", comment="?", **scope)
        linked = await repo.add_comment(
            conn, job_id, test_name="t.zz", comment="GH#1", error_signature="sig", **scope
        )
        rows = await repo.list_comments(conn, job_id, None)
        signature = await conn.fetchval("select error_signature from failures")
    assert comment_id is not None and missing is None and linked is not None
    assert [(r["test_name"], r["error_signature"]) for r in rows] == [
        ("t.a", signature),
        ("t.zz", "sig"),
    ]


async def test_only_the_owner_or_an_admin_deletes_a_comment(pg):
    async with pg.acquire() as conn:
        job_id = await completed_job(conn, ("t.a", "boom"))
        scope = {"child_job_name": "", "child_build_number": 0, "comment": "x"}
        comment_id = await repo.add_comment(conn, job_id, test_name="t.a", username="ann", **scope)
        assert comment_id is not None
        assert not await repo.delete_comment(conn, job_id, comment_id, owner="bob")
        assert await repo.delete_comment(conn, job_id, comment_id, owner="ann")
        other = await repo.add_comment(conn, job_id, test_name="t.a", username="ann", **scope)
        assert other is not None and await repo.delete_comment(conn, job_id, other, owner=None)


async def test_reviews_are_one_row_per_failure_the_last_click_wins(pg):
    async with pg.acquire() as conn:
        job_id = await completed_job(conn, ("t.a", "boom"))
        scope = {"test_name": "t.a", "child_job_name": "", "child_build_number": 0}
        assert await repo.set_reviewed(conn, job_id, reviewed=True, username="ann", **scope)
        assert await repo.set_reviewed(conn, job_id, reviewed=False, username="bob", **scope)
        missing = {**scope, "test_name": "t.zz"}
        assert not await repo.set_reviewed(conn, job_id, reviewed=True, username="x", **missing)
        reviews = await repo.list_reviews(conn, job_id)
    assert [(r["reviewed"], r["username"]) for r in reviews] == [(False, "bob")]


async def test_an_override_reclassifies_the_group_in_every_row(pg):
    async with pg.acquire() as conn:
        job_id = await completed_job(conn, ("t.a", "boom"), ("t.b", "boom"), ("t.c", "other"))
        failures = [
            {"test_name": t, "analysis": {"classification": "CODE ISSUE", "code_fix": {"f": 1}}}
            for t in ("t.a", "t.b", "t.c")
        ]
        await jobs.replace_result(conn, job_id, {"failures": failures})
        group = await repo.override_classification(
            conn,
            job_id,
            test_name="t.a",
            child_job_name="",
            child_build_number=0,
            classification="PRODUCT BUG",
            username="ann",
        )
        assert group is not None and group[1] == ["t.a", "t.b"]
        rows = await conn.fetch("select test_name, classification from failures order by id")
        labels = await conn.fetchval("select count(*) from classifications where kind = 'primary'")
        result = (await jobs.get_job(conn, job_id))["result"]
    assert [r["classification"] for r in rows] == ["PRODUCT BUG", "PRODUCT BUG", "CODE ISSUE"]
    assert labels == 2
    patched = {f["test_name"]: f["analysis"] for f in result["failures"]}
    assert patched["t.a"] == {"classification": "PRODUCT BUG", "code_fix": False, "source": "human"}
    assert patched["t.c"]["classification"] == "CODE ISSUE"

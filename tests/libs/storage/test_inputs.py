"""storage.inputs against real Postgres: inputs stored compressed, secrets, outputs."""

from __future__ import annotations

import zlib

import pytest

from tests.libs.storage.support import new_job
from verdict.errors import NotFound
from verdict.storage import inputs, jobs
from verdict.storage.inputs import CompressedOutput


async def test_an_input_is_stored_compressed_and_read_back_whole(pg):
    payload = b"<testsuite>" + b"x" * 100_000 + b"</testsuite>"
    async with pg.acquire() as conn:
        job_id = await jobs.create_job(conn, new_job(payload=payload))
        content_type, stored = await inputs.load_stored_input(conn, job_id)
        assert len(stored) < len(payload) // 10 and zlib.decompress(stored) == payload
        assert await inputs.load_input(conn, job_id) == (content_type, payload)
        size = await conn.fetchval("select size_bytes from job_inputs where job_id = $1", job_id)
    assert size == len(payload)


async def test_a_job_without_input_is_not_found(pg):
    async with pg.acquire() as conn:
        job_id = await jobs.create_job(conn, new_job())
        await conn.execute("delete from job_inputs")
        with pytest.raises(NotFound):
            await inputs.load_input(conn, job_id)


async def test_secrets_are_kept_until_forgotten(pg):
    async with pg.acquire() as conn:
        job_id = await jobs.create_job(conn, new_job())
        assert await inputs.load_secrets(conn, job_id) is None
        await inputs.save_secrets(conn, job_id, b"one")
        await inputs.save_secrets(conn, job_id, b"two")
        assert await inputs.load_secrets(conn, job_id) == b"two"
        await inputs.forget_secrets(conn, job_id)
        assert await inputs.load_secrets(conn, job_id) is None


async def test_outputs_are_replaced_by_name(pg):
    async with pg.acquire() as conn:
        job_id = await jobs.create_job(conn, new_job())
        await inputs.save_outputs(conn, job_id, [CompressedOutput("enriched_xml", 3, b"abc")])
        await inputs.save_outputs(conn, job_id, [CompressedOutput("enriched_xml", 4, b"abcd")])
        assert await inputs.output_names(conn, job_id) == {"enriched_xml"}
        row = await conn.fetchrow("select size_bytes, payload from job_outputs")
    assert (row["size_bytes"], row["payload"]) == (4, b"abcd")

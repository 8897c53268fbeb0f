"""A job's inputs and large outputs: the stored request payload (job_inputs, compressed),
the request's encrypted credentials (job_secrets, deleted when the job is done with them)
and large outputs such as the enriched JUnit XML (job_outputs, compressed).

Large inputs (a raw report up to 50 MB) live here, in Postgres, never in Redis.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from verdict.errors import NotFound
from verdict.storage.pool import Conn


@dataclass(frozen=True)
class CompressedOutput:
    """A large job output (enriched XML), zlib-compressed by its producer."""

    name: str
    size_bytes: int
    payload: bytes


def compress(payload: bytes) -> bytes:
    # Level 1: reports compress ~10x at disk speed; higher levels cost seconds on 50 MB.
    return zlib.compress(payload, 1)


insert_input_row = """
insert into job_inputs (job_id, content_type, size_bytes, payload) values ($1, $2, $3, $4)
"""


async def insert_input(conn: Conn, job_id: uuid.UUID, content_type: str, payload: bytes) -> None:
    """Store a new job's input (in the transaction that creates the job)."""
    await conn.execute(insert_input_row, job_id, content_type, len(payload), compress(payload))


select_input = "select content_type, payload from job_inputs where job_id = $1"


async def load_stored_input(conn: Conn, job_id: uuid.UUID) -> tuple[str, bytes]:
    """The input as stored: (content type, zlib-compressed payload)."""
    row = await conn.fetchrow(select_input, job_id)
    if row is None:
        raise NotFound(f"job {job_id} has no stored input")
    return row["content_type"], row["payload"]


async def load_input(conn: Conn, job_id: uuid.UUID) -> tuple[str, bytes]:
    """The input decompressed: (content type, payload)."""
    content_type, stored = await load_stored_input(conn, job_id)
    return content_type, zlib.decompress(stored)


upsert_secrets = """
insert into job_secrets (job_id, payload) values ($1, $2)
on conflict (job_id) do update set payload = excluded.payload
"""
select_secrets = "select payload from job_secrets where job_id = $1"
delete_secrets = "delete from job_secrets where job_id = $1"


async def save_secrets(conn: Conn, job_id: uuid.UUID, payload: bytes) -> None:
    await conn.execute(upsert_secrets, job_id, payload)


async def load_secrets(conn: Conn, job_id: uuid.UUID) -> bytes | None:
    payload: bytes | None = await conn.fetchval(select_secrets, job_id)
    return payload


async def forget_secrets(conn: Conn, job_id: uuid.UUID) -> None:
    await conn.execute(delete_secrets, job_id)


upsert_output = """
insert into job_outputs (job_id, name, size_bytes, payload) values ($1, $2, $3, $4)
on conflict (job_id, name) do update
   set size_bytes = excluded.size_bytes, payload = excluded.payload, created_at = now()
"""


async def save_outputs(conn: Conn, job_id: uuid.UUID, outputs: Sequence[CompressedOutput]) -> None:
    for output in outputs:
        await conn.execute(upsert_output, job_id, output.name, output.size_bytes, output.payload)


select_output_names = "select name from job_outputs where job_id = $1"


async def output_names(conn: Conn, job_id: uuid.UUID) -> set[str]:
    return {r["name"] for r in await conn.fetch(select_output_names, job_id)}


# Key rotation (verdict rotate-key): credentials of jobs not yet done with them.
select_all_secrets = "select job_id, payload from job_secrets"
update_secret_payload = "update job_secrets set payload = $2 where job_id = $1"


async def all_secret_payloads(conn: Conn) -> list[tuple[uuid.UUID, bytes]]:
    return [(r["job_id"], bytes(r["payload"])) for r in await conn.fetch(select_all_secrets)]


async def set_secret_payload(conn: Conn, job_id: uuid.UUID, payload: bytes) -> None:
    await conn.execute(update_secret_payload, job_id, payload)

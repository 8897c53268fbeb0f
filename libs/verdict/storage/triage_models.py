"""Learned triage models and the human overrides they learn from."""

from __future__ import annotations

from typing import Any

import asyncpg

from verdict.storage.pool import Conn

# The newest visible human override per signature, with the text of its newest
# failure: what a person said, about what. Classes outside the three are labels
# (history kind), not overrides.
select_override_examples = """
select distinct on (c.error_signature)
       c.error_signature, c.classification, c.test_name, c.job_name, c.parent_job_name,
       f.error_message, f.job_name as failure_job_name
  from classifications c
  join failures f on f.error_signature = c.error_signature
 where c.kind = 'primary' and c.visible and c.created_by <> 'ai' and c.error_signature <> ''
   and c.classification in ('CODE ISSUE', 'PRODUCT BUG', 'INFRASTRUCTURE')
 order by c.error_signature, c.created_at desc, f.analyzed_at desc
 limit $1
"""

insert_model = """
insert into triage_models (trained_on, overrides, model) values ($1, $2, $3)
returning id
"""

select_latest_id = "select max(id) from triage_models"
select_model = "select model from triage_models where id = $1"
# Keep the newest few: a model is rebuilt from data, old ones only explain history.
prune_models = "delete from triage_models where id < $1 - 5"


async def override_examples(conn: Conn, limit: int = 20_000) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(select_override_examples, limit)
    return rows


async def save_model(conn: Conn, model: dict[str, Any], trained_on: int, overrides: int) -> int:
    # The pool's jsonb codec encodes the dict (storage/pool.py).
    model_id: int = await conn.fetchval(insert_model, trained_on, overrides, model)
    await conn.execute(prune_models, model_id)
    return model_id


async def latest_model_id(conn: Conn) -> int | None:
    value: int | None = await conn.fetchval(select_latest_id)
    return value


async def load_model(conn: Conn, model_id: int) -> dict[str, Any] | None:
    model: dict[str, Any] | None = await conn.fetchval(select_model, model_id)
    return model

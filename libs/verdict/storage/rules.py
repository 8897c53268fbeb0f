"""Team rules, merged over the shipped builtin rules (`/api/rules`)."""

from __future__ import annotations

from typing import Any

import asyncpg

from verdict.storage.pool import Conn

_COLUMNS = (
    "id, category, target, pattern, explanation, confidence, enabled, fix, severity, "
    "ignore_case, examples, equal_groups, created_by, created_at, updated_at"
)
_RULE_FIELDS = (
    "id",
    "category",
    "target",
    "pattern",
    "explanation",
    "confidence",
    "enabled",
    "fix",
    "severity",
    "ignore_case",
    "examples",
    "equal_groups",
)

select_rules = f"select {_COLUMNS} from rules order by id"
select_rule = f"select {_COLUMNS} from rules where id = $1"

upsert_rule = f"""
insert into rules (id, category, target, pattern, explanation, confidence, enabled, fix,
                   severity, ignore_case, examples, equal_groups, created_by)
values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
on conflict (id) do update
   set category = excluded.category, target = excluded.target, pattern = excluded.pattern,
       explanation = excluded.explanation, confidence = excluded.confidence,
       enabled = excluded.enabled, fix = excluded.fix, severity = excluded.severity,
       ignore_case = excluded.ignore_case, examples = excluded.examples,
       equal_groups = excluded.equal_groups, updated_at = now()
returning {_COLUMNS}, (xmax = 0) as inserted
"""

delete_rule = "delete from rules where id = $1"


async def list_rules(conn: Conn) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(select_rules)
    return rows


async def get_rule(conn: Conn, rule_id: str) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(select_rule, rule_id)
    return row


async def save_rule(conn: Conn, rule: dict[str, Any], created_by: str) -> asyncpg.Record:
    # equal_groups came later than the other fields: absent means none.
    values = [rule.get(name, ()) if name == "equal_groups" else rule[name] for name in _RULE_FIELDS]
    values[-2] = list(values[-2])  # examples: a JSON array
    values[-1] = list(values[-1])  # equal_groups: text[]
    row = await conn.fetchrow(upsert_rule, *values, created_by)
    assert row is not None  # an upsert always returns its row
    return row


async def remove_rule(conn: Conn, rule_id: str) -> bool:
    result: str = await conn.execute(delete_rule, rule_id)
    return result.endswith(" 1")


def as_rule_dict(row: asyncpg.Record) -> dict[str, Any]:
    rule = {name: row[name] for name in _RULE_FIELDS}
    rule["equal_groups"] = tuple(rule["equal_groups"] or ())
    return rule

"""Stored triage models and team rules' equal_groups, on real Postgres."""

from __future__ import annotations

from verdict.storage import rules as rules_repo
from verdict.storage import triage_models as repo


async def test_models_round_trip_and_only_the_newest_few_are_kept(pg):
    async with pg.acquire() as conn:
        assert await repo.latest_model_id(conn) is None
        ids = [
            await repo.save_model(conn, {"n": i, "vocabulary": {"x": 0}}, 10 + i, i)
            for i in range(8)
        ]
        assert await repo.latest_model_id(conn) == ids[-1]
        assert await repo.load_model(conn, ids[-1]) == {"n": 7, "vocabulary": {"x": 0}}
        assert await repo.load_model(conn, ids[0]) is None  # pruned
        assert await pg.fetchval("select count(*) from triage_models") == 6


async def test_team_rule_equal_groups_are_stored(pg):
    rule = {
        "id": "team.all",
        "category": "PRODUCT BUG",
        "target": "any",
        "pattern": r"Total: (?P<total>\d+) Failed: (?P<failed>\d+)",
        "explanation": "all {total} failed",
        "confidence": 0.7,
        "enabled": True,
        "fix": "",
        "severity": "high",
        "ignore_case": True,
        "examples": ["Total: 3 Failed: 3"],
        "equal_groups": ("total", "failed"),
    }
    async with pg.acquire() as conn:
        await rules_repo.save_rule(conn, rule, "ann")
        stored = rules_repo.as_rule_dict(await rules_repo.get_rule(conn, "team.all"))
    assert stored["equal_groups"] == ("total", "failed")

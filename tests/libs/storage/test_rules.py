"""storage.rules against real Postgres: team rules upserted by id."""

from __future__ import annotations

from verdict.storage import rules as repo

RULE = {
    "id": "team.ldap",
    "category": "INFRASTRUCTURE",
    "target": "any",
    "pattern": "ldap timeout",
    "explanation": "LDAP was down",
    "confidence": 0.9,
    "enabled": True,
    "fix": "",
    "severity": "medium",
    "ignore_case": True,
    "examples": ("ldap timeout after 30s",),
}


async def test_save_inserts_then_replaces_and_remove_deletes(pg):
    async with pg.acquire() as conn:
        first = await repo.save_rule(conn, dict(RULE), "ann")
        second = await repo.save_rule(conn, {**RULE, "confidence": 0.5}, "bob")
        assert first["inserted"] and not second["inserted"]
        stored = repo.as_rule_dict(await repo.get_rule(conn, "team.ldap"))
        assert stored["confidence"] == 0.5 and list(stored["examples"]) == list(RULE["examples"])
        assert [r["id"] for r in await repo.list_rules(conn)] == ["team.ldap"]
        assert await repo.remove_rule(conn, "team.ldap")
        assert not await repo.remove_rule(conn, "team.ldap")
        assert await repo.get_rule(conn, "team.ldap") is None

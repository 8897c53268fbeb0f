"""Team rules on RE2 through the API: unsupported constructs are a 422 naming them."""

from __future__ import annotations

from tests.services.gateway.test_rules_api import ADMIN, admin_client  # noqa: F401

BASE = {
    "id": "team.all-failed",
    "category": "PRODUCT BUG",
    "confidence": 0.7,
    "explanation": "All {total} cases failed.",
}


async def test_lookaround_and_backreferences_are_refused_by_name(admin_client):  # noqa: F811
    for pattern, construct in (
        (r"^(?=.*Total)Total: (?P<total>\d+)", "lookahead"),
        (r"Total: (?P<total>\d+) Failed: (?P=total)", "backreference"),
    ):
        response = await admin_client.post(
            "/api/rules", json={**BASE, "pattern": pattern}, headers=ADMIN
        )
        assert response.status == 422, await response.text()
        body = await response.json()
        assert construct in body["detail"] and "RE2" in body["detail"]
        assert body["error_code"]
    listed = await (await admin_client.get("/api/rules?source=custom")).json()
    assert listed["total"] == 0  # nothing half-saved


async def test_equal_groups_replace_the_backreference_end_to_end(admin_client):  # noqa: F811
    rule = {
        **BASE,
        "pattern": r"Total: (?P<total>\d+) Failed: (?P<failed>\d+)",
        "equal_groups": ["total", "failed"],
    }
    created = await admin_client.post("/api/rules", json=rule, headers=ADMIN)
    assert created.status in (200, 201), await created.text()
    stored = await (await admin_client.get("/api/rules/team.all-failed")).json()
    assert stored["equal_groups"] == ["total", "failed"]
    hit = await admin_client.post("/api/rules/test", json={"message": "Total: 4 Failed: 4"})
    miss = await admin_client.post("/api/rules/test", json={"message": "Total: 4 Failed: 1"})
    assert "team.all-failed" in [m["rule_id"] for m in (await hit.json())["matches"]]
    assert "team.all-failed" not in [m["rule_id"] for m in (await miss.json())["matches"]]

"""Learning from people: overrides stored in Postgres retrain the builtin classifier."""

from __future__ import annotations

from tests.services.analyzer.test_triage_engine import run_build
from tests.services.gateway.test_collaboration import user
from verdict.services import triage_model
from verdict.services.deps import Deps

# A team's own failure mode, worded differently each time: nothing in the shipped
# corpus or rules knows it.
TAUGHT = [
    "LedgerDriftError: balance drift of 3 cents in shard eu after settlement",
    "LedgerDriftError: balance drift of 17 cents in shard us after settlement",
    "LedgerDriftError: balance drift of 5 cents in shard ap after settlement",
]
SIMILAR = "LedgerDriftError: drift detected in shard west during replay"


async def test_overrides_teach_similar_not_only_identical_failures(
    client, run_analyzer, pg, settings
):
    failures = [
        {"test_name": f"tests.test_ledger.test_{i}", "error_message": text}
        for i, text in enumerate(TAUGHT)
    ]
    first = await run_build(client, run_analyzer, {"failures": failures})
    for f in first["failures"]:
        response = await client.put(
            f"/results/{first['job_id']}/override-classification",
            json={"test_name": f["test_name"], "classification": "PRODUCT BUG"},
            headers=user("alice"),
        )
        assert response.status == 200, await response.text()

    probe = {"failures": [{"test_name": "tests.test_ledger.test_new", "error_message": SIMILAR}]}
    before = (await run_build(client, run_analyzer, probe))["failures"][0]["analysis"]

    report = await triage_model.retrain(Deps(settings, pg))
    assert report.overrides == 3
    stored = await pg.fetchrow(
        "select overrides, trained_on from triage_models where id = $1", report.model_id
    )
    assert stored["overrides"] == 3 and stored["trained_on"] == report.trained_on

    after = (await run_build(client, run_analyzer, {**probe, "force_fresh_analysis": True}))[
        "failures"
    ][0]["analysis"]
    assert after["source"] == "builtin"  # a new signature: no human answered it
    assert after["classification"] == "PRODUCT BUG"
    if before["classification"] == "PRODUCT BUG":
        assert after["confidence"] >= before["confidence"]


async def test_retrain_without_overrides_stores_the_corpus_model(pg, settings):
    report = await triage_model.retrain(Deps(settings, pg))
    assert report.overrides == 0
    assert report.trained_on > 150

"""Retrain the builtin classifier on human overrides, and serve the newest model.

`verdict retrain` and the analyzer's nightly cron call `retrain`; the triage
engine calls `current_model` once per job (one cheap query; the model itself is
read and rebuilt only when a newer one was stored).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from verdict.logging import get_logger
from verdict.services.deps import Deps
from verdict.storage import rules as rules_repo
from verdict.storage import triage_models as repo
from verdict.storage.pool import Conn
from verdict.triage.learned import LinearModel
from verdict.triage.retrain import ModelCache, examples_from_overrides, retrain_model
from verdict.triage.rules import build_ruleset

log = get_logger(__name__)


@dataclass(frozen=True)
class RetrainReport:
    model_id: int
    overrides: int
    trained_on: int


async def retrain(deps: Deps) -> RetrainReport:
    """Train on the shipped corpus + every current human override; store the model."""
    async with deps.pool.acquire() as conn:
        rows = await repo.override_examples(conn)
        team = [rules_repo.as_rule_dict(r) for r in await rules_repo.list_rules(conn)]
    overrides = examples_from_overrides([dict(r) for r in rows])
    ruleset = build_ruleset(team)
    # Training is CPU work (about a second): off the event loop.
    model = await asyncio.to_thread(retrain_model, overrides, ruleset)
    async with deps.pool.acquire() as conn:
        model_id = await repo.save_model(conn, model.to_json(), model.trained_on, len(overrides))
    log.info("triage model retrained", model_id=model_id, overrides=len(overrides))
    return RetrainReport(model_id, len(overrides), model.trained_on)


async def current_model(conn: Conn, cache: ModelCache) -> LinearModel | None:
    """The newest retrained model, or None (the shipped corpus's model then decides)."""
    model_id = await repo.latest_model_id(conn)
    if model_id is None:
        return None
    cached = cache.get(model_id)
    if cached is not None:
        return cached
    data = await repo.load_model(conn, model_id)
    if data is None:
        return None
    return cache.put(model_id, LinearModel.from_json(data))

"""Which AI provider and model a request ends up with, checked before a job exists."""

from __future__ import annotations

from verdict.contracts.requests import BaseAnalysisRequest
from verdict.errors import BadRequest
from verdict.settings import Settings

# Providers this server can run. The contract's CLI names (claude, gemini, cursor)
# join as their adapters land; until then asking for one is a clear 400, not a
# job that fails later.
AVAILABLE_PROVIDERS = frozenset({"builtin"})
NEEDS_NO_MODEL = frozenset({"builtin"})


def resolve(provider: str | None, model: str | None, settings: Settings) -> tuple[str, str]:
    name = (provider or settings.ai_provider or "builtin").strip().lower()
    chosen_model = (model if model is not None else settings.ai_model).strip()
    if name not in AVAILABLE_PROVIDERS:
        raise BadRequest(
            f"AI provider {name!r} is not available on this server; "
            f"choose one of: {', '.join(sorted(AVAILABLE_PROVIDERS))}"
        )
    if name not in NEEDS_NO_MODEL and not chosen_model:
        raise BadRequest(f"ai_model must not be blank for AI provider {name!r}")
    return name, chosen_model


def check_ai_config(request: BaseAnalysisRequest, settings: Settings) -> tuple[str, str]:
    """The (provider, model) for the main analysis; peers are checked too (400 if invalid)."""
    chosen = resolve(request.ai_provider, request.ai_model, settings)
    for peer in request.peer_ai_configs or []:
        resolve(peer.ai_provider, peer.ai_model, settings)
    return chosen

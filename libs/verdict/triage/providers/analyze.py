"""Ask a provider for one group's analysis: call, parse, validate, repair once.

Raw text is never returned as an analysis: an answer that still does not validate
after one repair round trip raises ProviderError, and the analyzer stores a clear
failed analysis for the group instead.
"""

from __future__ import annotations

from typing import Any, TypeVar

import structlog
from pydantic import BaseModel, ValidationError

from verdict.triage.prompt import ANALYSIS_SCHEMA, PromptGroup, build_analysis_prompt, repair_prompt

from .answer import AiAnswer, AnalysisAnswer, Usage, extract_json
from .base import Provider
from .errors import ProviderError
from .limiter import AiLimiter

log = structlog.get_logger(__name__)

M = TypeVar("M", bound=BaseModel)

MAX_ECHOED_ANSWER = 4_000  # how much of a bad answer we send back in the repair turn


async def ask_json(
    provider: Provider,
    system: str,
    user: str,
    schema: dict[str, Any],
    model_cls: type[M],
    limiter: AiLimiter,
    usage: Usage,
) -> M:
    """One call plus at most one repair call; every call holds one limiter slot."""
    prompt = user
    error = ""
    for attempt in range(2):
        async with limiter.slot():
            completion = await provider.complete(system, prompt, schema)
        usage.add(completion, provider.cost(completion))
        try:
            return model_cls.model_validate(extract_json(completion.text))
        except (ValueError, ValidationError) as exc:
            error = _short(exc)
            log.info("ai.invalid_answer", provider=provider.name, attempt=attempt, error=error)
        prompt = (
            f"{user}\n\n## Your previous answer\n{completion.text[:MAX_ECHOED_ANSWER]}\n\n"
            f"{repair_prompt(error)}"
        )
    raise ProviderError(
        f"{provider.name}/{provider.model} did not answer valid JSON after one repair: {error}"
    )


async def analyze_group(provider: Provider, group: PromptGroup, limiter: AiLimiter) -> AiAnswer:
    system, user = build_analysis_prompt(group)
    usage = Usage()
    answer = await ask_json(provider, system, user, ANALYSIS_SCHEMA, AnalysisAnswer, limiter, usage)
    return AiAnswer(
        detail=answer.detail(),
        confidence=answer.confidence,
        provider=provider.name,
        model=provider.model,
        usage=usage,
    )


def _short(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'answer'}: {err['msg']}"
            for err in exc.errors()[:5]
        )
    return str(exc)

"""Provider errors, both under the one Verdict error base."""

from __future__ import annotations

from verdict.errors import BadRequest, UpstreamError


class ProviderError(UpstreamError):
    """An AI provider failed or answered something unusable."""

    error = "ai_provider_error"


class ProviderTimeout(ProviderError):
    """An AI provider did not answer in time."""

    error = "ai_provider_timeout"


class ProviderConfigError(BadRequest):
    """The AI provider or model requested cannot be used."""

    error = "invalid_ai_provider"

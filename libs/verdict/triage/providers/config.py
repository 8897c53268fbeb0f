"""Provider names and how a request's `ai_provider`/`ai_model` become a ProviderConfig.

Names (case-insensitive):

- `builtin`    the offline rule engine; needs no model. The default.
- `claude`, `gemini`, `cursor`   the CLIs, exactly as the contract and JJI mean them.
- `openai`     any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama, ...).
- `anthropic`  the Anthropic Messages API.
- `gemini-api` the Gemini generateContent HTTP API.

`gemini` stays the CLI because the contract (and every JJI client) already sends
`"gemini"` meaning the CLI; the HTTP API therefore gets the new name `gemini-api`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .errors import ProviderConfigError

ProviderName = Literal["builtin", "openai", "anthropic", "gemini-api", "claude", "gemini", "cursor"]

CLI_PROVIDERS: frozenset[str] = frozenset({"claude", "gemini", "cursor"})
HTTP_PROVIDERS: frozenset[str] = frozenset({"openai", "anthropic", "gemini-api"})
PROVIDERS: frozenset[str] = CLI_PROVIDERS | HTTP_PROVIDERS | {"builtin"}
_ALIASES = {"gemini-cli": "gemini", "cursor-agent": "cursor", "google": "gemini-api"}


class ProviderConfig(BaseModel):
    """Everything needed to build one Provider."""

    provider: ProviderName
    model: str = ""
    base_url: str = ""
    api_key: str = Field(default="", repr=False)
    timeout_s: float = Field(default=120.0, gt=0)
    cli_timeout_minutes: float = Field(default=10.0, gt=0)
    # The Unix user a CLI runs as (required when Verdict runs as root) and its HOME
    # (default: that user's home directory); see subprocess_run.cli_identity.
    cli_user: str = ""
    cli_home: str = ""
    max_retries: int = Field(default=3, ge=0, le=10)
    backoff_base_s: float = Field(default=1.0, ge=0)
    max_backoff_s: float = Field(default=60.0, ge=0)
    price_per_1k_input: float = Field(default=0.0, ge=0)
    price_per_1k_output: float = Field(default=0.0, ge=0)


class ProviderDefaults(BaseModel):
    """Server-side settings a request falls back on (built from VERDICT_* settings)."""

    provider: str = "builtin"
    model: str = ""
    openai_base_url: str = "https://api.openai.com/v1"
    openai_api_key: str = Field(default="", repr=False)
    anthropic_base_url: str = "https://api.anthropic.com"
    anthropic_api_key: str = Field(default="", repr=False)
    gemini_base_url: str = "https://generativelanguage.googleapis.com"
    gemini_api_key: str = Field(default="", repr=False)
    timeout_s: float = 120.0
    cli_timeout_minutes: float = 10.0
    cli_user: str = ""
    cli_home: str = ""
    max_retries: int = 3
    backoff_base_s: float = 1.0
    # model name -> (price per 1k input tokens, per 1k output tokens), for the usage endpoint
    prices: dict[str, tuple[float, float]] = Field(default_factory=dict)


def normalize_name(name: str) -> str:
    key = name.strip().lower()
    return _ALIASES.get(key, key)


def resolve_provider(
    name: str | None,
    model: str | None,
    defaults: ProviderDefaults,
    *,
    cli_timeout_minutes: float | None = None,
) -> ProviderConfig:
    """Turn a request's overrides plus server defaults into a ProviderConfig (or 400)."""
    chosen = normalize_name(name if name and name.strip() else defaults.provider)
    if chosen not in PROVIDERS:
        raise ProviderConfigError(
            f"Unknown AI provider {chosen!r}; use one of: {', '.join(sorted(PROVIDERS))}."
        )
    chosen_model = (model if model is not None else defaults.model).strip()
    if chosen == "builtin":
        return ProviderConfig(provider="builtin", model=chosen_model or "rules")
    if not chosen_model:
        raise ProviderConfigError(f"An AI model is required for provider {chosen!r}.")
    base_url, api_key = _endpoint(chosen, defaults)
    price_in, price_out = defaults.prices.get(chosen_model, (0.0, 0.0))
    return ProviderConfig(
        provider=chosen,  # checked against PROVIDERS above; pydantic validates the Literal
        model=chosen_model,
        base_url=base_url,
        api_key=api_key,
        timeout_s=defaults.timeout_s,
        cli_timeout_minutes=cli_timeout_minutes or defaults.cli_timeout_minutes,
        cli_user=defaults.cli_user,
        cli_home=defaults.cli_home,
        max_retries=defaults.max_retries,
        backoff_base_s=defaults.backoff_base_s,
        price_per_1k_input=price_in,
        price_per_1k_output=price_out,
    )


def _endpoint(provider: str, defaults: ProviderDefaults) -> tuple[str, str]:
    if provider == "openai":
        return defaults.openai_base_url, defaults.openai_api_key
    if provider == "anthropic":
        return defaults.anthropic_base_url, defaults.anthropic_api_key
    if provider == "gemini-api":
        return defaults.gemini_base_url, defaults.gemini_api_key
    return "", ""  # CLIs authenticate through their own environment variables

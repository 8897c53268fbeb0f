from __future__ import annotations

import pytest

from verdict.triage.providers import ProviderConfigError, ProviderDefaults, resolve_provider

DEFAULTS = ProviderDefaults(
    provider="builtin",
    openai_base_url="http://llm.local/v1",
    openai_api_key="sk-openai",
    gemini_api_key="g-key",
    prices={"gpt-4o-mini": (0.15, 0.6)},
)


def test_default_is_builtin_without_model() -> None:
    config = resolve_provider(None, None, DEFAULTS)
    assert config.provider == "builtin"


@pytest.mark.parametrize("name", ["claude", "gemini", "cursor"])
def test_contract_names_are_the_clis(name: str) -> None:
    config = resolve_provider(name, "some-model", DEFAULTS, cli_timeout_minutes=3)
    assert config.provider == name
    assert config.cli_timeout_minutes == 3
    assert config.api_key == ""  # CLIs use their own environment auth


def test_gemini_api_is_the_http_api() -> None:
    config = resolve_provider("gemini-api", "gemini-2.5-flash", DEFAULTS)
    assert config.provider == "gemini-api"
    assert config.api_key == "g-key"
    assert config.base_url == "https://generativelanguage.googleapis.com"


def test_openai_takes_endpoint_key_and_price() -> None:
    config = resolve_provider(" OpenAI ", "gpt-4o-mini", DEFAULTS)
    assert (config.provider, config.base_url, config.api_key) == (
        "openai",
        "http://llm.local/v1",
        "sk-openai",
    )
    assert (config.price_per_1k_input, config.price_per_1k_output) == (0.15, 0.6)


def test_aliases() -> None:
    assert resolve_provider("gemini-cli", "m", DEFAULTS).provider == "gemini"
    assert resolve_provider("cursor-agent", "m", DEFAULTS).provider == "cursor"


def test_unknown_provider_is_400() -> None:
    with pytest.raises(ProviderConfigError) as info:
        resolve_provider("copilot", "x", DEFAULTS)
    assert info.value.status == 400
    assert "copilot" in info.value.detail


@pytest.mark.parametrize("model", ["", "   "])
def test_blank_model_is_400(model: str) -> None:
    with pytest.raises(ProviderConfigError):
        resolve_provider("claude", model, DEFAULTS)


def test_missing_model_falls_back_to_default_model() -> None:
    defaults = DEFAULTS.model_copy(update={"provider": "anthropic", "model": "claude-sonnet"})
    config = resolve_provider(None, None, defaults)
    assert (config.provider, config.model) == ("anthropic", "claude-sonnet")
    with pytest.raises(ProviderConfigError):
        resolve_provider("openai", None, DEFAULTS)  # builtin default has no model to lend

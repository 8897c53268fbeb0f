"""ProviderConfig -> Provider."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from .anthropic import Anthropic
from .base import Provider
from .cli import ClaudeCLI, CursorCLI, GeminiCLI
from .config import ProviderConfig
from .errors import ProviderConfigError
from .gemini_api import GeminiAPI
from .openai import OpenAICompatible


def make_provider(
    config: ProviderConfig,
    session: aiohttp.ClientSession | None = None,
    *,
    cwd: Path | None = None,
) -> Provider:
    """Build the provider; HTTP ones use the caller's long-lived session.

    `cwd` is where CLI providers run (the prepared repo workspace), so their read
    tools see the cloned repositories and nothing else of ours.
    """
    if config.provider == "builtin":
        raise ProviderConfigError("builtin is the rule engine, not an AI provider")
    if config.provider == "claude":
        return ClaudeCLI(config, cwd)
    if config.provider == "gemini":
        return GeminiCLI(config, cwd)
    if config.provider == "cursor":
        return CursorCLI(config, cwd)
    if session is None:
        raise ValueError(f"{config.provider} needs the caller's aiohttp session")
    if config.provider == "openai":
        return OpenAICompatible(config, session)
    if config.provider == "anthropic":
        return Anthropic(config, session)
    return GeminiAPI(config, session)

"""AI providers: HTTP APIs and CLIs behind one `Provider.complete` call.

See config.py for how provider names are chosen, analyze.py for one group's
analysis, limiter.py for the per-worker concurrency cap.
"""

from .analyze import analyze_group, ask_json
from .answer import AiAnswer, AnalysisAnswer, Usage, extract_json
from .base import Completion, Provider
from .config import (
    CLI_PROVIDERS,
    HTTP_PROVIDERS,
    PROVIDERS,
    ProviderConfig,
    ProviderDefaults,
    resolve_provider,
)
from .errors import ProviderConfigError, ProviderError, ProviderTimeout
from .factory import make_provider
from .limiter import AiLimiter

__all__ = [
    "CLI_PROVIDERS",
    "HTTP_PROVIDERS",
    "PROVIDERS",
    "AiAnswer",
    "AiLimiter",
    "AnalysisAnswer",
    "Completion",
    "Provider",
    "ProviderConfig",
    "ProviderConfigError",
    "ProviderDefaults",
    "ProviderError",
    "ProviderTimeout",
    "Usage",
    "analyze_group",
    "ask_json",
    "extract_json",
    "make_provider",
    "resolve_provider",
]

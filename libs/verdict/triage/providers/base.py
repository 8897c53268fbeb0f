"""The provider interface: one call in, text and token counts out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from .config import ProviderConfig


@dataclass(frozen=True)
class Completion:
    text: str
    input_tokens: int = 0
    output_tokens: int = 0


class Provider(ABC):
    """One configured AI. Implementations do one round trip per `complete` call.

    `json_schema` is the shape the answer must have; providers that can enforce it
    natively do, the others rely on the prompt (which always carries it too).
    """

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config

    @property
    def name(self) -> str:
        return self.config.provider

    @property
    def model(self) -> str:
        return self.config.model

    def cost(self, completion: Completion) -> float:
        return (
            completion.input_tokens * self.config.price_per_1k_input
            + completion.output_tokens * self.config.price_per_1k_output
        ) / 1000

    @abstractmethod
    async def complete(self, system: str, user: str, json_schema: dict[str, Any]) -> Completion:
        """Ask once; raise ProviderError (or ProviderTimeout) when no text comes back."""

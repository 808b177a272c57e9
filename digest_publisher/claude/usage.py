"""Calls, tokens and dollars of one stage of Claude calls (drafting's or curation's)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass
class StageUsage:
    """Calls and tokens of one stage; ``cached`` counts calls answered from the disk cache."""

    calls: int = 0
    cached: int = 0
    retries: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    cost_usd: float = 0.0
    batch: bool = False
    model: str = ""  # the Claude model the stage called (stages can differ: see ClaudeSettings.cards_model)
    # Why each retry happened: a transient API failure ("HTTP 529 overloaded_error; retry 1 of 4 ...") or
    # an answer that failed its checks ("answer failed 2 check(s): ...").
    retry_reasons: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StageUsage:
        """The inverse of :meth:`to_dict` (e.g. curation's triage usage carried into the draft's totals)."""
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})

    def to_dict(self) -> dict[str, Any]:
        return {
            **({"model": self.model} if self.model else {}),
            "calls": self.calls,
            "cached": self.cached,
            "retries": self.retries,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_creation_input_tokens": self.cache_creation_input_tokens,
            "cache_read_input_tokens": self.cache_read_input_tokens,
            "cost_usd": round(self.cost_usd, 6),
            "batch": self.batch,
            "retry_reasons": list(self.retry_reasons),
        }

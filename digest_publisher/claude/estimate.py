"""What a Claude run will cost, before any call: calls and tokens per stage, dollars streamed and batched.

Tokens are a local estimate, documented here so it can be checked: one token per :data:`CHARS_PER_TOKEN`
characters of the text sent (Anthropic's rule of thumb for English; arXiv abstracts are English), counted
over exactly the prompt text the stage would send (system prompt, shared blocks, its own text). Output
tokens come from what each prompt asks for (per-paper word limits, section word bounds), stated where
each stage estimates itself. No Messages API call is made and nothing is sent anywhere.

A shared block at least the model's ``min_cache_tokens`` long is priced as written to the prompt cache
once and read by the other calls, as the engine sends it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from .client import BatchFailure, Reply, RetryHook
from .model_settings import ClaudeSettings
from .usage import StageUsage

CHARS_PER_TOKEN = 4


def tokens(text: str) -> int:
    return max(1, -(-len(text) // CHARS_PER_TOKEN))


@dataclass
class StageEstimate:
    """One stage's estimated calls and tokens (``cache_write``/``cache_read``: of the shared blocks)."""

    stage: str
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    batchable: bool = False  # sent through the Message Batches API under --batch
    note: str = ""

    def add_shared(self, block_tokens: int, calls: int, settings: ClaudeSettings) -> None:
        """A shared block sent with each of ``calls`` calls: cached when long enough, else plain input."""
        if calls <= 0:
            return
        if block_tokens >= settings.price_for(self.stage).min_cache_tokens:
            self.cache_write_tokens += block_tokens
            self.cache_read_tokens += block_tokens * (calls - 1)
        else:
            self.input_tokens += block_tokens * calls

    def usage(self) -> StageUsage:
        return StageUsage(calls=self.calls, input_tokens=self.input_tokens, output_tokens=self.output_tokens,
                          cache_creation_input_tokens=self.cache_write_tokens,
                          cache_read_input_tokens=self.cache_read_tokens)

    def cost(self, settings: ClaudeSettings, *, batch: bool) -> float:
        ttl = "1h" if batch else settings.cache_ttl
        return settings.price_for(self.stage).cost(self.usage(), batch=batch and self.batchable, ttl=ttl)


def table(stages: list[StageEstimate], settings: ClaudeSettings, **extra: Any) -> dict[str, Any]:
    """The estimate as ``--estimate`` prints it (and ``--json`` gives it)."""
    rows = [{
        "stage": s.stage, "model": settings.model_for(s.stage), "calls": s.calls,
        "input_tokens": s.input_tokens + s.cache_write_tokens + s.cache_read_tokens,
        "cache_read_tokens": s.cache_read_tokens, "output_tokens": s.output_tokens,
        "usd_streamed": round(s.cost(settings, batch=False), 4), "usd_batched": round(s.cost(settings, batch=True), 4),
        **({"note": s.note} if s.note else {}),
    } for s in stages]
    return {
        **extra,
        "method": f"local estimate: {CHARS_PER_TOKEN} characters per token; no API call",
        "stages": rows,
        "totals": {
            "calls": sum(r["calls"] for r in rows),
            "input_tokens": sum(r["input_tokens"] for r in rows),
            "output_tokens": sum(r["output_tokens"] for r in rows),
            "usd_streamed": round(sum(s.cost(settings, batch=False) for s in stages), 4),
            "usd_batched": round(sum(s.cost(settings, batch=True) for s in stages), 4),
        },
    }


class NoClient:
    """The client of an estimate's service (which only builds requests and reads the cache): never called."""

    def complete(self, params: dict[str, Any], *, stream: bool, on_retry: RetryHook | None = None) -> Reply:
        raise ConfigError("an estimate made a Claude call", "Report this: --estimate never calls the API")

    def run_batch(self, requests: dict[str, dict[str, Any]], *, poll_s: float,
                  on_poll: Callable[[dict[str, int]], None]) -> dict[str, Reply | BatchFailure]:
        raise ConfigError("an estimate made a Claude call", "Report this: --estimate never calls the API")

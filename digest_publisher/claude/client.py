"""The seam to Claude: :class:`ClaudeClient`, the small interface the stages use (one call, streamed or
not; one batch), and the plain data it returns. :class:`~.anthropic_client.AnthropicClient` implements it
with the real SDK (the only module that imports ``anthropic``, loaded only when a Claude run starts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0


@dataclass(frozen=True)
class Reply:
    text: str
    stop_reason: str | None
    usage: Usage
    model: str
    request_id: str | None = None


@dataclass(frozen=True)
class BatchFailure:
    """A batch request that did not succeed (errored, expired, canceled)."""

    kind: str
    message: str


RetryHook = Callable[[str], None]


class ClaudeClient(Protocol):
    def complete(self, params: dict[str, Any], *, stream: bool, on_retry: RetryHook | None = None) -> Reply:
        """One Messages API call; ``stream`` for long outputs (the SDK requires it above ~21k tokens).
        ``on_retry`` hears the reason of each retry of a transient failure before it is made."""
        ...

    def run_batch(
        self,
        requests: dict[str, dict[str, Any]],
        *,
        poll_s: float,
        on_poll: Callable[[dict[str, int]], None],
    ) -> dict[str, Reply | BatchFailure]:
        """Submit ``custom_id -> params`` as one Message Batch, poll until it ends, return results."""
        ...


@runtime_checkable
class ResumableBatches(Protocol):
    """A client whose Message Batches can be waited for by id: the service keeps each batch's id on disk
    before waiting, so a run killed while a batch is processing collects it when run again (not paid twice)."""

    def submit_batch(self, requests: dict[str, dict[str, Any]]) -> str:
        """Submit ``custom_id -> params`` as one Message Batch; its id."""
        ...

    def wait_batch(
        self, batch_id: str, *, poll_s: float, on_poll: Callable[[dict[str, int]], None]
    ) -> dict[str, Reply | BatchFailure]:
        """Poll batch ``batch_id`` until it ends; its results."""
        ...

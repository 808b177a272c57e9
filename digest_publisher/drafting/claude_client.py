"""The one seam to Claude: the only module that imports ``anthropic``.

:class:`ClaudeClient` is the small interface the engine uses (one call, streamed or not; one batch);
:class:`AnthropicClient` implements it with the real SDK. Retries of 408/409/429/5xx/529 and
connection errors are the SDK's own (``max_retries`` from the settings, honouring ``retry-after``);
this module adds no second retry layer, it only translates what is left into :class:`DraftError`
messages that say what happened and what to do, and never contain the API key.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import anthropic

from ..errors import DraftError
from .settings import ClaudeSettings


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


class ClaudeClient(Protocol):
    def complete(self, params: dict[str, Any], *, stream: bool) -> Reply:
        """One Messages API call; ``stream`` for long outputs (the SDK requires it above ~21k tokens)."""
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


def _usage(raw: Any) -> Usage:
    return Usage(
        input_tokens=int(getattr(raw, "input_tokens", 0) or 0),
        output_tokens=int(getattr(raw, "output_tokens", 0) or 0),
        cache_creation_input_tokens=int(getattr(raw, "cache_creation_input_tokens", 0) or 0),
        cache_read_input_tokens=int(getattr(raw, "cache_read_input_tokens", 0) or 0),
    )


def _reply(message: Any, request_id: str | None = None) -> Reply:
    text = "".join(getattr(block, "text", "") for block in message.content if block.type == "text")
    return Reply(text, message.stop_reason, _usage(message.usage), message.model, request_id)


_HINTS = {
    400: "The request was rejected as malformed or too long; check the prompt files and the corpus size",
    401: "The API key was refused; check ANTHROPIC_API_KEY (environment or .env)",
    403: "The key may not use this model; check the model name (--model) and your plan",
    404: "Unknown model or endpoint; check --model and ANTHROPIC_BASE_URL",
    413: "The request is too large; select fewer papers",
    429: "Rate limited even after the SDK's retries; lower max_concurrency in prompts/models.toml or use --batch",
    500: "Claude had an internal error after the SDK's retries; try again later",
    529: "Claude is overloaded after the SDK's retries; try again later, or use --batch",
}


class AnthropicClient:
    def __init__(self, client: anthropic.Anthropic) -> None:
        self.client = client

    @classmethod
    def from_environment(cls, settings: ClaudeSettings) -> AnthropicClient:
        """Key from ``ANTHROPIC_API_KEY``, endpoint from ``ANTHROPIC_BASE_URL`` (the SDK reads both)."""
        return cls(anthropic.Anthropic(max_retries=settings.max_retries, timeout=settings.timeout_s))

    @classmethod
    def for_base_url(cls, base_url: str, api_key: str, settings: ClaudeSettings) -> AnthropicClient:
        return cls(
            anthropic.Anthropic(
                base_url=base_url, api_key=api_key, max_retries=settings.max_retries, timeout=settings.timeout_s
            )
        )

    def _fail(self, exc: Exception, what: str) -> DraftError:
        base = str(self.client.base_url)
        if isinstance(exc, anthropic.APIStatusError):
            body = exc.body if isinstance(exc.body, dict) else {}
            error = body.get("error", {}) if isinstance(body.get("error"), dict) else {}
            kind = error.get("type", "error")
            message = error.get("message", "") or exc.message
            request_id = exc.response.headers.get("request-id", "")
            hint = _HINTS.get(exc.status_code, "See the message above; try again later")
            return DraftError(
                f"Claude API at {base} answered HTTP {exc.status_code} ({kind}) to {what}: {message}"
                + (f" [request-id {request_id}]" if request_id else ""),
                hint,
            )
        if isinstance(exc, anthropic.APITimeoutError):
            return DraftError(f"Claude API at {base} timed out on {what}", "Try again, or raise timeout_s")
        if isinstance(exc, anthropic.APIConnectionError):
            return DraftError(f"cannot reach the Claude API at {base} for {what}", "Check the network/base URL")
        return DraftError(f"Claude API error on {what}: {exc}", "Try again later")

    def complete(self, params: dict[str, Any], *, stream: bool) -> Reply:
        try:
            if stream:
                with self.client.messages.stream(**params) as events:
                    message = events.get_final_message()
                return _reply(message, getattr(message, "_request_id", None))
            message = self.client.messages.create(**params)
            return _reply(message, getattr(message, "_request_id", None))
        except anthropic.AnthropicError as exc:
            raise self._fail(exc, "a messages call") from exc

    def run_batch(
        self,
        requests: dict[str, dict[str, Any]],
        *,
        poll_s: float,
        on_poll: Callable[[dict[str, int]], None],
    ) -> dict[str, Reply | BatchFailure]:
        try:
            batch = self.client.messages.batches.create(
                requests=[{"custom_id": cid, "params": params} for cid, params in requests.items()]  # type: ignore[typeddict-item]
            )
            while batch.processing_status != "ended":
                counts = batch.request_counts
                on_poll({"processing": counts.processing, "succeeded": counts.succeeded,
                         "errored": counts.errored + counts.expired + counts.canceled})
                time.sleep(poll_s)
                batch = self.client.messages.batches.retrieve(batch.id)
            counts = batch.request_counts
            on_poll({"processing": 0, "succeeded": counts.succeeded,
                     "errored": counts.errored + counts.expired + counts.canceled})
            out: dict[str, Reply | BatchFailure] = {}
            for entry in self.client.messages.batches.results(batch.id):
                result = entry.result
                if result.type == "succeeded":
                    out[entry.custom_id] = _reply(result.message)
                else:
                    detail = getattr(getattr(result, "error", None), "error", None)
                    out[entry.custom_id] = BatchFailure(result.type, str(getattr(detail, "message", result.type)))
            return out
        except anthropic.AnthropicError as exc:
            raise self._fail(exc, "a message batch") from exc

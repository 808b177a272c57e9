"""The real SDK behind :class:`~.client.ClaudeClient`: the only module that imports ``anthropic``.

Retries of 408/409/429/5xx/529 and connection errors honour ``retry-after``; what is left is translated
into :class:`DraftError` messages that say what happened and what to do, and never contain the API key.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import anthropic

from ..errors import DraftError
from .client import BatchFailure, Reply, RetryHook, Usage
from .settings import ClaudeSettings


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


_TRANSIENT_STATUS = frozenset({408, 409, 429})
# Error types an error event in the middle of a stream can carry that are worth another try.
_TRANSIENT_TYPES = frozenset({"overloaded_error", "api_error", "rate_limit_error", "timeout_error"})


def _transient(exc: Exception) -> str | None:
    """Why ``exc`` is worth a retry ("HTTP 529 overloaded_error", "error mid-stream: ..."), or None."""
    if isinstance(exc, anthropic.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        error = body.get("error", {}) if isinstance(body.get("error"), dict) else {}
        kind = str(error.get("type", "error"))
        if exc.status_code < 300:  # an error event after a 200: the stream broke in the middle
            return f"error event mid-stream ({kind})" if kind in _TRANSIENT_TYPES else None
        if exc.status_code in _TRANSIENT_STATUS or exc.status_code >= 500:
            return f"HTTP {exc.status_code} {kind}"
        return None
    if isinstance(exc, anthropic.APITimeoutError):
        return "timeout"
    if isinstance(exc, anthropic.APIConnectionError):
        return "connection error"
    return None


def _wait_s(exc: Exception, attempt: int, base_s: float) -> float:
    """What the server asked for (retry-after-ms, retry-after), else exponential backoff with jitter."""
    response = getattr(exc, "response", None)
    headers: Any = getattr(response, "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            value = float(headers.get(name, ""))
        except ValueError:
            continue
        if 0 <= value * scale <= 60:
            return value * scale
    return float(min(8.0, base_s * 2**attempt) * (0.75 + random.random() / 4))  # noqa: S311 - jitter, not secrets


class AnthropicClient:
    def __init__(self, client: anthropic.Anthropic, *, max_retries: int = 2, retry_base_s: float = 0.5) -> None:
        self.client = client
        self.max_retries = max_retries
        self.retry_base_s = retry_base_s

    @classmethod
    def from_environment(cls, settings: ClaudeSettings) -> AnthropicClient:
        """Key from ``ANTHROPIC_API_KEY``, endpoint from ``ANTHROPIC_BASE_URL`` (the SDK reads both)."""
        return cls(anthropic.Anthropic(max_retries=0, timeout=settings.timeout_s),
                   max_retries=settings.max_retries, retry_base_s=settings.retry_base_s)

    @classmethod
    def for_base_url(cls, base_url: str, api_key: str, settings: ClaudeSettings) -> AnthropicClient:
        return cls(
            anthropic.Anthropic(base_url=base_url, api_key=api_key, max_retries=0, timeout=settings.timeout_s),
            max_retries=settings.max_retries, retry_base_s=settings.retry_base_s,
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

    def complete(self, params: dict[str, Any], *, stream: bool, on_retry: RetryHook | None = None) -> Reply:
        attempt = 0
        while True:
            try:
                if stream:
                    with self.client.messages.stream(**params) as events:
                        message = events.get_final_message()
                    return _reply(message, getattr(message, "_request_id", None))
                message = self.client.messages.create(**params)
                return _reply(message, getattr(message, "_request_id", None))
            except anthropic.AnthropicError as exc:
                reason = _transient(exc)
                if reason is None or attempt >= self.max_retries:
                    raise self._fail(exc, "a messages call" + (f" after {attempt} retries" if attempt else "")) from exc
                wait = _wait_s(exc, attempt, self.retry_base_s)
                attempt += 1
                if on_retry is not None:
                    on_retry(f"{reason}; retry {attempt} of {self.max_retries} after {wait:.2f} s")
                time.sleep(wait)

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

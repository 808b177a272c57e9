"""The real SDK behind :class:`~.client.ClaudeClient`: the only module that imports ``anthropic``.

The SDK's own retries are turned off (``max_retries=0``): a call is retried by the project's one rule
(:mod:`digest_publisher.retry`: 429, 529, 500/502/503/504, timeouts, connection errors and an error event in
the middle of a stream; the wait a ``retry-after-ms``/``retry-after`` header asks for, else backoff from
``retry_base_s`` with jitter, at most 60 s), ``max_retries`` times. What is left becomes a :class:`DraftError`
that says what happened and what to do, and never contains the API key.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import anthropic

from ..errors import DraftError
from ..retry import RetryPolicy, Transient
from .client import BatchFailure, Reply, RetryHook, Usage
from .model_settings import ClaudeSettings


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
    429: "Rate limited even after retries; lower max_concurrency in prompts/models.toml or use --batch",
    500: "Claude had an internal error, retries included; try again later",
    529: "Claude is overloaded, retries included; try again later, or use --batch",
}


# The HTTP status an error event in the middle of a stream stands for (Anthropic's error types).
_ERROR_TYPE_STATUS = {"rate_limit_error": 429, "api_error": 500, "timeout_error": 504, "overloaded_error": 529}
MAX_WAIT_S = 60.0  # the longest single wait, a server's retry-after included


def _transient(exc: Exception) -> Transient | None:
    """``exc`` as the retry rule judges failures (its reason: "HTTP 529 overloaded_error", "error event
    mid-stream (api_error)", "timeout"), or None for an error that is not an HTTP or connection failure."""
    if isinstance(exc, anthropic.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        error = body.get("error", {}) if isinstance(body.get("error"), dict) else {}
        kind = str(error.get("type", "error"))
        if exc.status_code < 300:  # an error event after a 200: the stream broke in the middle
            status = _ERROR_TYPE_STATUS.get(kind, exc.status_code)
            return Transient(f"error event mid-stream ({kind})", status=status)
        return Transient(f"HTTP {exc.status_code} {kind}", status=exc.status_code)
    if isinstance(exc, anthropic.APITimeoutError):
        return Transient("timeout")
    if isinstance(exc, anthropic.APIConnectionError):
        return Transient("connection error")
    return None


class AnthropicClient:
    def __init__(self, client: anthropic.Anthropic, *, max_retries: int = 2, retry_base_s: float = 0.5) -> None:
        self.client = client
        self.max_retries = max_retries
        self.retry_base_s = retry_base_s
        # A Messages call creates nothing on resending (it only costs tokens): idempotent for the rule.
        self.policy = RetryPolicy(attempts=max_retries + 1, backoff=retry_base_s, max_wait=MAX_WAIT_S)

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
                failure = _transient(exc)
                if failure is None or attempt >= self.max_retries or not self.policy.retries(failure, idempotent=True):
                    raise self._fail(exc, "a messages call" + (f" after {attempt} retries" if attempt else "")) from exc
                attempt += 1
                headers: Any = getattr(getattr(exc, "response", None), "headers", None) or {}
                wait = self.policy.wait(attempt, self.policy.retry_after_of(headers))
                if on_retry is not None:
                    on_retry(f"{failure.message}; retry {attempt} of {self.max_retries} after {wait:.2f} s")
                time.sleep(wait)

    def run_batch(
        self,
        requests: dict[str, dict[str, Any]],
        *,
        poll_s: float,
        on_poll: Callable[[dict[str, int]], None],
    ) -> dict[str, Reply | BatchFailure]:
        return self.wait_batch(self.submit_batch(requests), poll_s=poll_s, on_poll=on_poll)

    def submit_batch(self, requests: dict[str, dict[str, Any]]) -> str:
        try:
            batch = self.client.messages.batches.create(
                requests=[{"custom_id": cid, "params": params} for cid, params in requests.items()]  # type: ignore[typeddict-item]
            )
        except anthropic.AnthropicError as exc:
            raise self._fail(exc, "a message batch") from exc
        return str(batch.id)

    def wait_batch(
        self, batch_id: str, *, poll_s: float, on_poll: Callable[[dict[str, int]], None]
    ) -> dict[str, Reply | BatchFailure]:
        try:
            batch = self.client.messages.batches.retrieve(batch_id)
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
            raise self._fail(exc, f"message batch {batch_id}") from exc

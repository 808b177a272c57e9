"""THE retry rule of the project's HTTP clients: the WordPress REST client, the arXiv fetcher and the Claude
client (claude/anthropic_client.py, whose loop asks this module what to retry and how long to wait).

One rule, four parts:

* **what is retried**: 429, 503 and 529 (Anthropic's "overloaded") ("not processed, come back later": safe
  to resend even a create);
  500, 502 and 504 only for an idempotent request (the server, or the origin behind a gateway, may have
  done the work before failing); a connection that was never made (refused, connect timeout) always; a
  read timeout or an answer cut short only for an idempotent request; an answer the caller itself judged
  transient (:class:`Transient`, e.g. arXiv's empty page in mid result set);
* **how long to wait**: ``backoff * 2**(attempt-1)``, plus up to ``jitter`` of it at random (so clients
  that failed together do not come back together), within ``[min_wait, max_wait]``;
* **Retry-After**: honoured when the server sends it (delta-seconds or an HTTP date; Anthropic's
  ``retry-after-ms`` first when present), without jitter, at most ``max_wait`` and never more than
  :data:`MAX_RETRY_AFTER`;
* **how often**: ``attempts`` in all, the first one included.

Callers keep their own parameters (:class:`RetryPolicy`) and their own error messages. The Anthropic SDK's
own retries are turned off (``max_retries=0``), so Claude's calls are retried by this rule only.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # tenacity is loaded when a retry is due (see RetryPolicy.call)
    from tenacity import RetryCallState, Retrying

T = TypeVar("T")

#: Not processed, come back later: safe to resend even a request that creates something (529: Anthropic's
#: "overloaded", its 503).
RETRY_ALWAYS = frozenset({429, 503, 529})
#: The server failed, or a gateway gave up on it: resent only when repeating the request is harmless.
RETRY_IF_IDEMPOTENT = frozenset({500, 502, 504})
#: Seconds: a longer Retry-After is more likely a misconfiguration than advice.
MAX_RETRY_AFTER = 300.0


def parse_retry_after(value: str | None, *, now: float | None = None, cap: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (RFC 9110: delta-seconds or an HTTP date), at most
    ``cap``; None when the header is absent or unreadable. A date without a zone is taken as UTC (HTTP
    dates are GMT), and a date in the past means "now" (0)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        from email.utils import parsedate_to_datetime  # an HTTP date: rare, and the email package is large

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = max(0.0, when.timestamp() - (time.time() if now is None else now))
    return seconds if cap is None else min(seconds, cap)


class NoAnswer(Exception):
    """A request that got no complete answer (the publishing side's HTTP layer raises its subclasses:
    :mod:`digest_publisher.wordpress.transport`). ``unsent``: nothing reached the server (no connection was
    made), so even a request that creates something may be sent again."""

    unsent = False


def _requests_errors() -> tuple[type[BaseException], ...]:
    """``requests``' base error when a caller uses that library (the arXiv side); never imported here."""
    requests = sys.modules.get("requests")
    return (requests.RequestException,) if requests is not None else ()


class Transient(Exception):
    """An answer worth another attempt; ``status`` is its HTTP status (None: the caller's own judgement),
    ``retry_after`` the wait the server asked for (already capped by the policy)."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class RetryPolicy:
    """The parameters of the one rule for one client (see the module docstring)."""

    attempts: int  # in all, the first one included
    backoff: float  # seconds before the second attempt; doubled for each further one
    max_wait: float  # the longest single wait, Retry-After included
    min_wait: float = 0.0  # the shortest wait without Retry-After (arXiv: its politeness delay)
    jitter: float = 0.25  # a backoff wait grows by up to this share of itself, at random
    rand: Callable[[], float] = random.random  # injectable for tests; [0, 1)

    def retries_status(self, status: int, *, idempotent: bool) -> bool:
        return status in RETRY_ALWAYS or (idempotent and status in RETRY_IF_IDEMPOTENT)

    def retries(self, exc: BaseException, *, idempotent: bool) -> bool:
        """Whether the failure ``exc`` of a request may be sent again."""
        if isinstance(exc, Transient):
            return exc.status is None or self.retries_status(exc.status, idempotent=idempotent)
        if isinstance(exc, NoAnswer):
            # A refused/failed connection never reached the server, so even a create is safe to resend; a
            # timeout or a connection broken mid-answer may have left the work done.
            return exc.unsent or idempotent
        if not _requests_errors():
            return False
        import requests  # already loaded: the exception came from it
        from urllib3.exceptions import NewConnectionError

        # The same rule in requests' terms (a connect timeout and a refused connection: nothing was sent).
        if isinstance(exc, requests.ConnectTimeout):
            return True
        if isinstance(exc, requests.exceptions.ChunkedEncodingError):
            return idempotent
        if isinstance(exc, requests.ConnectionError):
            reason = exc.args[0] if exc.args else None
            return idempotent or isinstance(getattr(reason, "reason", None), NewConnectionError)
        if isinstance(exc, requests.Timeout):
            return idempotent
        return False

    def retry_after(self, header: str | None) -> float | None:
        """The wait a ``Retry-After`` header asks for, capped by this policy (None: absent or unreadable)."""
        return parse_retry_after(header, cap=min(self.max_wait, MAX_RETRY_AFTER))

    def retry_after_of(self, headers: Mapping[str, str]) -> float | None:
        """The wait a response's headers ask for: Anthropic's ``retry-after-ms`` (milliseconds), else
        ``Retry-After``; capped as :meth:`retry_after` caps it."""
        millis = (headers.get("retry-after-ms") or "").strip()
        try:
            seconds = float(millis) / 1000.0 if millis else None
        except ValueError:
            seconds = None
        if seconds is not None and seconds >= 0:
            return min(seconds, self.max_wait, MAX_RETRY_AFTER)
        return self.retry_after(headers.get("retry-after"))

    def wait(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if retry_after is not None:
            return min(retry_after, self.max_wait, MAX_RETRY_AFTER)
        backoff = self.backoff * 2.0 ** (attempt - 1)
        backoff += backoff * self.jitter * self.rand()
        return max(self.min_wait, min(backoff, self.max_wait))

    def call(self, attempt: Callable[[], T], *, idempotent: bool, sleep: Callable[[float], None] = time.sleep) -> T:
        """``attempt()`` under this rule, exactly as :meth:`retrying` runs it; the first attempt is made
        directly, so tenacity is loaded only by a call that failed in a way worth another attempt (most
        succeed at once: a command that sends one request does not pay for the library)."""
        retryable: tuple[type[BaseException], ...] = (Transient, NoAnswer, *_requests_errors())
        try:
            return attempt()
        except retryable as exc:  # the failures retries() may let through
            if self.attempts <= 1 or not self.retries(exc, idempotent=idempotent):
                raise
            first = exc
        sleep(self.wait(1, first.retry_after if isinstance(first, Transient) else None))
        rest = replace(self, attempts=self.attempts - 1)
        return rest.retrying(idempotent=idempotent, sleep=sleep, first_attempt=2)(attempt)

    def retrying(
        self,
        *,
        idempotent: bool,
        sleep: Callable[[float], None] = time.sleep,
        before_sleep: Callable[[RetryCallState], None] | None = None,
        first_attempt: int = 1,
    ) -> Retrying:
        """A tenacity ``Retrying`` that applies this policy; the last failure is re-raised as it was.
        ``first_attempt``: the number of its first attempt (2 after :meth:`call` made one), for the backoff."""
        from tenacity import Retrying, retry_if_exception, stop_after_attempt

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            retry_after = exc.retry_after if isinstance(exc, Transient) else None
            return self.wait(state.attempt_number + first_attempt - 1, retry_after)

        return Retrying(
            stop=stop_after_attempt(max(1, self.attempts)),
            wait=wait,
            retry=retry_if_exception(lambda exc: self.retries(exc, idempotent=idempotent)),
            sleep=sleep,
            before_sleep=before_sleep,
            reraise=True,
        )

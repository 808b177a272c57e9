"""THE ``Retry-After`` rule, shared by every HTTP client of the project (WordPress, the arXiv fetcher)."""

from __future__ import annotations

import time
from datetime import UTC
from email.utils import parsedate_to_datetime


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
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = max(0.0, when.timestamp() - (time.time() if now is None else now))
    return seconds if cap is None else min(seconds, cap)

"""The one Retry-After rule (digest_publisher/retry.py), used by the WordPress client and the arXiv
fetcher alike."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from digest_publisher.corpus.fetch import _retry_after_seconds
from digest_publisher.retry import parse_retry_after

NOW = datetime(2026, 5, 26, 12, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 120 ", 120.0),
        ("Tue, 26 May 2026 12:00:30 GMT", 30.0),
        ("Tue, 26 May 2026 12:00:30 -0000", 30.0),  # no zone: HTTP dates are GMT
        ("Tue, 26 May 2026 11:00:00 GMT", 0.0),  # in the past: now
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_delta_seconds_and_http_dates(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == seconds


def test_a_cap_bounds_the_wait() -> None:
    assert parse_retry_after("86400", cap=300.0) == 300.0
    assert _retry_after_seconds("86400") == 300.0  # the fetcher caps at 5 minutes
    later = format_datetime(datetime.fromtimestamp(NOW + 60, UTC), usegmt=True)
    assert parse_retry_after(later, now=NOW) == 60.0

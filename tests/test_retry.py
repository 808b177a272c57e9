"""The one retry rule (digest_publisher/retry.py): Retry-After parsing, and the same statuses retried and the
same Retry-After ceiling for the WordPress client, the arXiv fetcher and the Claude client, each seen from the
outside (what it sends to a local server that answers with a scripted status; Claude's is tests/fake_claude.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from email.utils import format_datetime
from pathlib import Path

import anthropic
import pytest
import requests

from digest_publisher.claude.anthropic_client import MAX_WAIT_S, AnthropicClient
from digest_publisher.claude.model_settings import ClaudeSettings
from digest_publisher.corpus import fetch_arxiv
from digest_publisher.corpus.fetch import retry_policy as arxiv_policy
from digest_publisher.errors import DigestError, DraftError
from digest_publisher.retry import MAX_RETRY_AFTER, RETRY_ALWAYS, RETRY_IF_IDEMPOTENT, parse_retry_after
from digest_publisher.wordpress.client import WordPressClient
from digest_publisher.wordpress.connection_settings import WordPressSettings
from digest_publisher.wordpress.transport import Session
from digest_publisher.wordpress.transport import retry_policy as wordpress_policy
from tests.fake_claude import FakeClaude
from tests.local_http import QuietHandler, serving

NOW = datetime(2026, 5, 26, 12, 0, tzinfo=UTC).timestamp()
FEED = (Path(__file__).parent / "corpus" / "data" / "atom" / "feed.xml").read_bytes()  # one page, 3 papers
STATUSES = (400, 404, 408, 409, 429, 500, 501, 502, 503, 504, 507, 529)


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
    later = format_datetime(datetime.fromtimestamp(NOW + 60, UTC), usegmt=True)
    assert parse_retry_after(later, now=NOW) == 60.0


@dataclass
class Flaky:
    """Answers ``status`` (with ``Retry-After: 0``) to the first request of each path, then a good answer:
    JSON under /wp-json/, the recorded Atom page elsewhere."""

    url: str = ""
    status: int = 503
    seen: list[str] = field(default_factory=list)


@pytest.fixture
def flaky() -> Iterator[Flaky]:
    fake = Flaky()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            first = path not in fake.seen
            fake.seen.append(path)
            wordpress = path.startswith("/wp-json/")
            if first:
                body, ctype = b'{"code":"flaky","message":"later"}', "application/json"
                self.send_response(fake.status)
                self.send_header("Retry-After", "0")
            else:
                body, ctype = (b'{"ok":true}', "application/json") if wordpress else (FEED, "application/atom+xml")
                self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serving(Handler) as url:
        fake.url = url
        yield fake


def _local_session() -> Session:
    session = Session()
    session.trust_env = False  # no proxy for 127.0.0.1
    return session


def _local_requests_session() -> requests.Session:
    session = requests.Session()  # the arXiv side keeps requests
    session.trust_env = False
    return session


def _settings(url: str, *, max_wait: float = 1.0) -> WordPressSettings:
    return WordPressSettings(url=url, username="editor", app_password="x", attempts=3, max_wait=max_wait)


def _wordpress_retries(fake: Flaky, status: int) -> bool:
    fake.status = status
    client = WordPressClient(_settings(fake.url), session=_local_session(), rest_root=f"{fake.url}/wp-json/")
    with contextlib.suppress(DigestError):  # a status that is not retried is an error
        client.get(f"wp/v2/status-{status}")
    return client.request_count == 2


def _arxiv_retries(fake: Flaky, status: int, tmp_path: Path) -> bool:
    fake.status = status
    base = f"{fake.url}/api/query-{status}"
    with contextlib.suppress(DigestError):
        fetch_arxiv(["cs.CL"], date(2026, 5, 18), date(2026, 5, 22), tmp_path / f"{status}.jsonl",
                    base_url=base, session=_local_requests_session(), sleep=lambda _s: None)  # fmt: skip
    return fake.seen.count(f"/api/query-{status}") == 2


def test_wordpress_and_arxiv_retry_the_same_statuses(flaky: Flaky, tmp_path: Path) -> None:
    # Both send GETs (idempotent): every status of the rule is retried, and nothing else.
    wordpress = {s for s in STATUSES if _wordpress_retries(flaky, s)}
    arxiv = {s for s in STATUSES if _arxiv_retries(flaky, s, tmp_path)}
    assert wordpress == arxiv == (RETRY_ALWAYS | RETRY_IF_IDEMPOTENT) == {429, 500, 502, 503, 504, 529}


def test_claude_retries_the_same_statuses_through_the_fake_messages_api() -> None:
    """Claude's client asks the same rule (a Messages call is idempotent: resending creates nothing)."""
    with FakeClaude() as fake:
        client = AnthropicClient.for_base_url(fake.base_url, "sk-test", replace(ClaudeSettings(), retry_base_s=0.0))
        params = {"model": "claude-sonnet-4-6", "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}]}
        claude = set()
        for status in STATUSES:
            fake.fail("*", str(status))
            before = len(fake.calls())
            with contextlib.suppress(DraftError):
                client.complete(params, stream=False)
            if len(fake.calls()) - before == 2:
                claude.add(status)
            fake.faults.clear()
    assert claude == RETRY_ALWAYS | RETRY_IF_IDEMPOTENT


def test_claude_honours_retry_after_ms_with_the_same_ceiling() -> None:
    policy = AnthropicClient(anthropic.Anthropic(api_key="x", max_retries=0)).policy
    assert policy.retry_after_of({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert policy.retry_after_of({"retry-after": "2"}) == 2.0
    assert policy.retry_after_of({"retry-after": "86400"}) == MAX_WAIT_S  # the client's longest wait
    assert policy.wait(1, policy.retry_after_of({})) >= policy.backoff  # none asked for: backoff


def test_retry_after_has_one_ceiling() -> None:
    arxiv = arxiv_policy()
    wordpress = wordpress_policy(_settings("https://example.org", max_wait=30.0))
    patient = wordpress_policy(_settings("https://example.org", max_wait=3600.0))
    # A day's Retry-After: each client waits its own longest wait, never more than the rule's ceiling.
    assert arxiv.wait(1, arxiv.retry_after("86400")) == MAX_RETRY_AFTER == 300.0
    assert wordpress.wait(1, wordpress.retry_after("86400")) == 30.0
    assert patient.wait(1, patient.retry_after("86400")) == MAX_RETRY_AFTER
    # A short Retry-After is honoured exactly (no jitter, no backoff floor), by both.
    assert arxiv.wait(3, arxiv.retry_after("2")) == wordpress.wait(3, wordpress.retry_after("2")) == 2.0


def test_backoff_doubles_with_bounded_jitter() -> None:
    policy = wordpress_policy(_settings("https://example.org", max_wait=30.0))
    waits = [policy.wait(n) for n in range(1, 8)]
    bases = [min(0.5 * 2 ** (n - 1), 30.0) for n in range(1, 8)]
    assert all(base <= wait <= min(base * (1 + policy.jitter), 30.0) for base, wait in zip(bases, waits, strict=True))
    assert waits[-1] == 30.0  # capped


def test_a_call_waits_and_stops_as_the_rule_says() -> None:
    """RetryPolicy.call (the WordPress transport's way in): the same attempts and waits as ``retrying``,
    the first attempt made without tenacity."""
    from digest_publisher.retry import RetryPolicy, Transient

    policy = RetryPolicy(attempts=4, backoff=0.5, max_wait=30.0, jitter=0.0)
    slept: list[float] = []
    failures = [Transient("HTTP 503", status=503), Transient("HTTP 429", status=429, retry_after=7.0)]

    def attempt() -> str:
        if failures:
            raise failures.pop(0)
        return "ok"

    assert policy.call(attempt, idempotent=False, sleep=slept.append) == "ok"
    assert slept == [0.5, 7.0]  # backoff after the first, Retry-After after the second
    always: list[Transient] = []

    def failing() -> str:
        always.append(Transient("HTTP 503", status=503))
        raise always[-1]

    slept.clear()
    with pytest.raises(Transient):
        policy.call(failing, idempotent=False, sleep=slept.append)
    assert len(always) == 4 and slept == [0.5, 1.0, 2.0]  # four attempts in all, backoff doubling
    not_again: list[int] = []

    def gone() -> str:
        not_again.append(1)
        raise Transient("HTTP 502", status=502)

    with pytest.raises(Transient):
        policy.call(gone, idempotent=False, sleep=slept.append)  # a create that may have been done: once
    assert not_again == [1]


def test_one_request_that_succeeds_does_not_load_tenacity(tmp_path: Path) -> None:
    """The library is loaded only when a request failed in a way worth another attempt."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from digest_publisher.retry import RetryPolicy\n"
        "assert RetryPolicy(attempts=3, backoff=0.5, max_wait=1).call(lambda: 1, idempotent=True) == 1\n"
        "print('tenacity' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert done.stdout.strip() == "False"

"""Requests sent together (``WordPressClient.together``, what a first publish uses for its reads, its term
creates with the image upload, its write with the image search, and its last round): they really are in
flight at once, every one runs to its end, the first failure in the order given is raised, and a dry run
sends them one after the other.

A local server stands in for WordPress here (what is tested is the client's concurrency, not WordPress):
the two paths of a "pair" each wait until the other has arrived, so a client that sent them one after
the other would get an error answer for the first instead of both answers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from digest_publisher.errors import WordPressError
from digest_publisher.wordpress.client import WordPressClient
from digest_publisher.wordpress.connection_settings import WordPressSettings
from digest_publisher.wordpress.transport import Session
from tests.local_http import QuietHandler, serving

PAIR_WAIT_S = 10.0  # how long one of a pair waits for the other before it answers 500 (not a time limit)


@dataclass
class Fake:
    url: str = ""
    seen: list[str] = field(default_factory=list)
    pair: threading.Barrier = field(default_factory=lambda: threading.Barrier(2))


@pytest.fixture
def fake() -> Iterator[Fake]:
    state = Fake()

    class Handler(QuietHandler):
        def _answer(self) -> None:
            path = self.path.split("?")[0].rsplit("/", 1)[-1]
            state.seen.append(f"{self.command} {path}")
            status, body = 200, b'{"id": 1}'
            if path.startswith("pair"):
                try:
                    state.pair.wait(PAIR_WAIT_S)
                except threading.BrokenBarrierError:
                    status, body = 500, b'{"code": "alone", "message": "the other one never came"}'
            elif path == "refused":
                status, body = 403, b'{"code": "rest_forbidden", "message": "no"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

    with serving(Handler) as url:
        state.url = url
        yield state


def _client(fake: Fake, *, dry_run: bool = False) -> WordPressClient:
    session = Session()
    session.trust_env = False  # no proxy for 127.0.0.1
    settings = WordPressSettings(url=fake.url, username="editor", app_password="x", attempts=1)
    return WordPressClient(settings, session=session, rest_root=f"{fake.url}/wp-json/", dry_run=dry_run)


def test_requests_sent_together_are_in_flight_at_once(fake: Fake) -> None:
    client = _client(fake)
    first, second = client.together(lambda: client.get("wp/v2/pair-a"), lambda: client.post("wp/v2/pair-b", {}))
    assert first.data == second.data == {"id": 1}  # each waited for the other: both were sent at once
    assert sorted(fake.seen) == ["GET pair-a", "POST pair-b"] and client.request_count == 2


def test_every_call_runs_to_its_end_and_the_first_failure_in_order_is_raised(fake: Fake) -> None:
    client = _client(fake)
    with pytest.raises(WordPressError) as caught:
        client.together(
            lambda: client.get("wp/v2/refused"),
            lambda: client.post("wp/v2/written", {}),  # a write beside a failing read is still made
            lambda: client.get("wp/v2/refused-too"),
        )
    assert caught.value.url is not None and caught.value.url.endswith("/wp-json/wp/v2/refused")
    assert "POST written" in fake.seen and client.request_count == 3


def test_a_dry_run_sends_them_one_after_the_other(fake: Fake) -> None:
    client = _client(fake, dry_run=True)
    client.together(lambda: client.get("wp/v2/one"), lambda: client.post("wp/v2/two", {}),
                    lambda: client.get("wp/v2/three"))  # fmt: skip
    assert fake.seen == ["GET one", "GET three"]  # the write is withheld; the plan reads in order
    assert [entry.url.rsplit("/", 1)[-1] for entry in client.log] == ["one", "two", "three"]

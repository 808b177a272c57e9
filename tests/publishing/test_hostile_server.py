"""Issue 19: a server that misbehaves ends the command with one clear line, never a hang or a traceback.

* a server that trickles its answer one byte a second is abandoned at WORDPRESS_TIMEOUT (+ a margin), in the
  headers and in the body;
* an answer of 100 MB (announced, or chunked without end) is abandoned at the size cap, not read whole;
* answers of the wrong JSON shape (``[]``, ``null``, wrong field types) give a one-line error in check,
  publish, status and republish (``[]`` is not taken for a missing capability);
* a server or gateway that echoes the request's headers in its error text: the error is shown without the
  Basic header, its base64, the Application Password or the Claude key;
* 10,000 tags are looked up in short URLs.

The CLI is the real one (click's runner); the server is a local listener (tests/publishing/listeners.py).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import Result

from digest_publisher.wordpress.client import WordPressClient
from digest_publisher.wordpress.connection_settings import WordPressSettings
from digest_publisher.wordpress.terms import MAX_SLUGS_CHARS, resolve_terms
from tests.publishing.listeners import Answer, Flood, Listener, Trickle, as_json
from tests.publishing.test_site_origin import plant
from tests.republish.rephelpers import run_cli, write_source

APP_PASSWORD = "wxyz 1234 abcd 5678 efgh 9012"  # made up for these tests
USER = "editor"
CLAUDE_KEY = "sk-ant-api03-test-key-that-must-never-show"  # made up
TIMEOUT_S = 2.0
MARGIN_S = 8.0  # the CLI's own start and the watchdog's wake-up; a trickle would last minutes


def env_of(url: str, posts: Path, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "WORDPRESS_URL": url,
        "WORDPRESS_USERNAME": USER,
        "WORDPRESS_APP_PASSWORD": APP_PASSWORD,
        "WORDPRESS_TIMEOUT": f"{TIMEOUT_S:g}",
        "DIGEST_NO_DOTENV": "1",
        "DIGEST_POSTS_DIR": str(posts),
        "DIGEST_CACHE_DIR": str(tmp_path / "cache"),
        **extra,
    }


def one_line_error(result: Result, what: str, fix: str) -> str:
    """The line that says what happened; the fix follows on it (``Error: ...``) or, in check's report, on
    the line after it (``fix: ...``)."""
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output, result.output
    lines = result.output.splitlines()
    found = [n for n, line in enumerate(lines) if what in line]
    assert found, result.output
    line = lines[found[0]]
    following = lines[found[0] + 1] if found[0] + 1 < len(lines) else ""
    assert fix in line or (line.startswith("PROBLEM") and fix in following), result.output
    return line


def fake_site(url: Callable[[], str], routes: Mapping[str, Answer]) -> Callable[[str, str, Mapping[str, str]], Answer]:
    """A WordPress look-alike: the home page names its own /wp-json/; REST answers come from ``routes``
    (by the route's start), else a plausible default."""

    def answer(method: str, path: str, headers: Mapping[str, str]) -> Answer:
        if not path.startswith("/wp-json"):
            link = f'<{url()}/wp-json/>; rel="https://api.w.org/"'
            return 200, {"Content-Type": "text/html", "Link": link}, b"<html><head></head></html>"
        route = path.split("?", 1)[0].removeprefix("/wp-json/")
        for start, routed in routes.items():
            if route.startswith(start):
                return routed
        if route == "":
            return as_json(200, {"name": "Fake", "namespaces": ["wp/v2"], "authentication": {}})
        return as_json(404, {"code": "rest_no_route", "message": "No route", "data": {"status": 404}})

    return answer


@pytest.fixture
def posts(tmp_path: Path) -> Path:
    return tmp_path / "posts"


# -- a total deadline -------------------------------------------------------------------------------------

HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Padding: " + b"x" * 200 + b"\r\n\r\n"


@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_trickling_server_is_abandoned_at_the_timeout(tmp_path: Path, posts: Path, where: str) -> None:
    def answer(method: str, path: str, headers: Mapping[str, str]) -> Answer:
        if where == "headers":
            return Trickle(HEADERS)
        if method == "HEAD":
            return 200, {"Content-Type": "text/html"}, b""  # no Link header: discovery GETs the page
        body = b"<html>" + b" " * 300
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body)
        return Trickle(body, head=head)

    with Listener(answer) as server:
        started = time.monotonic()
        result = run_cli(env_of(server.url, posts, tmp_path), "check")
        elapsed = time.monotonic() - started
        line = one_line_error(result, "no complete answer within WORDPRESS_TIMEOUT", "raise WORDPRESS_TIMEOUT")
    # The trickle lasts minutes (a byte a second): the command ended at the timeout, and did not retry it.
    assert TIMEOUT_S <= elapsed < TIMEOUT_S + MARGIN_S, f"abandoned after {elapsed:.1f} s: {line}"
    assert len([s for s in server.seen if s.path == "/"]) == (1 if where == "headers" else 2)  # HEAD (+ GET)


# -- a size cap -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("declared", [100 * 1024 * 1024, None], ids=["content-length", "chunked"])
@pytest.mark.parametrize("verb", ["check", "status"])
def test_an_oversized_answer_is_abandoned_with_one_line(
    tmp_path: Path, posts: Path, token: str, declared: int | None, verb: str
) -> None:
    flood = Flood(declared)
    with Listener(fake_site(lambda: server.url, {"": flood})) as server:
        plant(posts, "status", token, site_url=server.url, rest_root=None)
        result = run_cli(env_of(server.url, posts, tmp_path), verb)
    one_line_error(result, "with more than 32 MB; the answer was abandoned", "check that WORDPRESS_URL is the site")
    assert server.stopped_sending or declared is not None


# -- answers of the wrong shape ------------------------------------------------------------------------

SHAPES: dict[str, Any] = {
    "empty list": [],
    "null": None,
    "wrong types": {"id": "seven", "capabilities": "all", "roles": "admin"},
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("verb", ["check", "publish", "status", "republish"])
def test_an_answer_of_the_wrong_shape_is_one_line(
    tmp_path: Path, posts: Path, token: str, verb: str, shape: str
) -> None:
    payload = SHAPES[shape]
    wrong = as_json(200, payload if shape != "wrong types" or verb in ("check", "publish") else [payload])
    if shape == "wrong types" and verb == "status":
        wrong = as_json(200, payload)
    routes = {"wp/v2/users/me": wrong} if verb in ("check", "publish") else {"wp/v2/posts": wrong}
    with Listener(fake_site(lambda: server.url, routes)) as server:
        slug = plant(posts, "publish", token, site_url=server.url, rest_root=None)
        if verb == "publish":
            (posts / slug / "record.json").unlink()
            write_source(posts, slug)
        args = {"check": ["check"], "publish": ["publish", slug], "status": ["status"],
                "republish": ["republish", slug]}  # fmt: skip
        result = run_cli(env_of(server.url, posts, tmp_path), *args[verb])
    line = one_line_error(result, "answered HTTP 200 with", "That is not how WordPress's REST API answers")
    expected = {"empty list": "a list ([])", "null": "null", "wrong types": "is a string"}[shape]
    assert expected in line or (shape == "empty list" and "[]" in line), line
    assert "capability" not in result.output


# -- error text scrubbed of the request's credentials ------------------------------------------------------


@pytest.mark.parametrize("status", [400, 502])
@pytest.mark.parametrize("verb", ["check", "publish", "status"])
def test_an_echoed_authorization_header_is_not_shown(
    tmp_path: Path, posts: Path, token: str, verb: str, status: int
) -> None:
    def echo(method: str, path: str, headers: Mapping[str, str]) -> Answer:
        told = f"gateway saw Authorization: {headers.get('Authorization')}; x-api-key {CLAUDE_KEY}; pw {APP_PASSWORD}"
        if status == 502:
            return status, {"Content-Type": "text/html"}, told.encode()
        return as_json(status, {"code": "bad_request", "message": told, "data": {"status": status}})

    echoing: dict[str, Answer] = {}

    def answer(method: str, path: str, headers: Mapping[str, str]) -> Answer:
        if path.startswith("/wp-json/wp/v2/"):
            return echo(method, path, headers)
        return fake_site(lambda: server.url, echoing)(method, path, headers)

    with Listener(answer) as server:
        slug = plant(posts, "publish", token, site_url=server.url, rest_root=None)
        if verb == "publish":
            (posts / slug / "record.json").unlink()
            write_source(posts, slug)
        args = {"check": ["check"], "publish": ["publish", slug], "status": ["status"]}[verb]
        result = run_cli(env_of(server.url, posts, tmp_path, ANTHROPIC_API_KEY=CLAUDE_KEY), *args)
    assert server.credentialed(), "the request carried the credentials (the echo is the test)"
    assert result.exit_code != 0 and "Traceback" not in result.output
    basic = base64.b64encode(f"{USER}:{APP_PASSWORD}".encode()).decode()
    for secret in (basic, APP_PASSWORD, APP_PASSWORD.replace(" ", ""), CLAUDE_KEY):
        assert secret not in result.output
        for stored in posts.rglob("*.json"):
            assert secret not in stored.read_text(encoding="utf-8")
    assert "[redacted]" in result.output


# -- terms in short lookups -------------------------------------------------------------------------------


@pytest.fixture
def term_server() -> Iterator[Listener]:
    with Listener(lambda method, path, headers: as_json(200, [])) as listener:
        yield listener


def test_ten_thousand_tags_are_looked_up_in_short_urls(term_server: Listener) -> None:
    names = tuple(f"tag number {n} about reinforcement learning" for n in range(10_000))
    settings = WordPressSettings(url=term_server.url, username=USER, app_password=APP_PASSWORD)
    client = WordPressClient(settings, rest_root=term_server.url + "/wp-json/")

    found, missing = resolve_terms(client, "tags", names, search_misses=False)

    assert found == {} and missing == list(names)
    asked: list[str] = []
    for seen in term_server.seen:
        query = parse_qs(urlsplit(seen.path).query)
        slugs = query["slug"][0].split(",")
        assert len(slugs) <= 100 and query["per_page"] == ["100"]
        assert len(seen.path) < MAX_SLUGS_CHARS + 200, len(seen.path)
        asked += slugs
    assert sorted(asked) == sorted(f"tag-number-{n}-about-reinforcement-learning" for n in range(10_000))
    assert json.dumps(asked)  # every slug once, in URLs of a few hundred characters each

"""`fetch_arxiv` against recorded arXiv API pages served from 127.0.0.1.

The server answers by the ``start`` parameter with pages recorded in data/atom/ (real papers of the
week 2026-05-18, in the API's Atom shape), can be scripted to fail (429 with Retry-After, 503, HTML,
an error feed) and records every request, so the tests assert on what was sent and how long the
client chose to wait (``sleep`` is injected: nothing really sleeps).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from digest_publisher.corpus import fetch_arxiv, iter_papers
from digest_publisher.corpus.fetch import build_query, retry_policy
from digest_publisher.errors import DigestError, FetchError
from tests.local_http import QuietHandler, serving

ATOM = Path(__file__).parent / "data" / "atom"
PAGES = {start: (ATOM / f"page-{n}.xml").read_bytes() for n, start in enumerate((0, 2, 4))}
QUERY = "(cat:cs.CL OR cat:cs.LG) AND submittedDate:[202605180000 TO 202605222359]"


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeArxiv:
    """Pages by ``start``; ``script[start]`` replies are served first, once each."""

    url: str = ""
    pages: dict[int, bytes] = field(default_factory=lambda: dict(PAGES))
    script: dict[int, list[Reply]] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)

    def answer(self, query: dict[str, str]) -> Reply:
        start = int(query.get("start", "0"))
        if self.script.get(start):
            return self.script[start].pop(0)
        if start in self.pages:
            return Reply(200, self.pages[start], {"Content-Type": "application/atom+xml; charset=utf-8"})
        return Reply(404, b"<html>not found</html>", {"Content-Type": "text/html"})


@pytest.fixture
def arxiv() -> Iterator[FakeArxiv]:
    fake = FakeArxiv()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
            query["_path"] = parts.path
            fake.requests.append(query)
            fake.user_agents.append(self.headers.get("User-Agent", ""))
            reply = fake.answer(query)
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

    with serving(Handler) as url:
        fake.url = f"{url}/api/query"
        yield fake


def local_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # never route 127.0.0.1 through a proxy from the environment
    return session


def fetch(arxiv: FakeArxiv, output: Path, sleeps: list[float], **options: object) -> object:
    settings: dict[str, object] = {
        "base_url": arxiv.url,
        "page_size": 2,
        "delay": 3.0,
        "max_retries": 4,
        "session": local_session(),
        "sleep": sleeps.append,
        "backoff": 5.0,
        "jitter": 0.0,  # exact waits; the jitter itself is tested below
    }
    settings.update(options)
    return fetch_arxiv(["cs.CL", "cs.LG"], date(2026, 5, 18), date(2026, 5, 22), output, **settings)  # type: ignore[arg-type]


def test_build_query() -> None:
    assert build_query(["cs.CL", "cs.LG"], date(2026, 5, 18), date(2026, 5, 22)) == QUERY
    assert build_query(["cs.CL"], date(2026, 5, 18), date(2026, 5, 18)) == (
        "cat:cs.CL AND submittedDate:[202605180000 TO 202605182359]"
    )


def test_fetch_paginates_retries_and_waits_politely(arxiv: FakeArxiv, tmp_path: Path) -> None:
    arxiv.script[2] = [Reply(429, b"Too Many Requests", {"Retry-After": "7"})]
    arxiv.script[4] = [Reply(503, b"<html>Service Unavailable</html>", {"Content-Type": "text/html"})]
    sleeps: list[float] = []
    progress: list[str] = []
    output = tmp_path / "out" / "cs-week.jsonl"

    result = fetch(arxiv, output, sleeps, progress=progress.append)

    assert (result.papers, result.pages, result.requests) == (5, 3, 5)  # type: ignore[attr-defined]
    # Each request asked for the right slice of the same query, sorted by submission date.
    assert [(r["start"], r["max_results"]) for r in arxiv.requests] == [
        ("0", "2"),
        ("2", "2"),
        ("2", "2"),
        ("4", "2"),
        ("4", "2"),
    ]
    assert {r["search_query"] for r in arxiv.requests} == {QUERY}
    assert {(r["sortBy"], r["sortOrder"], r["_path"]) for r in arxiv.requests} == {
        ("submittedDate", "ascending", "/api/query")
    }
    # delay before page 2, Retry-After of the 429, delay before page 3, backoff after the 503.
    assert sleeps == [3.0, 7.0, 3.0, 5.0]
    assert all(agent.startswith("digest-publisher/") for agent in arxiv.user_agents)
    assert any("HTTP 429" in line and "retrying in 7s" in line for line in progress)
    assert progress[-1] == "page 3: 1 entries (5 of 5)"

    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [
        "2605.17483",
        "2605.18529",
        "2605.18703",
        "2605.19394",
        "2605.21630",
    ]
    assert list(lines[0]) == [
        "id",
        "categories",
        "pdf",
        "abs",
        "authors",
        "title",
        "comment",
        "summary",
        "date",
        "version",
    ]
    assert lines[0]["authors"] == ["Ali Azmoudeh", "Erdi Sarıtaş", "Ömer Yıldırım", "Hazım Kemal Ekenel"]
    assert lines[0]["abs"] == "https://arxiv.org/abs/2605.17483"
    assert lines[2]["version"] == 2 and lines[2]["categories"] == ["cs.CL", "cs.LG"]
    assert lines[3]["doi"] == "10.48550/arXiv.2605.19394"
    assert "\n" not in lines[1]["summary"] and "\n" not in lines[1]["title"]

    # The output is a listing the readers take back, with the published day as submitted date.
    papers = list(iter_papers(output))
    assert [p.submitted for p in papers] == [
        date(2026, 5, 18),
        date(2026, 5, 18),
        date(2026, 5, 19),
        date(2026, 5, 19),
        date(2026, 5, 21),
    ]
    assert papers[4].title == "MindLoom: Composing Thought Modes for Frontier-Level Reasoning Data Synthesis"
    assert not [p for p in output.parent.iterdir() if p.name.endswith(".tmp")]


def test_exponential_backoff_without_retry_after(arxiv: FakeArxiv, tmp_path: Path) -> None:
    arxiv.script[0] = [Reply(503, b"busy"), Reply(503, b"busy"), Reply(429, b"slow down")]
    sleeps: list[float] = []
    result = fetch(arxiv, tmp_path / "out.jsonl", sleeps, delay=1.0, backoff=2.0)
    assert result.requests == 3 + 3  # type: ignore[attr-defined]
    assert sleeps == [2.0, 4.0, 8.0, 1.0, 1.0]


def test_retries_run_out(arxiv: FakeArxiv, tmp_path: Path) -> None:
    arxiv.script[2] = [Reply(503, b"busy")] * 5
    output = tmp_path / "out.jsonl"
    output.write_text("the previous fetch\n", encoding="utf-8")
    sleeps: list[float] = []
    with pytest.raises(FetchError) as caught:
        fetch(arxiv, output, sleeps, max_retries=2)
    message = str(caught.value)
    assert message.startswith(f"arXiv answered HTTP 503 for {arxiv.url}?search_query=")
    assert "start=2" in message and "still after 3 attempts" in message
    assert "wait a few minutes" in message
    assert len(arxiv.requests) == 1 + 3
    # Nothing half-written: the old output is intact and no temporary file is left.
    assert output.read_text(encoding="utf-8") == "the previous fetch\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_other_status_is_not_retried(arxiv: FakeArxiv, tmp_path: Path) -> None:
    arxiv.script[0] = [Reply(404, b"<html>no such page</html>", {"Content-Type": "text/html"})]
    with pytest.raises(FetchError) as caught:
        fetch(arxiv, tmp_path / "out.jsonl", [])
    assert isinstance(caught.value, DigestError)
    assert caught.value.message.startswith(f"arXiv answered HTTP 404 for {arxiv.url}?")
    assert caught.value.message.endswith("(text/html)")
    assert len(arxiv.requests) == 1
    assert list(tmp_path.iterdir()) == []


def test_api_error_feed(arxiv: FakeArxiv, tmp_path: Path) -> None:
    arxiv.script[0] = [
        Reply(400, (ATOM / "error.xml").read_bytes(), {"Content-Type": "application/atom+xml"})
    ]
    with pytest.raises(FetchError) as caught:
        fetch(arxiv, tmp_path / "out.jsonl", [])
    assert caught.value.message.endswith(": max_results must be non-negative")
    assert "HTTP 400" in caught.value.message


def test_body_that_is_not_atom(arxiv: FakeArxiv, tmp_path: Path) -> None:
    arxiv.script[0] = [Reply(200, b"<html><body>maintenance</body></html>", {"Content-Type": "text/html"})]
    with pytest.raises(FetchError) as caught:
        fetch(arxiv, tmp_path / "out.jsonl", [])
    message = caught.value.message
    assert message.startswith(f"the answer from {arxiv.url}?search_query=")
    assert message.endswith(
        " (HTTP 200, text/html) is not what the arXiv API sends: "
        "not an Atom feed: the root element is <html>, expected <feed>"
    )
    assert caught.value.hint == "Check --base-url: it must be the arXiv API query endpoint"


def test_failure_on_a_later_page_leaves_no_output(arxiv: FakeArxiv, tmp_path: Path) -> None:
    arxiv.script[4] = [Reply(500, b"<html>oops</html>", {"Content-Type": "text/html"})] * 5
    output = tmp_path / "out.jsonl"
    with pytest.raises(FetchError, match=r"HTTP 500 .* still after 5 attempts"):
        fetch(arxiv, output, [])
    assert [r["start"] for r in arxiv.requests] == ["0", "2", "4", "4", "4", "4", "4"]
    assert list(tmp_path.iterdir()) == []


def test_empty_page_before_the_total_is_retried(arxiv: FakeArxiv, tmp_path: Path) -> None:
    arxiv.script[2] = [Reply(200, (ATOM / "empty.xml").read_bytes())]
    sleeps: list[float] = []
    result = fetch(arxiv, tmp_path / "out.jsonl", sleeps)
    assert (result.papers, result.pages, result.requests) == (5, 3, 4)  # type: ignore[attr-defined]
    assert sleeps == [3.0, 5.0, 3.0]


def test_duplicates_across_pages_are_written_once(arxiv: FakeArxiv, tmp_path: Path) -> None:
    # New submissions can shift pagination: the last entry of page 1 shows up again on page 2.
    arxiv.pages[4] = PAGES[2]
    output = tmp_path / "out.jsonl"
    result = fetch(arxiv, output, [], page_size=2)
    assert result.papers == 4  # type: ignore[attr-defined]
    ids = [json.loads(line)["id"] for line in output.read_text(encoding="utf-8").splitlines()]
    assert ids == ["2605.17483", "2605.18529", "2605.18703", "2605.19394"]


def test_invalid_requests_are_refused_before_any_traffic(arxiv: FakeArxiv, tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    with pytest.raises(FetchError, match=r"--from 2026-05-22 is after --to 2026-05-18"):
        fetch_arxiv(["cs.CL"], date(2026, 5, 22), date(2026, 5, 18), output, base_url=arxiv.url)
    with pytest.raises(FetchError, match=r"'cs CL' is not an arXiv category"):
        fetch_arxiv(["cs CL"], date(2026, 5, 18), date(2026, 5, 22), output, base_url=arxiv.url)
    with pytest.raises(FetchError, match="no arXiv category given"):
        fetch_arxiv([], date(2026, 5, 18), date(2026, 5, 22), output, base_url=arxiv.url)
    assert arxiv.requests == []
    assert not output.exists()


def test_connection_refused_is_retried_then_reported(tmp_path: Path) -> None:
    # A port nobody listens on (bound, then closed).
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps: list[float] = []
    with pytest.raises(FetchError) as caught:
        fetch_arxiv(
            ["cs.CL"],
            date(2026, 5, 18),
            date(2026, 5, 22),
            tmp_path / "out.jsonl",
            base_url=f"http://127.0.0.1:{port}/api/query",
            max_retries=1,
            sleep=sleeps.append,
            session=local_session(),
            delay=0.5,
            backoff=0.25,
        )
    assert caught.value.message == (
        f"no answer from http://127.0.0.1:{port}/api/query (ConnectionError), still after 2 attempts"
    )
    assert sleeps == [0.5]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7", 7.0), ("100000", 300.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0), ("soon", None), (None, None)],
)
def test_retry_after_header(header: str | None, seconds: float | None) -> None:
    # Past HTTP dates mean "now"; absurdly long waits are capped; unreadable values fall back to backoff.
    assert retry_policy().retry_after(header) == seconds


def test_backoff_jitter_stays_within_its_share(arxiv: FakeArxiv, tmp_path: Path) -> None:
    arxiv.script[0] = [Reply(503, b"busy")] * 3
    sleeps: list[float] = []
    fetch(arxiv, tmp_path / "out.jsonl", sleeps, delay=1.0, backoff=2.0, jitter=0.5)
    waits = sleeps[:3]
    assert all(base <= wait < base * 1.5 for base, wait in zip((2.0, 4.0, 8.0), waits, strict=True)), waits
    assert len(set(waits)) == 3 and waits != [2.0, 4.0, 8.0]


def test_cli_fetch_then_select_reads_what_it_wrote(arxiv: FakeArxiv, tmp_path: Path) -> None:
    """The real CLI end to end: `corpus fetch` against the local server, then `corpus stats` on its output."""
    from click.testing import CliRunner

    from digest_publisher.cli import cli

    output = tmp_path / "fetched.jsonl"
    runner = CliRunner()
    result = runner.invoke(cli, [
        "corpus", "fetch", "--category", "cs.CL", "--category", "cs.LG", "--from", "2026-05-18",
        "--to", "2026-05-22", "--output", str(output), "--api-url", arxiv.url, "--delay", "0", "--page-size", "2",
    ])
    assert result.exit_code == 0, result.stderr
    assert "5 papers in 3 page(s), 3 request(s)" in result.stderr
    assert arxiv.requests[0]["search_query"] == QUERY
    stats = runner.invoke(cli, ["corpus", "stats", str(output), "--json"])
    assert stats.exit_code == 0, stats.stderr
    assert json.loads(stats.stdout)["papers"] == 5

    bad = runner.invoke(cli, ["corpus", "fetch", "--category", "cs.CL", "--from", "2026-05-22", "--to",
                              "2026-05-18", "--output", str(tmp_path / "x.jsonl"), "--api-url", arxiv.url])
    assert bad.exit_code == 2 and "--to is before --from" in bad.stderr
    assert not (tmp_path / "x.jsonl").exists()

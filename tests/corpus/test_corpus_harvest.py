"""`corpus harvest` against recorded OAI-PMH pages replayed from 127.0.0.1.

data/oai/ holds ListRecords pages in arXiv's ``arXiv`` metadata format (OAI-PMH 2.0), exactly as the
server sends them: real papers of the week 2026-05-18 (the repo's sample), a resumption-token chain of
three pages (a deleted record, an older paper revised in the window, a paper listed twice), the
noRecordsMatch and badResumptionToken error answers, and page 2 cut off mid-record. The server answers
by the request's resumption token, can be scripted (503 + Retry-After, a hang) and records every request.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner, Result

from digest_publisher.cli import cli
from digest_publisher.corpus import iter_papers
from digest_publisher.corpus.harvest import HarvestResult, harvest_oai, part_path, state_path
from digest_publisher.corpus.oai import parse_page
from digest_publisher.corpus.text_cleanup import unwrap_abstract
from digest_publisher.errors import FetchError
from tests.local_http import QuietHandler, serving
from tests.paths import REPO_ROOT

OAI = Path(__file__).parent / "data" / "oai"
SAMPLE = REPO_ROOT / "samples" / "arxiv-week-2026-05-18"
FIRST, TOKEN2, TOKEN3 = "", "7015311|1001", "7015311|2001"
PAGES = {FIRST: "page-1.xml", TOKEN2: "page-2.xml", TOKEN3: "page-3.xml"}
# The window's papers in the three pages, in page order (the revised 2024 paper and the deleted record
# are left out, and 2605.16353, listed again on page 3, is written once).
EXPECTED = ["2605.15220", "2605.15300", "2605.16353", "2605.19358", "2605.19394", "2605.20423", "2605.21630"]
FROM, TO = "2026-05-14", "2026-05-22"
XML = {"Content-Type": "text/xml; charset=utf-8"}


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeOai:
    """Pages by resumption token ("" for the first request); ``script[token]`` replies are served first."""

    url: str = ""
    pages: dict[str, str] = field(default_factory=lambda: dict(PAGES))
    script: dict[str, list[Reply]] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)
    hang: dict[str, threading.Event] = field(default_factory=dict)  # token -> released when set

    def answer(self, query: dict[str, str]) -> Reply:
        token = query.get("resumptionToken", "")
        if token in self.hang:
            self.hang[token].wait(30)
        if self.script.get(token):
            return self.script[token].pop(0)
        if token in self.pages:
            return Reply(200, (OAI / self.pages[token]).read_bytes(), XML)
        return Reply(200, (OAI / "bad-resumption-token.xml").read_bytes(), XML)


@pytest.fixture
def oai() -> Iterator[FakeOai]:
    fake = FakeOai()

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
            fake.requests.append(query)
            reply = fake.answer(query)
            try:
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client was killed while waiting

    with serving(Handler) as url:
        fake.url = f"{url}/oai"
        try:
            yield fake
        finally:
            for event in fake.hang.values():
                event.set()


def _sample() -> dict[str, dict[str, object]]:
    papers: dict[str, dict[str, object]] = {}
    for path in sorted(SAMPLE.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            papers[record["id"]] = record
    return papers


def _harvest(oai: FakeOai, output: Path, **kwargs: Any) -> tuple[HarvestResult, list[float], list[str]]:
    sleeps: list[float] = []
    notices: list[str] = []
    result = harvest_oai(
        "cs", date.fromisoformat(FROM), date.fromisoformat(TO), output, base_url=oai.url, delay=0.0,
        sleep=sleeps.append, notice=notices.append, jitter=0.0, **kwargs,
    )  # fmt: skip
    return result, sleeps, notices


def _ids(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


def _cli(oai: FakeOai, output: Path, *extra: str) -> Result:
    return CliRunner().invoke(
        cli,
        ["corpus", "harvest", "--set", "cs", "--from", FROM, "--to", TO, "-o", str(output), "--delay", "0", *extra],
        env={"ARXIV_OAI_URL": oai.url, "DIGEST_NO_DOTENV": "1"},
    )


def test_a_recorded_page_becomes_the_listing_records_of_the_sample() -> None:
    """The faithful direction: every field of a recorded arXiv-format record is the sample's."""
    sample = _sample()
    page = parse_page((OAI / "page-1.xml").read_bytes())
    assert page.token == TOKEN2 and page.complete_size == 10 and page.cursor == 0
    assert [record["id"] for record in page.records] == EXPECTED[:3]
    for record in page.records:
        known = sample[str(record["id"])]
        for key in ("categories", "pdf", "abs", "authors", "title", "comment"):
            assert record[key] == known[key], key
        assert record["summary"] == unwrap_abstract(str(known["summary"]))
    assert [record["date"] for record in page.records] == ["2026-05-14", "2026-05-15", "2026-05-18"]
    last = parse_page((OAI / "page-3.xml").read_bytes())
    assert last.token is None and last.cursor == 8  # an empty <resumptionToken/> ends the list


def test_the_cli_follows_the_token_chain_and_writes_the_listing_shape(oai: FakeOai, tmp_path: Path) -> None:
    output = tmp_path / "arxiv-cs.jsonl"
    result = _cli(oai, output)
    assert result.exit_code == 0, result.output
    assert "7 papers in 3 page(s), 3 request(s), 1 records outside the window left out" in result.output
    assert _ids(output) == EXPECTED
    assert oai.requests[0] == {"verb": "ListRecords", "metadataPrefix": "arXiv", "set": "cs", "from": FROM}
    assert oai.requests[1:] == [
        {"verb": "ListRecords", "resumptionToken": TOKEN2},
        {"verb": "ListRecords", "resumptionToken": TOKEN3},
    ]
    assert not state_path(output).exists() and not part_path(output).exists()
    # The other commands read it: the listing reader dates each paper by its first version.
    papers = list(iter_papers(output))
    assert [paper.arxiv_id for paper in papers] == EXPECTED
    assert papers[0].submitted == date(2026, 5, 14) and papers[-1].submitted == date(2026, 5, 22)
    assert papers[0].authors[0] == "Michael Y. Hu" and papers[0].categories == ("cs.CL", "cs.AI", "cs.LG")
    stats = CliRunner().invoke(cli, ["corpus", "stats", str(output), "--json"], env={"DIGEST_NO_DOTENV": "1"})
    counts = json.loads(stats.stdout)
    assert (counts["papers"], counts["duplicates"], counts["date_from"]) == (7, 0, "2026-05-14"), stats.output


def test_a_503_with_retry_after_is_waited_out(oai: FakeOai, tmp_path: Path) -> None:
    oai.script[TOKEN2] = [Reply(503, b"Retry after 7 seconds", {"Retry-After": "7"}),
                          Reply(503, b"", {"Retry-After": "12"})]  # fmt: skip
    output = tmp_path / "cs.jsonl"
    _, sleeps, notices = _harvest(oai, output)
    assert _ids(output) == EXPECTED
    assert sleeps.count(7.0) == 1 and sleeps.count(12.0) == 1  # exactly what the service asked for
    assert [query.get("resumptionToken") for query in oai.requests] == [None, TOKEN2, TOKEN2, TOKEN2, TOKEN3]
    assert any("HTTP 503" in notice and "retrying in 7s" in notice for notice in notices)


def test_busy_beyond_the_retries_stops_cleanly_and_a_rerun_goes_on(oai: FakeOai, tmp_path: Path) -> None:
    oai.script[TOKEN3] = [Reply(503, b"", {"Retry-After": "1"})] * 3
    output = tmp_path / "cs.jsonl"
    with pytest.raises(FetchError, match=r"HTTP 503 .* still after 3 attempts") as caught:
        _harvest(oai, output, max_retries=2)
    assert "goes on from page 3" in str(caught.value)
    assert not output.exists()
    state = json.loads(state_path(output).read_text(encoding="utf-8"))
    assert state["token"] == TOKEN3 and state["pages"] == 2 and state["written"] == 5
    oai.requests.clear()
    result, _, notices = _harvest(oai, output)
    assert oai.requests == [{"verb": "ListRecords", "resumptionToken": TOKEN3}]  # page 1 and 2 not asked again
    assert _ids(output) == EXPECTED and result.resumed
    assert any("resuming" in notice for notice in notices)


def test_killed_mid_harvest_then_resumed_without_duplicates(oai: FakeOai, tmp_path: Path) -> None:
    """A real interruption: the CLI process is SIGKILLed while it waits for page 3."""
    oai.hang[TOKEN3] = threading.Event()
    output = tmp_path / "cs.jsonl"
    env = {**os.environ, "ARXIV_OAI_URL": oai.url, "DIGEST_NO_DOTENV": "1"}
    command = [sys.executable, "-m", "digest_publisher", "corpus", "harvest", "--from", FROM, "--to", TO,
               "-o", str(output), "--delay", "0"]  # fmt: skip
    process = subprocess.Popen(command, env=env, cwd=tmp_path, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not any(query.get("resumptionToken") == TOKEN3 for query in oai.requests):
        assert process.poll() is None and time.monotonic() < deadline, "the harvest never asked for page 3"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.stderr is not None
    process.stderr.close()
    oai.hang.pop(TOKEN3).set()
    assert not output.exists()
    assert _ids(part_path(output)) == EXPECTED[:5]
    # A writer killed after appending a page but before saving the state leaves lines the state does not
    # count: the resume drops them (here: a copy of page 1's first record).
    with part_path(output).open("a", encoding="utf-8") as part:
        part.write(part_path(output).read_text(encoding="utf-8").splitlines()[0] + "\n")
    oai.requests.clear()
    result = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "resuming the harvest" in result.stderr and "7 papers in 3 page(s), 1 request(s)" in result.stderr
    assert oai.requests == [{"verb": "ListRecords", "resumptionToken": TOKEN3}]
    assert _ids(output) == EXPECTED
    assert not state_path(output).exists() and not part_path(output).exists()


def test_an_expired_token_on_resume_restarts_the_list_and_skips_what_was_written(oai: FakeOai, tmp_path: Path) -> None:
    oai.script[TOKEN3] = [Reply(503, b"", {"Retry-After": "1"})]
    output = tmp_path / "cs.jsonl"
    with pytest.raises(FetchError):
        _harvest(oai, output, max_retries=0)
    oai.pages.pop(TOKEN3)  # the service forgot the token: it answers badResumptionToken
    # The list asked again from the start ends on its second page this time (it is what it is now).
    oai.script[TOKEN2] = [Reply(200, (OAI / "page-3.xml").read_bytes(), XML)]
    oai.requests.clear()
    _, _, notices = _harvest(oai, output)
    assert [query.get("resumptionToken") for query in oai.requests] == [TOKEN3, None, TOKEN2]
    assert any("no longer knows the saved resumption token" in notice for notice in notices)
    assert _ids(output) == EXPECTED  # pages 1 and 2 asked again, their papers not written again


def test_no_records_match_is_an_empty_harvest(oai: FakeOai, tmp_path: Path) -> None:
    oai.pages[FIRST] = "no-records-match.xml"
    output = tmp_path / "cs.jsonl"
    result = _cli(oai, output)
    assert result.exit_code == 0, result.output
    assert "noRecordsMatch" in result.output and "is empty" in result.output
    assert output.read_text(encoding="utf-8") == ""
    assert len(oai.requests) == 1 and not state_path(output).exists()


def test_a_malformed_page_is_a_clear_error_and_nothing_half_written(oai: FakeOai, tmp_path: Path) -> None:
    oai.pages[TOKEN2] = "page-2-truncated.xml"
    output = tmp_path / "cs.jsonl"
    result = _cli(oai, output)
    assert result.exit_code == 1
    text = result.output
    assert text.startswith("Error: the answer from http://127.0.0.1:") and "resumptionToken=7015311%7C1001" in text
    assert "(HTTP 200, text/xml; charset=utf-8) is not a readable OAI-PMH ListRecords page" in text
    assert "not well-formed XML" in text and "Nothing of that page was kept" in text
    assert not output.exists()
    assert _ids(part_path(output)) == EXPECTED[:3]  # page 1 only, none of page 2's records
    assert json.loads(state_path(output).read_text(encoding="utf-8"))["token"] == TOKEN2
    oai.pages[TOKEN2] = "page-2.xml"  # the service serves the page whole again
    again = _cli(oai, output)
    assert again.exit_code == 0, again.output
    assert _ids(output) == EXPECTED


def test_other_oai_errors_and_foreign_documents_fail_with_their_code(oai: FakeOai, tmp_path: Path) -> None:
    bad_argument = (OAI / "no-records-match.xml").read_bytes().replace(b"noRecordsMatch", b"badArgument")
    oai.script[FIRST] = [Reply(400, bad_argument, XML)]
    with pytest.raises(FetchError, match=r"answered badArgument for http://127\.0\.0\.1"):
        _harvest(oai, tmp_path / "a.jsonl")
    oai.script[FIRST] = [Reply(200, b"<html><body>Maintenance</body></html>", {"Content-Type": "text/html"})]
    with pytest.raises(FetchError, match=r"root element is <html>, not an OAI-PMH 2.0"):
        _harvest(oai, tmp_path / "b.jsonl")
    assert not (tmp_path / "a.jsonl").exists() and not (tmp_path / "b.jsonl").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == []  # no part or state file: nothing to resume


def test_a_kept_harvest_of_another_query_is_not_mixed_in(oai: FakeOai, tmp_path: Path) -> None:
    output = tmp_path / "cs.jsonl"
    oai.script[TOKEN2] = [Reply(503, b"", {"Retry-After": "1"})]
    with pytest.raises(FetchError):
        _harvest(oai, output, max_retries=0)
    result = _cli(oai, output, "--set", "math")
    assert result.exit_code == 1
    assert "an interrupted harvest of another query is kept in" in result.output
    assert "set=cs" in result.output


def test_an_output_name_with_a_date_is_refused_before_any_request(oai: FakeOai, tmp_path: Path) -> None:
    result = _cli(oai, tmp_path / "cs-2026-05-18.jsonl")
    assert result.exit_code == 2 and "holds a date" in result.output
    assert oai.requests == []

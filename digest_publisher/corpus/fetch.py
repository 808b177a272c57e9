"""``corpus fetch``: papers of some arXiv categories and dates, from the arXiv API, as a listing JSONL.

Polite by construction: one request at a time, ``delay`` seconds between pages (arXiv asks for 3),
retries by the project's retry rule (:mod:`digest_publisher.retry`: 429/503 and server or gateway errors,
``Retry-After`` honoured, exponential backoff with jitter). This is the only module of the corpus stage
that speaks HTTP; the session and the sleep function are parameters so tests can point it at a local
server and skip the waiting.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import requests
from tenacity import RetryCallState

from .. import __version__
from ..errors import FetchError
from ..retry import MAX_RETRY_AFTER, RetryPolicy, Transient
from .atom import AtomFeed, AtomFormatError, parse_feed
from .file_io import atomic_output

ARXIV_API = "https://export.arxiv.org/api/query"
USER_AGENT = f"digest-publisher/{__version__} (corpus fetch; one request at a time)"
_CATEGORY = re.compile(r"^[A-Za-z][A-Za-z\-]*(?:\.[A-Za-z\-]+)?$")
# Keys of the project's listing JSONL (see ../shared/corpora), plus date / version / doi.
LISTING_KEYS = ("id", "categories", "pdf", "abs", "authors", "title", "comment", "summary", "date", "version")


@dataclass(frozen=True)
class FetchResult:
    papers: int  # unique papers written
    pages: int  # pages of results received
    requests: int  # HTTP requests sent, retries included


def build_query(categories: list[str], date_from: date, date_to: date) -> str:
    """``(cat:cs.CL OR cat:cs.LG) AND submittedDate:[202605180000 TO 202605222359]``."""
    cats = " OR ".join(f"cat:{category}" for category in categories)
    if len(categories) > 1:
        cats = f"({cats})"
    return f"{cats} AND submittedDate:[{date_from:%Y%m%d}0000 TO {date_to:%Y%m%d}2359]"


def retry_policy(max_retries: int = 4, backoff: float = 5.0, delay: float = 3.0, jitter: float = 0.25) -> RetryPolicy:
    """The retry rule's parameters for arXiv: never sooner than the politeness ``delay`` (unless the server
    says when), a ``Retry-After`` honoured up to the rule's own ceiling."""
    return RetryPolicy(
        attempts=max_retries + 1, backoff=backoff, min_wait=delay, max_wait=MAX_RETRY_AFTER, jitter=jitter
    )


def polite_session(session: requests.Session | None, user_agent: str) -> requests.Session:
    """``session`` (or a new one) saying who it is: arXiv asks clients to, and requests' default says nothing."""
    http = session or requests.Session()
    if str(http.headers.get("User-Agent", "")).startswith("python-requests"):
        http.headers["User-Agent"] = user_agent
    return http


def get_once(
    http: requests.Session, policy: RetryPolicy, url: str, params: dict[str, str | int], *, timeout: float,
    service: str, hint: str,
) -> requests.Response:  # fmt: skip
    """One GET of an arXiv service under the project's retry rule: what the rule retries (a connection that
    failed, 429/503 and server errors) raises :class:`Transient` carrying the ``Retry-After`` wait, another
    failed request a :class:`FetchError` with ``hint``; any other answer is returned for the caller to read."""
    try:
        response = http.get(url, params=params, timeout=timeout)
    except requests.RequestException as exc:
        if policy.retries(exc, idempotent=True):
            raise Transient(f"no answer from {url} ({type(exc).__name__})") from exc
        raise FetchError(f"request to {url} failed: {exc}", hint) from exc
    if policy.retries_status(response.status_code, idempotent=True):
        raise Transient(
            f"{service} answered HTTP {response.status_code} for {response.url}",
            status=response.status_code,
            retry_after=policy.retry_after(response.headers.get("Retry-After")),
        )
    return response


def _validate(categories: list[str], date_from: date, date_to: date, page_size: int) -> None:
    if not categories:
        raise FetchError("no arXiv category given", "Pass at least one --category, e.g. --category cs.CL")
    for category in categories:
        if not _CATEGORY.match(category):
            raise FetchError(
                f"{category!r} is not an arXiv category", "Use names like cs.CL, cs.LG or hep-th"
            )
    if date_from > date_to:
        raise FetchError(
            f"--from {date_from.isoformat()} is after --to {date_to.isoformat()}", "Swap the two dates"
        )
    if not 1 <= page_size <= 2000:
        raise FetchError(
            f"page size {page_size} is out of range", "The arXiv API serves 1 to 2000 results a page"
        )


def fetch_arxiv(
    categories: list[str],
    date_from: date,
    date_to: date,
    output: Path,
    *,
    base_url: str = ARXIV_API,
    page_size: int = 100,
    delay: float = 3.0,
    max_retries: int = 4,
    session: requests.Session | None = None,
    progress: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    backoff: float = 5.0,
    jitter: float = 0.25,
    timeout: float = 60.0,
) -> FetchResult:
    """Fetch every paper submitted in ``[date_from, date_to]`` to any of ``categories``.

    Pages are requested with ``start``/``max_results``, sorted by submission date, until a page
    holds fewer entries than asked or ``opensearch:totalResults`` is reached. Papers are written
    to ``output`` in the listing JSONL shape as pages arrive, through a temporary file that
    replaces ``output`` only when every page has been fetched: on error nothing is left behind.

    What the project's retry rule retries (429, 500, 502, 503, 504, a connection error or timeout),
    and an empty page before the total is reached, is retried up to ``max_retries`` times, waiting
    ``Retry-After`` when the server sends one (at most 300 s), else ``backoff * 2**(attempt-1)`` plus
    up to ``jitter`` of it, and never less than ``delay``. Any other status, or a body that is not an
    Atom feed, raises :class:`FetchError` naming the URL and status.
    """
    _validate(categories, date_from, date_to, page_size)
    query = build_query(categories, date_from, date_to)
    http = polite_session(session, USER_AGENT)
    say = progress or (lambda _message: None)
    sent = 0
    policy = retry_policy(max_retries, backoff, delay, jitter)

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        seconds = state.upcoming_sleep
        say(f"{error}; retrying in {seconds:.0f}s (attempt {state.attempt_number + 1} of {max_retries + 1})")

    def get_page(start: int, total: int | None) -> AtomFeed:
        nonlocal sent
        params: dict[str, str | int] = {
            "search_query": query,
            "start": start,
            "max_results": page_size,
            "sortBy": "submittedDate",
            "sortOrder": "ascending",
        }
        sent += 1
        response = get_once(http, policy, base_url, params, timeout=timeout, service="arXiv",
                            hint="Check --base-url and the network")  # fmt: skip
        url = response.url
        try:
            feed = parse_feed(response.content)
        except AtomFormatError as exc:
            kind = response.headers.get("Content-Type", "unknown content type")
            if response.status_code != 200:
                raise FetchError(
                    f"arXiv answered HTTP {response.status_code} for {url} ({kind})",
                    "Check the query (categories, dates) and try again later",
                ) from exc
            raise FetchError(
                f"the answer from {url} (HTTP 200, {kind}) is not what the arXiv API sends: {exc}",
                "Check --base-url: it must be the arXiv API query endpoint",
            ) from exc
        if feed.api_error or response.status_code != 200:
            detail = f": {feed.api_error}" if feed.api_error else ""
            raise FetchError(
                f"arXiv answered HTTP {response.status_code} for {url}{detail}",
                "Check the categories and dates of the query",
            )
        if not feed.entries and total is not None and start < total:
            # The API sometimes serves an empty page in the middle of a result set; asking again works.
            raise Transient(f"arXiv served an empty page at start={start} of {total} results")
        return feed

    retrying = policy.retrying(idempotent=True, sleep=sleep, before_sleep=before_sleep)

    pages = 0
    start = 0
    total: int | None = None
    seen: set[str] = set()
    with atomic_output(output) as out:
        while True:
            if pages:
                sleep(delay)
            try:
                feed = retrying(get_page, start, total)
            except Transient as exc:
                raise FetchError(
                    f"{exc.message}, still after {max_retries + 1} attempts",
                    "arXiv is busy or rate-limiting: wait a few minutes and run the fetch again",
                ) from exc
            pages += 1
            if feed.total_results is not None:
                total = feed.total_results
            for entry in feed.entries:
                record = entry.record
                if entry.problem:
                    say(f"skipped an entry of page {pages}: {entry.problem}")
                    continue
                if record["id"] in seen:
                    continue  # pagination can shift while new papers arrive: keep the first copy
                seen.add(record["id"])
                line = {key: record[key] for key in LISTING_KEYS}
                if record.get("doi"):
                    line["doi"] = record["doi"]
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
            got = len(feed.entries)
            start += got
            say(f"page {pages}: {got} entries ({start} of {total if total is not None else '?'})")
            if got < page_size or (total is not None and start >= total):
                break
    return FetchResult(papers=len(seen), pages=pages, requests=sent)

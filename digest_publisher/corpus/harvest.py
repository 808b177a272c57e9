"""``corpus harvest``: a set of arXiv (e.g. ``cs``) over a date range, by OAI-PMH ``ListRecords``, as a
listing JSONL; the way arXiv asks bulk users to get metadata (its search API is for searches).

How it goes:

* the first request asks ``verb=ListRecords&metadataPrefix=arXiv&set=<set>&from=<from>`` (format: see
  :mod:`.oai`); every later one ``verb=ListRecords&resumptionToken=<token>``, until a page comes without
  a token. One request at a time, ``delay`` seconds apart.
* OAI-PMH selects by *datestamp*, the day a record last changed, not the day it was submitted: a paper
  submitted in the window and revised after it carries a later datestamp. So no ``until`` is sent, and
  the harvest keeps the records whose ``created`` day (version 1) lies in ``[from, to]``; older papers
  revised in the window are counted and left out.
* retries follow the project's one rule (:mod:`digest_publisher.retry`, with :func:`.fetch.retry_policy`'s
  arXiv parameters): arXiv's OAI-PMH service answers ``503`` with ``Retry-After`` when it wants a harvester
  to slow down, and that wait is honoured.
* resumable: records go, page by page, to a part file beside the output (``.<output>.harvest.part``), and
  after each page the next token, the page count and the part file's length go to a small state file
  (``.<output>.harvest.json``, written atomically). A re-run with the same query cuts the part file back to
  the length the state file records (a page written after the last state write is dropped, then fetched
  again) and goes on from the saved token; ids already written are never written twice. If the service
  no longer knows the token (``badResumptionToken``: tokens expire), the list is asked again from the start
  and the records already written are skipped. When the list ends the part file becomes the output
  (``os.replace``) and the state file is removed: the output only ever appears complete.
* a page that is not a readable OAI-PMH document, or an OAI-PMH error other than ``noRecordsMatch``, stops
  the harvest with a :class:`FetchError` naming the URL; nothing of that page is kept, the state file still
  points at it, and a re-run asks for it again. ``noRecordsMatch`` on the first page is an empty result.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import requests
from tenacity import RetryCallState

from .. import __version__
from ..errors import FetchError
from ..records.atomic import atomic_write_json
from ..retry import Transient
from .fetch import get_once, polite_session, retry_policy
from .oai import METADATA_PREFIX, OaiFormatError, OaiPage, parse_page

USER_AGENT = f"digest-publisher/{__version__} (corpus harvest; OAI-PMH, one request at a time)"
STATE_VERSION = 1
_SET_SPEC = re.compile(r"^[A-Za-z][A-Za-z\-]*(?::[A-Za-z][A-Za-z.\-]*)*$")


@dataclass(frozen=True)
class HarvestProgress:
    """What a progress display needs after each page."""

    pages: int
    received: int  # records the service sent so far (deleted ones included)
    written: int  # papers submitted in the window, written so far
    complete_size: int | None  # the whole list's size, when the service says
    started: float  # time.monotonic() when this run began
    received_at_start: int  # records received by earlier runs of this harvest


@dataclass(frozen=True)
class HarvestResult:
    papers: int  # unique papers in the output (submitted in the window)
    pages: int  # pages received, earlier interrupted runs included
    requests: int  # HTTP requests this run sent, retries included
    outside_window: int  # records left out: submitted before --from or after --to (e.g. revised papers)
    deleted: int  # records the archive marks as deleted
    resumed: bool  # this run continued an interrupted harvest
    no_records: bool = False  # the service answered noRecordsMatch


def state_path(output: Path) -> Path:
    return output.with_name(f".{output.name}.harvest.json")


def part_path(output: Path) -> Path:
    return output.with_name(f".{output.name}.harvest.part")


def _validate(set_spec: str, date_from: date, date_to: date) -> None:
    if not _SET_SPEC.match(set_spec):
        raise FetchError(
            f"{set_spec!r} is not an OAI-PMH set of arXiv",
            "Use a set such as cs, math, physics or physics:hep-th (arXiv's ListSets names them)",
        )
    if date_from > date_to:
        raise FetchError(f"--from {date_from.isoformat()} is after --to {date_to.isoformat()}", "Swap the two dates")


def _load_state(output: Path, query: dict[str, str]) -> dict[str, Any] | None:
    path = state_path(output)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        what = f"cannot read the harvest state {path}: {exc.strerror or exc}"
        raise FetchError(what, "Check its permissions") from exc
    try:
        state = json.loads(text)
        ok = (
            isinstance(state, dict)
            and state.get("version") == STATE_VERSION
            and isinstance(state.get("query"), dict)
            and isinstance(state.get("part_bytes"), int)
            and isinstance(state.get("pages"), int)
            and isinstance(state.get("received"), int)
            and (state.get("token") is None or isinstance(state.get("token"), str))
        )
    except json.JSONDecodeError:
        ok = False
    if not ok:
        raise FetchError(
            f"the harvest state {path} is not one this version wrote",
            f"Delete it and {part_path(output)} to start the harvest over",
        )
    if state["query"] != query:
        was = ", ".join(f"{key}={value}" for key, value in state["query"].items())
        raise FetchError(
            f"an interrupted harvest of another query is kept in {path} ({was})",
            "Run that harvest again to finish it, write to another --output, or delete the state file to drop it",
        )
    return dict(state)


def _ids_in(part: Path, length: int) -> set[str]:
    """The ids already written to the first ``length`` bytes of the part file."""
    seen: set[str] = set()
    with part.open("rb") as handle:
        for line in handle.read(length).splitlines():
            if line.strip():
                seen.add(json.loads(line)["id"])
    return seen


def harvest_oai(
    set_spec: str,
    date_from: date,
    date_to: date,
    output: Path,
    *,
    base_url: str,
    delay: float = 3.0,
    max_retries: int = 6,
    session: requests.Session | None = None,
    progress: Callable[[HarvestProgress], None] | None = None,
    notice: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    backoff: float = 5.0,
    jitter: float = 0.25,
    timeout: float = 120.0,
) -> HarvestResult:
    """Harvest the papers of ``set_spec`` submitted in ``[date_from, date_to]`` into ``output`` (listing
    JSONL), continuing an interrupted harvest of the same query (see the module docstring).

    ``progress`` is called after each page; ``notice`` gets one line for each retry and for a resume.
    """
    _validate(set_spec, date_from, date_to)
    say = notice or (lambda _message: None)
    query = {
        "base_url": base_url,
        "set": set_spec,
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "metadataPrefix": METADATA_PREFIX,
    }
    state_file, part = state_path(output), part_path(output)
    state = _load_state(output, query)
    if state is not None and not part.exists() and output.exists() and state["pages"] and not state["token"]:
        # Stopped between putting the finished output in place and removing the state file.
        state_file.unlink()
        return HarvestResult(
            papers=state["written"], pages=state["pages"], requests=0,
            outside_window=state["outside_window"], deleted=state["deleted"], resumed=True,
        )  # fmt: skip
    resumed = state is not None and state["pages"] > 0
    if state is None or not part.exists():
        if state is not None:
            say(f"the part file {part} is gone: starting the harvest over")
        state = {"version": STATE_VERSION, "query": query, "token": None, "pages": 0, "received": 0,
                 "written": 0, "outside_window": 0, "deleted": 0, "complete_size": None, "part_bytes": 0}  # fmt: skip
        resumed = False
        part.write_bytes(b"")
    if resumed:
        say(f"resuming the harvest kept in {state_file}: {state['written']} papers from {state['pages']} pages")

    http = polite_session(session, USER_AGENT)
    policy = retry_policy(max_retries, backoff, delay, jitter)
    sent = 0

    def before_sleep(retry: RetryCallState) -> None:
        error = retry.outcome.exception() if retry.outcome else None
        attempt = f"attempt {retry.attempt_number + 1} of {max_retries + 1}"
        say(f"{error}; retrying in {retry.upcoming_sleep:.0f}s ({attempt})")

    def get_page(params: dict[str, str]) -> tuple[OaiPage, str]:
        nonlocal sent
        sent += 1
        response = get_once(http, policy, base_url, dict(params), timeout=timeout, service="the OAI-PMH service",
                            hint="Check ARXIV_OAI_URL and the network")  # fmt: skip
        url = response.url
        try:
            page = parse_page(response.content)
        except OaiFormatError as exc:
            kind = response.headers.get("Content-Type", "unknown content type")
            where = f" (line {exc.line})" if exc.line else ""
            raise FetchError(
                f"the answer from {url} (HTTP {response.status_code}, {kind}) is not a readable OAI-PMH "
                f"ListRecords page{where}: {exc}",
                "Nothing of that page was kept; run the same harvest again to ask for it again (check "
                "ARXIV_OAI_URL if it keeps happening)",
            ) from exc
        if response.status_code != 200 and page.error_code is None:
            raise FetchError(f"the OAI-PMH service answered HTTP {response.status_code} for {url}",
                             "Check ARXIV_OAI_URL and try again later")  # fmt: skip
        return page, url

    retrying = policy.retrying(idempotent=True, sleep=sleep, before_sleep=before_sleep)
    started = time.monotonic()
    received_at_start = state["received"]

    try:
        with part.open("r+b") as out:
            out.truncate(state["part_bytes"])  # drop a page written after the last state write
            out.seek(state["part_bytes"])
            seen = _ids_in(part, state["part_bytes"])
            restarted = False
            first = True
            while True:
                if not first:
                    sleep(delay)
                first = False
                if state["token"]:
                    params = {"verb": "ListRecords", "resumptionToken": state["token"]}
                else:
                    params = {"verb": "ListRecords", "metadataPrefix": METADATA_PREFIX, "set": set_spec,
                              "from": date_from.isoformat()}  # fmt: skip
                try:
                    page, url = retrying(get_page, params)
                except Transient as exc:
                    raise FetchError(
                        f"{exc.message}, still after {max_retries + 1} attempts",
                        "The service is busy: run the same harvest again later, it goes on from page "
                        f"{state['pages'] + 1}",
                    ) from exc
                if page.error_code == "badResumptionToken" and state["token"] and not restarted:
                    why = page.error_message or "expired"
                    say(f"the service no longer knows the saved resumption token ({why}); asking for the list "
                        f"again from the start, skipping the {len(seen)} papers already written")  # fmt: skip
                    state["token"] = None
                    restarted = True
                    continue
                if page.error_code == "noRecordsMatch" and not state["token"] and not state["pages"]:
                    state["pages"] = 0
                    break
                if page.error_code is not None:
                    raise FetchError(
                        f"the OAI-PMH service answered {page.error_code} for {url}"
                        + (f": {page.error_message}" if page.error_message else ""),
                        "Check --set and the dates (arXiv's sets: ListSets); run the same harvest again to go on",
                    )
                lines: list[str] = []
                for record in page.records:
                    submitted = record["date"]
                    if not submitted or not date_from.isoformat() <= submitted <= date_to.isoformat():
                        state["outside_window"] += 1
                        continue
                    if record["id"] in seen:
                        continue
                    seen.add(record["id"])
                    lines.append(json.dumps(record, ensure_ascii=False) + "\n")
                out.write("".join(lines).encode("utf-8"))
                out.flush()
                os.fsync(out.fileno())
                state["pages"] += 1
                state["received"] += len(page.records) + page.deleted
                state["deleted"] += page.deleted
                state["written"] = len(seen)
                state["part_bytes"] = out.tell()
                state["token"] = page.token
                if page.complete_size is not None:
                    state["complete_size"] = page.complete_size
                atomic_write_json(state_file, state)
                if progress is not None:
                    progress(HarvestProgress(state["pages"], state["received"], state["written"],
                                             state["complete_size"], started, received_at_start))  # fmt: skip
                if not page.token:
                    break
    except FetchError:
        if not state_file.exists():
            part.unlink(missing_ok=True)  # failed before a page was kept: nothing to resume, nothing left behind
        raise
    os.replace(part, output)
    state_file.unlink(missing_ok=True)
    return HarvestResult(
        papers=len(seen),
        pages=state["pages"],
        requests=sent,
        outside_window=state["outside_window"],
        deleted=state["deleted"],
        resumed=resumed,
        no_records=state["pages"] == 0,
    )

"""Corpus files in, the papers of one topic and window out, de-duplicated, with counts.

The scan streams: it holds the key of every paper seen (to count duplicates) but keeps whole
``Paper`` objects only for the papers that pass the filters, so a multi-GB arXiv snapshot fits in
memory.
"""

from __future__ import annotations

import hashlib
import heapq
import multiprocessing
import os
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .corpus import corpus_files, detect_format, iter_papers, iter_papers_range, jsonl_ranges
from .errors import CorpusError, EmptySelectionError
from .models import Paper, Topic
from .topics import match_topic


def is_better(new: Paper, old: Paper) -> bool:
    """Duplicate rule: the highest version wins, then the latest listing (submitted date)."""
    if (new.version or 0) != (old.version or 0):
        return (new.version or 0) > (old.version or 0)
    if new.submitted and old.submitted and new.submitted != old.submitted:
        return new.submitted > old.submitted
    return False


@dataclass
class Selection:
    papers: list[Paper]
    matched: dict[str, str]  # paper key -> name of the include rule that selected it ("" without topic)
    files: int = 0
    records: int = 0
    unique: int = 0
    in_window: int = 0
    topic: Topic | None = None
    date_from: date | None = None
    date_to: date | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        return self.records - self.unique

    @property
    def stats(self) -> dict[str, Any]:
        dates = [p.submitted for p in self.papers if p.submitted]
        return {
            "files": self.files,
            "records": self.records,
            "papers": self.unique,
            "duplicates": self.duplicates,
            "selected": len(self.papers),
            "date_from": min(dates).isoformat() if dates else None,
            "date_to": max(dates).isoformat() if dates else None,
        }


def _in_window(paper: Paper, date_from: date | None, date_to: date | None) -> bool:
    if date_from is None and date_to is None:
        return True
    if paper.submitted is None:
        return False
    if date_from and paper.submitted < date_from:
        return False
    return not (date_to and paper.submitted > date_to)


def _digest(key: str) -> int:
    """64 bits of BLAKE2b of a paper key: what is remembered of EVERY record (to count unique papers),
    so that a million records cost 50 MB, not 150, and cross between processes as 8 bytes each.
    (Two of a million papers sharing a digest has a chance of about 3e-8, and would only miscount.)"""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")


def _count_distinct(parts: list[array[int]]) -> int:
    """Distinct values across sorted arrays (each already without repeats)."""
    if len(parts) == 1:
        return len(parts[0])
    count, last = 0, None
    for value in heapq.merge(*parts):
        if value != last:
            count += 1
            last = value
    return count


@dataclass
class _Scan:
    """What scanning one stream of records found; scans of parts of a corpus merge in file order.

    Of every record only a 64-bit digest of its key is kept, as sorted arrays (8 bytes a record), to
    count unique papers; whole papers are kept only for the selected ones.
    """

    records: int = 0
    seen: list[array[int]] = field(default_factory=list)  # sorted _digest of every key, per part
    window: list[array[int]] = field(default_factory=list)  # the same for the keys inside the window
    kept: dict[str, Paper] = field(default_factory=dict)
    matched: dict[str, str] = field(default_factory=dict)
    span_min: date | None = None
    span_max: date | None = None

    def merge(self, later: _Scan) -> None:
        self.records += later.records
        self.seen.extend(later.seen)
        self.window.extend(later.window)
        for key, paper in later.kept.items():
            previous = self.kept.get(key)
            if previous is None or is_better(paper, previous):
                self.kept[key] = paper
                self.matched[key] = later.matched[key]
        spans = [d for d in (self.span_min, self.span_max, later.span_min, later.span_max) if d]
        self.span_min, self.span_max = (min(spans), max(spans)) if spans else (None, None)


def _scan(papers: Iterable[Paper], topic: Topic | None, date_from: date | None, date_to: date | None) -> _Scan:
    scan = _Scan()
    seen: set[int] = set()
    window_keys: set[int] = set()
    kept, matched = scan.kept, scan.matched
    span_min: date | None = None
    span_max: date | None = None
    for paper in papers:
        scan.records += 1
        key = paper.key
        digest = _digest(key)
        seen.add(digest)
        if paper.submitted:
            span_min = paper.submitted if span_min is None or paper.submitted < span_min else span_min
            span_max = paper.submitted if span_max is None or paper.submitted > span_max else span_max
        if not _in_window(paper, date_from, date_to):
            continue
        window_keys.add(digest)
        rule = match_topic(topic, paper) if topic else ""
        if rule is None:
            continue
        previous = kept.get(key)
        if previous is None or is_better(paper, previous):
            kept[key] = paper
            matched[key] = rule
    scan.span_min, scan.span_max = span_min, span_max
    scan.seen = [array("Q", sorted(seen))]
    scan.window = [array("Q", sorted(window_keys))]
    return scan


# A JSON Lines file at least this big is read by several processes at once, one byte range each.
PARALLEL_MIN_BYTES = 64 * 1024 * 1024


def _scan_range(
    args: tuple[Path, str, int, int, int, Topic | None, date | None, date | None],
) -> _Scan | CorpusError:
    path, fmt, start, end, first_line, topic, date_from, date_to = args
    try:
        return _scan(iter_papers_range(path, fmt, start, end, first_line), topic, date_from, date_to)
    except CorpusError as exc:  # returned, not raised: the parent reports the error of the EARLIEST part
        return exc


def _scan_file(
    path: Path,
    fmt: str | None,
    topic: Topic | None,
    date_from: date | None,
    date_to: date | None,
    workers: int,
    parallel_min_bytes: int,
) -> _Scan:
    kind = fmt
    if workers > 1:
        try:
            big = path.stat().st_size >= parallel_min_bytes
        except OSError:
            big = False  # iter_papers reports it
        if big:
            kind = fmt or detect_format(path)
    if workers <= 1 or kind not in ("listing", "snapshot"):
        return _scan(iter_papers(path, fmt), topic, date_from, date_to)
    assert kind is not None
    ranges = jsonl_ranges(path, workers)
    tasks = [(path, kind, start, end, line, topic, date_from, date_to) for start, end, line in ranges]
    total = _Scan()
    with multiprocessing.get_context("fork").Pool(len(tasks)) as pool:
        # In file order, each part merged and dropped as it arrives: the first bad part's error wins.
        for part in pool.imap(_scan_range, tasks, chunksize=1):
            if isinstance(part, CorpusError):
                raise part
            total.merge(part)
            del part
    return total


def select_corpus(
    paths: Iterable[Path],
    topic: Topic | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    fmt: str | None = None,
    *,
    allow_empty: bool = False,
    workers: int | None = None,
    parallel_min_bytes: int = PARALLEL_MIN_BYTES,
) -> Selection:
    """Read every file, drop duplicates, keep the papers in the window that the topic selects.

    JSON Lines files of ``parallel_min_bytes`` or more are read by ``workers`` processes (default: the
    machine's cores, at most 4), each a byte range; the result is the same as reading them in one go.
    Raises :class:`EmptySelectionError` naming the filter that removed everything, unless
    ``allow_empty`` (``corpus stats`` reports zeros instead of failing).
    """
    if workers is None:
        workers = min(os.cpu_count() or 1, 4)
    total = _Scan()
    files = 0
    for path in corpus_files(paths):
        files += 1
        total.merge(_scan_file(path, fmt, topic, date_from, date_to, workers, parallel_min_bytes))
    selection = Selection(
        papers=sorted(total.kept.values(), key=lambda p: (p.submitted or date.min, p.arxiv_id or p.key)),
        matched=total.matched,
        files=files,
        records=total.records,
        unique=_count_distinct(total.seen),
        in_window=_count_distinct(total.window),
        topic=topic,
        date_from=date_from,
        date_to=date_to,
    )
    if not selection.papers and not allow_empty:
        raise EmptySelectionError(*_why_empty(selection, total.span_min, total.span_max))
    return selection


def _why_empty(selection: Selection, span_min: date | None, span_max: date | None) -> tuple[str, str]:
    if selection.records == 0:
        return (
            f"the corpus is empty: {selection.files} file(s) held no paper records",
            "Check the paths and the --format",
        )
    if selection.in_window == 0:
        window = f"{selection.date_from or '...'} to {selection.date_to or '...'}"
        span = f"{span_min} to {span_max}" if span_min else "no dates"
        return (
            f"the date filter (--from/--to {window}) removed all {selection.unique} papers; "
            f"the corpus spans {span}",
            "Widen the window or drop --from/--to",
        )
    assert selection.topic is not None
    return (
        f"the topic filter {selection.topic.label!r} matched none of the {selection.in_window} papers "
        f"in the window",
        f"Check the include rules of topic {selection.topic.number} in topics.toml, or pick another topic",
    )

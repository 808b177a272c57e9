"""Corpus files in, the papers of one topic and window out, de-duplicated, with counts.

The scan streams. Of every record it keeps a 64-bit digest of its key (to count unique papers); whole
papers only for the ones that pass the filters, and of those at most ``spill_after`` in memory: past
that, the selected papers move to a SQLite file in a temporary folder (:class:`_Kept`), so memory
does not grow with the share of the corpus a topic selects. The result, its order and the first
error reported are the same whether or not the selection spilled.

    (here)        select_corpus and Selection: the scan, its counts
    parts.py      reading in reader processes: a big JSON Lines file by byte ranges, many files by groups
    store.py      where a selection keeps its papers: a dict, then a SQLite file; the duplicate rule (is_better)
"""

from __future__ import annotations

import copy
import functools
import heapq
import itertools
import json
import os
import shutil
import sqlite3
import tempfile
import weakref
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..corpus import Skimmed, corpus_files, detect_format, iter_screened, iter_screened_range, jsonl_ranges
from ..errors import CorpusError, EmptySelectionError
from ..models import Paper, Topic
from ..screen import TopicScreen, topic_screen
from ..topics import match_topic
from .parts import PARALLEL_MIN_BYTES, file_groups, read_in_processes
from .store import (
    _SPILL_PREFIX,
    SPILL_AFTER,
    _Kept,
    _remove_spill,
    _Spill,
    _spill_failed,
    is_better,
    remove_stale_spills,
)

# ---------------------------------------------------------------------------------------------
# The selection

_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(ensure_ascii=False), one encoder


@dataclass(eq=False)
class Selection:
    """The counts of a scan and its selected papers, which may live in a temporary file.

    Iterate :meth:`iter_selected` to stream them; :attr:`papers` loads them all. Use the selection
    as a context manager (or call :meth:`close`) to remove the temporary file at once; otherwise it
    goes when the selection is garbage-collected, or at exit.
    """

    files: int
    records: int
    unique: int
    in_window: int
    selected: int
    topic: Topic | None
    date_from: date | None
    date_to: date | None
    _kept: _Kept = field(repr=False)
    _folder: Path = field(repr=False)
    # The earliest and latest submission (listing) date of ALL the records read, in the window or not.
    corpus_from: date | None = None
    corpus_to: date | None = None

    def __post_init__(self) -> None:
        self._cleanup = weakref.finalize(self, _remove_spill, self._kept, self._folder)

    def __enter__(self) -> Selection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the spilled papers; the counts, and :attr:`papers` if already loaded, remain."""
        self._cleanup()

    @property
    def duplicates(self) -> int:
        return self.records - self.unique

    def iter_selected(self) -> Iterator[tuple[Paper, str]]:
        """``(paper, name of the include rule that selected it)`` (the name is "" without a topic),
        by submission date (undated first), then arXiv id or key; streamed from disk if spilled."""
        return self._kept.iter_sorted()

    @functools.cached_property
    def papers(self) -> list[Paper]:
        """All the selected papers in memory, in order (enough for one post; iterate
        :meth:`iter_selected` to go through a broad selection)."""
        return [paper for paper, _ in self.iter_selected()]

    @property
    def matched(self) -> dict[str, str]:
        """Paper key -> name of the include rule that selected it ("" without a topic)."""
        return {paper.key: rule for paper, rule in self.iter_selected()}

    def jsonl_lines(self) -> Iterator[str]:
        """One JSON object per selected paper, its fields plus ``matched_rule``, in order."""
        for paper, rule in self.iter_selected():
            yield _ENCODE({**paper.to_dict(), "matched_rule": rule})

    def write_jsonl(self, path: Path) -> int:
        """Stream :meth:`jsonl_lines` into ``path``, replaced atomically; returns how many papers."""
        from ..records.atomic import atomic_text

        count = 0
        with atomic_text(path) as handle:
            for line in self.jsonl_lines():
                handle.write(line + "\n")
                count += 1
        return count

    @functools.cached_property
    def _selected_span(self) -> tuple[date | None, date | None]:
        return self._kept.date_span()

    @property
    def stats(self) -> dict[str, Any]:
        low, high = self._selected_span
        return {
            "files": self.files,
            "records": self.records,
            "papers": self.unique,
            "duplicates": self.duplicates,
            "selected": self.selected,
            "date_from": low.isoformat() if low else None,
            "date_to": high.isoformat() if high else None,
        }


# ---------------------------------------------------------------------------------------------
# The scan


def _in_window(submitted: date | None, date_from: date | None, date_to: date | None) -> bool:
    if date_from is None and date_to is None:
        return True
    if submitted is None:
        return False
    if date_from and submitted < date_from:
        return False
    return not (date_to and submitted > date_to)


# What is remembered of EVERY record (to count unique papers): 64 bits of Python's hash of its key (SipHash,
# keyed per interpreter; the readers are forked from this one, so they share the key), so that a million
# records cost 50 MB, not 150, and cross between processes as 8 bytes each. (Two of a million papers sharing
# a digest has a chance of about 3e-8, and would only miscount.)
_DIGEST_BITS = (1 << 64) - 1  # (the reader processes are forked: parts.READERS)


def _count_distinct(parts: list[array[int]], in_a_set: int = 500_000) -> int:
    """Distinct values across sorted arrays (each already without repeats): up to ``in_a_set`` values in all
    in a set (65 bytes each for a moment, ten times faster), else by merging the arrays (flat memory)."""
    if len(parts) == 1:
        return len(parts[0])
    if sum(map(len, parts)) <= in_a_set:
        return len(set().union(*parts))
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
    count unique papers; whole papers only for the selected ones, in a :class:`_Kept`.
    """

    kept: _Kept
    records: int = 0
    seen: list[array[int]] = field(default_factory=list)  # sorted digest of every key, per part
    window: list[array[int]] = field(default_factory=list)  # the same for the keys inside the window
    span_min: date | None = None
    span_max: date | None = None

    def merge(self, later: _Scan) -> None:
        self.records += later.records
        self.seen.extend(later.seen)
        self.window.extend(later.window)
        self.kept.merge(later.kept)
        spans = [d for d in (self.span_min, self.span_max, later.span_min, later.span_max) if d]
        self.span_min, self.span_max = (min(spans), max(spans)) if spans else (None, None)


def _scan(
    papers: Iterable[Paper | Skimmed], topic: Topic | None, date_from: date | None, date_to: date | None,
    spill: _Spill,
) -> _Scan:
    """Count every record; keep the papers in the window that the topic selects. A :class:`Skimmed`
    record (one the topic's screen ruled out) is counted, never kept."""
    scan = _Scan(_Kept(spill))
    seen: set[int] = set()
    window_keys: set[int] = set()
    offer = scan.kept.offer
    span_min: date | None = None
    span_max: date | None = None
    records = 0
    windowed = date_from is not None or date_to is not None
    last: object = object()  # a listing file's records share its date: span and window once per date
    inside = True
    for paper in papers:
        records += 1
        key, submitted = paper if isinstance(paper, Skimmed) else (paper.key, paper.submitted)
        digest = hash(key) & _DIGEST_BITS
        seen.add(digest)
        if submitted is not last:
            last = submitted
            if submitted:
                span_min = submitted if span_min is None or submitted < span_min else span_min
                span_max = submitted if span_max is None or submitted > span_max else span_max
            inside = not windowed or _in_window(submitted, date_from, date_to)
        if not inside:
            continue
        window_keys.add(digest)
        if isinstance(paper, Skimmed):
            continue
        rule = match_topic(topic, paper) if topic else ""
        if rule is None:
            continue
        offer(key, paper, rule)
    scan.records = records
    scan.span_min, scan.span_max = span_min, span_max
    scan.seen = [array("Q", sorted(seen))]
    scan.window = [array("Q", sorted(window_keys))]
    return scan


def _own_screen(screen: TopicScreen | None) -> TopicScreen | None:
    """A copy of ``screen`` (built once in the parent) for one stream of files: it learns from them."""
    return copy.deepcopy(screen) if screen else None


def _scan_range(
    args: tuple[Path, str, int, int, int, Topic | None, TopicScreen | None, date | None, date | None, _Spill],
) -> _Scan | CorpusError:
    path, fmt, start, end, first_line, topic, screen, date_from, date_to, spill = args
    try:
        papers = iter_screened_range(path, fmt, start, end, first_line, _own_screen(screen))
        scan = _scan(papers, topic, date_from, date_to, spill)
    except CorpusError as exc:  # returned, not raised: the parent reports the error of the EARLIEST part
        return exc
    scan.kept.close()  # complete on disk: the parent opens the file by name
    return scan


def _scan_files(
    args: tuple[list[Path], str | None, Topic | None, TopicScreen | None, date | None, date | None, _Spill],
) -> _Scan | CorpusError:
    """Whole files, one after the other, in a reader process (see :func:`.parts.file_groups`)."""
    paths, fmt, topic, screen, date_from, date_to, spill = args
    try:
        own = _own_screen(screen)
        papers = itertools.chain.from_iterable(iter_screened(path, fmt, own) for path in paths)
        scan = _scan(papers, topic, date_from, date_to, spill)
    except CorpusError as exc:  # returned, not raised: the parent reports the error of the EARLIEST group
        return exc
    scan.kept.close()
    return scan


def _scan_file(
    path: Path,
    fmt: str | None,
    topic: Topic | None,
    date_from: date | None,
    date_to: date | None,
    workers: int,
    parallel_min_bytes: int,
    spill: _Spill,
    screen: TopicScreen | None,
    own: TopicScreen | None,
) -> _Scan:
    """One file: read here with ``own`` (the screen of all the files read here), or, big enough, by reader
    processes, a byte range each, each with its own copy of ``screen``."""
    kind = fmt
    if workers > 1:
        try:
            big = path.stat().st_size >= parallel_min_bytes
        except OSError:
            big = False  # iter_papers reports it
        if big:
            kind = fmt or detect_format(path)
    if workers <= 1 or kind not in ("listing", "snapshot"):
        return _scan(iter_screened(path, fmt, own), topic, date_from, date_to, spill)
    assert kind is not None
    ranges = jsonl_ranges(path, workers)
    tasks = [(path, kind, start, end, line, topic, screen, date_from, date_to, spill) for start, end, line in ranges]
    total = _Scan(_Kept(spill))
    read_in_processes(_scan_range, tasks, len(tasks), total.merge)
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
    spill_after: int = SPILL_AFTER,
) -> Selection:
    """Read every file, drop duplicates, keep the papers in the window that the topic selects.

    JSON Lines files of ``parallel_min_bytes`` or more are read by ``workers`` processes (default: the
    machine's cores, at most 4), each a byte range; many smaller files that together hold that much (a
    year of daily listings) are read by as many processes, each a run of whole files. The result is the
    same as reading them in one go.
    Past ``spill_after`` selected papers (per process), they move to a SQLite file in a temporary
    folder (``$TMPDIR``), removed when the selection is closed; the result is the same.
    Raises :class:`EmptySelectionError` naming the filter that removed everything, unless
    ``allow_empty`` (``corpus stats`` reports zeros instead of failing).
    """
    if workers is None:
        workers = min(os.cpu_count() or 1, 4)
    remove_stale_spills(Path(tempfile.gettempdir()))
    try:
        folder = Path(tempfile.mkdtemp(prefix=f"{_SPILL_PREFIX}{os.getpid()}-"))
    except OSError as exc:
        raise _spill_failed(Path(tempfile.gettempdir()), exc) from exc
    try:
        spill = _Spill(max(spill_after, 0), folder)
        total = _Scan(_Kept(spill))
        files = 0
        found = corpus_files(paths)
        groups = file_groups(found, workers, parallel_min_bytes)
        screen = topic_screen(topic) if topic else None
        if groups:  # whole files per reader process, merged in file order: the same result
            files = len(found)
            tasks = [(group, fmt, topic, screen, date_from, date_to, spill) for group in groups]
            read_in_processes(_scan_files, tasks, workers, total.merge)
        own = None if groups else _own_screen(screen)  # one screen for all the files read here
        for path in [] if groups else found:
            files += 1
            total.merge(
                _scan_file(path, fmt, topic, date_from, date_to, workers, parallel_min_bytes, spill, screen, own)
            )
        selection = Selection(
            files=files,
            records=total.records,
            unique=_count_distinct(total.seen),
            in_window=_count_distinct(total.window),
            selected=len(total.kept),
            topic=topic,
            date_from=date_from,
            date_to=date_to,
            _kept=total.kept,
            _folder=folder,
            corpus_from=total.span_min,
            corpus_to=total.span_max,
        )
    except sqlite3.Error as exc:  # from the store, here or in a reader process: the disk is full, say
        shutil.rmtree(folder, ignore_errors=True)
        raise _spill_failed(folder, exc) from exc
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if not selection.selected and not allow_empty:
        selection.close()
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


__all__ = ["SPILL_AFTER", "Selection", "is_better", "select_corpus"]

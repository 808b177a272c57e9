"""Corpus files in, the papers of one topic and window out, de-duplicated, with counts.

The scan streams: it holds the key of every paper seen (to count duplicates) but keeps whole
``Paper`` objects only for the papers that pass the filters, so a multi-GB arXiv snapshot fits in
memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .corpus import corpus_files, iter_papers
from .errors import EmptySelectionError
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


def select_corpus(
    paths: Iterable[Path],
    topic: Topic | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    fmt: str | None = None,
    *,
    allow_empty: bool = False,
) -> Selection:
    """Read every file, drop duplicates, keep the papers in the window that the topic selects.

    Raises :class:`EmptySelectionError` naming the filter that removed everything, unless
    ``allow_empty`` (``corpus stats`` reports zeros instead of failing).
    """
    seen: set[str] = set()
    kept: dict[str, Paper] = {}
    matched: dict[str, str] = {}
    selection = Selection(papers=[], matched=matched, topic=topic, date_from=date_from, date_to=date_to)
    span_min: date | None = None
    span_max: date | None = None
    window_keys: set[str] = set()
    for path in corpus_files(paths):
        selection.files += 1
        for paper in iter_papers(path, fmt):
            selection.records += 1
            key = paper.key
            seen.add(key)
            if paper.submitted:
                span_min = paper.submitted if span_min is None or paper.submitted < span_min else span_min
                span_max = paper.submitted if span_max is None or paper.submitted > span_max else span_max
            if not _in_window(paper, date_from, date_to):
                continue
            window_keys.add(key)
            rule = match_topic(topic, paper) if topic else ""
            if rule is None:
                continue
            previous = kept.get(key)
            if previous is None or is_better(paper, previous):
                kept[key] = paper
                matched[key] = rule
    selection.unique = len(seen)
    selection.in_window = len(window_keys)
    selection.papers = sorted(kept.values(), key=lambda p: (p.submitted or date.min, p.arxiv_id or p.key))
    if not selection.papers and not allow_empty:
        raise EmptySelectionError(*_why_empty(selection, span_min, span_max))
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
